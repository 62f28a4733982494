/**
 * Transport resilience for HTTP model providers, as the `fetch` that the OpenAI client is given (its documented
 * `fetch` option), over the global fetch:
 *  - a concurrency limit shared by every model instance given the same limiter (by default one for the process, so an
 *    evaluation at concurrency 32 with five agents each never opens 160 connections);
 *  - a per-attempt timeout that covers the headers and the whole body;
 *  - retries with exponential backoff and jitter on 408/409/429/5xx, dropped connections, timeouts and 2xx answers
 *    whose JSON body is malformed, honouring `Retry-After` (seconds or an HTTP date) and `retry-after-ms`;
 *  - credentials masked out of every error answer before the client reads it, so a server that echoes the key never
 *    gets it into an error message, a trace or a file;
 *  - a 2xx that is not a chat completion at all (an HTML page, `choices: []`) fails at once as a protocol error.
 * Retrying here rather than in the client is what lets us see the response headers; the callers set their own retry
 * counts to 0 so that retries are not multiplied.
 */
import { maskSecrets, secretValues } from "../core/secrets.js";

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

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

/** One attempt got no answer within its time. */
export class TimeoutError extends Error {
  constructor(
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(`no answer within ${timeoutMs} ms`, options);
    this.name = "TimeoutError";
  }
}

/**
 * What the transport gives up with: `connection` (dropped every time), `timeout` (no answer in time every time), or
 * `protocol` (a 2xx that is not an OpenAI-compatible answer). models/failures.ts classifies it.
 */
export class TransportError extends Error {
  constructor(
    readonly kind: "connection" | "timeout" | "protocol",
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "TransportError";
  }
}

/** Nobody listens there, or the name does not resolve, or fetch refuses the port: no retry can help. */
export function unreachableReason(error: unknown): string | undefined {
  // fetch puts the code on its cause; other clients on the error itself.
  const e = error as { code?: unknown; cause?: { code?: unknown; message?: unknown } } | undefined;
  const code = e?.code ?? e?.cause?.code;
  if (code === "ECONNREFUSED") return "connection refused";
  if (code === "ENOTFOUND" || code === "EAI_AGAIN") return "host not found";
  // WHATWG fetch's port blocklist (e.g. 9, 6000): the request never leaves the process.
  if (e?.cause?.message === "bad port") return "fetch refuses this port";
  return undefined;
}

function headerPairs(h: RequestInit["headers"]): [string, string][] {
  if (!h) return [];
  if (h instanceof Headers) return [...h.entries()];
  if (Array.isArray(h)) return h.map(([k, v]) => [String(k), String(v)]);
  return Object.entries(h as Record<string, string>);
}

/** The credentials this request carries, on top of the environment's: a key given in code is masked too. */
function requestSecrets(init: RequestInit | undefined): string[] {
  const own = headerPairs(init?.headers)
    .filter(([name]) => /^(authorization|api-key|x-api-key)$/i.test(name))
    .map(([, value]) => value.replace(/^(Bearer|Basic)\s+/i, ""))
    .filter((v) => v.length >= 8);
  return [...own, ...secretValues()].sort((a, b) => b.length - a.length);
}

function maskedHeaders(headers: Headers, secrets: string[]): Headers {
  const out = new Headers();
  headers.forEach((value, name) => out.append(name, maskSecrets(value, secrets)));
  return out;
}

const NULL_BODY_STATUS = new Set([101, 204, 205, 304]);

/**
 * One attempt under its timeout. The body is read inside it (a stalled body times out too) and handed back as a new
 * Response; an error answer's body and headers have the request's and the environment's credentials masked out.
 * Streamed 2xx answers are passed through as they come, the timeout still covering them.
 */
async function timedFetch(
  fetchImpl: FetchLike,
  input: string | URL | Request,
  init: RequestInit | undefined,
  timeoutMs: number,
): Promise<{ res: Response; text?: string }> {
  const controller = new AbortController();
  const caller = init?.signal;
  const onAbort = () => controller.abort(caller!.reason);
  if (caller?.aborted) onAbort();
  else caller?.addEventListener("abort", onAbort, { once: true });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort(new TimeoutError(timeoutMs));
  }, timeoutMs);
  let streaming = false;
  try {
    const res = await fetchImpl(input, { ...init, signal: controller.signal });
    if (res.ok && (res.headers.get("content-type") ?? "").includes("text/event-stream")) {
      // The timeout keeps covering the stream, but must not hold the process open once the stream is done.
      streaming = true;
      timer.unref();
      return { res };
    }
    const text = await res.text();
    const body = NULL_BODY_STATUS.has(res.status) ? null : text;
    if (res.ok) return { res: new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers }), text };
    const secrets = requestSecrets(init);
    const masked = maskSecrets(text, secrets);
    const headers = maskedHeaders(res.headers, secrets);
    return { res: new Response(body === null ? null : masked, { status: res.status, statusText: maskSecrets(res.statusText, secrets), headers }), text: masked };
  } catch (error) {
    if (timedOut) throw new TimeoutError(timeoutMs, { cause: error });
    throw error;
  } finally {
    if (!streaming) {
      clearTimeout(timer);
      caller?.removeEventListener("abort", onAbort);
    }
  }
}

