/**
 * A whole data file as text, to be parsed whole (JSON, quoted CSV): under INSIDEOUT_MAX_PARSED_FILE_BYTES, since a
 * parsed document takes many times its bytes (8 MiB of `{}` objects, 340 MB), and strictly UTF-8.
 */
import { readRegularFile } from "../../core/regularFile.js";
import { setting } from "../../core/settings.js";
import { DataFileError } from "./lines.js";

export async function readTextFile(file: string): Promise<string> {
  let bytes: Buffer;
  try {
    // The size is known from fstat before anything is read; a FIFO or device is refused, not waited on.
    bytes = readRegularFile(file, "The data file", setting("INSIDEOUT_MAX_PARSED_FILE_BYTES"), "INSIDEOUT_MAX_PARSED_FILE_BYTES");
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
export async function readJsonFile(file: string): Promise<unknown> {
  const text = await readTextFile(file);
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new DataFileError(`${file} is not JSON: ${(e as Error).message}`, file, 0);
  }
}
