/**
 * `insideout compare`: experiments side by side, with the paper's "Improv." column and what the paper lacks —
 * 95% bootstrap confidence intervals and paired significance tests on the examples two experiments share (by id):
 * McNemar for ERC accuracy, a paired bootstrap for judge scores.
 *
 * Which experiment a method is tested against: the `baseline` of the same task, model and label set when one was
 * given (the paper's comparison); otherwise the first experiment given with the same task and label set. Either must
 * have run on the same examples: two experiments holding different dialogues or gold under the same id ran on
 * different data, and get no Improv. or paired test between them (said in a warning); rows then name each one's data.
 *
 * What is shown comes from the records the eval stored (storedExperiment.ts): files that disagree with them are refused.
 */
import { mkdir, realpath } from "node:fs/promises";
import path from "node:path";
import { allCharts } from "./report/charts.js";
import { correctness, differentExample, experimentName, hasJudge, judgeScores, nameOf } from "./report/derive.js";
import { ci, fmt, pValue, signed, textTable } from "./report/format.js";
import { writeAtomic } from "./report/index.js";
import { chartToHtml, htmlPage, tableToHtml, tableToMarkdown } from "./report/render.js";
import { JUDGE_CRITERIA, type JudgeCriterion } from "../prompts/judge.js";
import type { Experiment } from "./report/schema.js";
import { readStoredExperiment, type StoredExperiment } from "./storedExperiment.js";
import { ercFigures, judgeFigures, textFigures, TEXT_HEADS } from "./report/intervals.js";
import { baselineFor, ergTextTable, judgeModels, judgeTable, reportTables, type Table } from "./report/tables.js";
import { mcnemar, pairedBootstrap, type McNemarResult, type PairedBootstrapResult } from "./metrics/stats.js";

export interface CompareOptions {
  resamples?: number;
  seed?: number;
  /**
   * The paired tests to run, as [reference dir, method dir] (e.g. the ablation's InsideOut against self-consistency);
   * by default each experiment against its reference (the module comment).
   */
  pairs?: ReadonlyArray<readonly [string, string]>;
}

type Resampling = Required<Pick<CompareOptions, "resamples" | "seed">>;

export interface ExperimentSummary {
  dir: string;
  name: string;
  task: "erc" | "erg";
  method: string;
  model: string;
  labels: string;
  n: number;
  /** ERC accuracy ×100 as metrics.json reports it, and its 95% bootstrap interval over the examples on file. */
  accuracy?: number;
  accuracyCI95?: [number, number];
  macroF1?: number;
  macroF1CI95?: [number, number];
  /** Support-weighted F1, when metrics.json has it (MELD's usual metric). */
  weightedF1?: number;
  weightedF1CI95?: [number, number];
  /** Accuracy (ERC) or judge Overall (ERG) minus the reference's, in points. */
  improv?: number;
  reference?: string;
  judgeModel?: string;
  judge?: Partial<Record<JudgeCriterion, { mean: number; ci95: [number, number] | null }>>;
  /** BLEU/ROUGE/Distinct (×100) as metrics.json reports them, and their 95% bootstrap intervals over examples. */
  erg?: Record<string, number>;
  ergCI95?: Record<string, [number, number]>;
}

export interface PairComparison {
  /** The reference (A) and the method tested against it (B), as directories and names. */
  a: string;
  b: string;
  aName: string;
  bName: string;
  task: "erc" | "erg";
  /** Examples present in both experiments. */
  shared: number;
  /** ERC: accuracies on the shared examples (×100), their difference in points, and McNemar's test. */
  erc?: { accuracyA: number; accuracyB: number; delta: number; mcnemar: McNemarResult };
  /** ERG: paired bootstrap per judge criterion on the examples both judged (delta = B − A). */
  judge?: Partial<Record<JudgeCriterion, PairedBootstrapResult & { n: number }>>;
}

