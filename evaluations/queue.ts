/**
 * The examples of an eval, run at a bounded concurrency, each finished one stored before the next is admitted in its
 * place. It stops early, aborting what is in flight, when going on cannot help: a failure that stops runs (a rejected
 * key, a storage error), or a run of consecutive examples that got no answer from the model (the server is down).
 * Unfinished examples are never stored, so the next run retries them.
 */
import { setMaxListeners } from "node:events";
import type { Example } from "./data/index.js";
import { unfinishedOf, type Outcome, type Unfinished } from "./exampleRunner.js";
import type { PredictionRecord } from "./record.js";

export interface QueueOptions {
  concurrency: number;
  /** Stop after this many examples in a row ended unfinished, with none finished in between. */
  maxConsecutiveUnfinished: number;
  /** Stores a finished example (may throw a StorageError, which stops the run). */
  store: (example: Example, record: PredictionRecord) => void;
}

export interface QueueReport {
  /** Examples that ended unfinished, by cause (one masked line), most frequent first. */
  causes: { message: string; count: number }[];
  unfinished: number;
  /** Why the run stopped before the end, if it did. */
  stoppedBecause?: string;
}

export class ExampleQueue {
  private readonly controller = new AbortController();
  private consecutive = 0;
  private unfinished = 0;
  private readonly causes = new Map<string, number>();
  private stoppedBecause: string | undefined;

  constructor(
    private readonly run: (example: Example, signal: AbortSignal) => Promise<Outcome>,
    private readonly o: QueueOptions,
  ) {
    // One listener per example in flight: at a concurrency above Node's default of 10 that is no leak, not a warning.
    setMaxListeners(Math.max(10, o.concurrency + 1), this.controller.signal);
  }

  get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  /** Runs one example and keeps its outcome; undefined if the run has stopped or the example is unfinished. */
  async runOne(example: Example): Promise<PredictionRecord | undefined> {
    if (this.stopped) return undefined;
    // Its own signal, tied to the run's, so that listeners do not pile up on one signal over thousands of examples.
    const own = new AbortController();
    const onStop = () => own.abort();
    this.controller.signal.addEventListener("abort", onStop, { once: true });
    let outcome: Outcome;
    try {
      outcome = await this.run(example, own.signal);
    } catch (e) {
      // The runner itself failed (not the example): nothing more can run.
      outcome = { unfinished: { ...unfinishedOf(e), stopsRun: true } };
    } finally {
      this.controller.signal.removeEventListener("abort", onStop);
    }
    if ("record" in outcome) {
      try {
        this.o.store(example, outcome.record);
      } catch (e) {
        // A record that cannot be stored would be paid for again and again: stop at once.
        this.keep({ ...unfinishedOf(e), stopsRun: true });
        return undefined;
      }
      this.consecutive = 0;
      return outcome.record;
    }
    this.keep(outcome.unfinished);
    return undefined;
  }

  private keep(u: Unfinished): void {
    if (u.kind === "stopped" && this.stopped) return;
    this.unfinished++;
    this.causes.set(u.message, (this.causes.get(u.message) ?? 0) + 1);
    this.consecutive++;
    if (u.stopsRun) this.stop(u.message);
    else if (this.consecutive >= this.o.maxConsecutiveUnfinished) {
      this.stop(`${this.consecutive} examples in a row got no answer from the model (last: ${u.message})`);
    }
  }

  stop(because: string): void {
    if (this.stopped) return;
    this.stoppedBecause = because;
    this.controller.abort(new Error(because));
  }

  /** Runs every example, `concurrency` at a time, in order of admission. */
  async drain(examples: readonly Example[]): Promise<void> {
    let next = 0;
    const lane = async () => {
      while (!this.stopped && next < examples.length) await this.runOne(examples[next++]!);
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency, examples.length) }, lane));
  }

  report(): QueueReport {
    const causes = [...this.causes].map(([message, count]) => ({ message, count })).sort((a, b) => b.count - a.count);
    return { causes, unfinished: this.unfinished, ...(this.stoppedBecause ? { stoppedBecause: this.stoppedBecause } : {}) };
  }
}
