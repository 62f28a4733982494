/**
 * Transport resilience for HTTP model providers, as a `fetch` that ChatOpenAI's client calls instead of the global one:
 *  - one process-wide concurrency limit, shared by every agent of every example (all model instances use the same
 *    semaphore, so an evaluation at concurrency 32 with five agents each never opens 160 connections);
 *  - a per-attempt timeout;
 *  - retries with exponential backoff and jitter on 408/409/429/5xx, dropped connections, timeouts and 2xx answers
 *    whose JSON body is malformed, honouring `Retry-After` (seconds or an HTTP date) and `retry-after-ms`.
 * Retrying here rather than in LangChain's AsyncCaller is what lets us see the response headers; the callers set their
 * own retry counts to 0 so that retries are not multiplied.
 */
import { leanFetch, TimeoutError, viaFetch, type FetchLike, type TimedFetch } from "./http.js";

export interface TransportLimits {
  /** Per-attempt timeout: headers and body must arrive within it. */
  timeoutMs: number;
  /** Retries after the first attempt. */
  maxRetries: number;
  /** First backoff delay; doubles each retry, capped at `maxBackoffMs`, with ±50 % jitter. */
  baseBackoffMs: number;
  maxBackoffMs: number;
  /** A server asking for more than this is not waited for longer than this. */
  maxRetryAfterMs: number;
}

function envNumber(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || n < min) throw new Error(`${name} must be a number ≥ ${min}, got "${raw}".`);
  return n;
}

/** Defaults, overridable by INSIDEOUT_TIMEOUT_MS and INSIDEOUT_MAX_RETRIES. Read on each call so tests can set env. */
export function defaultLimits(): TransportLimits {
  return {
    timeoutMs: envNumber("INSIDEOUT_TIMEOUT_MS", 120_000, 1),
    maxRetries: envNumber("INSIDEOUT_MAX_RETRIES", 6, 0),
    baseBackoffMs: envNumber("INSIDEOUT_BACKOFF_MS", 500, 0),
    maxBackoffMs: 20_000,
    maxRetryAfterMs: 60_000,
  };
}

/** A FIFO counting semaphore. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private limit: number) {}

  get inUse(): number {
    return this.active;
  }

  setLimit(limit: number): void {
    this.limit = limit;
    this.drain();
  }

  private drain(): void {
    while (this.active < this.limit && this.waiting.length > 0) {
      this.active++;
      this.waiting.shift()!();
    }
  }

  async acquire(): Promise<() => void> {
    if (this.active < this.limit && this.waiting.length === 0) this.active++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.active--;
      this.drain();
    };
  }
}

const DEFAULT_MAX_CONCURRENCY = 32;
let globalSemaphore: Semaphore | undefined;

/** The process-wide limiter: INSIDEOUT_MAX_CONCURRENCY (default 32) concurrent model requests. */
export function globalLimiter(): Semaphore {
  globalSemaphore ??= new Semaphore(envNumber("INSIDEOUT_MAX_CONCURRENCY", DEFAULT_MAX_CONCURRENCY, 1));
  return globalSemaphore;
}

/** Changes the process-wide limit (e.g. from `--concurrency`); waiting requests start at once if it grew. */
export function setMaxConcurrency(n: number): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`The concurrency limit must be a positive integer, got ${n}.`);
  globalLimiter().setLimit(n);
}

/** `retry-after-ms`, else `Retry-After` in seconds or as an HTTP date; undefined if absent or unreadable. */
export function retryAfterMs(headers: Pick<Headers, "get">, now = Date.now()): number | undefined {
  const ms = headers.get("retry-after-ms");
  if (ms !== null && ms.trim() !== "" && Number.isFinite(Number(ms))) return Math.max(0, Number(ms));
  const ra = headers.get("retry-after");
  if (ra === null || ra.trim() === "") return undefined;
  if (/^\s*\d+(\.\d+)?\s*$/.test(ra)) return Math.max(0, Number(ra) * 1000);
  const date = Date.parse(ra);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Exponential backoff with ±50 % jitter, so that many clients failing together do not retry together. */
export function backoffMs(retry: number, limits: TransportLimits, random: () => number = Math.random): number {
  const exp = Math.min(limits.maxBackoffMs, limits.baseBackoffMs * 2 ** (retry - 1));
  return exp * (0.5 + random());
}

function isRetryableStatus(status: number): boolean {
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

const sleep = (ms: number, signal?: AbortSignal | null) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason as Error);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason as Error);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

export class TransportError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "TransportError";
  }
}

function isUnreachable(error: unknown): boolean {
  // node:http puts the code on the error itself, fetch on its cause.
  const e = error as { code?: unknown; cause?: { code?: unknown; message?: unknown } } | undefined;
  const code = e?.code ?? e?.cause?.code;
  // "bad port": fetch refuses ports such as 9 or 6000 outright (WHATWG fetch's port blocklist); no retry helps.
  return code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "EAI_AGAIN" || e?.cause?.message === "bad port";
}

interface Attempt {
  response?: Response;
  /** Why the attempt should be retried; undefined when it stands (success or a non-retryable error). */
  retryBecause?: string;
  waitMs?: number;
  error?: unknown;
}

/** One attempt under the limiter; `send` applies the timeout and returns the body already read (unless streamed). */
async function attempt(send: TimedFetch, input: string | URL | Request, init: RequestInit | undefined, limits: TransportLimits): Promise<Attempt> {
  const release = await globalLimiter().acquire();
  try {
    const res = await send(input, init, limits.timeoutMs);
    const type = res.headers.get("content-type") ?? "";
    if (type.includes("text/event-stream")) return { response: res };
    if (isRetryableStatus(res.status) && res.headers.get("x-should-retry") !== "false") {
      return { response: res, retryBecause: `HTTP ${res.status}`, waitMs: retryAfterMs(res.headers) };
    }
    if (res.ok && type.includes("json")) {
      try {
        await res.json();
      } catch {
        return { response: res, retryBecause: "a malformed JSON body" };
      }
    }
    return { response: res };
  } catch (error) {
    if (init?.signal?.aborted) throw error;
    // Nobody listens there (or the name does not resolve): not a transient fault, so say so at once instead of
    // backing off for half a minute.
    if (isUnreachable(error)) throw error;
    const why = error instanceof TimeoutError ? error.message : `a dropped connection (${(error as Error).message})`;
    return { error, retryBecause: why };
  } finally {
    release();
  }
}

/**
 * A `fetch` with the process-wide limiter, per-attempt timeout and retries. After the last retry it returns the last
 * response (so the client reports the server's own error) or throws a TransportError saying what went wrong. Without
 * `fetchImpl` the requests go over the lean node:http transport of http.ts.
 */
export function resilientFetch(overrides: Partial<TransportLimits> = {}, fetchImpl?: FetchLike): FetchLike {
  const send: TimedFetch = fetchImpl ? (input, init, ms) => viaFetch(fetchImpl, input, init, ms) : leanFetch;
  return async (input, init) => {
    const limits = { ...defaultLimits(), ...stripUndefined(overrides) };
    for (let retry = 0; ; retry++) {
      const a = await attempt(send, input, init, limits);
      if (!a.retryBecause) return a.response!;
      if (retry >= limits.maxRetries) {
        if (a.response) return a.response;
        throw new TransportError(`The model server failed ${retry + 1} times; last: ${a.retryBecause}.`, { cause: a.error });
      }
      const wait = a.waitMs !== undefined ? Math.min(a.waitMs, limits.maxRetryAfterMs) + Math.random() * 50 : backoffMs(retry + 1, limits);
      await sleep(wait, init?.signal);
    }
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
