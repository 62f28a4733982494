/**
 * The charts of report.html and compare.html, over one or more experiments: confusion heatmaps, accuracy per
 * emotion per method, accuracy by valence, agent agreement, cost per method, and ERG judge scores.
 */
import { agentAgreement, chosenShare, costPerExample, experimentName, judgeMeans, labelOrder, perLabelAccuracy } from "./derive.js";
import { JUDGE_CRITERIA, type Experiment } from "./schema.js";
import { barChart, heatmap } from "./svg.js";

export interface Chart {
  title: string;
  svg: string;
}

const name = (e: Experiment) => experimentName(e.metrics);

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

export function judgeChart(exps: readonly Experiment[]): Chart | undefined {
  const judged = exps.map((e) => ({ e, j: judgeMeans(e) })).filter((x) => x.j);
  if (!judged.length) return undefined;
  const categories = [...JUDGE_CRITERIA];
  const series = judged.map((x) => ({ name: name(x.e), values: categories.map((c) => x.j![c]) }));
  const title = "Judge scores (1–10)";
  return { title, svg: barChart({ title, categories, series, max: 10, digits: 2, kind: "judge" }) };
}

/** All charts for these experiments, in reading order. */
export function allCharts(exps: readonly Experiment[]): Chart[] {
  const charts: Chart[] = [...confusionCharts(exps), ...perEmotionCharts(exps)];
  const valence = valenceChart(exps);
  if (valence) charts.push(valence);
  const judge = judgeChart(exps);
  if (judge) charts.push(judge);
  const agents = agentChart(exps);
  if (agents) charts.push(agents);
  charts.push(...costCharts(exps));
  return charts;
}
