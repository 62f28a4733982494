/**
 * Where an eval's examples run: in this thread, in worker threads (workerPool.ts), or on a LangGraph server
 * (remoteExecutor.ts), behind one interface. Each has its own model resolver with the eval's LLM cache and its share
 * of the request limit; all share the rate-limit buckets (models/pacing.ts).
 */
import { availableParallelism } from "node:os";
import { tracingEnabled } from "../core/tracing.js";
import { capabilitiesOf, ModelResolver } from "../models/factory.js";
import { Semaphore } from "../models/limits.js";
import { globalPacer, setRateLimits, type RateLimits } from "../models/pacing.js";
import type { BatchTransport } from "../models/types.js";
import { SqliteAnswerCache, type CacheStats } from "../store/answerCache.js";
import type { Example } from "./data/types.js";
import { exampleRunner, type Outcome, type RunnerConfig } from "./exampleRunner.js";
import { WorkerPool } from "./workerPool.js";

export interface Executor {
  /** Threads running graphs besides the eval's own (0: in this thread). */
  readonly workers: number;
  run(example: Example, signal: AbortSignal): Promise<Outcome>;
  /** Stops; the LLM-cache counts of the connections it opened itself (workers'), if any. */
  close(): Promise<CacheStats | undefined>;
}

export interface ExecutorConfig {
  runner: RunnerConfig;
  workers: number;
  /** Requests in flight at once, over all threads. */
  requestLimit: number;
  /** This thread's cache; workers open their own connection to the same file. */
  cache?: SqliteAnswerCache;
  /** eval --batch: the models' requests go through this (evaluations/batch.ts; in this thread only). */
  batch?: BatchTransport;
  /** --rpm/--tpm; the rate-limit buckets (models/pacing.ts) are shared with the workers. */
  rateLimits?: RateLimits;
  /** The graphs run on this LangGraph server, `concurrency` runs at once. */
  server?: { url: string; concurrency: number };
}

export async function startExecutor(c: ExecutorConfig): Promise<Executor> {
  setRateLimits(c.rateLimits ?? {});
  if (c.server) {
    // The LangGraph SDK is loaded only for evals on a server.
    const { startRemoteExecutor } = await import("./remoteExecutor.js");
    return startRemoteExecutor({ server: c.server.url, concurrency: c.server.concurrency, runner: c.runner, requestLimit: c.requestLimit, ...(c.cache ? { cache: c.cache } : {}) });
  }
  if (c.workers > 0) {
    return WorkerPool.start(c.workers, {
      runner: c.runner,
      ...(c.cache ? { cachePath: c.cache.path } : {}),
      maxConcurrency: Math.ceil(c.requestLimit / c.workers),
      pacing: globalPacer().shared,
    });
  }
  const resolver = new ModelResolver({ ...(c.cache ? { cache: c.cache } : {}), limiter: new Semaphore(c.requestLimit), ...(c.batch ? { batch: c.batch } : {}) });
  const run = await exampleRunner(c.runner, resolver);
  return { workers: 0, run, close: async () => undefined };
}

/**
 * Worker threads for the examples' graphs: `--workers auto` uses one per CPU, but only where the client can be the
 * bottleneck: each worker is a V8 isolate (~60 MB more RSS), worth it with at least 8 examples in flight each, and
 * never more than 8. Not with --langsmith (the graph's runs nest under evaluate()'s run tree, in this thread) or
 * tracing on, nor with a `local:` model (one copy in memory, whose decode batches the agents share) or a provider
 * registered in this thread only (tests' scripted models).
 */
export function workerCount(o: { workers?: number | "auto"; langsmith?: boolean }, models: (string | undefined)[], concurrency: number): number {
  if (o.workers !== undefined && o.workers !== "auto") {
    if (!Number.isInteger(o.workers) || o.workers < 0) throw new Error(`--workers must be auto or a whole number ≥ 0, got ${o.workers}.`);
    if (o.workers > 0 && o.langsmith) throw new Error("--workers cannot be used with --langsmith (traces are recorded in the main thread): use --workers 0.");
    if (o.workers > 0 && tracingEnabled()) {
      throw new Error("--workers cannot be used with LangSmith tracing on (traces are sent from the main thread): use --workers 0.");
    }
    return o.workers;
  }
  if (o.langsmith || tracingEnabled()) return 0;
  const threadSafe = models.every((m) => m === undefined || capabilitiesOf(m).threadSafe);
  const n = Math.min(availableParallelism(), Math.floor(concurrency / 8), 8);
  return threadSafe && n >= 2 ? n : 0;
}
