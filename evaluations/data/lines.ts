/**
 * Line-by-line reading of a text file as raw bytes, so that invalid UTF-8 is detected and reported with its line
 * (node's readline would silently replace it with U+FFFD) and memory stays flat on large files.
 */
import { createReadStream } from "node:fs";

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

/**
 * Yields every line of `file` (without its terminator). Splitting on the byte 0x0A is safe in UTF-8: that byte never
 * occurs inside a multi-byte sequence. A final empty line after the last newline is not yielded.
 */
export async function* readLines(file: string): AsyncGenerator<Line> {
  let pending: Buffer = Buffer.alloc(0);
  let number = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    let data = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let start = 0;
    for (let nl = data.indexOf(NEWLINE, start); nl >= 0; nl = data.indexOf(NEWLINE, start)) {
      number++;
      yield { number, text: decodeLine(data.subarray(start, nl), file, number) };
      start = nl + 1;
    }
    data = data.subarray(start);
    // Copy so that the big chunk it points into can be freed.
    pending = Buffer.from(data);
  }
  if (pending.length > 0) {
    number++;
    yield { number, text: decodeLine(pending, file, number) };
  }
}
