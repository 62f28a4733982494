/**
 * Pacing by the provider's rate limits: requests per minute and tokens per minute, per server and model, shared by
 * every request of the process and of its worker threads (one SharedArrayBuffer, guarded by an Atomics lock).
 *
 * The model is OpenAI's: for each limit a bucket that holds at most the per-minute limit and refills continuously at
 * limit/60 s. A request takes its estimated cost from both buckets when it asks to go (the level may go negative: a
 * debt) and waits until the debt is repaid, so requests leave in the order they asked and each leaves as soon as the
 * server's bucket holds it. Rejected requests count too, as they do at OpenAI.
 *
 * What the server says corrects the model: the limits come from `x-ratelimit-limit-requests|tokens` (or --rpm/--tpm,
 * the lower of the two), and each answer's `x-ratelimit-remaining-requests|tokens` resets the level to the server's
 * own figure, minus what was sent after that request. So a server that counts tokens differently from our estimate
 * paces at its own count; the estimate matters only for the requests in flight. A 429 holds every request to that
 * server and model for the wait it names (models/limits.ts reads it from the headers or the body).
 *
 * The estimate (estimateRequest), as OpenAI describes its own: characters / 4 of the messages and of the tools or
 * response format they ask for (which count as prompt tokens; ~4.5 characters make a token of English prose, so it
 * errs high), plus max_tokens or max_completion_tokens times n, the completion budget charged up front.
 */
import { setTimeout as sleepFor } from "node:timers/promises";

export interface RequestCost {
  /** The server (origin) and model: limits are per model at OpenAI. */
  key: string;
  tokens: number;
}

/** What a request took from the buckets; handed back with the answer's headers. */
export interface Ticket {
  slot: number;
  /** This slot's request count after this request: orders the tickets. */
  seq: number;
  /** This slot's token count after this request. */
  tokensAfter: number;
  cost: RequestCost;
}

export interface RateLimits {
  /** Requests per minute; undefined: as the server says. */
  rpm?: number;
  /** Tokens per minute; undefined: as the server says. */
  tpm?: number;
}

export interface RateHeaders {
  limitRequests?: number;
  limitTokens?: number;
  remainingRequests?: number;
  remainingTokens?: number;
  resetRequestsMs?: number;
  resetTokensMs?: number;
}

const MINUTE_MS = 60_000;
/**
 * How long a request may wait for the rate limit before its own time starts (the OpenAI client's timeout leaves room
 * for it). Waits are (requests in flight × their cost) / the limit: minutes only at a very high --concurrency.
 */
export const PACING_ALLOWANCE_MS = 15 * MINUTE_MS;
const SLOTS = 16;
// Per slot, in a Float64Array: the key's hash (0: free), learned limits (0: unknown), levels and when they were
// computed, the counts sent so far (estimated), the newest ticket whose remaining-* was applied, a hold (429).
const F = { hash: 0, rpm: 1, tpm: 2, reqLevel: 3, tokLevel: 4, at: 5, reqSent: 6, tokSent: 7, applied: 8, holdUntil: 9, reqKnown: 10, tokKnown: 11, frozenAt: 12 } as const;
const FIELDS = 13;
// Globals after the slots: the limits set by --rpm/--tpm (0: none).
const G_RPM = SLOTS * FIELDS;
const G_TPM = G_RPM + 1;
const FLOATS = G_TPM + 1;
// Int32 words at the start of the buffer: the lock, requests now waiting for the rate limit.
const I_LOCK = 0;
const I_WAITING = 1;
const INTS = 2;
// Float64 views must start on a multiple of 8.
const FLOATS_AT = Math.ceil((INTS * 4) / 8) * 8;

function hashKey(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  // Never 0, which marks a free slot.
  return h || 1;
}

/** The wait the rate limits ask for before a request is longer than allowed (admit's `maxWaitMs`). */
export class PacingWaitTooLong extends Error {
  constructor(readonly waitMs: number) {
    super(`the server's rate limits ask to wait ${Math.round(waitMs)} ms before this request`);
    this.name = "PacingWaitTooLong";
  }
}

export class Pacer {
  private readonly ints: Int32Array;
  private readonly f: Float64Array;

