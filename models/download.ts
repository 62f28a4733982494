/**
 * Fetches a model file once into the cache folder: resumable (HTTP Range on a `.part` file, also after a connection
 * cut mid-body), checksum-verified before the file gets its final name (so a file under the final name has been
 * verified), with a progress bar on a terminal and a few plain lines otherwise.
 */
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync, mkdirSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { Readable, Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import cliProgress from "cli-progress";
import { cacheDir, type Environment } from "../core/settings.js";
import type { PinnedModel } from "./defaultLocal.js";

export interface DownloadProgress {
  /** Bytes on disk so far, the resumed prefix included. */
  received: number;
  /** Full size when the server says it (or the caller knows it). */
  total?: number;
  /** Bytes that were already on disk when this download started. */
  resumedFrom: number;
}

export type ProgressMode = "auto" | "bar" | "lines" | "silent";

export interface DownloadOptions {
  url: string;
  /** Final path; the download goes to `dest + ".part"` until verified. */
  dest: string;
  /** Lower-case hex; when given, a mismatch deletes the file and throws a DownloadError of kind `checksum`. */
  sha256?: string;
  expectedSize?: number;
  /** Label for progress output. */
  label?: string;
  onProgress?: (p: DownloadProgress) => void;
  /** `auto`: a bar on a TTY, a line per 10% otherwise. */
  progress?: ProgressMode;
  /** Where progress is written; stderr by default so stdout stays machine-readable. */
  progressStream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Extra attempts that resume after a cut connection. */
  retries?: number;
  retryDelayMs?: number;
  signal?: AbortSignal;
}

export interface DownloadResult {
  path: string;
  bytes: number;
  /** True when a partial file from an earlier attempt (or run) was continued with a Range request. */
  resumed: boolean;
  sha256: string;
  /** HTTP requests made. */
  requests: number;
}

/** `checksum`: the whole file arrived and is not the one asked for (deleted); `failed`: it did not arrive. */
export class DownloadError extends Error {
  constructor(
    message: string,
    options?: { cause?: unknown },
    readonly kind: "failed" | "checksum" = "failed",
  ) {
    super(message, options);
    this.name = "DownloadError";
  }
}

function checksumMismatch(path: string, expected: string, actual: string): DownloadError {
  return new DownloadError(`checksum mismatch for ${path}: expected sha256 ${expected}, got ${actual}; the file was deleted`, undefined, "checksum");
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

function sizeOf(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}

interface Reporter {
  update(p: DownloadProgress): void;
  stop(): void;
}

function megabytes(n: number): string {
  return `${(n / 1e6).toFixed(1)} MB`;
}

function makeReporter(opts: DownloadOptions): Reporter {
  const stream = opts.progressStream ?? process.stderr;
  const mode = opts.progress ?? "auto";
  const label = opts.label ?? opts.dest;
  const user = opts.onProgress;
  if (mode === "silent") return { update: (p) => user?.(p), stop: () => undefined };
  if (mode === "bar" || (mode === "auto" && stream.isTTY)) {
    const bar = new cliProgress.SingleBar(
      {
        stream,
        format: `${label} [{bar}] {percentage}% | {value}/{total} MB | ETA {eta}s`,
        hideCursor: true,
        clearOnComplete: false,
      },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(p) {
        user?.(p);
        const total = Math.max(1, Math.round((p.total ?? p.received) / 1e6));
        const value = Math.round(p.received / 1e6);
        if (!started) {
          bar.start(total, value);
          started = true;
        } else {
          bar.setTotal(total);
          bar.update(value);
        }
      },
      stop() {
        if (started) bar.stop();
      },
    };
  }
  // Not a terminal (CI logs, pipes): one line when starting and one per 10%, never a carriage-return storm.
  let lastDecile = -1;
  return {
    update(p) {
      user?.(p);
      if (!p.total) {
        if (lastDecile < 0) stream.write(`Downloading ${label} (size unknown)...\n`);
        lastDecile = 0;
        return;
      }
      const decile = Math.floor((10 * p.received) / p.total);
      if (decile !== lastDecile) {
        lastDecile = decile;
        stream.write(`Downloading ${label}: ${decile * 10}% (${megabytes(p.received)} of ${megabytes(p.total)})\n`);
      }
    },
    stop: () => undefined,
  };
}

/** The total size from a 206's Content-Range (`bytes a-b/total`) or a 200's Content-Length. */
function totalFrom(res: Response, start: number): number | undefined {
  const range = res.headers.get("content-range");
  const m = range ? /\/(\d+)\s*$/.exec(range) : null;
  if (m?.[1]) return Number(m[1]);
  const len = res.headers.get("content-length");
  return len ? Number(len) + start : undefined;
}

function describeCause(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? (error as Error).message ?? String(error);
}

/** One HTTP request that appends to the part file; returns whether the file is complete. */
async function attempt(
  opts: DownloadOptions,
  part: string,
  reporter: Reporter,
  state: { total?: number; resumed: boolean; resumedFrom: number },
): Promise<boolean> {
  let start = sizeOf(part);
  const headers: Record<string, string> = {};
  if (start > 0) headers.Range = `bytes=${start}-`;
  const res = await fetch(opts.url, { headers, signal: opts.signal, redirect: "follow" });
  if (res.status === 416 && start > 0) {
    // The server has nothing past what we hold: either complete, or a stale part longer than the file.
    await res.body?.cancel();
    if (state.total !== undefined && start === state.total) return true;
    rmSync(part, { force: true });
    return false;
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new DownloadError(`HTTP ${res.status} ${res.statusText} from ${new URL(opts.url).host}`);
  }
  if (start > 0 && res.status !== 206) {
    // The server ignored the Range header: start over rather than append a second copy.
    rmSync(part, { force: true });
    start = 0;
  } else if (start > 0) {
    state.resumed = true;
  }
  state.total = totalFrom(res, start) ?? opts.expectedSize ?? state.total;
  if (!res.body) throw new DownloadError(`empty response body from ${new URL(opts.url).host}`);
  let received = start;
  reporter.update({ received, total: state.total, resumedFrom: state.resumedFrom });
  const counter = new Transform({
    transform(chunk: Buffer, _enc, done) {
      received += chunk.length;
      reporter.update({ received, total: state.total, resumedFrom: state.resumedFrom });
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(res.body as import("node:stream/web").ReadableStream), counter, createWriteStream(part, { flags: "a" }));
  } catch (error) {
    if (opts.signal?.aborted) throw error;
    return false; // a cut connection: the caller resumes from what reached the disk
  }
  return state.total === undefined || received >= state.total;
}

/**
 * Downloads `url` to `dest` unless `dest` already exists. Partial data survives in `dest.part` across attempts and
 * runs, and is continued with a Range request.
 */
export async function downloadFile(opts: DownloadOptions): Promise<DownloadResult> {
  const part = `${opts.dest}.part`;
  mkdirSync(dirname(opts.dest), { recursive: true });
  const retries = opts.retries ?? 5;
  const reporter = makeReporter(opts);
  const resumedFrom = sizeOf(part);
  const state: { total?: number; resumed: boolean; resumedFrom: number } = {
    total: opts.expectedSize,
    resumed: false,
    resumedFrom,
  };
  let requests = 0;
  let complete = false;
  try {
    for (let i = 0; i <= retries && !complete; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, (opts.retryDelayMs ?? 500) * i));
      requests++;
      try {
        complete = await attempt(opts, part, reporter, state);
      } catch (error) {
        if (error instanceof DownloadError || opts.signal?.aborted) throw error;
        // fetch() itself failed. On the first request that means offline/DNS/refused: say so at once instead of
        // retrying for a minute. Later, after a cut, the server may just be flaky: keep resuming.
        if (i === 0 || i === retries) {
          throw new DownloadError(`cannot reach ${new URL(opts.url).host} (${describeCause(error)})`, { cause: error });
        }
      }
    }
  } finally {
    reporter.stop();
  }
  if (!complete) throw new DownloadError(`download of ${opts.url} kept breaking off after ${requests} attempts; run again to resume`);
  const bytes = sizeOf(part);
  const digest = await sha256File(part);
  if (opts.sha256 && digest !== opts.sha256.toLowerCase()) {
    rmSync(part, { force: true });
    throw checksumMismatch(opts.dest, opts.sha256.toLowerCase(), digest);
  }
  renameSync(part, opts.dest);
  return { path: opts.dest, bytes, resumed: state.resumed, sha256: digest, requests };
}

/** Where a pinned model lives in the cache. */
export function pinnedModelPath(model: PinnedModel, env?: Environment): string {
  return join(cacheDir(env), "models", model.fileName);
}

/** One line that tells a user without the default model what to do instead. */
export function noModelHint(): string {
  return "Point at a model with --model local:/path/to/model.gguf or --model ollama:<name>, or set OPENAI_API_KEY (or OPENAI_BASE_URL).";
}

/**
 * The pinned model's path, downloading it first if it is not cached. A cached file under the final name was verified
 * when it was downloaded; its size is checked again as a cheap guard against truncation.
 */
export async function ensurePinnedModel(
  model: PinnedModel,
  opts: Pick<DownloadOptions, "progress" | "progressStream" | "onProgress" | "signal" | "retries" | "retryDelayMs"> & {
    env?: Environment;
    /** Overrides the model's URL (tests, mirrors). */
    url?: string;
  } = {},
): Promise<string> {
  const dest = pinnedModelPath(model, opts.env);
  if (existsSync(dest) && sizeOf(dest) === model.sizeBytes) return dest;
  if (existsSync(dest)) rmSync(dest, { force: true });
  const url = opts.url ?? model.url;
  (opts.progressStream ?? process.stderr).write(
    `First run: fetching the default local model ${model.name} (${megabytes(model.sizeBytes)}, ${model.license}) into ${dirname(dest)}\n`,
  );
  try {
    const result = await downloadFile({ ...opts, url, dest, sha256: model.sha256, expectedSize: model.sizeBytes, label: model.fileName });
    return result.path;
  } catch (error) {
    if (error instanceof DownloadError && error.kind === "checksum") throw error;
    const why = error instanceof Error ? error.message : String(error);
    throw new DownloadError(`No local model is cached and the default model could not be downloaded: ${why}. ${noModelHint()}`, {
      cause: error,
    });
  }
}
