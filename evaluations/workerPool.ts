/**
 * Worker threads for `insideout eval`. An eval against an HTTP model is CPU-bound in the client long before the
 * server is busy: LangGraph, LangChain and the HTTP client cost ~13 ms of CPU per InsideOut example (bench/), so one
 * thread tops out near 80 examples/s whatever the concurrency. The examples' graphs run in these threads; the eval's
 * own thread keeps evaluate(), the experiment store and the progress bar, so resuming and metrics do not change.
 */
import { Worker } from "node:worker_threads";
import { addCacheStats, type CacheStats } from "../store/cache.js";
import type { Example } from "./data/types.js";
import type { PredictionRecord } from "./record.js";
import type { FromWorker, ToWorker, WorkerInit } from "./worker.js";

interface Waiting {
  resolve: (r: PredictionRecord) => void;
  reject: (e: Error) => void;
}

interface Slot {
  worker: Worker;
  waiting: Map<number, Waiting>;
  closed?: (stats: CacheStats | undefined) => void;
}

/**
 * Each worker is a V8 isolate with its own heap. Measured over the test split at C = 32 (bench/, part d and e):
 *  - V8's defaults took the process to 450-510 MB RSS.
 *  - An old-generation ceiling of any size (112-256 MB) kept RSS near 350 MB but cost ~40 % more CPU per example:
 *    below ~1 GB, V8 lets a capped heap grow by as little as 1.3× between full collections, so it collects far more
 *    often. No ceiling here; the heap's growth is bounded by evaluations/tune.ts instead.
 *  - The young generation (three semi-spaces; V8 rounds a semi-space up to a power of two): the ~16 examples each
 *    worker has in flight (~250 ms each) keep ~3 MB alive, which every scavenge copies. At 24 MB a worker scavenged
 *    every ~3 examples, and the scavenges and the full collections of what they promoted were ~30 % of the eval's
 *    CPU. 48 MB: ~5 % less CPU per example for ~35 MB more RSS (~370 MB). 96 MB: ~10 % less again, but ~435 MB.
 */
export const WORKER_HEAP = { maxYoungGenerationSizeMb: 48 } as const;

export class WorkerPool {
  private seq = 0;
  private failure: Error | undefined;

  private constructor(private readonly slots: Slot[]) {
    for (const slot of slots) {
      slot.worker.on("message", (m: FromWorker) => {
        if (m.type === "done") {
          const w = slot.waiting.get(m.seq);
          slot.waiting.delete(m.seq);
          w?.resolve(m.record);
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
    const options = { workerData: init, env: { ...process.env }, resourceLimits: WORKER_HEAP };
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

  get size(): number {
    return this.slots.length;
  }

  /** Runs one example on the least busy worker. Rejects only if a worker thread itself fails. */
  run(example: Example): Promise<PredictionRecord> {
    if (this.failure) return Promise.reject(this.failure);
    const slot = this.slots.reduce((a, b) => (b.waiting.size < a.waiting.size ? b : a));
    const seq = this.seq++;
    return new Promise((resolve, reject) => {
      slot.waiting.set(seq, { resolve, reject });
      slot.worker.postMessage({ type: "run", seq, example } satisfies ToWorker);
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