export interface Comparison {
  experiments: ExperimentSummary[];
  pairs: PairComparison[];
  warnings: string[];
  resamples: number;
  seed: number;
}

/** The experiment a method is compared with (see the module comment); undefined for a reference itself. */
export function referenceFor(exp: Experiment, all: readonly Experiment[]): Experiment | undefined {
  const base = baselineFor(exp, all);
  if (base) return base;
  if (exp.metrics.method === "baseline") return undefined;
  const first = all.find((o) => o.metrics.task === exp.metrics.task && o.metrics.labels === exp.metrics.labels && differentExample(exp, o) === undefined);
  return first === exp ? undefined : first;
}

const differentData = (a: Experiment, b: Experiment, id: string) =>
  `${a.dir} and ${b.dir} ran on different data (example ${JSON.stringify(id)} is not the same in both): no Improv. or paired test between them`;


function summarise(exp: Experiment, all: readonly Experiment[], o: Resampling, warnings: string[]): ExperimentSummary {
  const m = exp.metrics;
  const s: ExperimentSummary = { dir: exp.dir, name: nameOf(exp), task: m.task, method: m.method, model: m.model, labels: m.labels, n: m.n };
  const ref = referenceFor(exp, all);
  if (ref) s.reference = ref.dir;
  if (!exp.predictions.length) warnings.push(`${exp.dir}: no predictions.jsonl, so no confidence interval or paired test for it`);

  if (m.judgeModel) s.judgeModel = m.judgeModel;
  if (m.erc) {
    s.accuracy = m.erc.accuracy;
    s.macroF1 = m.erc.macroF1;
    const f = ercFigures(exp, o)!;
    if (f.accuracy?.ci95) s.accuracyCI95 = f.accuracy.ci95;
    if (f.macroF1?.ci95) s.macroF1CI95 = f.macroF1.ci95;
    if (f.weightedF1) {
      s.weightedF1 = f.weightedF1.value;
      if (f.weightedF1.ci95) s.weightedF1CI95 = f.weightedF1.ci95;
    }
    // Parse, don't trust: the accuracy the predictions imply should be the one metrics.json reports.
    const recomputed = f.accuracy?.recomputed;
    if (recomputed !== undefined && Math.abs(recomputed - m.erc.accuracy) > 0.01) {
      warnings.push(`${exp.dir}: metrics.json reports accuracy ${fmt(m.erc.accuracy)} but predictions.jsonl gives ${fmt(recomputed)} over ${exp.predictions.length} examples`);
    }
    if (ref?.metrics.erc) s.improv = m.erc.accuracy - ref.metrics.erc.accuracy;
  }
  if (m.erg) {
    const { judge: _judge, ...rest } = m.erg;
    s.erg = Object.fromEntries(Object.entries(rest).filter((kv): kv is [string, number] => typeof kv[1] === "number"));
    const f = textFigures(exp, o)!;
    const cis = Object.entries(f).flatMap(([k, x]) => (x.ci95 ? [[k, x.ci95] as const] : []));
    if (cis.length) s.ergCI95 = Object.fromEntries(cis);
    const off = Object.entries(f).filter(([, x]) => x.recomputed !== undefined && Math.abs(x.recomputed - x.value) > 0.01);
    if (off.length) {
      const [k, x] = off[0]!;
      warnings.push(`${exp.dir}: metrics.json reports ${TEXT_HEADS[k as keyof typeof TEXT_HEADS]} ${fmt(x.value)} but predictions.jsonl gives ${fmt(x.recomputed)}`);
    }
  }
  if (hasJudge(exp)) {
    const f = judgeFigures(exp, o);
    if (f) {
      s.judge = Object.fromEntries(JUDGE_CRITERIA.map((c) => [c, { mean: f[c].value, ci95: f[c].ci95 }]));
      const refF = ref ? judgeFigures(ref, o) : undefined;
      if (refF) s.improv = f.overall.value - refF.overall.value;
    }
  }
  return s;
}

