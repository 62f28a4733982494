/**
 * `reproduce --table suite`: baseline, self-consistency and InsideOut with one model on every benchmark the project
 * reads (ED and MELD as ERC, EQ-Bench v2, EmoBench EU and EA), each an eval of its own (resumable, cached), then one
 * table: each benchmark's own metric with its 95 % interval, the difference to the baseline with a paired test
 * (McNemar for right/wrong answers; a paired bootstrap of EQ-Bench's per-question scores, over the questions both
 * answered parseably), and calls and tokens per example.
 */
import { join } from "node:path";
import type { TaskName } from "../state/runOptions.js";
import { readLines } from "./data/lines.js";
import { loadLabelSet } from "../taxonomy/labelSets.js";
import { normalizeLabel } from "../taxonomy/normalize.js";
import { benchmarkResult, type ExperimentMetrics } from "./experimentMetrics.js";
import { mcnemar, pairedBootstrap } from "./metrics/stats.js";
import type { PredictionRecord } from "./record.js";
import type { Table } from "./report/tables.js";

export interface SuiteBenchmark {
  name: string;
  title: string;
  data: string;
  /** ERC's; a benchmark's data names its own task. */
  task?: TaskName;
  labels?: string;
}

export const SUITE_BENCHMARKS: readonly SuiteBenchmark[] = [
  { name: "ed", title: "ED (ERC, ed32)", data: "ed:test", task: "erc", labels: "ed32" },
  { name: "meld", title: "MELD (ERC, meld7)", data: "meld:test", task: "erc", labels: "meld7" },
  { name: "eqbench", title: "EQ-Bench v2", data: "eqbench:v2" },
  { name: "emobench-eu", title: "EmoBench EU", data: "emobench:eu" },
  { name: "emobench-ea", title: "EmoBench EA", data: "emobench:ea" },
];

export const SUITE_METHODS = ["baseline", "self-consistency", "insideout"] as const;

/** Per example: right (1) or wrong (0), or EQ-Bench's score of the question (null: not parseable). */
export function exampleScores(records: readonly PredictionRecord[], metrics: ExperimentMetrics): Map<string, number | null> {
  const out = new Map<string, number | null>();
  const set = metrics.task === "erc" ? loadLabelSet(metrics.labels) : undefined;
  for (const r of records) {
    if (set) {
      const pred = r.error || !r.prediction.emotion ? undefined : normalizeLabel(r.prediction.emotion, set);
      out.set(r.id, pred !== undefined && pred === r.gold.label ? 1 : 0);
      continue;
    }
    const x = benchmarkResult(r);
    // EU counts as right when both the emotion and its cause are.
    out.set(r.id, "eqbench" in x ? x.eqbench : x.correct.both ?? x.correct.choice ? 1 : 0);
  }
  return out;
}

/** A run's headline: its metric and 95 % interval, and the name of the metric. */
export function headline(m: ExperimentMetrics): { metric: string; value: number; ci95: [number, number] } {
  if (m.erc) return { metric: "accuracy", value: m.erc.accuracy, ci95: m.erc.accuracyCI95 };
  if (m.eqbench) return { metric: "EQ-Bench score", value: m.eqbench.score, ci95: m.eqbench.scoreCI95 };
  if (m.emobench) {
    const key = m.emobench.accuracy.both ? "both" : "choice";
    const a = m.emobench.accuracy[key]!;
    return { metric: key === "both" ? "accuracy (emotion and cause)" : "accuracy", value: a.accuracy, ci95: a.ci95 };
  }
  throw new Error(`${m.task} ${m.method}: no metric to show`);
}

export interface PairedTest {
  test: "McNemar" | "paired bootstrap";
  pValue: number;
  /** Examples the test used. */
  n: number;
}

/** The paired test of a method against the baseline on the same examples. */
export function pairedTest(baseline: ReadonlyMap<string, number | null>, method: ReadonlyMap<string, number | null>, scores: boolean): PairedTest {
  const ids = [...baseline.keys()].filter((id) => method.has(id));
  if (scores) {
    const both = ids.filter((id) => baseline.get(id) != null && method.get(id) != null);
    const r = pairedBootstrap(both.map((id) => baseline.get(id)!), both.map((id) => method.get(id)!), { seed: 1 });
    return { test: "paired bootstrap", pValue: r.pValue, n: both.length };
  }
  const r = mcnemar(ids.map((id) => baseline.get(id) === 1), ids.map((id) => method.get(id) === 1));
  return { test: "McNemar", pValue: r.pValue, n: ids.length };
}

export interface SuiteRun {
  benchmark: SuiteBenchmark;
  method: string;
  metrics: ExperimentMetrics;
  scores: Map<string, number | null>;
}

const f2 = (x: number) => x.toFixed(2);
const signed = (x: number) => `${x >= 0 ? "+" : ""}${x.toFixed(2)}`;
const p = (x: number) => (x < 0.001 ? "<0.001" : x.toFixed(3));

export function suiteTable(runs: readonly SuiteRun[], model: string): Table {
  const rows: string[][] = [];
  for (const run of runs) {
    const h = headline(run.metrics);
    const base = runs.find((r) => r.benchmark.name === run.benchmark.name && r.method === "baseline");
    let delta = "";
    let test = "";
    if (base && base !== run) {
      delta = signed(h.value - headline(base.metrics).value);
      const t = pairedTest(base.scores, run.scores, Boolean(run.metrics.eqbench));
      test = `${t.test} p=${p(t.pValue)} (n=${t.n})`;
    }
    const per = run.metrics.cost.perExample;
    rows.push([
      run.benchmark.title,
      run.method,
      h.metric,
      `${f2(h.value)} (${f2(h.ci95[0])}–${f2(h.ci95[1])})`,
      delta,
      test,
      f2(per.llmCalls),
      f2(per.promptTokens + per.completionTokens),
    ]);
  }
  return {
    key: "suite",
    title: `Benchmark suite · ${model}`,
    head: ["benchmark", "method", "metric", "value (95% CI)", "Δ vs baseline", "paired test", "calls / example", "tokens / example"],
    rows,
    note:
      "Accuracies ×100; EQ-Bench v2's score as EQ-Bench computes it (0–100, over parseable questions). McNemar: exact below 25 discordant examples; " +
      "EQ-Bench's paired bootstrap uses the questions both methods answered parseably. An errored example counts as wrong (EQ-Bench: not parseable).",
  };
}

/** An experiment's records, from its predictions.jsonl (bounded reads). */
export async function readRecords(outDir: string): Promise<PredictionRecord[]> {
  const out: PredictionRecord[] = [];
  for await (const { text } of readLines(join(outDir, "predictions.jsonl"))) if (text.trim()) out.push(JSON.parse(text) as PredictionRecord);
  return out;
}
