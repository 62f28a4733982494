/**
 * Worker threads for `insideout eval` (an Executor, executor.ts). Against an HTTP model the client is CPU-bound long
 * before the server is busy (docs/bench.md), so the examples' graphs run in these threads; the eval's own thread
 * keeps the queue, the experiment store and the progress bar, so resuming and metrics do not change.
 */
import { Worker } from "node:worker_threads";
import { addCacheStats, type CacheStats } from "../store/answerCache.js";
import type { Example } from "./data/types.js";
import type { Executor } from "./executor.js";
import type { Outcome } from "./exampleRunner.js";
import type { FromWorker, ToWorker, WorkerInit } from "./worker.js";

interface Waiting {
  resolve: (o: Outcome) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  waiting: Map<number, Waiting>;
  closed?: (stats: CacheStats | undefined) => void;
}

/** A larger young generation than Node's default: fewer scavenges copying the examples in flight (docs/bench.md). */
const WORKER_HEAP = { maxYoungGenerationSizeMb: 48 } as const;

export class WorkerPool implements Executor {
  private seq = 0;
  private failure: Error | undefined;

  private constructor(private readonly slots: Slot[]) {
    for (const slot of slots) {
      slot.worker.on("message", (m: FromWorker) => {
        if (m.type === "done") {
          const w = slot.waiting.get(m.seq);
          slot.waiting.delete(m.seq);
          w?.resolve(m.outcome);
        } else if (m.type === "closed") slot.closed?.(m.cache);
      });
      slot.worker.on("error", (e) => this.fail(new Error(`An eval worker thread failed: ${e.message}`)));
      slot.worker.on("exit", (code) => {
        if (slot.closed) slot.closed(undefined);
        else this.fail(new Error(`An eval worker thread stopped (exit code ${code}).`));
      });
    }
  }

  /** Starts n workers and waits until each has built its graph and models; a set-up error rejects with its message. */
  static async start(n: number, init: WorkerInit): Promise<WorkerPool> {
    // A worker's environment is, by default, a copy of this thread's as it is now (variables set since start included).
    const options = { workerData: init, resourceLimits: WORKER_HEAP };
    const workers = Array.from({ length: n }, () => new Worker(new URL("./worker.js", import.meta.url), options));
    try {
      await Promise.all(
        workers.map(
          (w) =>
            new Promise<void>((resolve, reject) => {
              w.once("message", (m: FromWorker) => (m.type === "ready" ? resolve() : reject(new Error(m.type === "fatal" ? m.message : `unexpected ${m.type}`))));
              w.once("error", reject);
              w.once("exit", (code) => reject(new Error(`An eval worker thread stopped while starting (exit code ${code}).`)));
            }),
        ),
      );
    } catch (e) {
      await Promise.all(workers.map((w) => w.terminate()));
      throw e;
    }
    return new WorkerPool(workers.map((worker) => ({ worker, waiting: new Map() })));
  }

  get workers(): number {
    return this.slots.length;
  }

  /** Runs one example on the least busy worker. Rejects only if a worker thread itself fails. */
  run(example: Example, signal: AbortSignal): Promise<Outcome> {
    if (this.failure) return Promise.reject(this.failure);
    const slot = this.slots.reduce((a, b) => (b.waiting.size < a.waiting.size ? b : a));
    const seq = this.seq++;
    return new Promise((resolve, reject) => {
      const onAbort = () => slot.worker.postMessage({ type: "abort", seq } satisfies ToWorker);
      const done = () => signal.removeEventListener("abort", onAbort);
      slot.waiting.set(seq, { resolve: (o) => (done(), resolve(o)), reject: (e) => (done(), reject(e)) });
      slot.worker.postMessage({ type: "run", seq, example } satisfies ToWorker);
      if (signal.aborted) onAbort();
      else signal.addEventListener("abort", onAbort, { once: true });
    });
  }

  private fail(e: Error): void {
    this.failure ??= e;
    for (const slot of this.slots) {
      for (const w of slot.waiting.values()) w.reject(this.failure);
      slot.waiting.clear();
    }
  }

  /** Stops the workers; the sum of their LLM-cache counters, if they had a cache. */
  async close(): Promise<CacheStats | undefined> {
    const stats = await Promise.all(
      this.slots.map(
        (slot) =>
          new Promise<CacheStats | undefined>((resolve) => {
            slot.closed = resolve;
            if (this.failure) return resolve(undefined);
            slot.worker.postMessage({ type: "close" } satisfies ToWorker);
          }),
      ),
    );
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    const present = stats.filter((s): s is CacheStats => s !== undefined);
    if (present.length === 0) return undefined;
    return present.reduce((a, b) => addCacheStats(a, b));
  }
}
