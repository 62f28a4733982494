/**
 * Extracting chosen files from a .tar.gz with the `tar` package's streaming Parser (ustar, GNU long names, pax).
 * Only the Parser is used, never its Unpack: no path from the archive ever reaches the file system. Each selected
 * regular file is written to a path the caller chooses, through a temp file renamed into place; links, devices and
 * folders are skipped whatever their name, and an entry larger than INSIDEOUT_MAX_DATA_BYTES (the cap the CSV
 * reader applies afterwards anyway) is refused from its header, before a byte of it is written.
 */
import { createWriteStream, renameSync, rmSync } from "node:fs";
import { Readable } from "node:stream";
import { finished } from "node:stream/promises";
import { Parser, type ReadEntry } from "tar";
import { formatBytes } from "../../core/inputLimits.js";
import { lineLimits } from "./lines.js";

export class TarError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TarError";
  }
}

/** Where to write an entry (given its path in the archive), or undefined to skip it. */
export type SelectEntry = (name: string) => string | undefined;

export interface TarLimits {
  /** Bytes one extracted entry may hold. */
  entryBytes: number;
}

const REGULAR_FILE = new Set(["File", "OldFile", "ContiguousFile"]);

/** Only gzip: the release is a .tar.gz, and refusing the rest keeps tar's zstd/brotli/plain sniffing out. */
async function* gzipOnly(input: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  let head = Buffer.alloc(0);
  let checked = false;
  for await (const chunk of input) {
    if (checked) {
      yield chunk;
      continue;
    }
    head = Buffer.concat([head, chunk]);
    if (head.length < 2) continue;
    if (head[0] !== 0x1f || head[1] !== 0x8b) throw new TarError("not a valid gzip archive: incorrect header check");
    checked = true;
    yield head;
  }
  if (!checked) throw new TarError("not a valid gzip archive: unexpected end of file");
}

/** tar's errors (strict mode turns its warnings into errors) in our words. */
function explain(e: Error & { code?: string; tarCode?: string; entry?: ReadEntry }): Error {
  if (e instanceof TarError) return e;
  if (e.code?.startsWith("Z_")) return new TarError(`not a valid gzip archive: ${e.message}`);
  if (e.message.includes("checksum failure")) {
    return new TarError("corrupt tar header: checksum mismatch (not a tar archive, or damaged)");
  }
  if (e.message.includes("Truncated input")) return new TarError(`truncated archive: ${e.entry?.path ?? "an entry"} ends early`);
  if (e.message.includes("max decompression ratio")) {
    return new TarError(`the archive expands more than 1000-fold, as a decompression bomb does: refused (${e.message})`);
  }
  if (e.message.includes("Unrecognized archive format")) return new TarError("not a tar archive: no valid entry in the gzip data");
  if (e.tarCode === "TAR_ENTRY_INVALID") return new TarError(`corrupt tar header: ${e.message.replace(/^TAR_ENTRY_INVALID: /, "")}`);
  return e;
}

/**
 * Reads a gzip-compressed tar stream and writes the selected regular files. Returns the archive names written.
 * A destination is complete once its rename happened: an interrupted run leaves no half file under that name.
 */
export async function extractTarGz(
  input: Readable,
  select: SelectEntry,
  limits: TarLimits = { entryBytes: lineLimits().fileBytes },
): Promise<string[]> {
  const written: string[] = [];
  const writes: Promise<void>[] = [];
  const open = new Set<NodeJS.WritableStream & { destroy(): void }>();
  let failure: Error | undefined;

  const write = async (entry: ReadEntry, dest: string): Promise<void> => {
    const tmp = `${dest}.part-${process.pid}`;
    const out = createWriteStream(tmp);
    open.add(out);
    entry.pipe(out);
    try {
      await finished(out);
    } catch (e) {
      failure ??= e as Error;
    }
    open.delete(out);
    // A truncated entry still "ends" (tar hands over what it had), after the error: never rename it then.
    if (failure) rmSync(tmp, { force: true });
    else {
      renameSync(tmp, dest);
      written.push(entry.path);
    }
  };

  const parser = new Parser({
    strict: true,
    brotli: false,
    zstd: false,
    onReadEntry: (entry: ReadEntry) => {
      const dest = REGULAR_FILE.has(entry.type) ? select(entry.path) : undefined;
      if (!dest) return void entry.resume();
      if (entry.size > limits.entryBytes) {
        // Thrown here it would escape into the stream machinery; abort() reports it through 'error'.
        return void parser.abort(
          new TarError(
            `${entry.path} in the archive holds ${formatBytes(entry.size)}, more than ${formatBytes(limits.entryBytes)}: is it the EmpatheticDialogues release? Raise INSIDEOUT_MAX_DATA_BYTES (now ${limits.entryBytes}) if its files are that large.`,
          ),
        );
      }
      writes.push(write(entry, dest));
    },
  });

  const source = Readable.from(gzipOnly(input));
  try {
    await new Promise<void>((resolve, reject) => {
      const fail = (e: Error): void => {
        failure ??= explain(e);
        // An entry cut off by the error never ends: close its file so that it is removed below.
        for (const out of open) out.destroy();
        reject(failure);
      };
      input.on("error", fail);
      source.on("error", fail);
      parser.on("error", fail);
      parser.on("end", () => resolve());
      source.pipe(parser as unknown as NodeJS.WritableStream);
    });
  } finally {
    source.unpipe();
    source.destroy();
    input.destroy();
    // Every temp file is renamed or removed before we return.
    await Promise.all(writes);
  }
  if (failure) throw failure;
  return written;
}
