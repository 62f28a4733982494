/**
 * Line-by-line reading of a text file as raw bytes, so that invalid UTF-8 is detected and reported with its line
 * (node's readline would silently replace it with U+FFFD) and memory stays flat on large files.
 */
import { createReadStream } from "node:fs";
import { openRegularFile } from "../../core/regularFile.js";
import { formatBytes } from "../../core/inputLimits.js";
import { setting } from "../../core/settings.js";
import { splitLines } from "../../core/lines.js";

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
 * Yields every line of `file` (without its terminator; a final empty line after the last newline is not yielded).
 * Reading stops with a DataFileError as soon as a line or the whole file passes `limits`, so /dev/zero or an endless
 * line costs only the limit in memory and time.
 */
export async function* readLines(file: string, limits: LineLimits = lineLimits()): AsyncGenerator<Line> {
  // Leaving early (a throw here or in the consumer) closes the stream.
  const fd = openRegularFile(file, "The data file");
  const source = createReadStream(file, { fd }) as AsyncIterable<Buffer>;
  for await (const line of splitLines(source, { lineBytes: limits.lineBytes, totalBytes: limits.fileBytes }, (n) => fileTooLong(file, n, limits))) {
    if (line.tooLong) throw lineTooLong(file, line.number, limits);
    yield { number: line.number, text: decodeLine(line.bytes, file, line.number) };
  }
}
