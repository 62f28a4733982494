/**
 * Pacing by the provider's rate limits: requests per minute and tokens per minute, per server and model, shared by
 * every request of the process.
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

/** One server and model's buckets. */
interface Buckets {
  /** Learned limits (0: unknown). */
  rpm: number;
  tpm: number;
  /** Levels, and when they were computed; a level is set (full) when its limit is first known. */
  reqLevel: number;
  tokLevel: number;
  reqKnown: boolean;
  tokKnown: boolean;
  at: number;
  /** The counts sent so far (estimated). */
  reqSent: number;
  tokSent: number;
  /** The newest ticket whose remaining-* was applied. */
  applied: number;
  /** A 429's hold. */
  holdUntil: number;
  /** Nonzero: no refill until the answer to this request (or a later one) is back. */
  frozenAt: number;
  /** Requests let through and not yet answered, by seq: their token costs. */
  outstanding: Map<number, number>;
}

/** A limit in force, and who set it: the server's header or our flag, as a label and as a phrase after the server. */
interface Source {
  limit: number;
  label: string;
  named: string;
  fromServer: boolean;
}

/** What a request took from the buckets; handed back with the answer's headers. */
export interface Ticket {
  buckets: Buckets;
  /** This server and model's request count after this request: orders the tickets. */
  seq: number;
  /** Its token count after this request. */
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

/**
 * The wait the rate limits ask for before a request is longer than allowed (admit's `maxWaitMs`). The message is a
 * phrase that follows "The model server at <host>", naming what asked for the wait and what to do.
 */
export class PacingWaitTooLong extends Error {
  constructor(
    readonly waitMs: number,
    message: string,
  ) {
    super(message);
    this.name = "PacingWaitTooLong";
  }
}

/** What a request's wait may not exceed, said the same way in every refusal. */
const allowed = (maxWaitMs: number) => `longer than a request may wait (INSIDEOUT_MAX_WAIT_MS, ${formatDuration(maxWaitMs)})`;

export class Pacer {
  private readonly byKey = new Map<string, Buckets>();
  /** The limits set by --rpm/--tpm (0: none). */
  private limits = { rpm: 0, tpm: 0 };
  private waitingNow = 0;
  private waitingOn = "";
  /** The longest wait a request may be asked for, as the last admit was told (Infinity: any). */
  private maxWaitMs = Infinity;

  /** --rpm/--tpm for every server and model (undefined: none, the server's own apply). */
  setLimits(l: RateLimits): void {
    this.limits = { rpm: l.rpm ?? 0, tpm: l.tpm ?? 0 };
  }

  /** Requests now waiting for the rate limit. */
  waiting(): number {
    return this.waitingNow;
  }

  /** What the latest wait was for: "x-ratelimit-limit-requests: 60", "--tpm 30000", "a 429's wait". */
  waitingFor(): string {
    return this.waitingOn;
  }

  private bucketsOf(key: string): Buckets {
    let b = this.byKey.get(key);
    if (!b) {
      b = { rpm: 0, tpm: 0, reqLevel: 0, tokLevel: 0, reqKnown: false, tokKnown: false, at: 0, reqSent: 0, tokSent: 0, applied: 0, holdUntil: 0, frozenAt: 0, outstanding: new Map() };
      this.byKey.set(key, b);
    }
    return b;
  }

  /** Per-minute limits in force: the lower of the learned and the set one; Infinity when neither is known. */
  private caps(b: Buckets): [number, number] {
    const pick = (learned: number, set: number) => Math.min(learned > 0 ? learned : Infinity, set > 0 ? set : Infinity);
    return [pick(b.rpm, this.limits.rpm), pick(b.tpm, this.limits.tpm)];
  }

  /**
   * Brings both levels to `now`: refilled at cap/minute, never above cap; a level first known starts full. Not while
   * frozen: a request taken from a full bucket here reaches the server later, whose bucket stays full (and refills
   * nothing) until then; so nothing is refilled until its answer (or a later one) is back.
   */
  private refill(b: Buckets, now: number): [number, number] {
    const [rpm, tpm] = this.caps(b);
    const dt = b.frozenAt > 0 ? 0 : Math.max(0, now - b.at);
    if (Number.isFinite(rpm)) {
      b.reqLevel = b.reqKnown ? Math.min(rpm, b.reqLevel + (rpm * dt) / MINUTE_MS) : rpm;
      b.reqKnown = true;
    }
    if (Number.isFinite(tpm)) {
      b.tokLevel = b.tokKnown ? Math.min(tpm, b.tokLevel + (tpm * dt) / MINUTE_MS) : tpm;
      b.tokKnown = true;
    }
    b.at = now;
    return [rpm, tpm];
  }

