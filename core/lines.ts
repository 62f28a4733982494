/**
 * The one line splitter for byte streams (a data file, a Batch API output file): lines as raw bytes, so that the
 * caller decodes them strictly, with a bound per line and in total, so that /dev/zero, an endless line or a huge
 * download costs only the bounds in memory. Splitting on the byte 0x0A is safe in UTF-8: it never occurs inside a
 * multi-byte sequence.
 */

export interface LineBounds {
  /** Bytes one line may hold (without its newline). */
  lineBytes: number;
  /** Bytes the whole stream may hold. */
  totalBytes: number;
}

/**
 * A line's bytes, or, for a line longer than the bound, only its number (its bytes are dropped as they come).
 * `unterminated`: the last line, which no newline ended.
 */
export type RawLine = { number: number; bytes: Buffer; tooLong?: undefined; unterminated?: true } | { number: number; tooLong: true; bytes?: undefined; unterminated?: undefined };

const NEWLINE = 0x0a;

/**
 * Yields every line of `source` (1-based numbers, no terminator; a final empty line after the last newline is not
 * yielded). A line is yielded as `tooLong` as soon as it passes `lineBytes`, and its rest is skipped up to its
 * newline; past `totalBytes` in all, `tooMuch(number of the line being read)` is thrown.
 */
export async function* splitLines(source: AsyncIterable<Uint8Array>, bounds: LineBounds, tooMuch: (line: number) => Error): AsyncGenerator<RawLine> {
  // The unfinished line's parts, so that a long line is joined once rather than copied at every chunk.
  let parts: Buffer[] = [];
  let partBytes = 0;
  let skipping = false;
  let number = 0;
  let total = 0;
  const take = (rest: Buffer): Buffer => {
    const whole = parts.length === 0 ? rest : Buffer.concat([...parts, rest]);
    parts = [];
    partBytes = 0;
    return whole;
  };
  for await (const piece of source) {
    const chunk = Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    total += chunk.length;
    if (total > bounds.totalBytes) throw tooMuch(number + 1);
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE, start); nl >= 0; nl = chunk.indexOf(NEWLINE, start)) {
      number++;
      if (skipping) skipping = false;
      else if (partBytes + nl - start > bounds.lineBytes) {
        take(Buffer.alloc(0));
        yield { number, tooLong: true };
      } else yield { number, bytes: take(chunk.subarray(start, nl)) };
      start = nl + 1;
    }
    if (start < chunk.length && !skipping) {
      partBytes += chunk.length - start;
      if (partBytes > bounds.lineBytes) {
        take(Buffer.alloc(0));
        skipping = true;
        yield { number: number + 1, tooLong: true };
      } else {
        // A copy, so that the chunk it points into can be freed.
        parts.push(Buffer.from(chunk.subarray(start)));
      }
    }
  }
  if (partBytes > 0) {
    number++;
    yield { number, bytes: take(Buffer.alloc(0)), unterminated: true };
  }
}