function pair(a: Experiment, b: Experiment, o: Resampling): PairComparison {
  const out: PairComparison = {
    a: a.dir, b: b.dir, aName: nameOf(a), bName: nameOf(b), task: b.metrics.task, shared: 0,
  };
  const aIds = new Set(a.predictions.map((p) => p.id));
  const shared = b.predictions.map((p) => p.id).filter((id) => aIds.has(id));
  out.shared = shared.length;
  if (b.metrics.task === "erc") {
    const ca = correctness(a);
    const cb = correctness(b);
    const xa = shared.map((id) => ca.get(id)!);
    const xb = shared.map((id) => cb.get(id)!);
    const acc = (xs: boolean[]) => (xs.length ? (100 * xs.filter(Boolean).length) / xs.length : 0);
    out.erc = { accuracyA: acc(xa), accuracyB: acc(xb), delta: acc(xb) - acc(xa), mcnemar: mcnemar(xa, xb) };
  } else if (hasJudge(a) && hasJudge(b)) {
    out.judge = {};
    for (const c of JUDGE_CRITERIA) {
      const ja = judgeScores(a, c);
      const jb = judgeScores(b, c);
      const ids = shared.filter((id) => ja.has(id) && jb.has(id));
      const test = pairedBootstrap(ids.map((id) => ja.get(id)!), ids.map((id) => jb.get(id)!), { resamples: o.resamples, seed: o.seed });
      out.judge[c] = { ...test, n: ids.length };
    }
  }
  return out;
}

/** Compares experiments already read; the order given is kept in every table. */
export function compareExperiments(exps: readonly Experiment[], opts: CompareOptions = {}): Comparison {
  const o = { resamples: opts.resamples ?? 1000, seed: opts.seed ?? 1 };
  const warnings: string[] = [];
  const experiments = exps.map((e) => summarise(e, exps, o, warnings));
  exps.forEach((a, i) =>
    exps.slice(i + 1).forEach((b) => {
      const id = a.metrics.task === b.metrics.task ? differentExample(a, b) : undefined;
      if (id !== undefined) warnings.push(differentData(a, b, id));
    }),
  );
  const pairs: PairComparison[] = [];
  const byDir = (dir: string) => exps.find((e) => e.dir === dir);
  const tested = opts.pairs
    ? opts.pairs.map(([a, b]) => [byDir(a), byDir(b)] as const)
    : exps.map((b) => [referenceFor(b, exps), b] as const);
  for (const [a, b] of tested) {
    if (!a || !b || !a.predictions.length || !b.predictions.length) continue;
    // Named by the caller (the ablation), yet on different data: already said above, never tested.
    if (differentExample(a, b) !== undefined) continue;
    const p = pair(a, b, o);
    if (p.shared === 0) warnings.push(`${a.dir} and ${b.dir} share no example ids: no paired test`);
    pairs.push(p);
  }
  return { experiments, pairs, warnings, ...o };
}

export async function loadAndCompare(dirs: readonly string[], opts: CompareOptions = {}): Promise<{ comparison: Comparison; experiments: Experiment[] }> {
  if (!dirs.length) throw new Error("compare needs at least one experiment directory");
  await refuseSameDirectory(dirs);
  const read: StoredExperiment[] = [];
  // One at a time: each holds its predictions and an open store while it is checked.
  for (const d of dirs) read.push(await readStoredExperiment(d));
  nameApart(read);
  const experiments = read.map((r) => r.exp);
  return { comparison: compareExperiments(experiments, opts), experiments };
}

/** The same experiment twice (or through a link) would be compared with itself: a paired test of nothing. */
async function refuseSameDirectory(dirs: readonly string[]): Promise<void> {
  const seen = new Map<string, string>();
  for (const d of dirs) {
    let real: string;
    try {
      real = await realpath(d);
    } catch {
      continue; // reading it says what is wrong with it
    }
    const first = seen.get(real);
    if (first !== undefined) throw new Error(`${first} and ${d} are the same experiment directory: compare different experiments.`);
    seen.set(real, d);
  }
}

