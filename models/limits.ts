/**
 * Transport resilience for HTTP model providers, as the `fetch` that the OpenAI client is given (its documented
 * `fetch` option), over the global fetch:
 *  - a concurrency limit shared by every model instance given the same limiter (by default one for the process, so an
 *    evaluation at concurrency 32 with five agents each never opens 160 connections);
 *  - a per-attempt timeout that covers the headers and the whole body, and a total time for all attempts of one
 *    request, waits included, after which it gives up with what happened;
 *  - completion requests paced by the server's rate limits (models/pacing.ts), learnt from its `x-ratelimit-*`
 *    headers or set by --rpm/--tpm, across every request of the process;
 *  - retries with exponential backoff and jitter on 408/409/429/5xx, dropped connections, timeouts and 2xx answers
 *    whose JSON body is malformed, honouring `Retry-After` (seconds or an HTTP date) and `retry-after-ms`, and on a
 *    429 without them the wait its body names ("Please try again in 0.7s") or its reset headers, each announced on
 *    stderr (models/retryNotice.ts);
 *  - answers read with a byte cap, decompressed bytes counted (models/answerBody.ts), before anything parses them;
 *  - redirects never followed by fetch: one to another origin is refused (the dialogue is not sent there), one on the
 *    same origin is followed for a few hops, then called a loop;
 *  - credentials masked out of every error answer before the client reads it, so a server that echoes the key never
 *    gets it into an error message, a trace or a file;
 *  - a 2xx that is not a chat completion at all (an HTML page, `choices: []`) fails at once as a protocol error.
 * Retrying here rather than in the client is what lets us see the response headers; the callers set their own retry
 * counts to 0 so that retries are not multiplied.
 */
import { noteAnswered } from "./answeredUsage.js";
import { maskSecrets, secretValues } from "../core/secrets.js";
import { setting } from "../core/settings.js";
import { AnswerBodyError, cappedStream, readCapped } from "./answerBody.js";
import { estimateRequest, formatDuration, globalPacer, PacingWaitTooLong, rateHeaders, waitFromBody, waitFromReset, type Pacer } from "./pacing.js";
import { retryNotices, type RetryNotices } from "./retryNotice.js";

export { formatDuration } from "./pacing.js";

export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

export interface TransportLimits {
  /** Per-attempt timeout: headers and body must arrive within it. */
  timeoutMs: number;
  /** Retries after the first attempt. */
  maxRetries: number;
  /** First backoff delay; doubles each retry, capped at `maxBackoffMs`, with ±50 % jitter. */
  baseBackoffMs: number;
  maxBackoffMs: number;
  /**
   * A server asking to wait longer than this (Retry-After, a reset, or rate limits whose one request's share is
   * longer) is not waited for: the request gives up at once, saying so.
   */
  maxRetryAfterMs: number;
  /** All attempts of one request and the waits between them; no retry starts that would end past it. */
  totalMs: number;
  /** An answer's body, decompressed, in bytes. */
  maxAnswerBytes: number;
  /** Same-origin redirects followed for one request before it is called a loop. */
  maxRedirects: number;
}

const DEFAULT_TOTAL_MS = 120_000;

/**
 * Defaults, each overridable (docs/settings.md): 60 s per attempt (a structured answer of a few hundred tokens),
 * 3 retries, 2 minutes in all (at least one whole attempt), 4 MB per answer, waits a server asks for up to 60 s.
 * User settings, read at each model's resolution: a server or a test that sets them later is heard.
 */