  /** A new pacer, or one over the buffer of another thread's pacer (`shared`). */
  constructor(readonly shared: SharedArrayBuffer = new SharedArrayBuffer(FLOATS_AT + FLOATS * 8)) {
    this.ints = new Int32Array(shared, 0, INTS);
    this.f = new Float64Array(shared, FLOATS_AT, FLOATS);
  }

  private locked<T>(fn: () => T): T {
    // Critical sections are a few arithmetic operations: spin, yielding briefly when another thread holds it.
    while (Atomics.compareExchange(this.ints, I_LOCK, 0, 1) !== 0) Atomics.wait(this.ints, I_LOCK, 1, 1);
    try {
      return fn();
    } finally {
      Atomics.store(this.ints, I_LOCK, 0);
      Atomics.notify(this.ints, I_LOCK, 1);
    }
  }

  /** --rpm/--tpm for every server and model (undefined: none, the server's own apply). */
  setLimits(l: RateLimits): void {
    this.locked(() => {
      this.f[G_RPM] = l.rpm ?? 0;
      this.f[G_TPM] = l.tpm ?? 0;
    });
  }

  /** Requests now waiting for the rate limit, over all threads. */
  waiting(): number {
    return Atomics.load(this.ints, I_WAITING);
  }

  private base(slot: number): number {
    return slot * FIELDS;
  }

  private slotOf(key: string): number | undefined {
    const h = hashKey(key);
    for (let i = 0; i < SLOTS; i++) {
      const s = (h + i) % SLOTS;
      const at = this.f[this.base(s) + F.hash]!;
      if (at === h) return s;
      if (at === 0) {
        this.f[this.base(s) + F.hash] = h;
        return s;
      }
    }
    // More than SLOTS servers × models in one process: the rest go unpaced (429s are still retried).
    return undefined;
  }

  /** Per-minute limits in force: the lower of the learned and the set one; Infinity when neither is known. */
  private caps(b: number): [number, number] {
    const pick = (learned: number, set: number) => Math.min(learned > 0 ? learned : Infinity, set > 0 ? set : Infinity);
    return [pick(this.f[b + F.rpm]!, this.f[G_RPM]!), pick(this.f[b + F.tpm]!, this.f[G_TPM]!)];
  }

  /**
   * Brings both levels to `now`: refilled at cap/minute, never above cap; a level first known starts full. Not while
   * frozen: a request taken from a full bucket here reaches the server later, whose bucket stays full (and refills
   * nothing) until then; so nothing is refilled until its answer (or a later one) is back.
   */
  private refill(b: number, now: number): [number, number] {
    const [rpm, tpm] = this.caps(b);
    const dt = this.f[b + F.frozenAt]! > 0 ? 0 : Math.max(0, now - this.f[b + F.at]!);
    const level = (field: number, known: number, cap: number) => {
      if (!Number.isFinite(cap)) return;
      if (this.f[b + known] === 0) {
        this.f[b + field] = cap;
        this.f[b + known] = 1;
      } else this.f[b + field] = Math.min(cap, this.f[b + field]! + (cap * dt) / MINUTE_MS);
    };
    level(F.reqLevel, F.reqKnown, rpm);
    level(F.tokLevel, F.tokKnown, tpm);
    this.f[b + F.at] = now;
    return [rpm, tpm];
  }

