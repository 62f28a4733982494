/**
 * Where an eval's examples run: in this process, or on a LangGraph server (remoteExecutor.ts), behind one function
 * (an ExampleRunner), on the models the plan resolved (under the eval's request limiter), with the eval's LLM cache and
 * rate-limit buckets (models/pacing.ts).
 */
import { setRateLimits, type RateLimits } from "../models/pacing.js";
import type { SqliteAnswerCache } from "../store/answerCache.js";
import { exampleRunner, withCache, type EvalModels, type ExampleRunner, type RunnerConfig } from "./exampleRunner.js";

export interface ExecutorConfig {
  runner: RunnerConfig;
  /** Resolved by the plan (with --batch, on the run's Batch API collector: evaluations/batch.ts `BatchRoute`). */
  models: EvalModels;
  cache?: SqliteAnswerCache;
  /** --rpm/--tpm, for the rate-limit buckets (models/pacing.ts). */
  rateLimits?: RateLimits;
  /** The graphs run on this LangGraph server, `concurrency` runs at once. */
  server?: { url: string; concurrency: number };
}

export async function startExecutor(c: ExecutorConfig): Promise<ExampleRunner> {
  setRateLimits(c.rateLimits ?? {});
  const models = c.cache ? withCache(c.models, c.cache) : c.models;
  if (c.server) {
    // The LangGraph SDK is loaded only for evals on a server.
    const { startRemoteExecutor } = await import("./remoteExecutor.js");
    return startRemoteExecutor({ server: c.server.url, concurrency: c.server.concurrency, runner: c.runner, models });
  }
  return exampleRunner(c.runner, models);
}
