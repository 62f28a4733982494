/**
 * Bootstrap intervals of statistics that are not a mean of per-example values: corpus BLEU, Distinct-n, macro- and
 * weighted-F1. Each resample draws example indices with replacement (the same draws `bootstrapCI` makes for the
 * same seed) and recomputes every statistic on them; the interval is the percentile one.
 */
import { mulberry32, quantileSorted, type BootstrapOptions } from "./stats.js";

export interface Interval {
  /** The statistic on all examples. */
  estimate: number;
  low: number;
  high: number;
}

/**
 * @param n number of examples
 * @param statistic the statistics of a sample given as example indices (repeats allowed); always the same length
 */
export function bootstrapStatistics(n: number, statistic: (indices: Int32Array) => number[], opts: BootstrapOptions = {}): Interval[] {
  const { resamples = 1000, seed = 1, level = 0.95 } = opts;
  const all = new Int32Array(n).map((_, i) => i);
  const estimates = statistic(all);
  if (n === 0) return estimates.map((e) => ({ estimate: e, low: e, high: e }));
  const rand = mulberry32(seed);
  const draws = estimates.map(() => new Float64Array(resamples));
  const idx = new Int32Array(n);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < n; i++) idx[i] = (rand() * n) | 0;
    statistic(idx).forEach((v, k) => (draws[k]![r] = v));
  }
  const alpha = (1 - level) / 2;
  return estimates.map((estimate, k) => {
    const sorted = Array.from(draws[k]!.sort());
    return { estimate, low: quantileSorted(sorted, alpha), high: quantileSorted(sorted, 1 - alpha) };
  });
}

/**
 * Accuracy, macro-F1 and weighted-F1 (×100) of a sample of labelled examples. `gold[i]` and `pred[i]` are label
 * indices in [0, labels); `pred[i]` is −1 for no label (always wrong). Macro-F1 averages over the labels present in
 * the sample's gold or predictions, as `classificationReport` does; weighted-F1 weights each label's F1 by its gold
 * support (scikit-learn's `average="weighted"`).
 */
export function classificationStatistic(gold: Int32Array, pred: Int32Array, labels: number): (indices: Int32Array) => number[] {
  const support = new Int32Array(labels);
  const predicted = new Int32Array(labels);
  const tp = new Int32Array(labels);
  return (indices) => {
    support.fill(0);
    predicted.fill(0);
    tp.fill(0);
    for (const i of indices) {
      const g = gold[i]!;
      const p = pred[i]!;
      support[g]!++;
      if (p >= 0) {
        predicted[p]!++;
        if (p === g) tp[g]!++;
      }
    }
    let correct = 0;
    let present = 0;
    let f1Sum = 0;
    let weighted = 0;
    for (let l = 0; l < labels; l++) {
      correct += tp[l]!;
      const denom = support[l]! + predicted[l]!;
      if (denom === 0) continue;
      // 2PR/(P+R) written with counts: 2·tp/(support + predicted), 0 when nothing matched.
      const f1 = (2 * tp[l]!) / denom;
      present++;
      f1Sum += f1;
      weighted += support[l]! * f1;
    }
    const n = indices.length;
    return n === 0 ? [0, 0, 0] : [(100 * correct) / n, present ? (100 * f1Sum) / present : 0, (100 * weighted) / n];
  };
}
