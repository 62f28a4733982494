/**
 * metrics.json from an experiment's records. Rates are ×100 (as the paper reports them) except the judge's 1–10.
 *
 * Errors are never dropped: in ERC an errored example is a wrong answer (its prediction is "none"); in ERG its
 * reply is the empty text in BLEU/ROUGE/Distinct and it has no judge score (`scored` says how many were judged).
 */
import { classificationReport } from "./metrics/classification.js";
import { emoBenchCorrect, emoBenchMetrics, eqBenchMetrics, eqBenchScoreOf, type EmoBenchMetrics, type EqBenchMetrics } from "./metrics/benchmark.js";
import { bootstrapCI } from "./metrics/stats.js";
import { scoreTexts, type TextScores } from "./score.js";
import { JUDGE_CRITERIA, type JudgeCriterion } from "./judge.js";
import type { ScoredRecord } from "./record.js";
import type { LabelSet } from "../taxonomy/labelSet.js";
import type { Valence } from "../taxonomy/labelSets.js";
import { normalizeLabel } from "../taxonomy/normalize.js";
import type { MethodVariant } from "./variant.js";
import { type TaskName } from "../state/runOptions.js";

export interface ExperimentMeta {
  task: TaskName;
  method: string;
  model: string;
  judgeModel?: string;
  labels: string;
  split: string;
  limit: number | null;
  seed: number;
  /** The run options beside the method (agents, aggregation, temperature; self-consistency's samples). */
  options?: MethodVariant;
  startedAt: string;
  finishedAt: string;
  wallMs: number;
}

export interface ErcMetrics {
  accuracy: number;
  macroF1: number;
  /** F1 per label weighted by its gold support (MELD's usual metric). */
  weightedF1: number;
  accuracyCI95: [number, number];
  /** Rows: gold labels; columns: predicted labels, plus one last column for "no label" (errors, unparseable). */
  confusion: { labels: string[]; matrix: number[][] };
  perLabel: Record<string, { support: number; correct: number; accuracy: number }>;
  perValence: Partial<Record<Valence, { support: number; accuracy: number }>>;
  crossValenceErrorRate: number;
}

/** The text metrics of `insideout score`, plus the judge. */
export interface ErgMetrics extends Omit<TextScores, "n" | "tokenized" | "bleuDetails"> {
  /** Examples with a reference reply, over which BLEU and ROUGE are computed. */
  withReference: number;
  judge?: Record<JudgeCriterion, number> & { n: number; ci95: Record<JudgeCriterion, [number, number]> };
}

export interface CostMetrics {
  promptTokens: number;
  completionTokens: number;
  llmCalls: number;
  perExample: { promptTokens: number; completionTokens: number; llmCalls: number; latencyMs: number };
  wallMs: number;
}

export interface ExperimentMetrics extends Omit<ExperimentMeta, "wallMs"> {
  n: number;
  scored: number;
  errors: number;
  erc?: ErcMetrics;
  erg?: ErgMetrics;
  /** EQ-Bench v2 (task eqbench). */
  eqbench?: EqBenchMetrics;
  /** EmoBench EU or EA (tasks emobench-eu, emobench-ea). */
  emobench?: EmoBenchMetrics;
  agents?: { agreement: Record<string, number> };
  cost: CostMetrics;
}

const pct = (x: number): number => x * 100;
const ci = (values: number[], scale = 1): [number, number] => {
  const c = bootstrapCI(values, { seed: 1 });
  return [c.low * scale, c.high * scale];
};

export function ercMetrics(records: readonly ScoredRecord[], labelSet: LabelSet): ErcMetrics {
  const gold: string[] = [];
  const pred: Array<string | null> = [];
  for (const r of records) {
    if (r.gold.label === null) throw new Error(`Example ${r.id}: gold "${r.gold.emotion}" is not in label set ${labelSet.name}.`);
    gold.push(r.gold.label);
    pred.push(r.error || !r.prediction.emotion ? null : (normalizeLabel(r.prediction.emotion, labelSet) ?? null));
  }
  const report = classificationReport(gold, pred, labelSet.labels);
  const correct = gold.map((g, i) => (pred[i] === g ? 1 : 0));
  const perLabel: ErcMetrics["perLabel"] = {};
  for (const [label, s] of Object.entries(report.perLabel)) {
    perLabel[label] = { support: s.support, correct: s.correct, accuracy: pct(s.recall) };
  }
  const perValence: ErcMetrics["perValence"] = {};
  for (const [v, s] of Object.entries(report.perValence) as Array<[Valence, { n: number; accuracy: number }]>) {
    perValence[v] = { support: s.n, accuracy: pct(s.accuracy) };
  }
  return {
    accuracy: pct(report.accuracy),
    macroF1: pct(report.macroF1),
    weightedF1: pct(report.weightedF1),
    accuracyCI95: ci(correct, 100),
    confusion: { labels: [...labelSet.labels], matrix: report.confusion },
    perLabel,
    perValence,
    crossValenceErrorRate: pct(report.crossValence.rate),
  };
}