  /**
   * Takes the request's cost from the buckets; resolves when it may be sent (at once when the limits are unknown).
   * Undefined when it is not paced at all. Aborting while waiting gives the cost back.
   */
  async admit(cost: RequestCost, signal?: AbortSignal | null, now: () => number = Date.now, maxWaitMs = Infinity): Promise<Ticket | undefined> {
    const t = now();
    const taken = this.locked(() => {
      const slot = this.slotOf(cost.key);
      if (slot === undefined) return undefined;
      const b = this.base(slot);
      const [rpm, tpm] = this.refill(b, t);
      let wait = Math.max(0, this.f[b + F.holdUntil]! - t);
      // Only what the server imposes (a hold) is checked against maxWaitMs: our own pacing's queue may be long.
      const held = wait;
      const full = (Number.isFinite(rpm) && this.f[b + F.reqLevel]! >= rpm) || (Number.isFinite(tpm) && this.f[b + F.tokLevel]! >= tpm);
      // Each request leaves a small margin in the bucket (one request; 0.5 % of the tokens), so that timer jitter
      // and answers arriving out of order do not make it arrive just before it fits.
      if (Number.isFinite(rpm)) {
        this.f[b + F.reqLevel]! -= 1;
        wait = Math.max(wait, ((1 - this.f[b + F.reqLevel]!) * MINUTE_MS) / rpm);
      }
      if (Number.isFinite(tpm)) {
        // A request larger than the bucket could never fit: it waits for a full bucket (the server may refuse it).
        this.f[b + F.tokLevel]! -= Math.min(cost.tokens, tpm * 0.995);
        wait = Math.max(wait, ((tpm * 0.005 - this.f[b + F.tokLevel]!) * MINUTE_MS) / tpm);
      }
      this.f[b + F.reqSent]! += 1;
      this.f[b + F.tokSent]! += cost.tokens;
      if (full && this.f[b + F.frozenAt] === 0) this.f[b + F.frozenAt] = this.f[b + F.reqSent]!;
      return { slot, seq: this.f[b + F.reqSent]!, tokensAfter: this.f[b + F.tokSent]!, wait, held };
    });
    if (!taken) return undefined;
    const ticket: Ticket = { slot: taken.slot, seq: taken.seq, tokensAfter: taken.tokensAfter, cost };
    if (taken.held > maxWaitMs) {
      // A hold the server asked for (a 429, its reset headers) longer than a server may: said at once, not waited out.
      this.giveBack(ticket);
      throw new PacingWaitTooLong(taken.held);
    }
    if (taken.wait > 0) {
      Atomics.add(this.ints, I_WAITING, 1);
      try {
        // Timers may fire up to a millisecond early.
        await sleepFor(Math.ceil(taken.wait) + 1, undefined, signal ? { signal } : {});
      } catch (e) {
        this.giveBack(ticket);
        throw signal?.aborted ? (signal.reason ?? e) : e;
      } finally {
        Atomics.sub(this.ints, I_WAITING, 1);
      }
    }
    return ticket;
  }

  private giveBack(ticket: Ticket): void {
    this.locked(() => {
      const b = this.base(ticket.slot);
      const [rpm, tpm] = this.refill(b, Date.now());
      if (Number.isFinite(rpm)) this.f[b + F.reqLevel] = Math.min(rpm, this.f[b + F.reqLevel]! + 1);
      if (Number.isFinite(tpm)) this.f[b + F.tokLevel] = Math.min(tpm, this.f[b + F.tokLevel]! + Math.min(ticket.cost.tokens, tpm * 0.995));
    });
  }

  /**
   * What the server answered to `ticket`'s request (nothing, for a request that got no answer): its limits, its
   * remaining counts (the newest answer's figures reset the levels, less what was sent after it), and on a 429 the
   * wait it asked for, held for every request.
   */
  observe(ticket: Ticket, h: RateHeaders, holdMs?: number, t: number = Date.now()): void {
    this.locked(() => {
      const b = this.base(ticket.slot);
      this.refill(b, t);
      if (this.f[b + F.frozenAt]! > 0 && ticket.seq >= this.f[b + F.frozenAt]!) this.f[b + F.frozenAt] = 0;
      if (h.limitRequests && h.limitRequests > 0) this.f[b + F.rpm] = h.limitRequests;
      if (h.limitTokens && h.limitTokens > 0) this.f[b + F.tpm] = h.limitTokens;
      const [rpm, tpm] = this.caps(b);
      if (ticket.seq >= this.f[b + F.applied]!) {
        // The server's figure is as of the request's arrival; what it refilled since is not counted (when it
        // arrived is not known): erring low by the answer's latency.
        let applied = false;
        if (h.remainingRequests !== undefined && Number.isFinite(rpm)) {
          const after = this.f[b + F.reqSent]! - ticket.seq;
          this.f[b + F.reqLevel] = Math.min(rpm, h.remainingRequests) - after;
          this.f[b + F.reqKnown] = 1;
          applied = true;
        }
        if (h.remainingTokens !== undefined && Number.isFinite(tpm)) {
          const after = this.f[b + F.tokSent]! - ticket.tokensAfter;
          this.f[b + F.tokLevel] = Math.min(tpm, h.remainingTokens) - after;
          this.f[b + F.tokKnown] = 1;
          applied = true;
        }
        if (applied) this.f[b + F.applied] = ticket.seq;
      }
      if (holdMs !== undefined && holdMs > 0) {
        this.f[b + F.holdUntil] = Math.max(this.f[b + F.holdUntil]!, t + holdMs);
        // A server that counts rejected requests says remaining 0 while it is in debt; its wait says how deep: the
        // same request fits again after it. The exhausted limit is the one at 0 (both, if the headers say neither).
        const neither = h.remainingRequests === undefined && h.remainingTokens === undefined;
        if (Number.isFinite(rpm) && (neither || h.remainingRequests === 0)) {
          this.f[b + F.reqLevel] = Math.min(this.f[b + F.reqLevel]!, 1 - (rpm * holdMs) / MINUTE_MS);
        }
        if (Number.isFinite(tpm) && (neither || h.remainingTokens === 0)) {
          this.f[b + F.tokLevel] = Math.min(this.f[b + F.tokLevel]!, Math.min(ticket.cost.tokens, tpm) - (tpm * holdMs) / MINUTE_MS);
        }
      }
    });
  }
}

