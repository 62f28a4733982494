/**
 * A small streaming reader for .tar.gz archives (node:zlib + the tar format), so that `data fetch` needs no extra
 * dependency. It understands what GNU tar and Python's tarfile write: ustar headers (name + prefix), GNU long names
 * (type `L`) and pax extended headers (type `x`, `path=`). Only the entries the caller selects are written, each to
 * a path the caller chooses (never to a path taken from the archive), through a temp file renamed into place.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";

const BLOCK = 512;

export class TarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TarError";
  }
}

interface Header {
  name: string;
  size: number;
  type: string;
}

function cString(block: Buffer, start: number, length: number): string {
  const slice = block.subarray(start, start + length);
  const end = slice.indexOf(0);
  return slice.subarray(0, end < 0 ? length : end).toString("utf8");
}

function octal(block: Buffer, start: number, length: number): number {
  const field = block.subarray(start, start + length);
  // Sizes of 8 GiB and more are stored base-256, flagged by the high bit of the first byte.
  if (((field[0] ?? 0) & 0x80) !== 0) {
    let value = (field[0] ?? 0) & 0x7f;
    for (let i = 1; i < field.length; i++) value = value * 256 + (field[i] ?? 0);
    return value;
  }
  const text = cString(field, 0, length).trim();
  if (text === "") return 0;
  if (!/^[0-7]+$/.test(text)) throw new TarError(`corrupt tar header: bad octal field "${text}"`);
  return Number.parseInt(text, 8);
}

function parseHeader(block: Buffer): Header {
  // Header checksum: the sum of all bytes with the checksum field itself counted as spaces.
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 0x20 : (block[i] ?? 0);
  let stored: number | undefined;
  try {
    stored = octal(block, 148, 8);
  } catch {
    stored = undefined;
  }
  if (stored !== sum) throw new TarError("corrupt tar header: checksum mismatch (not a tar archive, or damaged)");
  const name = cString(block, 0, 100);
  const magic = cString(block, 257, 6);
  const prefix = magic.startsWith("ustar") ? cString(block, 345, 155) : "";
  return {
    name: prefix ? `${prefix}/${name}` : name,
    size: octal(block, 124, 12),
    type: String.fromCharCode(block[156] ?? 0),
  };
}

/** `path=` of a pax extended header ("<len> key=value\n" records). */
function paxPath(data: Buffer): string | undefined {
  let pos = 0;
  let path: string | undefined;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space < 0) break;
    const len = Number.parseInt(data.subarray(pos, space).toString("ascii"), 10);
    if (!Number.isFinite(len) || len <= 0) break;
    const record = data.subarray(space + 1, pos + len - 1).toString("utf8");
    const eq = record.indexOf("=");
    if (eq > 0 && record.slice(0, eq) === "path") path = record.slice(eq + 1);
    pos += len;
  }
  return path;
}

/** Where to write an entry (given its path in the archive), or undefined to skip it. */
export type SelectEntry = (name: string) => string | undefined;

/**
 * Reads a gzip-compressed tar stream and writes the selected regular files. Returns the archive names written.
 * A destination is complete once its rename happened: an interrupted run leaves no half file under that name.
 */
export async function extractTarGz(input: Readable, select: SelectEntry): Promise<string[]> {
  const gunzip = createGunzip();
  input.on("error", (e) => gunzip.destroy(e));
  input.pipe(gunzip);

  const written: string[] = [];
  let pending: Buffer = Buffer.alloc(0);
  let header: Header | undefined; // the entry whose data is being read
  let remaining = 0; // data bytes left in the current entry
  let padding = 0; // zero bytes after the data, up to the block boundary
  let meta: Buffer[] | undefined; // collects the data of a long-name / pax entry
  let nextName: string | undefined; // name given by a preceding long-name / pax entry
  let out: { fd: number; tmp: string; dest: string; name: string } | undefined;
  let ended = false;

  const finishEntry = (): void => {
    if (out) {
      closeSync(out.fd);
      renameSync(out.tmp, out.dest);
      written.push(out.name);
      out = undefined;
    }
    if (meta && header) {
      const data = Buffer.concat(meta);
      nextName = header.type === "L" ? cString(data, 0, data.length) : (paxPath(data) ?? nextName);
    }
    meta = undefined;
    header = undefined;
  };

  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      let buf = pending.length ? Buffer.concat([pending, chunk]) : chunk;
      for (;;) {
        if (ended) break;
        if (header) {
          const take = Math.min(remaining, buf.length);
          if (take > 0) {
            const part = buf.subarray(0, take);
            if (out) writeSync(out.fd, part);
            else if (meta) meta.push(Buffer.from(part));
            buf = buf.subarray(take);
            remaining -= take;
          }
          if (remaining > 0) break;
          const skip = Math.min(padding, buf.length);
          buf = buf.subarray(skip);
          padding -= skip;
          if (padding > 0) break;
          finishEntry();
          continue;
        }
        if (buf.length < BLOCK) break;
        const block = buf.subarray(0, BLOCK);
        buf = buf.subarray(BLOCK);
        if (block.every((b) => b === 0)) {
          // End-of-archive marker.
          ended = true;
          break;
        }
        const h = parseHeader(block);
        const name = nextName ?? h.name;
        nextName = undefined;
        header = { ...h, name };
        remaining = h.size;
        padding = (BLOCK - (h.size % BLOCK)) % BLOCK;
        if (h.type === "L" || h.type === "x") meta = [];
        else if (h.type === "0" || h.type === "\0" || h.type === "7") {
          const dest = select(name);
          if (dest) {
            const tmp = `${dest}.part-${process.pid}`;
            out = { fd: openSync(tmp, "w"), tmp, dest, name };
          }
        }
        if (remaining === 0 && padding === 0) finishEntry();
      }
      pending = Buffer.from(buf);
    }
  } catch (e) {
    if (out) {
      closeSync(out.fd);
      rmSync(out.tmp, { force: true });
    }
    if (e instanceof TarError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err.code?.startsWith("Z_")) throw new TarError(`not a valid gzip archive: ${err.message}`);
    throw e;
  }
  if (header || out) {
    if (out) {
      closeSync(out.fd);
      rmSync(out.tmp, { force: true });
    }
    throw new TarError(`truncated archive: ${header?.name ?? "an entry"} ends early`);
  }
  return written;
}
