/**
 * What a model server's answers reported as their usage, seen by the transport (models/limits.ts) on behalf of the
 * call that asked (models/structured.ts): when the client then throws on an answer (finish_reason `length` or
 * `content_filter`), the tokens were still spent and paid for, and the call still counts.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export interface SeenUsage {
  /** Chat completions answered. */
  answers: number;
  promptTokens: number;
  completionTokens: number;
}

const watching = new AsyncLocalStorage<SeenUsage>();

/** Runs `fn`, adding to `seen` the usage of every chat completion answered while it runs. */
export function watchUsage<T>(seen: SeenUsage, fn: () => Promise<T>): Promise<T> {
  return watching.run(seen, fn);
}

/** A count a server reported, when it is one: non-negative whole numbers only. */
const count = (v: unknown): number => (typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : 0);

/** Called by the transport for a 2xx chat completion's parsed body. */
export function noteAnswered(body: unknown): void {
  const seen = watching.getStore();
  if (seen) add(seen, body);
}

/**
 * `noteAnswered` for the call running now, to be called later from elsewhere: a transport that answers a request
 * after others' (the Batch API collector, models/batch/collector.ts) notes each answer for the call that asked.
 */
export function answeredNoter(): (body: unknown) => void {
  const seen = watching.getStore();
  return (body) => {
    if (seen) add(seen, body);
  };
}

function add(seen: SeenUsage, body: unknown): void {
  const usage = (body as { usage?: { prompt_tokens?: unknown; completion_tokens?: unknown } } | null)?.usage;
  seen.answers++;
  seen.promptTokens += count(usage?.prompt_tokens);
  seen.completionTokens += count(usage?.completion_tokens);
}
