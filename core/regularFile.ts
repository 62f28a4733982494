/**
 * Where a file is expected, only a regular file is read: opened with O_NONBLOCK (so opening a FIFO with no writer
 * does not wait forever) and checked with fstat on what was opened, so that a FIFO, a device such as /dev/zero or a
 * socket is one line, not a hang or all the memory.
 */
import { closeSync, constants as fsConstants, createReadStream, fstatSync, openSync, readSync } from "node:fs";
import { formatBytes } from "./inputLimits.js";
import { splitLines, type RawLine } from "./lines.js";

/** Opens `file` for reading; throws one line naming `what` and the file when it is not a regular file. */
export function openRegularFile(file: string, what: string): number {
  const fd = openSync(file, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) throw new Error(`${what} ${file} is a folder: give a file.`);
    if (!st.isFile()) throw new Error(`${what} ${file} is not a regular file (a pipe, device or socket): give a file.`);
    return fd;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/**
 * The whole of a regular file, refused above `maxBytes` before it is read (its size is known from fstat); `limitName`
 * is the setting that raises the limit, named in the refusal.
 */
export function readRegularFile(file: string, what: string, maxBytes: number, limitName?: string): Buffer {
  const fd = openRegularFile(file, what);
  try {
    const size = fstatSync(fd).size;
    if (size > maxBytes) throw tooLarge(file, what, size, maxBytes, limitName);
    // Read no further than the limit, even if the file grows meanwhile.
    const buf = Buffer.alloc(Math.min(size, maxBytes) + 1);
    let n = 0;
    for (let got = -1; got !== 0 && n < buf.length; n += got) got = readSync(fd, buf, n, buf.length - n, null);
    if (n > maxBytes) throw new Error(`${what} ${file} grew beyond ${formatBytes(maxBytes)} while being read.`);
    return buf.subarray(0, n);
  } finally {
    closeSync(fd);
  }
}

function tooLarge(file: string, what: string, size: number, maxBytes: number, limitName?: string): Error {
  const raise = limitName ? `, or raise ${limitName} (now ${maxBytes})` : "";
  return new Error(`${what} ${file} holds ${size} bytes, more than ${formatBytes(maxBytes)}: is it the right file${raise}?`);
}

/**
 * The bytes of a regular file as a stream, refused above `maxBytes` before anything is read (its size is known from
 * fstat) and cut off there should it grow meanwhile.
 */
export async function* regularFileChunks(file: string, what: string, maxBytes: number, limitName?: string): AsyncGenerator<Buffer> {
  const fd = openRegularFile(file, what);
  const size = fstatSync(fd).size;
  if (size > maxBytes) {
    closeSync(fd);
    throw tooLarge(file, what, size, maxBytes, limitName);
  }
  let total = 0;
  // Leaving early (a throw here or in the consumer) closes the stream.
  for await (const chunk of createReadStream(file, { fd }) as AsyncIterable<Buffer>) {
    total += chunk.length;
    if (total > maxBytes) throw new Error(`${what} ${file} grew beyond ${formatBytes(maxBytes)} while being read.`);
    yield chunk;
  }
}

/**
 * The lines of a regular file (core/lines.ts), a line at a time, refused above `maxBytes` in all as readRegularFile
 * refuses it (no line is longer than the whole).
 */
export async function* regularFileLines(file: string, what: string, maxBytes: number, limitName?: string): AsyncGenerator<RawLine> {
  yield* splitLines(regularFileChunks(file, what, maxBytes, limitName), { lineBytes: maxBytes, totalBytes: maxBytes }, () => new Error(`${what} ${file} grew beyond ${formatBytes(maxBytes)} while being read.`));
}
