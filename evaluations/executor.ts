/**
 * Where an eval's examples run: in this process, or on a LangGraph server (remoteExecutor.ts), behind one function
 * (an ExampleRunner). Here, one model resolver with the eval's LLM cache, request limit and rate-limit buckets
 * (models/pacing.ts).
 */
import { ModelResolver } from "../models/factory.js";
import { Semaphore } from "../models/limits.js";
import { setRateLimits, type RateLimits } from "../models/pacing.js";
import type { BatchTransport } from "../models/types.js";
import type { SqliteAnswerCache } from "../store/answerCache.js";
import { exampleRunner, type ExampleRunner, type RunnerConfig } from "./exampleRunner.js";

export interface ExecutorConfig {
  runner: RunnerConfig;
  /** Requests in flight at once. */
  requestLimit: number;
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
  if (c.server) {
    // The LangGraph SDK is loaded only for evals on a server.
    const { startRemoteExecutor } = await import("./remoteExecutor.js");
    return startRemoteExecutor({ server: c.server.url, concurrency: c.server.concurrency, runner: c.runner, requestLimit: c.requestLimit, cache: c.cache });
  }
  const resolver = new ModelResolver({ cache: c.cache, limiter: new Semaphore(c.requestLimit), batch: c.batch });
  return exampleRunner(c.runner, resolver);
}
