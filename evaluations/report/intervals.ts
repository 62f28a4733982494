/**
 * 95% bootstrap intervals of an experiment's headline figures, recomputed from its predictions.jsonl: ERC accuracy,
 * macro-F1 and weighted-F1; ERG BLEU/ROUGE/Distinct (corpus statistics, resampled by example) and the judge's means.
 * Shared by the tables, the charts and `compare`, and remembered per experiment, since resampling a whole split
 * costs a second or so. Without predictions there is no interval, only the metrics.json figure.
 */
import { bootstrapStatistics, classificationStatistic, type Interval } from "../metrics/resample.js";
import { bootstrapCI } from "../metrics/stats.js";
import { normalizeLabel } from "../../taxonomy/normalize.js";
import { RESAMPLED_TEXT_METRICS, TEXT_METRICS, textScoreStatistic, type TextMetric } from "../score.js";
import { judgeScores } from "./derive.js";
import { JUDGE_CRITERIA, type JudgeCriterion } from "../../prompts/judge.js";
import { labelSetOf, type Experiment } from "./schema.js";

export interface IntervalOptions {
  resamples?: number;
  seed?: number;
}

export type ErcHeadline = "accuracy" | "macroF1" | "weightedF1";
export const ERC_HEADLINES: ReadonlyArray<{ key: ErcHeadline; head: string }> = [
  { key: "accuracy", head: "Accuracy" },
  { key: "macroF1", head: "Macro-F1" },
  { key: "weightedF1", head: "Weighted-F1" },
];

export const TEXT_HEADS: Readonly<Record<TextMetric, string>> = {
  bleu1: "BLEU-1",
  bleu2: "BLEU-2",
  bleu3: "BLEU-3",
  bleu4: "BLEU-4",
  rouge1: "ROUGE-1",
  rouge2: "ROUGE-2",
  rougeL: "ROUGE-L",
  distinct1: "Distinct-1",
  distinct2: "Distinct-2",
};

export const JUDGE_HEADS: Readonly<Record<JudgeCriterion, string>> = {
  fluency: "Fluency",
  identification: "Identification",
  empathy: "Empathy",
  suggestion: "Suggestion",
  overall: "Overall",
};

/** A figure as reported (metrics.json's value) with its interval, null when it cannot be computed. */
export interface Figure {
  value: number;
  ci95: [number, number] | null;
  /** The value the predictions on file give, to check metrics.json against. */
  recomputed?: number;
}

const memo = new WeakMap<Experiment, Map<string, unknown>>();
function remember<T>(exp: Experiment, key: string, make: () => T): T {
  let m = memo.get(exp);
  if (!m) memo.set(exp, (m = new Map()));
  if (!m.has(key)) m.set(key, make());
  return m.get(key) as T;
}
const optKey = (o: IntervalOptions) => `${o.resamples ?? 1000}/${o.seed ?? 1}`;
const figure = (value: number, i?: Interval): Figure => (i ? { value, ci95: [i.low, i.high], recomputed: i.estimate } : { value, ci95: null });

/** Accuracy, macro-F1 and (when metrics.json has it) weighted-F1, judged as `insideout eval` judges answers. */
export function ercFigures(exp: Experiment, opts: IntervalOptions = {}): Partial<Record<ErcHeadline, Figure>> | undefined {
  const erc = exp.metrics.erc;
  if (!erc) return undefined;
  return remember(exp, `erc ${optKey(opts)}`, () => {
    const weighted = typeof erc.weightedF1 === "number" ? erc.weightedF1 : undefined;
    const intervals = ercIntervals(exp, opts);
    const out: Partial<Record<ErcHeadline, Figure>> = {
      accuracy: intervals ? figure(erc.accuracy, intervals[0]) : { value: erc.accuracy, ci95: erc.accuracyCI95 ?? null },
      macroF1: figure(erc.macroF1, intervals?.[1]),
    };
    if (weighted !== undefined) out.weightedF1 = figure(weighted, intervals?.[2]);
    return out;
  });
}

function ercIntervals(exp: Experiment, opts: IntervalOptions): Interval[] | undefined {
  const preds = exp.predictions;
  if (!preds.length) return undefined;
  const set = labelSetOf(exp.metrics);
  const norm = (s: string) => s.trim().toLowerCase();
  const labels = new Map<string, number>((set?.labels ?? []).map((l, i) => [l, i]));
  const index = (label: string | undefined): number => {
    if (label === undefined) return -1;
    let i = labels.get(label);
    if (i === undefined) labels.set(label, (i = labels.size));
    return i;
  };
  const goldOf = (raw: string) => (set ? (set.labels.includes(norm(raw)) ? norm(raw) : set.groupOf[norm(raw)]) : norm(raw));
  const gold = new Int32Array(preds.length);
  const pred = new Int32Array(preds.length);
  preds.forEach((p, i) => {
    // A gold label outside the set has its own index, so it is never right (as `isCorrect` decides).
    gold[i] = index(goldOf(p.gold.label ?? p.gold.emotion) ?? `\u0000gold:${p.gold.emotion}`);
    const answer = p.error || !p.prediction.emotion ? undefined : set ? normalizeLabel(p.prediction.emotion, set) : norm(p.prediction.emotion);
    pred[i] = index(answer);
  });
  return bootstrapStatistics(preds.length, classificationStatistic(gold, pred, labels.size), opts);
}

/**
 * BLEU-1..4, ROUGE-1/2/L, Distinct-1/2 over the examples with a reference, as `insideout eval` scores them; Distinct
 * has no interval (see `textScoreStatistic`).
 */
export function textFigures(exp: Experiment, opts: IntervalOptions = {}): Record<TextMetric, Figure> | undefined {
  const erg = exp.metrics.erg;
  if (!erg) return undefined;
  return remember(exp, `text ${optKey(opts)}`, () => {
    const withRef = exp.predictions.filter((p) => p.reference !== null && p.reference !== undefined);
    const intervals = withRef.length
      ? bootstrapStatistics(
          withRef.length,
          textScoreStatistic(withRef.map((p) => (p.error ? "" : (p.prediction.reply ?? ""))), withRef.map((p) => p.reference ?? "")),
          opts,
        )
      : undefined;
    const at = (k: TextMetric) => (RESAMPLED_TEXT_METRICS as readonly string[]).indexOf(k);
    return Object.fromEntries(TEXT_METRICS.map((k) => [k, figure(erg[k], intervals?.[at(k)])])) as Record<TextMetric, Figure>;
  });
}

/** The judge's mean per criterion with its interval: from the judged predictions, else metrics.json's. */
export function judgeFigures(exp: Experiment, opts: IntervalOptions = {}): Record<JudgeCriterion, Figure> | undefined {
  return remember(exp, `judge ${optKey(opts)}`, () => {
    const stored = exp.metrics.erg?.judge;
    const out = {} as Record<JudgeCriterion, Figure>;
    for (const c of JUDGE_CRITERIA) {
      const scores = [...judgeScores(exp, c).values()];
      if (scores.length) {
        const b = bootstrapCI(scores, { resamples: opts.resamples ?? 1000, seed: opts.seed ?? 1 });
        out[c] = { value: stored?.[c] ?? b.mean, ci95: [b.low, b.high], recomputed: b.mean };
      } else if (stored) {
        out[c] = { value: stored[c], ci95: stored.ci95?.[c] ?? null };
      } else {
        return undefined;
      }
    }
    return out;
  });
}
