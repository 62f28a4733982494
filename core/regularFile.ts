/**
 * Where a file is expected, only a regular file is read: opened with O_NONBLOCK (so opening a FIFO with no writer
 * does not wait forever) and checked with fstat on what was opened, so that a FIFO, a device such as /dev/zero or a
 * socket is one line, not a hang or all the memory.
 */
import { closeSync, constants as fsConstants, fstatSync, openSync, readSync } from "node:fs";
import { formatBytes } from "./inputLimits.js";

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
    if (size > maxBytes) {
      const raise = limitName ? `, or raise ${limitName} (now ${maxBytes})` : "";
      throw new Error(`${what} ${file} holds ${size} bytes, more than ${formatBytes(maxBytes)}: is it the right file${raise}?`);
    }
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
