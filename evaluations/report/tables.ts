/**
 * The report's tables as plain rows of text, rendered to Markdown, HTML or the terminal by the caller. They take a
 * list of experiments: a single report passes one, `insideout compare` several, and the layout stays the paper's.
 */
import {
  agentAgreement,
  chosenShare,
  costPerExample,
  differentExample,
  nameOf,
  judgeMeans,
  perLabelAccuracy,
} from "./derive.js";
import { ci, fmt, int, signed } from "./format.js";
import { PAPER_ERC, PAPER_ERG, PUBLISHED_ERC_SYSTEMS } from "./paper.js";
import { JUDGE_HEADS, TEXT_HEADS, ercFigures, judgeFigures, textFigures, type Figure, type IntervalOptions } from "./intervals.js";
import { JUDGE_CRITERIA } from "../../prompts/judge.js";
import type { Experiment, Metrics, Prediction } from "./schema.js";
import { TEXT_METRICS } from "../score.js";

export interface Table {
  /** Anchor-friendly key, also used as the HTML table's class. */
  key: string;
  title: string;
  head: string[];
  rows: string[][];
  note?: string;
}

/**
 * The paper's baseline for an experiment: the `baseline` method of the same task, model and label set among the
 * experiments given, run on the same examples. Undefined for a baseline itself or when none was given.
 */
export function baselineFor(exp: Experiment, all: readonly Experiment[]): Experiment | undefined {
  const m = exp.metrics;
  if (m.method === "baseline") return undefined;
  return all.find(
    (o) =>
      o !== exp && o.metrics.method === "baseline" && o.metrics.task === m.task && o.metrics.model === m.model && o.metrics.labels === m.labels &&
      differentExample(exp, o) === undefined,
  );
}

const modelOf = (m: Metrics) => m.model;

export function ercAccuracyTable(exps: readonly Experiment[], opts: IntervalOptions = {}): Table {
  const erc = exps.filter((e) => e.metrics.erc);
  const weighted = erc.some((e) => typeof e.metrics.erc?.weightedF1 === "number");
  const rows = erc.map((e) => {
    const m = e.metrics;
    const f = ercFigures(e, opts)!;
    const base = baselineFor(e, exps);
    const improv = m.method === "baseline" ? "(baseline)" : base?.metrics.erc ? signed(m.erc!.accuracy - base.metrics.erc.accuracy) : "–";
    const withCi = (x: Figure | undefined) => (x ? `${fmt(x.value)}${x.ci95 ? ` ${ci(x.ci95)}` : ""}` : "–");
    return [
      modelOf(m), m.method, m.labels, fmt(m.erc!.accuracy), ci(m.erc!.accuracyCI95 ?? f.accuracy?.ci95), withCi(f.macroF1),
      ...(weighted ? [withCi(f.weightedF1)] : []), improv, `${m.n}`,
    ];
  });
  return {
    key: "erc-accuracy",
    title: "ERC accuracy (%), as in the paper's Tables 1–2",
    head: ["Model", "Method", "Labels", "Accuracy", "95% CI", "Macro-F1", ...(weighted ? ["Weighted-F1"] : []), "Improv.", "n"],
    rows,
    note: "Improv.: accuracy minus the baseline of the same model and label set, in points (– when no baseline experiment was given). Intervals: 95% percentile bootstrap over examples.",
  };
}

export function paperErcTable(): Table {
  return {
    key: "paper-erc",
    title: "The paper's published ERC accuracy (%), for orientation",
    head: ["Model (paper)", "Labels", "Baseline", "InsideOut", "Improv."],
    rows: PAPER_ERC.map((r) => [r.model, r.labels, fmt(r.baseline), fmt(r.insideout), signed(r.insideout - r.baseline)]),
    note:
      "Published by Mozikov, Severin et al. (ECAI 2024), EmpatheticDialogues test, temperature 0, prompts not published; their 18-class grouping is not published, ours is our own. " +
      `Dedicated models on the same split (ed32): ${PUBLISHED_ERC_SYSTEMS.map((s) => `${s.system} ${fmt(s.accuracy)}`).join(", ")}.`,
  };
}

