/**
 * What reports and comparisons show, derived from a parsed experiment: per-example correctness and judge scores
 * (recomputed from predictions.jsonl, so paired tests use exactly the examples on file), per-label accuracy,
 * agent agreement. All percentages here are ×100, as the paper reports them (judge scores stay 1–10).
 */
import { normalizeLabel } from "../../taxonomy/normalize.js";
import { JUDGE_CRITERIA, type JudgeCriterion } from "../../prompts/judge.js";
import type { LabelSet } from "../../taxonomy/labelSet.js";
import { labelSetOf, type Experiment, type Metrics, type Prediction } from "./schema.js";
import { methodLabel } from "../variant.js";

/** The label order of tables and charts: the confusion matrix's, else the label set's, else perLabel's keys. */
export function labelOrder(m: Metrics): string[] {
  if (m.erc?.confusion?.labels.length) return m.erc.confusion.labels;
  const set = labelSetOf(m);
  if (set) return [...set.labels];
  return Object.keys(m.erc?.perLabel ?? {});
}

const norm = (s: string) => s.trim().toLowerCase();

/**
 * Whether an ERC prediction is right, decided as `insideout eval` decides it: the answer normalised into the
 * experiment's label set (so "Joyful." is joyful, and an ed32 answer in an ed18 run counts as its group) equals the
 * gold label in that set. A failed example is wrong, as accuracy over all examples counts it.
 */
export function isCorrect(p: Prediction, set: LabelSet | undefined): boolean {
  if (p.error || !p.prediction.emotion) return false;
  const goldRaw = p.gold.label ?? p.gold.emotion;
  if (!set) return norm(p.prediction.emotion) === norm(goldRaw);
  const gold = set.labels.includes(norm(goldRaw)) ? norm(goldRaw) : set.groupOf[norm(goldRaw)];
  return gold !== undefined && normalizeLabel(p.prediction.emotion, set) === gold;
}

/** Per-example ERC correctness by example id. */
export function correctness(exp: Experiment): Map<string, boolean> {
  const set = labelSetOf(exp.metrics);
  return new Map(exp.predictions.map((p) => [p.id, isCorrect(p, set)]));
}

/** Per-example judge score for one criterion, by id; examples without a judge verdict are absent. */
export function judgeScores(exp: Experiment, criterion: JudgeCriterion): Map<string, number> {
  const out = new Map<string, number>();
  for (const p of exp.predictions) if (p.judge && !p.error) out.set(p.id, p.judge[criterion]);
  return out;
}

export function hasJudge(exp: Experiment): boolean {
  return Boolean(exp.metrics.erg?.judge) || exp.predictions.some((p) => p.judge);
}

export interface LabelAccuracy {
  label: string;
  support: number;
  correct: number;
  /** ×100; null when the label has no gold examples. */
  accuracy: number | null;
}

/** Per-label accuracy, recomputed from support and correct (the counts are what the report can check). */
export function perLabelAccuracy(m: Metrics): LabelAccuracy[] {
  const per = m.erc?.perLabel ?? {};
  return labelOrder(m).map((label) => {
    const s = per[label];
    const support = s?.support ?? 0;
    const correct = s?.correct ?? 0;
    return { label, support, correct, accuracy: support > 0 ? (100 * correct) / support : null };
  });
}

/**
 * How often each agent's opinion matched the final answer, ×100 (ERG: how often its reply was chosen), as
 * metrics.json stores it. Without it, recomputed from the ERC opinions on file.
 */
export function agentAgreement(exp: Experiment): Record<string, number> {
  const stored = exp.metrics.agents?.agreement ?? {};
  if (Object.keys(stored).length) return { ...stored };
  const set = labelSetOf(exp.metrics);
  const label = (s: string) => (set ? normalizeLabel(s, set) : norm(s));
  const agree: Record<string, { n: number; same: number }> = {};
  for (const p of exp.predictions) {
    const final = p.prediction.emotion ? label(p.prediction.emotion) : undefined;
    if (!final) continue;
    for (const [agent, o] of Object.entries(p.opinions)) {
      const a = (agree[agent] ??= { n: 0, same: 0 });
      a.n++;
      if (label(o.emotion) === final) a.same++;
    }
  }
  return Object.fromEntries(Object.entries(agree).map(([a, { n, same }]) => [a, (100 * same) / n]));
}

