/** The running score of an eval, for its progress bar. */
import type { LabelSet } from "../taxonomy/labelSet.js";
import { normalizeLabel } from "../taxonomy/normalize.js";
import type { PredictionRecord } from "./record.js";
import { benchmarkResult } from "./experimentMetrics.js";
import { type TaskName } from "../state/runOptions.js";

export class Tally {
  done = 0;
  errors = 0;
  private correct = 0;
  private judged = 0;
  private overall = 0;
  /** Benchmark questions: EQ-Bench's summed scores of parseable ones, or EmoBench's fully right ones. */
  private benchSum = 0;
  private benchCount = 0;

  constructor(
    private readonly task: TaskName,
    private readonly labelSet: LabelSet,
  ) {}

  add(r: PredictionRecord): void {
    this.done++;
    if (r.error) this.errors++;
    if (this.task === "erc" && r.prediction.emotion && !r.error) {
      if (normalizeLabel(r.prediction.emotion, this.labelSet) === r.gold.label) this.correct++;
    }
    if (r.benchmark) {
      const x = benchmarkResult(r);
      if ("eqbench" in x && x.eqbench !== null) {
        this.benchSum += x.eqbench;
        this.benchCount++;
      } else if ("correct" in x && Object.values(x.correct).every(Boolean)) this.benchSum++;
    }
    if (r.judge) {
      this.judged++;
      this.overall += r.judge.overall;
    }
  }

  score(): string {
    if (this.task === "eqbench") return `EQ-Bench ${this.benchCount ? ((10 * this.benchSum) / this.benchCount).toFixed(2) : "-"}`;
    if (this.task !== "erc" && this.task !== "erg") return `acc ${this.done ? ((100 * this.benchSum) / this.done).toFixed(2) : "-"}%`;
    if (this.task === "erc") return `acc ${this.done ? ((100 * this.correct) / this.done).toFixed(2) : "-"}%`;
    return this.judged ? `judge overall ${(this.overall / this.judged).toFixed(2)}` : "judge -";
  }
}