let processPacer: Pacer | undefined;

/** The pacer of this process (and, through `adoptPacer`, of its eval worker threads). */
export function globalPacer(): Pacer {
  processPacer ??= new Pacer();
  return processPacer;
}

/** In a worker thread: share the pacer of the thread that started it. */
export function adoptPacer(shared: SharedArrayBuffer): void {
  processPacer = new Pacer(shared);
}

/** --rpm/--tpm: checked, then set for every request of the process. */
export function setRateLimits(l: RateLimits): void {
  for (const [name, v] of [["--rpm", l.rpm], ["--tpm", l.tpm]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new Error(`${name} must be a positive integer, got ${v}.`);
  }
  globalPacer().setLimits(l);
}

/** "waiting on the rate limit (3 requests)" while requests wait, else undefined: for the progress bar. */
export function pacingStatus(pacer: Pacer = globalPacer()): string | undefined {
  const n = pacer.waiting();
  return n > 0 ? `waiting on the rate limit (${n} request${n === 1 ? "" : "s"})` : undefined;
}

const PACED_PATH = /\/(chat\/completions|completions|responses|embeddings)\/?(\?|$)/;

/**
 * The cost of a model request as the provider counts it against its limits, or undefined for a request that is not
 * paced (not a POST of JSON to a completion route: file uploads, batches, model lists).
 */
export function estimateRequest(url: string, body: unknown): RequestCost | undefined {
  if (typeof body !== "string" || body.length === 0) return undefined;
  let origin: string;
  let path: string;
  try {
    const u = new URL(url);
    origin = u.origin;
    path = u.pathname;
  } catch {
    return undefined;
  }
  if (!PACED_PATH.test(path)) return undefined;
  let parsed: CompletionBody;
  try {
    parsed = JSON.parse(body) as CompletionBody;
  } catch {
    return undefined;
  }
  const budget = [parsed.max_completion_tokens, parsed.max_tokens, parsed.max_output_tokens].find((v): v is number => typeof v === "number" && v > 0) ?? 0;
  const n = typeof parsed.n === "number" && parsed.n >= 1 ? parsed.n : 1;
  return { key: `${origin} ${typeof parsed.model === "string" ? parsed.model : ""}`, tokens: Math.ceil(promptChars(parsed, body) / 4) + budget * n };
}

interface CompletionBody {
  model?: unknown;
  messages?: unknown;
  tools?: unknown;
  functions?: unknown;
  response_format?: unknown;
  max_tokens?: unknown;
  max_completion_tokens?: unknown;
  max_output_tokens?: unknown;
  n?: unknown;
}

/**
 * The characters that become prompt tokens: each message's text (and name), and the tools or response format it
 * asks for, as JSON. A body of another shape (the Responses API's `input`) counts whole.
 */
function promptChars(b: CompletionBody, raw: string): number {
  if (!Array.isArray(b.messages)) return raw.length;
  const json = (v: unknown) => (v === undefined ? 0 : JSON.stringify(v).length);
  let chars = json(b.tools) + json(b.functions) + json(b.response_format);
  for (const m of b.messages as { content?: unknown; name?: unknown }[]) {
    if (typeof m?.name === "string") chars += m.name.length;
    const c = m?.content;
    if (typeof c === "string") chars += c.length;
    else if (Array.isArray(c)) for (const part of c as { text?: unknown }[]) chars += typeof part?.text === "string" ? part.text.length : json(part);
    else chars += json(c ?? (m as { tool_calls?: unknown }).tool_calls);
  }
  return chars;
}

const UNIT_MS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1, us: 1e-3, µs: 1e-3, ns: 1e-6 };

