/**
 * The charts of report.html and compare.html, over one or more experiments: confusion heatmaps, accuracy per
 * emotion per method, accuracy by valence, agent agreement, cost per method, and ERG judge scores. Headline figures
 * (accuracy and F1; BLEU, ROUGE, Distinct; the judge's) carry their 95% bootstrap intervals as whiskers.
 */
import { agentAgreement, chosenShare, costPerExample, labelOrder, nameOf, perLabelAccuracy } from "./derive.js";
import { ERC_HEADLINES, JUDGE_HEADS, TEXT_HEADS, ercFigures, judgeFigures, textFigures, type Figure, type IntervalOptions } from "./intervals.js";
import { JUDGE_CRITERIA } from "../../prompts/judge.js";
import type { Experiment } from "./schema.js";
import { TEXT_METRICS } from "../score.js";
import { barChart, heatmap } from "./svg.js";

export interface Chart {
  title: string;
  svg: string;
}

const name = nameOf;

/** One heatmap per ERC experiment that has a confusion matrix; an extra last column holds unparseable answers. */
export function confusionCharts(exps: readonly Experiment[]): Chart[] {
  return exps.flatMap((e) => {
    const conf = e.metrics.erc?.confusion;
    if (!conf || !conf.labels.length) return [];
    const width = Math.max(...conf.matrix.map((r) => r.length));
    const cols = width > conf.labels.length ? [...conf.labels, "(no label)"] : conf.labels;
    const title = `Confusion matrix — ${name(e)}`;
    return [{ title, svg: heatmap({ title, rowLabels: conf.labels, colLabels: cols, matrix: conf.matrix }) }];
  });
}

/** Accuracy per emotion, one bar per method, one chart per label set (ed32 and ed18 have different emotions). */
export function perEmotionCharts(exps: readonly Experiment[]): Chart[] {
  const erc = exps.filter((e) => e.metrics.erc);
  const bySet = new Map<string, Experiment[]>();
  for (const e of erc) bySet.set(e.metrics.labels, [...(bySet.get(e.metrics.labels) ?? []), e]);
  return [...bySet.entries()].map(([labels, group]) => {
    const categories = labelOrder(group[0]!.metrics);
    const series = group.map((e) => {
      const acc = new Map(perLabelAccuracy(e.metrics).map((l) => [l.label, l.accuracy]));
      return { name: name(e), values: categories.map((c) => acc.get(c) ?? null) };
    });
    const title = `Accuracy per emotion (%) — ${labels}`;
    return { title, svg: barChart({ title, categories, series, max: 100, unit: "%", kind: "per-emotion" }) };
  });
}

export function valenceChart(exps: readonly Experiment[]): Chart | undefined {
  const erc = exps.filter((e) => e.metrics.erc && Object.keys(e.metrics.erc.perValence).length);
  if (!erc.length) return undefined;
  const categories = ["negative", "positive", "ambiguous"];
  const series = erc.map((e) => ({ name: name(e), values: categories.map((v) => e.metrics.erc?.perValence[v]?.accuracy ?? null) }));
  const title = "Accuracy by valence of the gold emotion (%)";
  return { title, svg: barChart({ title, categories, series, max: 100, unit: "%", kind: "valence" }) };
}

/** How often each agent agreed with the final answer (ERC), or had its reply chosen (ERG). */
export function agentChart(exps: readonly Experiment[]): Chart | undefined {
  const rows = exps
    .map((e) => {
      const agree = agentAgreement(e);
      return { e, shares: Object.keys(agree).length ? agree : chosenShare(e), chosen: e.metrics.task === "erg" };
    })
    .filter((r) => Object.keys(r.shares).length);
  if (!rows.length) return undefined;
  const agents = [...new Set(rows.flatMap((r) => Object.keys(r.shares)))];
  const series = rows.map((r) => ({ name: `${name(r.e)}${r.chosen ? " (reply chosen)" : ""}`, values: agents.map((a) => r.shares[a] ?? null) }));
  const title = "Agent agreement with the final answer (%)";
  return { title, svg: barChart({ title, categories: agents, series, max: 100, unit: "%", kind: "agents" }) };
}