interface Attempt {
  response?: Response;
  /** Why the attempt should be retried; undefined when it stands (success or a non-retryable error). */
  retryBecause?: string;
  waitMs?: number;
  error?: unknown;
  /** A 2xx whose JSON body does not parse. */
  malformed?: boolean;
}

/** What the request asked for, as far as judging the answer goes. */
interface Asked {
  chatCompletion: boolean;
  streamed: boolean;
}

function askedOf(input: string | URL | Request, init: RequestInit | undefined): Asked {
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  const chatCompletion = /\/chat\/completions(\?|$)/.test(url);
  // The OpenAI client serialises with JSON.stringify, so a streamed request says exactly this.
  const streamed = typeof init?.body === "string" && init.body.includes('"stream":true');
  return { chatCompletion, streamed };
}

/** Why a 2xx answer to a chat-completions request is not one, if it is not; undefined when it is. */
function notACompletion(asked: Asked, type: string, parsed: unknown): string | undefined {
  if (asked.streamed) return type.includes("text/event-stream") ? undefined : `a ${type || "typeless"} answer to a streamed request`;
  if (!type.includes("json")) return `a ${type || "typeless"} answer instead of JSON`;
  const choices = (parsed as { choices?: unknown } | null)?.choices;
  if (!Array.isArray(choices)) return "JSON without `choices`";
  if (choices.length === 0) return "no choices in the answer";
  return undefined;
}

class NotACompletion extends Error {}

/** One attempt under the limiter, classified: stands, or retry (and why), or throw. */
async function attempt(fetchImpl: FetchLike, input: string | URL | Request, init: RequestInit | undefined, limits: TransportLimits, limiter: Semaphore): Promise<Attempt> {
  const release = await limiter.acquire();
  try {
    const { res, text } = await timedFetch(fetchImpl, input, init, limits.timeoutMs);
    if (isRetryableStatus(res.status) && res.headers.get("x-should-retry") !== "false") {
      return { response: res, retryBecause: `HTTP ${res.status}`, waitMs: retryAfterMs(res.headers) };
    }
    if (!res.ok) return { response: res };
    const type = res.headers.get("content-type") ?? "";
    const asked = askedOf(input, init);
    if (type.includes("text/event-stream")) {
      const wrong = asked.chatCompletion ? notACompletion(asked, type, undefined) : undefined;
      if (wrong) throw new NotACompletion(wrong);
      return { response: res };
    }
    let parsed: unknown;
    if (type.includes("json")) {
      try {
        // The client parses the text again from the Response it is handed: one parse more per answer, for a genuine Response.
        parsed = JSON.parse(text!);
      } catch {
        return { response: res, retryBecause: "a malformed JSON body", malformed: true };
      }
    }
    const wrong = asked.chatCompletion ? notACompletion(asked, type, parsed) : undefined;
    if (wrong) throw new NotACompletion(wrong);
    return { response: res };
  } catch (error) {
    if (error instanceof NotACompletion) throw new TransportError("protocol", `The model server's answer is not a chat completion: ${error.message}.`);
    if (init?.signal?.aborted) throw error;
    // Not a transient fault, so say so at once instead of backing off for half a minute.
    if (unreachableReason(error)) throw error;
    const why = error instanceof TimeoutError ? error.message : `a dropped connection (${(error as Error).message})`;
    return { error, retryBecause: why };
  } finally {
    release();
  }
}

export interface TransportOptions extends Partial<TransportLimits> {
  /** The concurrency limit these requests share (default: the process-wide one). */
  limiter?: Semaphore;
}

/**
 * A `fetch` with a concurrency limiter, per-attempt timeout and retries. After the last retry it returns the last
 * error answer (so the client reports the server's own error, credentials masked) or throws a TransportError saying
 * what went wrong. `fetchImpl` defaults to the global fetch, looked up on each request.
 */
export function resilientFetch(options: TransportOptions = {}, fetchImpl?: FetchLike): FetchLike {
  const { limiter, ...overrides } = options;
  const send: FetchLike = fetchImpl ?? ((input, init) => fetch(input, init));
  return async (input, init) => {
    const limits = { ...defaultLimits(), ...stripUndefined(overrides) };
    const shared = limiter ?? globalLimiter();
    for (let retry = 0; ; retry++) {
      const a = await attempt(send, input, init, limits, shared);
      if (!a.retryBecause) return a.response!;
      if (retry >= limits.maxRetries) {
        const tries = `${retry + 1} time${retry === 0 ? "" : "s"}`;
        // No cause: the parser's message quotes the body, which the OpenAI client would search for "timed out".
        if (a.malformed) throw new TransportError("protocol", `The model server answered with malformed JSON ${tries}.`);
        if (a.response) return a.response;
        const kind = a.error instanceof TimeoutError ? "timeout" : "connection";
        throw new TransportError(kind, `The model server failed ${tries}; last: ${a.retryBecause}.`, { cause: a.error });
      }
      const wait = a.waitMs !== undefined ? Math.min(a.waitMs, limits.maxRetryAfterMs) + Math.random() * 50 : backoffMs(retry + 1, limits);
      await sleep(wait, init?.signal);
    }
  };
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