export function valenceTable(exps: readonly Experiment[]): Table {
  const erc = exps.filter((e) => e.metrics.erc);
  const cell = (e: Experiment, v: string) => {
    const s = e.metrics.erc?.perValence[v];
    return s ? `${s.support > 0 ? fmt(s.accuracy) : "–"} (n=${s.support})` : "–";
  };
  return {
    key: "valence",
    title: "Accuracy by valence of the gold emotion (%) and cross-valence errors",
    head: ["Experiment", "Negative", "Positive", "Ambiguous", "Cross-valence error rate"],
    rows: erc.map((e) => [
      nameOf(e),
      cell(e, "negative"),
      cell(e, "positive"),
      cell(e, "ambiguous"),
      fmt(e.metrics.erc?.crossValenceErrorRate),
    ]),
    note: "Cross-valence error: a positive emotion predicted for a negative gold one or the reverse (the paper's observation about baselines), as a share of all examples.",
  };
}

export function perLabelTable(exps: readonly Experiment[]): Table {
  const erc = exps.filter((e) => e.metrics.erc);
  const labels = erc[0] ? perLabelAccuracy(erc[0].metrics).map((l) => l.label) : [];
  const byExp = erc.map((e) => new Map(perLabelAccuracy(e.metrics).map((l) => [l.label, l])));
  return {
    key: "per-label",
    title: "Accuracy per emotion (%)",
    head: ["Emotion", "Support", ...erc.map((e) => nameOf(e))],
    rows: labels.map((label) => [
      label,
      `${byExp[0]?.get(label)?.support ?? 0}`,
      ...byExp.map((m) => {
        const l = m.get(label);
        return l && l.accuracy !== null ? `${fmt(l.accuracy, 1)} (${l.correct}/${l.support})` : "–";
      }),
    ]),
  };
}

/**
 * Column names for experiments side by side: the method alone when they share model and label set (and compare
 * named nothing more, such as different data).
 */
export function columnNames(exps: readonly Experiment[]): string[] {
  const first = exps[0]?.metrics;
  const same = exps.every((e) => e.metrics.model === first?.model && e.metrics.labels === first?.labels && e.name === undefined);
  const short = exps.map((e) => (same ? e.metrics.method : nameOf(e)));
  return new Set(short).size === short.length ? short : exps.map((e) => `${nameOf(e)} (${e.dir})`);
}

/**
 * The paper's Improv.: InsideOut minus the baseline of the same model and label set. Methods with "insideout" in
 * their name get the column; when none was given, every method that has a baseline does.
 */
export function improvPairs(exps: readonly Experiment[]): Array<{ exp: Experiment; base: Experiment }> {
  const pairs = exps.flatMap((exp) => {
    const base = baselineFor(exp, exps);
    return base ? [{ exp, base }] : [];
  });
  const insideout = pairs.filter((p) => p.exp.metrics.method.includes("insideout"));
  return insideout.length ? insideout : pairs;
}

/** Metrics as rows and experiments as columns, each figure with its interval, then the Improv. column(s). */
function metricRowsTable<K extends string>(
  base: Omit<Table, "head" | "rows">,
  exps: readonly Experiment[],
  metrics: ReadonlyArray<readonly [K, string]>,
  figures: (e: Experiment) => Partial<Record<K, Figure>> | undefined,
  digits: number,
): Table {
  const shown = exps.filter((e) => figures(e));
  const names = columnNames(shown);
  const pairs = improvPairs(shown);
  if (!shown.length) return { ...base, head: ["Metric"], rows: [] };
  const improvHead = (p: { exp: Experiment }) => (pairs.length === 1 ? "Improv." : `Improv. (${names[shown.indexOf(p.exp)]})`);
  return {
    ...base,
    head: ["Metric", ...names, ...pairs.map(improvHead)],
    rows: metrics.map(([key, head]) => [
      head,
      ...shown.map((e) => {
        const f = figures(e)?.[key];
        return f ? (f.ci95 ? `${fmt(f.value, digits)} ${ci(f.ci95, digits)}` : fmt(f.value, digits)) : "–";
      }),
      ...pairs.map(({ exp, base: b }) => {
        const x = figures(exp)?.[key]?.value;
        const y = figures(b)?.[key]?.value;
        return x === undefined || y === undefined ? "–" : signed(x - y, digits);
      }),
    ]),
  };
}

