/**
 * `insideout data fetch`: download the official EmpatheticDialogues release, extract train/valid/test.csv and convert
 * them into the examples of MoEL's format (`ed_<split>_moel_format.jsonl`), in the cache folder that `loadDataset`
 * falls back to. Every file appears under its final name only when complete (temp file + rename), so an
 * interrupted fetch never leaves a half file that a later run would trust.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, fstatSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { openRegularFile } from "../../core/regularFile.js";
import { basename, join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";
import { readEdCsvConversations, conversationExamples } from "./csv.js";
import { edSplitFile, fetchedDataDir } from "./ed.js";
import { extractTarGz } from "./tar.js";
import { ED_SPLITS, type EdSplit, type LoadWarning } from "./types.js";

export const DEFAULT_ED_URL = "https://dl.fbaipublicfiles.com/parlai/empatheticdialogues/empatheticdialogues.tar.gz";

export interface FetchOptions {
  url?: string;
  /** Output folder; default `fetchedDataDir()` (the cache folder). */
  dir?: string;
  /** Download and convert again even if the converted files are there. */
  force?: boolean;
  keepArchive?: boolean;
  /** Called as bytes arrive; `total` is undefined when the server sends no length. */
  onProgress?: (received: number, total: number | undefined) => void;
}

export interface SplitSummary {
  csv: string;
  jsonl: string;
  conversations: number;
  examples: number;
  warnings: LoadWarning[];
}

export interface FetchResult {
  dir: string;
  url: string;
  /** False when the converted files were already there and `force` was not given. */
  downloaded: boolean;
  archiveBytes?: number;
  archiveSha256?: string;
  splits: Partial<Record<EdSplit, SplitSummary>>;
}

function isLocal(url: string): boolean {
  return url.startsWith("file:") || !/^[a-z][a-z0-9+.-]*:\/\//i.test(url);
}

/**
 * Plain words for undici's "fetch failed" and its cause. (Also keeps the message clear of the raw error codes that
 * the CLI's generic error explainer would read as "the model server is down".)
 */
function networkProblem(e: unknown): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  switch (cause?.code) {
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return "host not found (no network access, or a DNS problem)";
    case "ECONNREFUSED":
      return "the server refused the connection";
    case "ECONNRESET":
      return "the connection was reset";
    case "ETIMEDOUT":
    case "UND_ERR_CONNECT_TIMEOUT":
      return "the connection timed out";
    default:
      return cause?.message ?? (e as Error).message;
  }
}

/**
 * Downloads `url` (or copies a local path) to `dest` (temp file, then rename), hashing as it goes; with `maxBytes`,
 * a larger answer is refused (by its length up front, else as soon as it passes the cap) and nothing is left.
 */
export async function download(
  url: string,
  dest: string,
  onProgress: FetchOptions["onProgress"],
  maxBytes = Infinity,
): Promise<{ bytes: number; sha256: string }> {
  const tmp = `${dest}.part-${process.pid}`;
  const hash = createHash("sha256");
  let received = 0;
  let source: Readable;
  let total: number | undefined;
  if (isLocal(url)) {
    const path = url.startsWith("file:") ? fileURLToPath(url) : url;
    // A local mirror is read as any named file: a FIFO or device is refused rather than waited on or read forever.
    const fd = openRegularFile(path, "The local copy");
    total = fstatSync(fd).size;
    source = createReadStream(path, { fd });
  } else {
    let res: Response;
    try {
      res = await fetch(url, { redirect: "follow" });
    } catch (e) {
      throw new Error(`Cannot download ${url}: ${networkProblem(e)}.`);
    }
    if (!res.ok || !res.body) throw new Error(`Cannot download ${url}: HTTP ${res.status} ${res.statusText}`);
    const length = Number(res.headers.get("content-length"));
    total = Number.isFinite(length) && length > 0 ? length : undefined;
    source = Readable.fromWeb(res.body as import("node:stream/web").ReadableStream<Uint8Array>);
  }
  const tooLarge = (bytes: number) =>
    new Error(`Download of ${url} is larger than ${maxBytes} bytes (${bytes}${total === undefined ? " so far" : ""}): is it the right file?`);
  if (total !== undefined && total > maxBytes) {
    source.destroy();
    throw tooLarge(total);
  }
  const meter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      if (received > maxBytes) return done(tooLarge(received));
      hash.update(chunk);
      onProgress?.(received, total);
      done(null, chunk);
    },
  });
  try {
    await pipeline(source, meter, createWriteStream(tmp));
    if (total !== undefined && received !== total) {
      throw new Error(`Download of ${url} ended early: ${received} of ${total} bytes`);
    }
    renameSync(tmp, dest);
  } catch (e) {
    rmSync(tmp, { force: true });
    const err = e as Error & { cause?: Error };
    if (err.message.startsWith("Download of")) throw err;
    if (received > maxBytes) throw tooLarge(received);
    // undici reports a dropped connection as just "terminated"; say what happened.
    throw new Error(
      `Download of ${url} failed after ${received}${total !== undefined ? ` of ${total}` : ""} bytes: ${err.message}${err.cause ? ` (${err.cause.message})` : ""}`,
    );
  }
  return { bytes: received, sha256: hash.digest("hex") };
}

