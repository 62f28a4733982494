/**
 * Line-by-line reading of a text file as raw bytes, so that invalid UTF-8 is detected and reported with its line
 * (node's readline would silently replace it with U+FFFD) and memory stays flat on large files.
 */
import { createReadStream } from "node:fs";
import { formatBytes } from "../../core/inputLimits.js";
import { setting } from "../../core/settings.js";

export class DataFileError extends Error {
  constructor(
    message: string,
    readonly file: string,
    readonly line: number,
  ) {
    super(message);
    this.name = "DataFileError";
  }
}

export interface Line {
  /** 1-based. */
  number: number;
  text: string;
}

const NEWLINE = 0x0a;
// Reusable: a non-streaming decode() starts afresh each time.
const decoder = new TextDecoder("utf-8", { fatal: true });

function decodeLine(bytes: Buffer, file: string, number: number): string {
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch {
    throw new DataFileError(`invalid UTF-8 on line ${number} of ${file}`, file, number);
  }
  // Tolerate CRLF files and a UTF-8 byte-order mark, which editors on Windows add.
  if (text.endsWith("\r")) text = text.slice(0, -1);
  if (number === 1 && text.startsWith("\uFEFF")) text = text.slice(1);
  return text;
}

export interface LineLimits {
  lineBytes: number;
  fileBytes: number;
}

/** Bytes one line of a data file may hold (EmpatheticDialogues lines are < 10 KiB), and a whole file (its train split is ~30 MiB). */
export function lineLimits(): LineLimits {
  return { lineBytes: setting("INSIDEOUT_MAX_DATA_LINE_BYTES"), fileBytes: setting("INSIDEOUT_MAX_DATA_BYTES") };
}

function lineTooLong(file: string, number: number, limits: LineLimits): DataFileError {
  return new DataFileError(
    `line ${number} of ${file} is longer than ${formatBytes(limits.lineBytes)} (no newline found): is it a data file? Raise INSIDEOUT_MAX_DATA_LINE_BYTES (now ${limits.lineBytes}) if its lines are that long.`,
    file,
    number,
  );
}

function fileTooLong(file: string, number: number, limits: LineLimits): DataFileError {
  return new DataFileError(
    `${file} holds more than ${formatBytes(limits.fileBytes)} (passed on line ${number}): use a smaller file, or raise INSIDEOUT_MAX_DATA_BYTES (now ${limits.fileBytes}).`,
    file,
    number,
  );
}

/**
 * Yields every line of `file` (without its terminator). Splitting on the byte 0x0A is safe in UTF-8: that byte never
 * occurs inside a multi-byte sequence. A final empty line after the last newline is not yielded. Reading stops with a
 * DataFileError as soon as a line or the whole file passes `limits`, so /dev/zero or an endless line costs only the
 * limit in memory and time.
 */
export async function* readLines(file: string, limits: LineLimits = lineLimits()): AsyncGenerator<Line> {
  // Unfinished line: its parts, so that a long line is joined once rather than copied at every chunk.
  let parts: Buffer[] = [];
  let partBytes = 0;
  let number = 0;
  let total = 0;
  const take = (rest: Buffer): Buffer => {
    const whole = parts.length === 0 ? rest : Buffer.concat([...parts, rest]);
    parts = [];
    partBytes = 0;
    return whole;
  };
  // Leaving early (a throw here or in the consumer) closes the stream.
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > limits.fileBytes) throw fileTooLong(file, number + 1, limits);
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE, start); nl >= 0; nl = chunk.indexOf(NEWLINE, start)) {
      number++;
      if (partBytes + nl - start > limits.lineBytes) throw lineTooLong(file, number, limits);
      yield { number, text: decodeLine(take(chunk.subarray(start, nl)), file, number) };
      start = nl + 1;
    }
    if (start < chunk.length) {
      partBytes += chunk.length - start;
      if (partBytes > limits.lineBytes) throw lineTooLong(file, number + 1, limits);
      // A copy, so that the chunk it points into can be freed.
      parts.push(Buffer.from(chunk.subarray(start)));
    }
  }
  if (partBytes > 0) {
    number++;
    yield { number, text: decodeLine(take(Buffer.alloc(0)), file, number) };
  }
}