const improvNote = (exps: readonly Experiment[]) => {
  const pairs = improvPairs(exps);
  return pairs.length
    ? ` Improv.: ${[...new Set(pairs.map((p) => `${p.exp.metrics.method} minus ${p.base.metrics.method}`))].join("; ")}, in points.`
    : "";
};

/** The paper's Table 3: BLEU, ROUGE and Distinct of each method, with 95% bootstrap intervals over examples. */
export function ergTextTable(exps: readonly Experiment[], opts: IntervalOptions = {}): Table {
  const erg = exps.filter((e) => e.metrics.erg);
  const table = metricRowsTable(
    {
      key: "erg-metrics",
      title: "Table 3: ERG automatic metrics (×100) with 95% intervals",
      note:
        `Corpus BLEU (NLTK's), ROUGE F-measure averaged over replies, corpus Distinct-n. Intervals: percentile bootstrap over examples (${opts.resamples ?? 1000} resamples, seed ${opts.seed ?? 1}); ` +
        "none for Distinct, which a resample lowers by repeating replies." +
        improvNote(erg),
    },
    erg,
    TEXT_METRICS.map((k) => [k, TEXT_HEADS[k]] as const),
    (e) => textFigures(e, opts),
    2,
  );
  if (table.rows.length) table.rows.push(["Examples", ...erg.map((e) => int(e.metrics.n)), ...improvPairs(erg).map(() => "")]);
  return table;
}

/** The judge models of these experiments, as named in titles ("–" when none recorded one). */
export function judgeModels(exps: readonly Experiment[]): string {
  const models = [...new Set(exps.map((e) => e.metrics.judgeModel).filter((m): m is string => Boolean(m)))];
  return models.length ? models.join(", ") : "not recorded";
}

/** The paper's Table 4: the LLM judge's mean score per criterion, with 95% bootstrap intervals, naming the judge. */
export function judgeTable(exps: readonly Experiment[], opts: IntervalOptions = {}): Table {
  const judged = exps.filter((e) => e.metrics.task === "erg" && judgeFigures(e, opts));
  const table = metricRowsTable(
    {
      key: "judge",
      title: `Table 4: LLM judge scores (1–10) with 95% intervals — judge ${judgeModels(judged)}`,
      note:
        `Means over the judged replies; percentile bootstrap over examples (${opts.resamples ?? 1000} resamples, seed ${opts.seed ?? 1}).` +
        improvNote(judged),
    },
    judged,
    JUDGE_CRITERIA.map((c) => [c, JUDGE_HEADS[c]] as const),
    (e) => judgeFigures(e, opts),
    2,
  );
  const judgedCount = (e: Experiment) => e.predictions.filter((p) => p.judge && !p.error).length || (e.metrics.erg?.judge?.n as number | undefined);
  if (judged.length) {
    table.rows.push(["Judged replies", ...judged.map((e) => int(judgedCount(e))), ...improvPairs(judged).map(() => "")]);
    table.rows.push(["Judge model", ...judged.map((e) => e.metrics.judgeModel ?? "–"), ...improvPairs(judged).map(() => "")]);
  }
  return table;
}

export function paperErgTable(): Table {
  const models = [...new Set(PAPER_ERG.map((r) => r.model))];
  const get = (model: string, method: string) => PAPER_ERG.find((r) => r.model === model && r.method === method)?.overall;
  return {
    key: "paper-erg",
    title: "The paper's published ERG judge Overall (GPT-4 as judge, 1–10), for orientation",
    head: ["Model (paper)", "baseline", "erc+baseline", "erc+insideout", "Improv. (erc+insideout)"],
    rows: models.map((model) => {
      const b = get(model, "baseline");
      const i = get(model, "erc+insideout");
      return [model, fmt(b), fmt(get(model, "erc+baseline")), fmt(i), b !== undefined && i !== undefined ? signed(i - b) : "–"];
    }),
    note: "Published by Mozikov, Severin et al. (ECAI 2024); only the Overall criterion is quoted here, with their own judge prompt (ours differs).",
  };
}