  /**
   * Takes the request's cost from the buckets; resolves when it may be sent (at once when the limits are unknown).
   * Aborting while waiting gives the cost back.
   */
  async admit(cost: RequestCost, signal?: AbortSignal | null, now: () => number = Date.now, maxWaitMs = Infinity): Promise<Ticket> {
    const t = now();
    const b = this.bucketsOf(cost.key);
    this.refuseTooLow(b, cost, maxWaitMs);
    const [rpm, tpm] = this.refill(b, t);
    let wait = Math.max(0, b.holdUntil - t);
    // Only what the server imposes (a hold) is checked against maxWaitMs: our own pacing's queue may be long.
    const held = wait;
    let why = "a 429's wait";
    const full = (Number.isFinite(rpm) && b.reqLevel >= rpm) || (Number.isFinite(tpm) && b.tokLevel >= tpm);
    // Each request leaves a small margin in the bucket (one request; 0.5 % of the tokens), so that timer jitter
    // and answers arriving out of order do not make it arrive just before it fits.
    if (Number.isFinite(rpm)) {
      b.reqLevel -= 1;
      const w = ((1 - b.reqLevel) * MINUTE_MS) / rpm;
      if (w > wait) [wait, why] = [w, this.source(b.rpm, this.limits.rpm, "x-ratelimit-limit-requests", "--rpm")!.label];
    }
    if (Number.isFinite(tpm)) {
      // A request larger than the bucket could never fit: it waits for a full bucket (the server may refuse it).
      b.tokLevel -= Math.min(cost.tokens, tpm * 0.995);
      const w = ((tpm * 0.005 - b.tokLevel) * MINUTE_MS) / tpm;
      if (w > wait) [wait, why] = [w, this.source(b.tpm, this.limits.tpm, "x-ratelimit-limit-tokens", "--tpm")!.label];
    }
    b.reqSent += 1;
    b.tokSent += cost.tokens;
    if (full && b.frozenAt === 0) b.frozenAt = b.reqSent;
    const ticket: Ticket = { buckets: b, seq: b.reqSent, tokensAfter: b.tokSent, cost };
    b.outstanding.set(ticket.seq, cost.tokens);
    if (held > maxWaitMs) {
      // A hold the server asked for (a 429, its reset headers) longer than a server may: said at once, not waited out.
      this.giveBack(ticket);
      throw new PacingWaitTooLong(held, `asked every request to wait ${formatDuration(held)}, ${allowed(maxWaitMs)}: try again later, or raise INSIDEOUT_MAX_WAIT_MS`);
    }
    if (wait > 0) {
      this.waitingNow++;
      this.waitingOn = why;
      try {
        // Timers may fire up to a millisecond early.
        await sleepFor(Math.ceil(wait) + 1, undefined, signal ? { signal } : {});
      } catch (e) {
        this.giveBack(ticket);
        throw signal?.aborted ? (signal.reason ?? e) : e;
      } finally {
        this.waitingNow--;
      }
    }
    return ticket;
  }

  /**
   * Limits under which this one request's share alone (a minute / the requests limit; its tokens / the tokens limit)
   * is longer than a request may wait: no pacing makes them usable (an eval of a hundred requests would take hours),
   * so they are named at once, not waited out. (A server's figure that low is not learnt when --rpm/--tpm gives one:
   * see observe.)
   */
  private refuseTooLow(b: Buckets, cost: RequestCost, maxWaitMs: number): void {
    if (!Number.isFinite(maxWaitMs)) return;
    const requestsShare = (limit: number) => MINUTE_MS / limit;
    const tokensShare = (limit: number) => (cost.tokens / limit) * MINUTE_MS;
    this.maxWaitMs = maxWaitMs;
    const requests = this.source(b.rpm, this.limits.rpm, "x-ratelimit-limit-requests", "--rpm");
    if (requests && requestsShare(requests.limit) >= maxWaitMs) {
      const wait = requestsShare(requests.limit);
      throw new PacingWaitTooLong(wait, `${requests.named}: one request every ${formatDuration(wait)}, ${allowed(maxWaitMs)}: ${advice(requests, "--rpm")}`);
    }
    const tokens = this.source(b.tpm, this.limits.tpm, "x-ratelimit-limit-tokens", "--tpm");
    if (tokens && tokensShare(tokens.limit) >= maxWaitMs) {
      const wait = tokensShare(tokens.limit);
      throw new PacingWaitTooLong(wait, `${tokens.named}: a request of ~${cost.tokens} tokens takes ${formatDuration(wait)} of it, ${allowed(maxWaitMs)}: ${advice(tokens, "--tpm")}`);
    }
  }

  /** The limit in force (the lower one) and who set it; undefined when neither is known. */
  private source(learned: number, set: number, header: string, flag: string): Source | undefined {
    if (learned > 0 && (set === 0 || learned <= set)) return { limit: learned, label: `${header}: ${learned}`, named: `sends ${header}: ${learned}`, fromServer: true };
    if (set > 0) return { limit: set, label: `${flag} ${set}`, named: `is paced by ${flag} ${set}`, fromServer: false };
    return undefined;
  }

  private giveBack(ticket: Ticket): void {
    const b = ticket.buckets;
    b.outstanding.delete(ticket.seq);
    const [rpm, tpm] = this.refill(b, Date.now());
    if (Number.isFinite(rpm)) b.reqLevel = Math.min(rpm, b.reqLevel + 1);
    if (Number.isFinite(tpm)) b.tokLevel = Math.min(tpm, b.tokLevel + Math.min(ticket.cost.tokens, tpm * 0.995));
  }