export function ergMetrics(records: readonly ScoredRecord[]): ErgMetrics {
  const withRef = records.filter((r) => r.reference !== null);
  const hyp = withRef.map((r) => (r.error ? "" : (r.prediction.reply ?? "")));
  const ref = withRef.map((r) => r.reference ?? "");
  const text = withRef.length
    ? scoreTexts({ hyp, ref })
    : { bleu1: 0, bleu2: 0, bleu3: 0, bleu4: 0, rouge1: 0, rouge2: 0, rougeL: 0, distinct1: 0, distinct2: 0 };
  const out: ErgMetrics = {
    bleu1: text.bleu1,
    bleu2: text.bleu2,
    bleu3: text.bleu3,
    bleu4: text.bleu4,
    rouge1: text.rouge1,
    rouge2: text.rouge2,
    rougeL: text.rougeL,
    distinct1: text.distinct1,
    distinct2: text.distinct2,
    withReference: withRef.length,
  };
  const judged = records.filter((r) => r.judge);
  if (judged.length) {
    const means = {} as Record<JudgeCriterion, number>;
    const ci95 = {} as Record<JudgeCriterion, [number, number]>;
    for (const c of JUDGE_CRITERIA) {
      const values = judged.map((r) => r.judge![c]);
      means[c] = values.reduce((a, b) => a + b, 0) / values.length;
      ci95[c] = ci(values);
    }
    out.judge = { ...means, n: judged.length, ci95 };
  }
  return out;
}

/**
 * How often each agent agreed with the final answer: in ERC, the share of examples (where the agent gave an
 * opinion) whose opinion equals the final label; in ERG, the share of examples with a chosen reply where the agent's
 * candidate was the one chosen.
 */
export function agentAgreement(records: readonly ScoredRecord[], task: TaskName, labelSet: LabelSet): Record<string, number> {
  const hits = new Map<string, { agree: number; total: number }>();
  const bump = (agent: string, agree: boolean): void => {
    const h = hits.get(agent) ?? { agree: 0, total: 0 };
    h.total++;
    if (agree) h.agree++;
    hits.set(agent, h);
  };
  for (const r of records) {
    if (task === "erc") {
      const final = r.prediction.emotion ? normalizeLabel(r.prediction.emotion, labelSet) : undefined;
      if (!final) continue;
      for (const [agent, o] of Object.entries(r.opinions)) bump(agent, normalizeLabel(o.emotion, labelSet) === final);
    } else {
      if (!r.prediction.author) continue;
      for (const agent of Object.keys(r.candidates)) bump(agent, r.prediction.author === agent);
    }
  }
  return Object.fromEntries([...hits].sort(([a], [b]) => a.localeCompare(b)).map(([a, h]) => [a, pct(h.agree / h.total)]));
}

export function costMetrics(records: readonly ScoredRecord[], wallMs: number): CostMetrics {
  const sum = (f: (r: ScoredRecord) => number): number => records.reduce((a, r) => a + f(r), 0);
  const n = Math.max(records.length, 1);
  const promptTokens = sum((r) => r.usage.promptTokens);
  const completionTokens = sum((r) => r.usage.completionTokens);
  const llmCalls = sum((r) => r.usage.llmCalls);
  return {
    promptTokens,
    completionTokens,
    llmCalls,
    perExample: { promptTokens: promptTokens / n, completionTokens: completionTokens / n, llmCalls: llmCalls / n, latencyMs: sum((r) => r.latencyMs) / n },
    wallMs,
  };
}

export function experimentMetrics(records: readonly ScoredRecord[], meta: ExperimentMeta, labelSet: LabelSet): ExperimentMetrics {
  const { wallMs, ...rest } = meta;
  const errors = records.filter((r) => r.error).length;
  const out: ExperimentMetrics = {
    ...rest,
    n: records.length,
    scored: meta.task === "erg" && meta.judgeModel ? records.filter((r) => r.judge).length : records.length - errors,
    errors,
    cost: costMetrics(records, wallMs),
  };
  if (meta.task === "erc") out.erc = ercMetrics(records, labelSet);
  else if (meta.task === "erg") out.erg = ergMetrics(records);
  else {
    Object.assign(out, benchmarkMetrics(records));
    return out;
  }
  const agreement = agentAgreement(records, meta.task, labelSet);
  if (Object.keys(agreement).length) out.agents = { agreement };
  return out;
}

/** A benchmark question's result: EQ-Bench's score (null: not parseable), or EmoBench's right fields. An error has no answer. */
export function benchmarkResult(r: ScoredRecord): { eqbench: number | null } | { correct: Record<string, boolean> } {
  const b = r.benchmark;
  if (!b) throw new Error(`Example ${r.id} has no benchmark question.`);
  const answer = r.error ? undefined : b.answer;
  return b.gold.kind === "eqbench" ? { eqbench: eqBenchScoreOf(b.gold, answer) } : { correct: emoBenchCorrect(b.gold, answer) };
}

/** EQ-Bench's or EmoBench's metrics of a benchmark experiment's records. */
export function benchmarkMetrics(records: readonly ScoredRecord[]): { eqbench: EqBenchMetrics } | { emobench: EmoBenchMetrics } {
  const results = records.map(benchmarkResult);
  if (results.every((x) => "eqbench" in x)) return { eqbench: eqBenchMetrics(results.map((x) => x.eqbench)) };
  return {
    emobench: emoBenchMetrics(
      records.map((r, i) => {
        const x = results[i]!;
        if (!("correct" in x)) throw new Error(`Example ${r.id} is not an EmoBench question.`);
        return { correct: x.correct, category: r.benchmark?.category };
      }),
    ),
  };
}
