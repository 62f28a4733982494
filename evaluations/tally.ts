/** The running score of an eval, for its progress bar. */
import type { LabelSet } from "../taxonomy/labelSet.js";
import { normalizeLabel } from "../taxonomy/normalize.js";
import type { PredictionRecord } from "./record.js";
import { type TaskName } from "../state/runOptions.js";

export class Tally {
  done = 0;
  errors = 0;
  private correct = 0;
  private judged = 0;
  private overall = 0;

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
    if (r.judge) {
      this.judged++;
      this.overall += r.judge.overall;
    }
  }

  score(): string {
    if (this.task === "erc") return `acc ${this.done ? ((100 * this.correct) / this.done).toFixed(2) : "-"}%`;
    return this.judged ? `judge overall ${(this.overall / this.judged).toFixed(2)}` : "judge -";
  }
}