/**
 * A duration as OpenAI writes it in `x-ratelimit-reset-*` and in 429 messages ("1s", "6m0s", "20ms", "1m2.5s",
 * "1h2m3s"), or plain seconds ("0.7"); undefined if it is neither.
 */
export function parseDuration(s: string): number | undefined {
  const text = s.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text) * 1000;
  if (!/^(\d+(\.\d+)?(h|ms|m|s|us|µs|ns))+$/.test(text)) return undefined;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(/(\d+(?:\.\d+)?)(h|ms|m|s|us|µs|ns)/g)) ms += Number(n) * UNIT_MS[unit!]!;
  return ms;
}

/**
 * The wait a 429's body asks for: OpenAI's "Please try again in 0.7s" / "in 1m2.5s" / "in 20ms", Azure's "Please
 * retry after 20 seconds". Undefined when it names none.
 */
export function waitFromBody(text: string | undefined): number | undefined {
  if (!text) return undefined;
  const sample = text.slice(0, 4096);
  const tryAgain = /try again in ((?:\d+(?:\.\d+)?(?:h|ms|m|s|us|µs|ns))+)/i.exec(sample);
  if (tryAgain) return parseDuration(tryAgain[1]!);
  const retryAfter = /retry after (\d+(?:\.\d+)?) ?(milliseconds?|ms|seconds?|s)\b/i.exec(sample);
  if (retryAfter) return Number(retryAfter[1]) * (/^m/i.test(retryAfter[2]!) ? 1 : 1000);
  return undefined;
}

function headerNumber(headers: Pick<Headers, "get">, name: string): number | undefined {
  const v = headers.get(name);
  if (v === null || v.trim() === "") return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : undefined;
}

function headerDuration(headers: Pick<Headers, "get">, name: string): number | undefined {
  const v = headers.get(name);
  return v === null ? undefined : parseDuration(v);
}

/** OpenAI's `x-ratelimit-*` headers, each undefined when absent or unreadable. */
export function rateHeaders(headers: Pick<Headers, "get">): RateHeaders {
  const out: RateHeaders = {};
  const set = <K extends keyof RateHeaders>(k: K, v: number | undefined) => {
    if (v !== undefined) out[k] = v;
  };
  set("limitRequests", headerNumber(headers, "x-ratelimit-limit-requests"));
  set("limitTokens", headerNumber(headers, "x-ratelimit-limit-tokens"));
  set("remainingRequests", headerNumber(headers, "x-ratelimit-remaining-requests"));
  set("remainingTokens", headerNumber(headers, "x-ratelimit-remaining-tokens"));
  set("resetRequestsMs", headerDuration(headers, "x-ratelimit-reset-requests"));
  set("resetTokensMs", headerDuration(headers, "x-ratelimit-reset-tokens"));
  return out;
}

/** A 429 with neither Retry-After nor a wait in its body: until the exhausted limit resets, if the headers say. */
export function waitFromReset(h: RateHeaders): number | undefined {
  const waits: number[] = [];
  if (h.remainingRequests === 0 && h.resetRequestsMs !== undefined) waits.push(h.resetRequestsMs);
  if (h.remainingTokens === 0 && h.resetTokensMs !== undefined) waits.push(h.resetTokensMs);
  return waits.length ? Math.max(...waits) : undefined;
}