/**
 * Rows that would read alike name what sets them apart: the data each ran on, and where its graphs ran (a --server,
 * or the model's endpoint), when the experiments compared differ in it.
 */
function nameApart(read: StoredExperiment[]): void {
  const data = read.map(({ exp }) => {
    const m = exp.metrics;
    return `${m.split ?? "?"}${m.limit ? ` (limit ${m.limit}, seed ${m.seed ?? "?"})` : ""}`;
  });
  const sha = read.map(({ exp }) => exp.examples?.sha256);
  const dataDiffers = new Set(data).size > 1 || new Set(sha.filter((x) => x !== undefined)).size > 1;
  const dataOf = (i: number) => {
    // The same name over different examples (a data file edited between runs): its fingerprint tells them apart.
    const same = data.some((d, j) => j !== i && d === data[i] && sha[j] !== sha[i]);
    return same && sha[i] ? `${data[i]} sha256 ${sha[i]!.slice(0, 12)}` : data[i]!;
  };
  const where = read.map(({ config }) => {
    if (!config) return undefined;
    if (typeof config.server === "string") return `server ${config.server}`;
    return typeof config.modelEndpoint === "string" ? `endpoint ${config.modelEndpoint}` : undefined;
  });
  const whereDiffers = new Set(where.filter((x) => x !== undefined)).size > 1;
  read.forEach(({ exp }, i) => {
    const parts = [...(dataDiffers ? [`data ${dataOf(i)}`] : []), ...(whereDiffers ? [where[i] ?? "ran where unknown"] : [])];
    if (parts.length) exp.name = [experimentName(exp.metrics), ...parts].join(" · ");
  });
}

// ---- Tables -------------------------------------------------------------------------------------------------

/** Which tables `reproduce` prints: the paper's Table 3 (automatic metrics) or Table 4 (judge), or everything. */
export type CompareView = "all" | "automatic" | "judge";

export function compareTables(c: Comparison, exps: readonly Experiment[], view: CompareView = "all"): Table[] {
  const o = { resamples: c.resamples, seed: c.seed };
  const tables: Table[] = [];
  const erc = c.experiments.filter((e) => e.accuracy !== undefined);
  if (erc.length && view === "all") {
    const weighted = erc.some((e) => e.weightedF1 !== undefined);
    tables.push({
      key: "compare-erc",
      title: "ERC accuracy (%), side by side",
      head: ["Experiment", "Accuracy", "95% CI", "Macro-F1", "95% CI", ...(weighted ? ["Weighted-F1", "95% CI"] : []), "Improv.", "n"],
      rows: erc.map((e) => [
        e.name, fmt(e.accuracy), ci(e.accuracyCI95), fmt(e.macroF1), ci(e.macroF1CI95),
        ...(weighted ? [fmt(e.weightedF1), ci(e.weightedF1CI95)] : []),
        e.reference ? signed(e.improv) : "(reference)", `${e.n}`,
      ]),
      note: `Improv.: accuracy minus the reference's (the baseline of the same model and label set when given), in points. CI: percentile bootstrap over examples, ${c.resamples} resamples, seed ${c.seed}.`,
    });
  }
  if (view !== "judge" && exps.some((e) => e.metrics.erg)) tables.push(ergTextTable(exps, o));
  const judge = view !== "automatic" ? judgeTable(exps, o) : undefined;
  if (judge?.rows.length) tables.push(judge);
  const ercPairs = c.pairs.filter((p) => p.erc);
  if (ercPairs.length && view === "all") {
    tables.push({
      key: "compare-mcnemar",
      title: "Paired test of ERC accuracy (McNemar) on the shared examples",
      head: ["Reference (A)", "Method (B)", "Shared", "Acc. A", "Acc. B", "Δ (B − A)", "A only right", "B only right", "Test", "p"],
      rows: ercPairs.map((p) => {
        const e = p.erc!;
        return [p.aName, p.bName, `${p.shared}`, fmt(e.accuracyA), fmt(e.accuracyB), signed(e.delta), `${e.mcnemar.b}`, `${e.mcnemar.c}`, e.mcnemar.method, pValue(e.mcnemar.pValue)];
      }),
      note: "McNemar's test uses only the examples one method got right and the other wrong: exact binomial below 25 such examples, continuity-corrected chi-square otherwise.",
    });
  }
  const judgePairs = c.pairs.filter((p) => p.judge);
  if (judgePairs.length && view !== "automatic") {
    tables.push({
      key: "compare-paired-bootstrap",
      title: `Paired bootstrap test of judge scores on the shared examples — judge ${judgeModels(exps)}`,
      head: ["Reference (A)", "Method (B)", "Criterion", "n", "Mean A", "Mean B", "Δ (B − A)", "p"],
      rows: judgePairs.flatMap((p) =>
        JUDGE_CRITERIA.flatMap((k) => {
          const t = p.judge?.[k];
          return t ? [[p.aName, p.bName, k, `${t.n}`, fmt(t.meanA), fmt(t.meanB), signed(t.delta), pValue(t.pValue)]] : [];
        }),
      ),
      note: `Two-sided paired bootstrap over examples, ${c.resamples} resamples, seed ${c.seed}.`,
    });
  }
  return tables;
}