/** Tokens, LLM calls and latency per example, one bar per experiment. */
export function costCharts(exps: readonly Experiment[]): Chart[] {
  const costs = exps.map((e) => ({ e, c: costPerExample(e) })).filter((x) => x.c);
  if (!costs.length) return [];
  const categories = costs.map((x) => name(x.e));
  const one = (title: string, values: number[], digits: number, unit = "") => ({
    title,
    svg: barChart({ title, categories, series: [{ name: "per example", values }], digits, unit, kind: "cost" }),
  });
  return [
    one("Tokens per example (prompt + completion)", costs.map((x) => x.c!.promptTokens + x.c!.completionTokens), 0),
    one("LLM calls per example", costs.map((x) => x.c!.llmCalls), 2),
    one("Latency per example (s)", costs.map((x) => x.c!.latencyMs / 1000), 2, " s"),
  ];
}

/** One series per experiment over the given figures, each bar with its interval. */
function figureSeries<K extends string>(exps: readonly Experiment[], keys: readonly K[], figures: (e: Experiment) => Partial<Record<K, Figure>> | undefined) {
  return exps.flatMap((e) => {
    const f = figures(e);
    return f ? [{ name: name(e), values: keys.map((k) => f[k]?.value ?? null), intervals: keys.map((k) => f[k]?.ci95 ?? null) }] : [];
  });
}

/** ERC accuracy, macro-F1 and (when any experiment has it) weighted-F1 with 95% whiskers. */
export function ercHeadlineChart(exps: readonly Experiment[], opts: IntervalOptions = {}): Chart | undefined {
  const erc = exps.filter((e) => e.metrics.erc);
  if (!erc.length) return undefined;
  const heads = ERC_HEADLINES.filter((h) => h.key !== "weightedF1" || erc.some((e) => typeof e.metrics.erc?.weightedF1 === "number"));
  const series = figureSeries(erc, heads.map((h) => h.key), (e) => ercFigures(e, opts));
  const title = "ERC headline metrics (%) with 95% intervals";
  return { title, svg: barChart({ title, categories: heads.map((h) => h.head), series, max: 100, digits: 1, unit: "%", kind: "headline" }) };
}

/** ERG BLEU-1..4, ROUGE-1/2/L and Distinct-1/2 (×100) with 95% whiskers. */
export function ergHeadlineChart(exps: readonly Experiment[], opts: IntervalOptions = {}): Chart | undefined {
  const erg = exps.filter((e) => e.metrics.erg);
  if (!erg.length) return undefined;
  const series = figureSeries(erg, TEXT_METRICS, (e) => textFigures(e, opts));
  const title = "ERG automatic metrics (×100) with 95% intervals";
  return { title, svg: barChart({ title, categories: TEXT_METRICS.map((k) => TEXT_HEADS[k]), series, digits: 2, kind: "headline erg-text" }) };
}

export function judgeChart(exps: readonly Experiment[], opts: IntervalOptions = {}): Chart | undefined {
  const judged = exps.filter((e) => e.metrics.task === "erg" && judgeFigures(e, opts));
  if (!judged.length) return undefined;
  const series = figureSeries(judged, JUDGE_CRITERIA, (e) => judgeFigures(e, opts));
  const judges = [...new Set(judged.map((e) => e.metrics.judgeModel).filter(Boolean))];
  const title = `Judge scores (1–10) with 95% intervals${judges.length ? ` — judge ${judges.join(", ")}` : ""}`;
  return { title, svg: barChart({ title, categories: JUDGE_CRITERIA.map((c) => JUDGE_HEADS[c]), series, max: 10, digits: 2, kind: "judge" }) };
}

/** All charts for these experiments, in reading order. */
export function allCharts(exps: readonly Experiment[], opts: IntervalOptions = {}): Chart[] {
  const charts: Chart[] = [];
  for (const c of [ercHeadlineChart(exps, opts), ergHeadlineChart(exps, opts), judgeChart(exps, opts)]) if (c) charts.push(c);
  charts.push(...confusionCharts(exps), ...perEmotionCharts(exps));
  const valence = valenceChart(exps);
  if (valence) charts.push(valence);
  const agents = agentChart(exps);
  if (agents) charts.push(agents);
  charts.push(...costCharts(exps));
  return charts;
}