/** For ERG with candidates: how often each agent's reply was the one chosen, ×100 of the examples it proposed for. */
export function chosenShare(exp: Experiment): Record<string, number> {
  const tally: Record<string, { n: number; chosen: number }> = {};
  for (const p of exp.predictions) {
    for (const agent of Object.keys(p.candidates)) {
      const t = (tally[agent] ??= { n: 0, chosen: 0 });
      t.n++;
      if (p.prediction.author === agent) t.chosen++;
    }
  }
  return Object.fromEntries(Object.entries(tally).map(([a, { n, chosen }]) => [a, (100 * chosen) / n]));
}

export interface CostSummary {
  promptTokens: number;
  completionTokens: number;
  llmCalls: number;
  latencyMs: number;
}

/** Cost per example: from metrics.json, else averaged over the predictions on file. */
export function costPerExample(exp: Experiment): CostSummary | undefined {
  const per = exp.metrics.cost?.perExample;
  if (per) return { promptTokens: per.promptTokens, completionTokens: per.completionTokens, llmCalls: per.llmCalls, latencyMs: per.latencyMs };
  const ps = exp.predictions;
  if (!ps.length) return undefined;
  const avg = (f: (p: Prediction) => number) => ps.reduce((s, p) => s + f(p), 0) / ps.length;
  return {
    promptTokens: avg((p) => p.usage.promptTokens),
    completionTokens: avg((p) => p.usage.completionTokens),
    llmCalls: avg((p) => p.usage.llmCalls),
    latencyMs: avg((p) => p.latencyMs),
  };
}

/** Mean judge score per criterion: metrics.json's, else the mean over the predictions that have one. */
export function judgeMeans(exp: Experiment): Record<JudgeCriterion, number> | undefined {
  const j = exp.metrics.erg?.judge;
  if (j) return Object.fromEntries(JUDGE_CRITERIA.map((c) => [c, j[c]])) as Record<JudgeCriterion, number>;
  const judged = exp.predictions.filter((p) => p.judge);
  if (!judged.length) return undefined;
  return Object.fromEntries(
    JUDGE_CRITERIA.map((c) => [c, judged.reduce((s, p) => s + (p.judge?.[c] ?? 0), 0) / judged.length]),
  ) as Record<JudgeCriterion, number>;
}

/**
 * An example id both experiments hold with different content (dialogue, speakers, situation, gold or reference):
 * they ran on different data under the same ids, so no paired test or difference between them means anything.
 * Undefined when every shared id holds the same example, or when either experiment's examples are unknown.
 */
export function differentExample(a: Experiment, b: Experiment): string | undefined {
  const x = a.examples;
  const y = b.examples;
  if (!x || !y || x.sha256 === y.sha256) return undefined;
  for (const [id, content] of x.byId) {
    const other = y.byId.get(id);
    if (other !== undefined && other !== content) return id;
  }
  return undefined;
}

/** The name of an experiment in tables: the one compare gave it to tell it apart, else `experimentName`. */
export function nameOf(exp: Experiment): string {
  return exp.name ?? experimentName(exp.metrics);
}

/** A short name for an experiment in tables: "insideout · gpt-4o-mini · ed32". */
export function experimentName(m: Metrics): string {
  const model = m.model.includes(":") ? m.model.slice(m.model.indexOf(":") + 1) : m.model;
  const method = methodLabel(m.method, m.options);
  return m.task === "erc" ? `${method} · ${model} · ${m.labels}` : `${method} · ${model}`;
}
