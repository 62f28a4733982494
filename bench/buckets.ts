/**
 * A provider's rate limits as OpenAI describes them, for the bench server (bench/server.ts) and the tests' loopback
 * servers: a requests bucket and a tokens bucket, each holding at most its per-minute limit and refilling
 * continuously at limit/60 s, full at the start. A request is counted when it arrives; one that does not fit is
 * answered 429 and counted all the same (OpenAI: failed requests count against the limits). Every answer carries
 * `x-ratelimit-limit|remaining|reset-requests|tokens`; a 429 says "Please try again in 237ms" in an OpenAI-shaped
 * error body, and, if asked, `Retry-After` in seconds.
 *
 * Tokens are this server's own count, not the client's estimate: the characters of the messages and of the schema
 * asked for, / 4, plus max_tokens (or max_completion_tokens) times n.
 */

export interface BucketLimits {
  rpm: number;
  tpm: number;
  /** Send `Retry-After` (whole seconds, rounded up) on a 429. */
  retryAfter: boolean;
}

export interface BucketStats {
  accepted: number;
  rejected: number;
  /** Tokens of the accepted requests, as this server counts them. */
  acceptedTokens: number;
  /** Arrival of the first request and end of the last answer, ms since the epoch. */
  firstAt: number;
  lastAt: number;
}

export interface CountedBody {
  messages?: { content?: unknown }[];
  response_format?: { json_schema?: { schema?: unknown } };
  tools?: unknown[];
  max_tokens?: number;
  max_completion_tokens?: number;
  n?: number;
}

const MINUTE_MS = 60_000;

/** The tokens this server charges a request. */
export function countedTokens(body: CountedBody): number {
  const text = (body.messages ?? []).reduce((n, m) => n + (typeof m.content === "string" ? m.content.length : JSON.stringify(m.content ?? "").length), 0);
  const schema = body.response_format?.json_schema?.schema ?? body.tools;
  const schemaChars = schema === undefined ? 0 : JSON.stringify(schema).length;
  const budget = body.max_completion_tokens ?? body.max_tokens ?? 0;
  return Math.ceil((text + schemaChars) / 4) + budget * (body.n ?? 1);
}

/** A duration as OpenAI's headers and messages write it: "237ms", "1.5s", "6m0s". */
export function goDuration(ms: number): string {
  if (ms < 1000) return `${Math.max(0, Math.ceil(ms))}ms`;
  const s = ms / 1000;
  const seconds = (x: number) => `${Number.isInteger(x) ? x : x.toFixed(3).replace(/0+$/, "")}s`;
  if (s < 60) return seconds(Math.round(s * 1000) / 1000);
  const m = Math.floor(s / 60);
  return `${m}m${seconds(Math.round((s - 60 * m) * 1000) / 1000)}`;
}

export type Verdict = { ok: true; headers: Record<string, string> } | { ok: false; headers: Record<string, string>; body: string };

export class RateLimitBuckets {
  private requests: number;
  private tokens: number;
  private at = Date.now();
  readonly stats: BucketStats = { accepted: 0, rejected: 0, acceptedTokens: 0, firstAt: 0, lastAt: 0 };

  constructor(readonly limits: BucketLimits) {
    this.requests = limits.rpm;
    this.tokens = limits.tpm;
  }

  private refill(now: number): void {
    const dt = Math.max(0, now - this.at);
    this.requests = Math.min(this.limits.rpm, this.requests + (this.limits.rpm * dt) / MINUTE_MS);
    this.tokens = Math.min(this.limits.tpm, this.tokens + (this.limits.tpm * dt) / MINUTE_MS);
    this.at = now;
  }

  private headers(): Record<string, string> {
    const { rpm, tpm } = this.limits;
    return {
      "x-ratelimit-limit-requests": String(rpm),
      "x-ratelimit-limit-tokens": String(tpm),
      "x-ratelimit-remaining-requests": String(Math.max(0, Math.floor(this.requests))),
      "x-ratelimit-remaining-tokens": String(Math.max(0, Math.floor(this.tokens))),
      "x-ratelimit-reset-requests": goDuration(((rpm - this.requests) * MINUTE_MS) / rpm),
      "x-ratelimit-reset-tokens": goDuration(((tpm - this.tokens) * MINUTE_MS) / tpm),
    };
  }

  /** Counts a request that arrives now: let through, or a 429 with OpenAI's words. */
  admit(body: CountedBody & { model?: string }, now = Date.now()): Verdict {
    if (this.stats.firstAt === 0) this.stats.firstAt = now;
    this.refill(now);
    const cost = countedTokens(body);
    const short = this.requests < 1 ? "requests" : this.tokens < cost ? "tokens" : undefined;
    // Counted either way, never below one minute's debt.
    this.requests = Math.max(-this.limits.rpm, this.requests - 1);
    this.tokens = Math.max(-this.limits.tpm, this.tokens - cost);
    if (!short) {
      this.stats.accepted++;
      this.stats.acceptedTokens += cost;
      return { ok: true, headers: this.headers() };
    }
    this.stats.rejected++;
    const { rpm, tpm } = this.limits;
    // When the same request, sent again, would fit (this one counted).
    const waitMs = short === "requests" ? ((1 - this.requests) * MINUTE_MS) / rpm : ((cost - this.tokens) * MINUTE_MS) / tpm;
    const used = short === "requests" ? Math.round(rpm - this.requests - 1) : Math.round(tpm - this.tokens - cost);
    const message =
      `Rate limit reached for ${body.model ?? "model"} in organization org-bench on ${short === "requests" ? "requests per min (RPM)" : "tokens per min (TPM)"}: ` +
      `Limit ${short === "requests" ? rpm : tpm}, Used ${used}, Requested ${short === "requests" ? 1 : cost}. ` +
      `Please try again in ${goDuration(waitMs)}. Visit https://platform.openai.com/account/rate-limits to learn more.`;
    const headers = this.headers();
    if (this.limits.retryAfter) headers["retry-after"] = String(Math.max(1, Math.ceil(waitMs / 1000)));
    return { ok: false, headers, body: JSON.stringify({ error: { message, type: short, param: null, code: "rate_limit_exceeded" } }) };
  }

  /** An answer was sent. */
  answered(now = Date.now()): void {
    this.stats.lastAt = Math.max(this.stats.lastAt, now);
  }

  /**
   * The shortest span these buckets allow for the accepted requests: what does not fit in the full buckets at the
   * start, at the refill rate, whichever limit is the slower; plus one answer's latency.
   */
  idealMs(latencyMs: number): number {
    const { rpm, tpm } = this.limits;
    const byRequests = (Math.max(0, this.stats.accepted - rpm) * MINUTE_MS) / rpm;
    const byTokens = (Math.max(0, this.stats.acceptedTokens - tpm) * MINUTE_MS) / tpm;
    return Math.max(byRequests, byTokens) + latencyMs;
  }
}