/** The readable terminal output of `insideout compare` (and of `reproduce`, one view per table of the paper). */
export function compareText(c: Comparison, exps: readonly Experiment[], view: CompareView = "all"): string {
  const out: string[] = [];
  for (const t of compareTables(c, exps, view)) out.push(t.title, textTable(t.head, t.rows), ...(t.note ? [t.note] : []), "");
  for (const w of c.warnings) out.push(`warning: ${w}`);
  return out.join("\n").trimEnd() + "\n";
}

/** Tables of the single-experiment reports that compare shows in its own way. */
const replaced = new Set(["erc-accuracy", "erg-metrics", "judge"]);

const experimentLine = (e: ExperimentSummary, dir = e.dir) =>
  `${dir}: ${e.name} (${e.task.toUpperCase()}, n=${e.n}${e.judgeModel ? `, judge ${e.judgeModel}` : ""})`;

export function compareMarkdown(c: Comparison, exps: readonly Experiment[]): string {
  const rest = reportTables(exps, { resamples: c.resamples, seed: c.seed }).filter((t) => !replaced.has(t.key));
  return [
    "# InsideOut: experiments compared",
    "",
    ...c.experiments.map((e) => `- ${experimentLine(e, `\`${e.dir}\``)}`),
    "",
    ...[...compareTables(c, exps), ...rest].flatMap((t) => [tableToMarkdown(t), ""]),
    ...(c.warnings.length ? ["## Warnings", "", ...c.warnings.map((w) => `- ${w}`), ""] : []),
  ].join("\n");
}

export function compareHtml(c: Comparison, exps: readonly Experiment[]): string {
  const o = { resamples: c.resamples, seed: c.seed };
  const rest = reportTables(exps, o).filter((t) => !replaced.has(t.key));
  return htmlPage({
    title: "InsideOut: experiments compared",
    meta: [...c.experiments.map((e) => experimentLine(e)), ...c.warnings.map((w) => `warning: ${w}`)],
    sections: [
      ...compareTables(c, exps).map(tableToHtml),
      `<section class="charts">${allCharts(exps, o).map(chartToHtml).join("\n")}</section>`,
      ...rest.map(tableToHtml),
    ],
  });
}

export async function writeCompare(outDir: string, c: Comparison, exps: readonly Experiment[]): Promise<void> {
  await mkdir(outDir, { recursive: true });
  await writeAtomic(path.join(outDir, "compare.md"), compareMarkdown(c, exps));
  await writeAtomic(path.join(outDir, "compare.html"), compareHtml(c, exps));
}