export function defaultLimits(): TransportLimits {
  const timeoutMs = setting("INSIDEOUT_TIMEOUT_MS");
  return {
    timeoutMs,
    maxRetries: setting("INSIDEOUT_MAX_RETRIES"),
    baseBackoffMs: setting("INSIDEOUT_BACKOFF_MS"),
    maxBackoffMs: 20_000,
    maxRetryAfterMs: setting("INSIDEOUT_MAX_WAIT_MS"),
    totalMs: setting("INSIDEOUT_TOTAL_TIMEOUT_MS") ?? Math.max(DEFAULT_TOTAL_MS, timeoutMs),
    maxAnswerBytes: setting("INSIDEOUT_MAX_ANSWER_BYTES"),
    maxRedirects: 5,
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

/** `call` under `limiter`: for clients that take no fetch of ours (models/types.ts `around`). */
export async function limited<T>(limiter: Semaphore, call: () => Promise<T>): Promise<T> {
  const release = await limiter.acquire();
  try {
    return await call();
  } finally {
    release();
  }
}

const DEFAULT_MAX_CONCURRENCY = 32;
let globalSemaphore: Semaphore | undefined;

/**
 * The process-wide limiter: INSIDEOUT_MAX_CONCURRENCY (default 32) concurrent model requests, the setting as it is
 * when asked for (each model's resolution); waiting requests start at once if it grew.
 */
export function globalLimiter(): Semaphore {
  const limit = setting("INSIDEOUT_MAX_CONCURRENCY") ?? DEFAULT_MAX_CONCURRENCY;
  globalSemaphore ??= new Semaphore(limit);
  globalSemaphore.setLimit(limit);
  return globalSemaphore;
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

/** Waits ms, or rejects with the signal's reason when it aborts first. */
export const sleep = (ms: number, signal?: AbortSignal | null) =>
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
    super(`no answer within ${formatDuration(timeoutMs)}`, options);
    this.name = "TimeoutError";
  }
}

/**
 * What the transport gives up with: `connection` (dropped before an answer every time), `dropped` (closed mid-answer
 * every time), `timeout` (no answer in time every time), `protocol` (a 2xx that is not an OpenAI-compatible answer),
 * `redirect` (to another host, or in a loop), `too-large` (an answer over the byte cap), `pacing` (rate limits that ask
 * a request to wait longer than a server may: models/pacing.ts PacingWaitTooLong). `detail` says it as a phrase
 * that follows "The model server at <host>"; models/failures.ts builds the one line from it.
 */
export type TransportKind = "connection" | "dropped" | "timeout" | "protocol" | "redirect" | "too-large" | "pacing";

export class TransportError extends Error {
  readonly detail: string;
  constructor(
    readonly kind: TransportKind,
    message: string,
    options?: { cause?: unknown; detail?: string },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "TransportError";
    this.detail = options?.detail ?? message;
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

/** Streamed answers: OpenAI's server-sent events, Ollama's JSON lines. */
function isStream(type: string): boolean {
  return type.includes("text/event-stream") || type.includes("application/x-ndjson");
}

function isRedirect(status: number): boolean {
  return status >= 300 && status < 400 && status !== 304;
}

/**
 * One attempt under its timeout. The body is read inside it, with the byte cap (a stalled body times out too), and
 * handed back as a new Response; an error answer's body and headers have the request's and the environment's
 * credentials masked out. Streamed 2xx answers are passed through as they come, the timeout and the cap still
 * covering them. A redirect comes back unread: fetch is told not to follow it.
 */
async function timedFetch(
  fetchImpl: FetchLike,
  input: string | URL | Request,
  init: RequestInit | undefined,
  timeoutMs: number,
  maxBytes: number,
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
    const res = await fetchImpl(input, { ...init, redirect: "manual", signal: controller.signal });
    if (isRedirect(res.status)) {
      await res.body?.cancel().catch(() => {});
      return { res };
    }
    if (res.ok && res.body && isStream(res.headers.get("content-type") ?? "")) {
      // The timeout keeps covering the stream, but must not hold the process open once the stream is done.
      streaming = true;
      timer.unref();
      const body = cappedStream(res.body, maxBytes, (e) => {
        const error = tooLargeError(e);
        controller.abort(error);
        return error;
      });
      return { res: new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers }) };
    }
    const text = await readCapped(res, maxBytes);
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
  /** Why the attempt should be retried, in the same words for the same fault; undefined when it stands. */
  retryBecause?: string;
  waitMs?: number;
  /** What asked for `waitMs`, as the server wrote it: "Retry-After: 86400", "x-ratelimit-reset-requests: 24h". */
  waitFrom?: string;
  error?: unknown;
  /** A 2xx whose JSON body does not parse. */
  malformed?: boolean;
  /** A redirect's status and where it points. */
  redirect?: { status: number; to: URL };
}

/** A header as the server wrote it, short and on one line, to be named in a message. */
function quoted(headers: Headers, name: string, shown = name): string {
  return `${shown}: ${(headers.get(name) ?? "").replace(/[^\x20-\x7e]/g, "?").slice(0, 40)}`;
}

/**
 * The wait a retryable answer asks for, and what asked: `retry-after-ms` or `Retry-After`, else on a 429 the wait its
 * body names ("Please try again in 0.7s") or the reset header of its exhausted limit.
 */
function askedWait(res: Response, text: string | undefined): { ms: number; from: string } | undefined {
  const h = res.headers;
  const direct = retryAfterMs(h);
  if (direct !== undefined) {
    const ms = h.get("retry-after-ms");
    return { ms: direct, from: ms !== null && ms.trim() !== "" && Number.isFinite(Number(ms)) ? quoted(h, "retry-after-ms") : quoted(h, "retry-after", "Retry-After") };
  }
  if (res.status !== 429) return undefined;
  const said = waitFromBody(text);
  if (said !== undefined) return { ms: said, from: "its message" };
  const rate = rateHeaders(h);
  const reset = waitFromReset(rate);
  if (reset === undefined) return undefined;
  const header = rate.remainingRequests === 0 && rate.resetRequestsMs === reset ? "x-ratelimit-reset-requests" : "x-ratelimit-reset-tokens";
  return { ms: reset, from: quoted(h, header) };
}

/** What the request asked for, as far as judging the answer goes. */
interface Asked {
  chatCompletion: boolean;
  streamed: boolean;
}

function urlOf(input: string | URL | Request): string {
  return typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
}

function askedOf(input: string | URL | Request, init: RequestInit | undefined): Asked {
  const chatCompletion = /\/chat\/completions(\?|$)/.test(urlOf(input));
  // The OpenAI client serialises with JSON.stringify, so a streamed request says exactly this.
  const streamed = typeof init?.body === "string" && init.body.includes('"stream":true');
  return { chatCompletion, streamed };
}

/** Why a 2xx answer to a chat-completions request is not one, if it is not; undefined when it is. */
function notACompletion(asked: Asked, type: string, parsed: unknown): string | undefined {
  if (asked.streamed) return type.includes("text/event-stream") ? undefined : `a ${type || "typeless"} answer to a streamed request`;
  if (!type.includes("json")) return `a ${type || "typeless"} answer instead of JSON`;
  return notACompletionBody(parsed);
}

/** Why a parsed chat-completions body is not a completion (no `choices`, none in it); undefined when it is one. */
export function notACompletionBody(parsed: unknown): string | undefined {
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return "a body that is not a JSON object";
  const choices = (parsed as { choices?: unknown }).choices;
  if (!Array.isArray(choices)) return "JSON without `choices`";
  if (choices.length === 0) return "no choices in the answer";
  return undefined;
}

function notACompletionError(why: string): TransportError {
  return new TransportError("protocol", `The model server's answer is not a chat completion: ${why}.`);
}

function tooLargeError(e: AnswerBodyError): TransportError {
  return new TransportError("too-large", `The model server sent ${e.message}.`, { detail: `sent ${e.message}` });
}

/** One attempt under the limiter, classified: stands, or retry (and why), or redirect, or throw. */
async function attempt(
  fetchImpl: FetchLike,
  input: string | URL | Request,
  init: RequestInit | undefined,
  limits: TransportLimits,
  timeoutMs: number,
  limiter: Semaphore,
): Promise<Attempt> {
  const release = await limiter.acquire();
  try {
    const { res, text } = await timedFetch(fetchImpl, input, init, timeoutMs, limits.maxAnswerBytes);
    if (isRedirect(res.status)) {
      const location = res.headers.get("location");
      if (!location) throw new TransportError("redirect", `The model server answered HTTP ${res.status} without a Location.`, { detail: `answered HTTP ${res.status} (a redirect) without saying where to` });
      return { redirect: { status: res.status, to: new URL(location, urlOf(input)) } };
    }
    if (isRetryableStatus(res.status) && res.headers.get("x-should-retry") !== "false") {
      const asked = askedWait(res, text);
      return { response: res, retryBecause: `HTTP ${res.status}`, waitMs: asked?.ms, waitFrom: asked?.from };
    }
    if (!res.ok) return { response: res };
    const type = res.headers.get("content-type") ?? "";
    const asked = askedOf(input, init);
    if (isStream(type)) {
      const wrong = asked.chatCompletion ? notACompletion(asked, type, undefined) : undefined;
      if (wrong) throw notACompletionError(wrong);
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
    if (wrong) throw notACompletionError(wrong);
    if (asked.chatCompletion) noteAnswered(parsed);
    return { response: res };
  } catch (error) {
    if (error instanceof TransportError) throw error;
    if (error instanceof AnswerBodyError && error.kind === "too-large") throw tooLargeError(error);
    if (init?.signal?.aborted) throw init.signal.reason ?? error;
    // Not a transient fault, so say so at once instead of backing off for half a minute.
    if (unreachableReason(error)) throw error;
    if (error instanceof TimeoutError) return { error, retryBecause: `no answer within ${formatDuration(limits.timeoutMs)}` };
    if (error instanceof AnswerBodyError) return { error, retryBecause: error.message };
    return { error, retryBecause: `the connection closed before an answer (${(error as Error).message})` };
  } finally {
    release();
  }
}

export interface TransportOptions extends Partial<TransportLimits> {
  /** The concurrency limit these requests share (default: the process-wide one). */
  limiter?: Semaphore;
  /** Named with the host in retry notices: "openai", "ollama". */
  provider?: string;
  /** Paces completion requests by the server's rate limits (models/pacing.ts; default: the process's), or false. */
  pacer?: Pacer | false;
  /** Where retries are announced (default: the process's notices). */
  notices?: RetryNotices;
}

/** Header set on the last error answer handed back after retries: how many attempts were made. */
export const ATTEMPTS_HEADER = "x-insideout-attempts";
/** Set when the server asked to wait longer than the request had left (ms asked), and what asked (Attempt's waitFrom). */
export const WAIT_REFUSED_HEADER = "x-insideout-wait-refused-ms";
export const WAIT_FROM_HEADER = "x-insideout-wait-from";

/** Redirects that keep the method and body; a 303 turns a request into a GET, which no API call means. */
const FOLLOWED_REDIRECTS = new Set([301, 302, 307, 308]);

function redirectTarget(input: string | URL | Request, to: URL): string | Request {
  return input instanceof Request ? new Request(to, input) : to.href;
}

/** The redirect taken, or the TransportError that refuses it. */
function checkRedirect(from: string, r: { status: number; to: URL }, hops: number, max: number): TransportError | undefined {
  const origin = new URL(from).origin;
  if (r.to.origin !== origin) {
    return new TransportError("redirect", `The model server redirected to another host (${r.to.host}); not followed.`, {
      detail: `redirected (HTTP ${r.status}) to another host, ${r.to.origin}, which was not followed so that the request is not sent there`,
    });
  }
  if (!FOLLOWED_REDIRECTS.has(r.status)) {
    return new TransportError("redirect", `The model server answered HTTP ${r.status} (to ${r.to.pathname}).`, {
      detail: `answered HTTP ${r.status} (see ${r.to.pathname}), which would turn the request into a GET`,
    });
  }
  if (hops > max) {
    return new TransportError("redirect", `The model server redirected ${max} times without answering.`, {
      detail: `redirected ${max} times without answering (a redirect loop, last to ${r.to.pathname})`,
    });
  }
  return undefined;
}

/** With an attempt count on it, so that the one-line message can say how many there were. */
function withAttempts(res: Response, attempts: number, waitRefusedMs?: number, waitFrom?: string): Response {
  const headers = new Headers(res.headers);
  headers.set(ATTEMPTS_HEADER, String(attempts));
  if (waitRefusedMs !== undefined) headers.set(WAIT_REFUSED_HEADER, String(Math.round(waitRefusedMs)));
  if (waitRefusedMs !== undefined && waitFrom !== undefined) headers.set(WAIT_FROM_HEADER, waitFrom);
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

/**
 * A `fetch` with a concurrency limiter, per-attempt timeout, a total time, redirects checked and retries, each retry
 * announced. After the last retry it returns the last error answer (so the client reports the server's own error,
 * credentials masked, with ATTEMPTS_HEADER) or throws a TransportError saying what went wrong. `fetchImpl` defaults
 * to the global fetch, looked up on each request.
 */
export function resilientFetch(options: TransportOptions = {}, fetchImpl?: FetchLike): FetchLike {
  const { limiter, provider = "model server", pacer: pacerOption, notices = retryNotices, ...overrides } = options;
  const send: FetchLike = fetchImpl ?? ((input, init) => fetch(input, init));
  return async (input, init) => {
    const limits = { ...defaultLimits(), ...stripUndefined(overrides) };
    const shared = limiter ?? globalLimiter();
    const pacer = pacerOption === false ? undefined : (pacerOption ?? globalPacer());
    const cost = pacer ? estimateRequest(urlOf(input), init?.body) : undefined;
    const where = `${provider} ${hostOf(urlOf(input))}`;
    let target: string | URL | Request = input;
    let hops = 0;
    let started = 0;
    let deadline = 0;
    for (let retry = 0; ; ) {
      // Each attempt takes its cost from the rate-limit buckets (rejected ones count at OpenAI too), waiting if it
      // must; the request's own time starts once it is first let through.
      let ticket;
      try {
        ticket = cost ? await pacer!.admit(cost, init?.signal, Date.now, limits.maxRetryAfterMs) : undefined;
      } catch (e) {
        // Rate limits too low for a request to wait its share (x-ratelimit-limit-*, --rpm/--tpm), or a long hold:
        // said at once, naming what asked for it.
        if (!(e instanceof PacingWaitTooLong)) throw e;
        throw new TransportError("pacing", e.message, { detail: e.message });
      }
      if (started === 0) {
        started = Date.now();
        deadline = started + Math.max(limits.totalMs, 1);
      }
      const left = deadline - Date.now();
      const timeoutMs = retry === 0 && hops === 0 ? Math.min(limits.timeoutMs, limits.totalMs) : Math.max(1, Math.min(limits.timeoutMs, left));
      const a = await attempt(send, target, init, limits, timeoutMs, shared);
      if (ticket) {
        // A 429 holds every request to this server and model for the wait it names (or our backoff).
        // A wait longer than we allow a server to ask for holds nothing: every request hears it at once, as this one.
        const hold = a.response?.status === 429 && (a.waitMs ?? 0) <= limits.maxRetryAfterMs ? (a.waitMs ?? backoffMs(retry + 1, limits)) : undefined;
        pacer!.observe(ticket, a.response ? rateHeaders(a.response.headers) : {}, hold);
      }
      if (a.redirect) {
        hops++;
        const refused = checkRedirect(urlOf(target), a.redirect, hops, limits.maxRedirects);
        if (refused) throw refused;
        target = redirectTarget(target, a.redirect.to);
        continue;
      }
      if (!a.retryBecause) return a.response!;
      const attempts = retry + 1;
      const wait = a.waitMs !== undefined ? a.waitMs + Math.random() * 50 : backoffMs(retry + 1, limits);
      // No retry that could not even start a useful attempt before the deadline, nor a wait longer than we allow a
      // server to ask for: the user hears at once what the server asked.
      const outOfTime = deadline - (Date.now() + wait) < Math.min(limits.timeoutMs, 1000) || (a.waitMs ?? 0) > limits.maxRetryAfterMs;
      if (retry >= limits.maxRetries || outOfTime) {
        const tries = `${attempts} time${attempts === 1 ? "" : "s"}`;
        const inAll = attempts > 1 ? ` (${formatDuration(Date.now() - started)} in all)` : "";
        // No cause: the parser's message quotes the body, which the OpenAI client would search for "timed out".
        if (a.malformed) throw new TransportError("protocol", `The model server answered with malformed JSON ${tries}.`);
        if (a.response) return withAttempts(a.response, attempts, outOfTime && a.waitMs !== undefined ? a.waitMs : undefined, a.waitFrom);
        const kind = a.error instanceof TimeoutError ? "timeout" : a.error instanceof AnswerBodyError && a.error.kind === "dropped" ? "dropped" : "connection";
        const what = kind === "connection" ? "closed the connection before answering" : kind === "dropped" ? "closed the connection before the answer ended" : a.retryBecause;
        // A timeout goes without its cause: the OpenAI client would see "TimeoutError" in it and throw its own
        // causeless timeout error instead of passing ours on.
        const cause = kind === "timeout" ? undefined : a.error;
        throw new TransportError(kind, `The model server failed ${tries}; last: ${a.retryBecause}.`, { cause, detail: `${what}, ${tries}${inAll}` });
      }
      notices.announce({ where, cause: a.retryBecause.replace(/ \(.*\)$/, ""), waitMs: wait, attempt: attempts + 1, of: limits.maxRetries + 1 });
      await sleep(wait, init?.signal);
      retry++;
    }
  };
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