export function agentTable(exps: readonly Experiment[]): Table | undefined {
  const withAgents = exps.map((e) => ({ e, agree: agentAgreement(e), chosen: chosenShare(e) }))
    .filter(({ agree, chosen }) => Object.keys(agree).length || Object.keys(chosen).length);
  if (!withAgents.length) return undefined;
  const agents = [...new Set(withAgents.flatMap(({ agree, chosen }) => [...Object.keys(agree), ...Object.keys(chosen)]))];
  return {
    key: "agents",
    title: "Agent agreement with the final answer (%)",
    head: ["Agent", ...withAgents.map(({ e }) => nameOf(e))],
    rows: agents.map((a) => [
      a,
      ...withAgents.map(({ e, agree, chosen }) => {
        const v = agree[a] ?? chosen[a];
        return v === undefined ? "–" : `${fmt(v, 1)}${e.metrics.task === "erg" ? " chosen" : ""}`;
      }),
    ]),
    note: "ERC: how often the agent's label equalled the final label. ERG: \"chosen\" is how often the aggregate agent selected the agent's reply.",
  };
}

const median = (xs: readonly number[]): number | undefined => {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const h = s.length >> 1;
  return s.length % 2 ? s[h] : (s[h - 1]! + s[h]!) / 2;
};

/** Per example, not per run: the mean and the median over the examples on file (metrics.json's mean without them). */
export function costTable(exps: readonly Experiment[]): Table {
  const quantities: ReadonlyArray<readonly [string, (p: Prediction) => number, number]> = [
    ["Prompt tokens", (p) => p.usage.promptTokens, 0],
    ["Completion tokens", (p) => p.usage.completionTokens, 0],
    ["LLM calls", (p) => p.usage.llmCalls, 1],
    ["Latency (s)", (p) => p.latencyMs / 1000, 2],
  ];
  return {
    key: "cost",
    title: "Cost per example",
    head: ["Experiment", ...quantities.map(([q]) => `${q}, mean / median`)],
    rows: exps.map((e) => {
      const c = costPerExample(e);
      const stored = [c?.promptTokens, c?.completionTokens, c?.llmCalls, c ? c.latencyMs / 1000 : undefined];
      const ps = e.predictions;
      const mean = (f: (p: Prediction) => number, i: number) => (ps.length ? ps.reduce((s, p) => s + f(p), 0) / ps.length : stored[i]);
      return [
        nameOf(e),
        ...quantities.map(([, f, digits], i) => `${fmt(mean(f, i), digits)} / ${fmt(median(ps.map(f)), digits)}`),
      ];
    }),
    note: "Each figure is per example: the mean, then the median, over the experiment's examples. Run totals are in the next table.",
  };
}

export function runTotalsTable(exps: readonly Experiment[]): Table {
  return {
    key: "run-totals",
    title: "Run totals",
    head: ["Experiment", "Examples", "LLM calls", "Prompt tokens", "Completion tokens", "Wall time (s)"],
    rows: exps.map((e) => {
      const c = e.metrics.cost;
      return [
        nameOf(e),
        int(e.metrics.n),
        int(c?.llmCalls),
        int(c?.promptTokens),
        int(c?.completionTokens),
        fmt(c?.wallMs === undefined ? undefined : c.wallMs / 1000, 1),
      ];
    }),
  };
}

/** Every table of a report over these experiments, in the paper's order; empty sections are left out. */
export function reportTables(exps: readonly Experiment[], opts: IntervalOptions = {}): Table[] {
  const tables: Table[] = [];
  const anyErc = exps.some((e) => e.metrics.erc);
  const anyErg = exps.some((e) => e.metrics.erg || judgeMeans(e));
  if (anyErc) {
    tables.push(ercAccuracyTable(exps, opts), paperErcTable(), valenceTable(exps));
    // ed32 and ed18 have different emotions: one per-emotion table per label set.
    const sets = [...new Set(exps.filter((e) => e.metrics.erc).map((e) => e.metrics.labels))];
    for (const set of sets) {
      const t = perLabelTable(exps.filter((e) => e.metrics.labels === set));
      tables.push(sets.length > 1 ? { ...t, key: `${t.key}-${set}`, title: `${t.title} — ${set}` } : t);
    }
  }
  if (anyErg) {
    if (exps.some((e) => e.metrics.erg)) tables.push(ergTextTable(exps, opts));
    const judge = judgeTable(exps, opts);
    if (judge.rows.length) tables.push(judge);
    tables.push(paperErgTable());
  }
  const agents = agentTable(exps);
  if (agents) tables.push(agents);
  tables.push(costTable(exps), runTotalsTable(exps));
  return tables;
}
