/**
 * Where an eval's examples run: in this process, or on a LangGraph server (remoteExecutor.ts), behind one function
 * (an ExampleRunner), on the models the plan resolved (under the eval's request limiter), with the eval's LLM cache and
 * rate-limit buckets (models/pacing.ts).
 */
import { ModelResolver } from "../models/factory.js";
import type { Semaphore } from "../models/limits.js";
import { setRateLimits, type RateLimits } from "../models/pacing.js";
import type { BatchTransport } from "../models/types.js";
import type { SqliteAnswerCache } from "../store/answerCache.js";
import { exampleRunner, withCache, type EvalModels, type ExampleRunner, type RunnerConfig } from "./exampleRunner.js";

export interface ExecutorConfig {
  runner: RunnerConfig;
  /** Resolved by the plan. */
  models: EvalModels;
  /** The requests in flight at once that those models share. */
  limiter: Semaphore;
  cache?: SqliteAnswerCache;
  /** eval --batch: the models' requests go through this (evaluations/batch.ts). */
  batch?: BatchTransport;
  /** --rpm/--tpm, for the rate-limit buckets (models/pacing.ts). */
  rateLimits?: RateLimits;
  /** The graphs run on this LangGraph server, `concurrency` runs at once. */
  server?: { url: string; concurrency: number };
}

export async function startExecutor(c: ExecutorConfig): Promise<ExampleRunner> {
  setRateLimits(c.rateLimits ?? {});
  const models = c.batch ? await batchModels(c, c.batch) : c.cache ? withCache(c.models, c.cache) : c.models;
  if (c.server) {
    // The LangGraph SDK is loaded only for evals on a server.
    const { startRemoteExecutor } = await import("./remoteExecutor.js");
    return startRemoteExecutor({ server: c.server.url, concurrency: c.server.concurrency, runner: c.runner, models });
  }
  return exampleRunner(c.runner, models);
}

/**
 * --batch: the models again, their openai: clients sending through the Batch API, which exists only once the
 * experiment store (where its batches are recorded) is open; the plan's resolution checked the same names and keys.
 */
async function batchModels(c: ExecutorConfig, batch: BatchTransport): Promise<EvalModels> {
  const resolver = new ModelResolver({ cache: c.cache, limiter: c.limiter, batch });
  const { runOptions, judgeSpec } = c.runner;
  return { run: await resolver.forRun(runOptions), ...(judgeSpec ? { judge: await resolver.resolve(judgeSpec, { temperature: 0 }) } : {}) };
}
