/** A whole data file as text (JSON, quoted CSV), under the same byte cap and UTF-8 check as the line reader. */
import { createReadStream } from "node:fs";
import { formatBytes } from "../../core/inputLimits.js";
import { DataFileError, lineLimits, type LineLimits } from "./lines.js";

export async function readTextFile(file: string, limits: LineLimits = lineLimits()): Promise<string> {
  const parts: Buffer[] = [];
  let total = 0;
  try {
    for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
      total += chunk.length;
      if (total > limits.fileBytes) {
        throw new DataFileError(
          `${file} holds more than ${formatBytes(limits.fileBytes)}: use a smaller file, or raise INSIDEOUT_MAX_DATA_BYTES (now ${limits.fileBytes}).`,
          file,
          0,
        );
      }
      parts.push(chunk);
    }
  } catch (e) {
    if (e instanceof DataFileError) throw e;
    throw new DataFileError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, file, 0);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(parts));
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
