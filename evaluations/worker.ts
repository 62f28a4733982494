/**
 * A worker thread of `insideout eval` (evaluations/workerPool.ts): runs examples it is sent through the method's
 * graph and posts back their records. It has its own model instances, request limiter and LLM-cache connection.
 */
import { parentPort, workerData } from "node:worker_threads";
import { EventEmitter } from "node:events";
import { tracingEnabled } from "../graphs/tracing.js";
import { setMaxConcurrency } from "../models/limits.js";
import { SqliteCache } from "../store/cache.js";
import { installCache } from "./cacheHook.js";
import type { Example } from "./data/types.js";
import { exampleRunner, type RunnerConfig } from "./exampleRunner.js";
import { messageOf } from "../nodes/common.js";
import { installUntracedContext } from "./untracedContext.js";

export interface WorkerInit {
  runner: RunnerConfig;
  cachePath?: string;
  /** This worker's share of the process-wide request limit. */
  maxConcurrency: number;
}

export type ToWorker = { type: "run"; seq: number; example: Example } | { type: "close" };
export type FromWorker =
  | { type: "ready" }
  | { type: "fatal"; message: string }
  | { type: "done"; seq: number; record: import("./record.js").PredictionRecord }
  | { type: "closed"; cache?: import("../store/cache.js").CacheStats };

// As in cli/main.ts: dialogues × parallel branches each listen on abort signals; that is not a leak.
EventEmitter.defaultMaxListeners = 256;

// A worker's environment is a copy made when it started, and nothing here changes it. As a plain object it reads ~8×
// faster than Node's process.env (a call into C++ per read), and LangChain and LangSmith read it dozens of times per
// graph node (every RunTree resolves its defaults from the environment): ~5 % less CPU per example.
process.env = { ...process.env };

const port = parentPort!;
const init = workerData as WorkerInit;
const post = (m: FromWorker) => port.postMessage(m);

async function main(): Promise<void> {
  // Workers never trace (workerCount in run.ts); the check keeps it so should that change.
  if (!tracingEnabled()) installUntracedContext();
  setMaxConcurrency(init.maxConcurrency);
  const cache = init.cachePath ? new SqliteCache(init.cachePath) : undefined;
  if (cache) installCache(cache);
  const run = await exampleRunner(init.runner);
  port.on("message", (m: ToWorker) => {
    if (m.type === "run") {
      void run(m.example).then((record) => post({ type: "done", seq: m.seq, record }));
    } else {
      const stats = cache?.stats();
      cache?.close();
      post({ type: "closed", ...(stats ? { cache: stats } : {}) });
    }
  });
  post({ type: "ready" });
}

main().catch((e: unknown) => post({ type: "fatal", message: messageOf(e) }));
