/**
 * A worker thread of `insideout eval` (workerPool.ts): runs the examples it is sent through the method's graph and
 * posts back their outcomes. It has its own model resolver, request limiter and LLM-cache connection.
 */
import { EventEmitter } from "node:events";
import { parentPort, workerData } from "node:worker_threads";
import { ModelResolver } from "../models/factory.js";
import { Semaphore } from "../models/limits.js";
import { adoptPacer } from "../models/pacing.js";
import { messageOf } from "../nodes/common.js";
import { SqliteAnswerCache, type CacheStats } from "../store/answerCache.js";
import type { Example } from "./data/types.js";
import { exampleRunner, unfinishedOf, type Outcome, type RunnerConfig } from "./exampleRunner.js";

export interface WorkerInit {
  runner: RunnerConfig;
  cachePath?: string;
  /** This worker's share of the eval's request limit. */
  maxConcurrency: number;
  /** The eval thread's rate-limit buckets (models/pacing.ts), shared. */
  pacing?: SharedArrayBuffer;
}

export type ToWorker = { type: "run"; seq: number; example: Example } | { type: "abort"; seq: number } | { type: "close" };
export type FromWorker =
  | { type: "ready" }
  | { type: "fatal"; message: string }
  | { type: "done"; seq: number; outcome: Outcome }
  | { type: "closed"; cache?: CacheStats };

// As in cli/main.ts: dialogues × parallel branches each listen on abort signals; that is not a leak.
EventEmitter.defaultMaxListeners = 256;

const port = parentPort!;
const init = workerData as WorkerInit;
const post = (m: FromWorker) => port.postMessage(m);

async function main(): Promise<void> {
  if (init.pacing) adoptPacer(init.pacing);
  const cache = init.cachePath ? SqliteAnswerCache.open(init.cachePath, { check: false }) : undefined;
  const resolver = new ModelResolver({ ...(cache ? { cache } : {}), limiter: new Semaphore(init.maxConcurrency) });
  const run = await exampleRunner(init.runner, resolver);
  const inFlight = new Map<number, AbortController>();
  port.on("message", (m: ToWorker) => {
    if (m.type === "run") {
      const controller = new AbortController();
      inFlight.set(m.seq, controller);
      void run(m.example, controller.signal)
        .catch((e: unknown): Outcome => ({ unfinished: unfinishedOf(e, controller.signal) }))
        .then((outcome) => {
          inFlight.delete(m.seq);
          post({ type: "done", seq: m.seq, outcome });
        });
    } else if (m.type === "abort") {
      inFlight.get(m.seq)?.abort();
    } else {
      const stats = cache?.stats();
      cache?.close();
      post({ type: "closed", ...(stats ? { cache: stats } : {}) });
    }
  });
  post({ type: "ready" });
}

main().catch((e: unknown) => post({ type: "fatal", message: messageOf(e) }));