/** The official CSV of one split → `ed_<split>_moel_format.jsonl` (same fields as the MoEL-format files in ../shared). */
export async function convertSplit(csv: string, jsonl: string): Promise<SplitSummary> {
  const warnings: LoadWarning[] = [];
  const tmp = `${jsonl}.part-${process.pid}`;
  const out = createWriteStream(tmp);
  let conversations = 0;
  let examples = 0;
  try {
    for await (const conv of readEdCsvConversations(csv, warnings)) {
      conversations++;
      for (const ex of conversationExamples(conv)) {
        const line = JSON.stringify({
          idx: examples,
          conv_id: ex.convId,
          emotion: ex.emotion,
          situation: ex.situation,
          context: ex.dialogue,
          target: ex.reference,
        });
        examples++;
        if (!out.write(`${line}\n`)) await new Promise<void>((r) => out.once("drain", () => r()));
      }
    }
    await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
    renameSync(tmp, jsonl);
  } catch (e) {
    out.destroy();
    rmSync(tmp, { force: true });
    throw e;
  }
  return { csv, jsonl, conversations, examples, warnings };
}

export async function fetchEmpatheticDialogues(options: FetchOptions = {}): Promise<FetchResult> {
  const url = options.url ?? DEFAULT_ED_URL;
  const dir = options.dir ?? fetchedDataDir();
  const rawDir = join(dir, "raw");
  mkdirSync(rawDir, { recursive: true });
  const splits: Partial<Record<EdSplit, SplitSummary>> = {};

  if (!options.force && ED_SPLITS.every((s) => existsSync(edSplitFile(s, dir)))) {
    return { dir, url, downloaded: false, splits };
  }

  const archive = join(dir, basename(new URL(url, "file:///").pathname) || "empatheticdialogues.tar.gz");
  const { bytes, sha256 } = await download(url, archive, options.onProgress);

  const wanted = new Map(ED_SPLITS.map((s) => [`${s}.csv`, join(rawDir, `${s}.csv`)]));
  const found = await extractTarGz(createReadStream(archive), (name) => wanted.get(basename(name)));
  const missing = [...wanted.keys()].filter((f) => !found.some((n) => basename(n) === f));
  if (missing.length > 0) {
    throw new Error(`The archive at ${url} has no ${missing.join(", ")}: is it the EmpatheticDialogues release?`);
  }
  for (const split of ED_SPLITS) {
    splits[split] = await convertSplit(join(rawDir, `${split}.csv`), edSplitFile(split, dir));
  }
  if (!options.keepArchive) rmSync(archive, { force: true });

  const source = {
    url,
    sha256,
    bytes,
    fetchedAt: new Date().toISOString(),
    licence: "CC BY-NC 4.0 (EmpatheticDialogues, Rashkin et al. 2019)",
    splits: Object.fromEntries(
      ED_SPLITS.map((s) => [s, { conversations: splits[s]?.conversations, examples: splits[s]?.examples, warnings: splits[s]?.warnings.length }]),
    ),
  };
  writeFileSync(join(dir, "SOURCE.json"), `${JSON.stringify(source, null, 2)}\n`);
  return { dir, url, downloaded: true, archiveBytes: bytes, archiveSha256: sha256, splits };
}