  /**
   * What the server answered to `ticket`'s request (nothing, for a request that got no answer): its limits, its
   * remaining counts (the newest answer's figures reset the levels, less what was sent after it), and on a 429 the
   * wait it asked for, held for every request.
   */
  observe(ticket: Ticket, h: RateHeaders, holdMs?: number, t: number = Date.now()): void {
    const b = ticket.buckets;
    this.refill(b, t);
    if (b.frozenAt > 0 && ticket.seq >= b.frozenAt) b.frozenAt = 0;
    // A server's limit so low that one request's share is longer than a request may wait is not trusted when
    // --rpm/--tpm gives one (nor its remaining figure): the flag's applies. Without the flag, admit names it.
    const distrust = (limit: number | undefined, set: number, share: (l: number) => number) => limit !== undefined && set > 0 && share(limit) >= this.maxWaitMs;
    const badRequests = distrust(h.limitRequests, this.limits.rpm, (l) => MINUTE_MS / l);
    const badTokens = distrust(h.limitTokens, this.limits.tpm, (l) => (ticket.cost.tokens / l) * MINUTE_MS);
    if (h.limitRequests && h.limitRequests > 0 && !badRequests) b.rpm = h.limitRequests;
    if (h.limitTokens && h.limitTokens > 0 && !badTokens) b.tpm = h.limitTokens;
    const [rpm, tpm] = this.caps(b);
    b.outstanding.delete(ticket.seq);
    if (ticket.seq >= b.applied) {
      // The server's figure is as of the request's arrival; what it refilled since is not counted (when it
      // arrived is not known): erring low by the answer's latency. Requests let through before this one and not yet
      // answered may reach the server after it (one busy thread sends them late): counted as not in its figure.
      let olderRequests = 0;
      let olderTokens = 0;
      for (const [seq, tokens] of b.outstanding) {
        if (seq < ticket.seq) {
          olderRequests++;
          olderTokens += tokens;
        }
      }
      let applied = false;
      if (h.remainingRequests !== undefined && !badRequests && Number.isFinite(rpm)) {
        b.reqLevel = Math.min(rpm, h.remainingRequests) - (b.reqSent - ticket.seq) - olderRequests;
        b.reqKnown = true;
        applied = true;
      }
      if (h.remainingTokens !== undefined && !badTokens && Number.isFinite(tpm)) {
        b.tokLevel = Math.min(tpm, h.remainingTokens) - (b.tokSent - ticket.tokensAfter) - olderTokens;
        b.tokKnown = true;
        applied = true;
      }
      if (applied) b.applied = ticket.seq;
    }
    if (holdMs !== undefined && holdMs > 0) {
      b.holdUntil = Math.max(b.holdUntil, t + holdMs);
      // A server that counts rejected requests says remaining 0 while it is in debt; its wait says how deep: the
      // same request fits again after it. The exhausted limit is the one at 0 (both, if the headers say neither).
      const neither = h.remainingRequests === undefined && h.remainingTokens === undefined;
      if (Number.isFinite(rpm) && (neither || h.remainingRequests === 0)) {
        b.reqLevel = Math.min(b.reqLevel, 1 - (rpm * holdMs) / MINUTE_MS);
      }
      if (Number.isFinite(tpm) && (neither || h.remainingTokens === 0)) {
        b.tokLevel = Math.min(b.tokLevel, Math.min(ticket.cost.tokens, tpm) - (tpm * holdMs) / MINUTE_MS);
      }
    }
  }
}

/** What to do about a limit too low to wait for: a server's figure may be wrong; a flag's is ours to raise. */
function advice(s: Source, flag: string): string {
  return s.fromServer
    ? `if the account allows more, give its limit with ${flag}; to wait anyway, raise INSIDEOUT_MAX_WAIT_MS`
    : `raise ${flag}, or INSIDEOUT_MAX_WAIT_MS to wait that long`;
}

let processPacer: Pacer | undefined;

/** The pacer of this process. */
export function globalPacer(): Pacer {
  processPacer ??= new Pacer();
  return processPacer;
}

/** --rpm/--tpm: checked, then set for every request of the process. */
export function setRateLimits(l: RateLimits): void {
  for (const [name, v] of [["--rpm", l.rpm], ["--tpm", l.tpm]] as const) {
    if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new Error(`${name} must be a positive integer, got ${v}.`);
  }
  globalPacer().setLimits(l);
}

/**
 * "waiting on the rate limit (3 requests; x-ratelimit-limit-requests: 60)" while requests wait, else undefined: for
 * the progress bar, naming the limit the latest wait was for.
 */
export function pacingStatus(pacer: Pacer = globalPacer()): string | undefined {
  const n = pacer.waiting();
  return n > 0 ? `waiting on the rate limit (${n} request${n === 1 ? "" : "s"}; ${pacer.waitingFor()})` : undefined;
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

/** "150 ms", "60 s", "2.5 min": a wait or a timeout as a person reads it. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 120_000) return `${Number.isInteger(ms / 1000) ? ms / 1000 : (ms / 1000).toFixed(1)} s`;
  return `${(ms / 60_000).toFixed(1)} min`;
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
