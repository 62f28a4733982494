/** A whole data file as text (JSON, quoted CSV), under the same byte cap and UTF-8 check as the line reader. */
import { readRegularFile } from "../../core/regularFile.js";
import { DataFileError, lineLimits, type LineLimits } from "./lines.js";

export async function readTextFile(file: string, limits: LineLimits = lineLimits()): Promise<string> {
  let bytes: Buffer;
  try {
    // The size is known from fstat before anything is read; a FIFO or device is refused, not waited on.
    bytes = readRegularFile(file, "The data file", limits.fileBytes, "INSIDEOUT_MAX_DATA_BYTES");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new DataFileError(`cannot read ${file}: ${code}`, file, 0);
    throw new DataFileError((e as Error).message, file, 0);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new DataFileError(`${file} is not valid UTF-8 text`, file, 0);
  }
  return text.startsWith("\uFEFF") ? text.slice(1) : text;
}

/** JSON.parse of a whole data file, a syntax error reported as one line naming the file. */
export async function readJsonFile(file: string, limits?: LineLimits): Promise<unknown> {
  const text = await readTextFile(file, limits);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new DataFileError(`${file} is not JSON: ${(e as Error).message}`, file, 0);
  }
}
