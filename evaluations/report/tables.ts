/**
 * The report's tables as plain rows of text, rendered to Markdown, HTML or the terminal by the caller. They take a
 * list of experiments: a single report passes one, `insideout compare` several, and the layout stays the paper's.
 */
import {
  agentAgreement,
  chosenShare,
  costPerExample,
  experimentName,
  judgeMeans,
  perLabelAccuracy,
} from "./derive.js";
import { ci, fmt, int, signed } from "./format.js";
import { PAPER_ERC, PAPER_ERG, PUBLISHED_ERC_SYSTEMS } from "./paper.js";
import { JUDGE_CRITERIA, type Experiment, type Metrics } from "./schema.js";

export interface Table {
  /** Anchor-friendly key, also used as the HTML table's class. */
  key: string;
  title: string;
  head: string[];
  rows: string[][];
  note?: string;
}

const JUDGE_HEADS = ["Fluency", "Identification", "Empathy", "Suggestion", "Overall"];

/**
 * The paper's baseline for an experiment: the `baseline` method of the same task, model and label set among the
 * experiments given. Undefined for a baseline itself or when none was given.
 */
export function baselineFor(exp: Experiment, all: readonly Experiment[]): Experiment | undefined {
  const m = exp.metrics;
  if (m.method === "baseline") return undefined;
  return all.find(
    (o) => o !== exp && o.metrics.method === "baseline" && o.metrics.task === m.task && o.metrics.model === m.model && o.metrics.labels === m.labels,
  );
}

const modelOf = (m: Metrics) => m.model;

export function ercAccuracyTable(exps: readonly Experiment[]): Table {
  const erc = exps.filter((e) => e.metrics.erc);
  const rows = erc.map((e) => {
    const m = e.metrics;
    const base = baselineFor(e, exps);
    const improv = m.method === "baseline" ? "(baseline)" : base?.metrics.erc ? signed(m.erc!.accuracy - base.metrics.erc.accuracy) : "–";
    return [modelOf(m), m.method, m.labels, fmt(m.erc!.accuracy), ci(m.erc!.accuracyCI95), fmt(m.erc!.macroF1), improv, `${m.n}`];
  });
  return {
    key: "erc-accuracy",
    title: "ERC accuracy (%), as in the paper's Tables 1–2",
    head: ["Model", "Method", "Labels", "Accuracy", "95% CI", "Macro-F1", "Improv.", "n"],
    rows,
    note: "Improv.: accuracy minus the baseline of the same model and label set, in points (– when no baseline experiment was given).",
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
      experimentName(e.metrics),
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
    head: ["Emotion", "Support", ...erc.map((e) => experimentName(e.metrics))],
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

export function ergTextTable(exps: readonly Experiment[]): Table {
  const erg = exps.filter((e) => e.metrics.erg);
  return {
    key: "erg-metrics",
    title: "ERG automatic metrics, as in the paper's Tables 3–4 (×100)",
    head: ["Model", "Method", "BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "ROUGE-1", "ROUGE-2", "ROUGE-L", "Distinct-1", "Distinct-2", "n"],
    rows: erg.map((e) => {
      const g = e.metrics.erg!;
      return [modelOf(e.metrics), e.metrics.method, ...[g.bleu1, g.bleu2, g.bleu3, g.bleu4, g.rouge1, g.rouge2, g.rougeL, g.distinct1, g.distinct2].map((x) => fmt(x)), `${e.metrics.n}`];
    }),
  };
}

export function judgeTable(exps: readonly Experiment[]): Table {
  const erg = exps.filter((e) => e.metrics.task === "erg" && judgeMeans(e));
  return {
    key: "judge",
    title: "ERG judge scores (1–10), as in the paper's Tables 3–4",
    head: ["Model", "Method", "Judge", ...JUDGE_HEADS, "Improv. (Overall)"],
    rows: erg.map((e) => {
      const j = judgeMeans(e)!;
      const base = baselineFor(e, exps);
      const bj = base ? judgeMeans(base) : undefined;
      const improv = e.metrics.method === "baseline" ? "(baseline)" : bj ? signed(j.overall - bj.overall) : "–";
      const ci95 = e.metrics.erg?.judge?.ci95;
      return [
        modelOf(e.metrics),
        e.metrics.method,
        e.metrics.judgeModel ?? "–",
        ...JUDGE_CRITERIA.map((c) => (ci95?.[c] ? `${fmt(j[c])} ${ci(ci95[c])}` : fmt(j[c]))),
        improv,
      ];
    }),
    note: "Means over the judged examples; 95% bootstrap intervals in brackets where the evaluation computed them.",
  };
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
    head: ["Agent", ...withAgents.map(({ e }) => experimentName(e.metrics))],
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

export function costTable(exps: readonly Experiment[]): Table {
  return {
    key: "cost",
    title: "Cost per example",
    head: ["Experiment", "Prompt tokens", "Completion tokens", "LLM calls", "Latency (s)", "Total tokens", "Wall time (s)"],
    rows: exps.map((e) => {
      const c = costPerExample(e);
      const total = e.metrics.cost ? e.metrics.cost.promptTokens + e.metrics.cost.completionTokens : undefined;
      return [
        experimentName(e.metrics),
        fmt(c?.promptTokens, 0),
        fmt(c?.completionTokens, 0),
        fmt(c?.llmCalls, 2),
        fmt(c ? c.latencyMs / 1000 : undefined, 2),
        int(total),
        fmt(e.metrics.cost?.wallMs === undefined ? undefined : e.metrics.cost.wallMs / 1000, 1),
      ];
    }),
  };
}

/** Every table of a report over these experiments, in the paper's order; empty sections are left out. */
export function reportTables(exps: readonly Experiment[]): Table[] {
  const tables: Table[] = [];
  const anyErc = exps.some((e) => e.metrics.erc);
  const anyErg = exps.some((e) => e.metrics.erg || judgeMeans(e));
  if (anyErc) {
    tables.push(ercAccuracyTable(exps), paperErcTable(), valenceTable(exps));
    // ed32 and ed18 have different emotions: one per-emotion table per label set.
    const sets = [...new Set(exps.filter((e) => e.metrics.erc).map((e) => e.metrics.labels))];
    for (const set of sets) {
      const t = perLabelTable(exps.filter((e) => e.metrics.labels === set));
      tables.push(sets.length > 1 ? { ...t, key: `${t.key}-${set}`, title: `${t.title} — ${set}` } : t);
    }
  }
  if (anyErg) {
    if (exps.some((e) => e.metrics.erg)) tables.push(ergTextTable(exps));
    const judge = judgeTable(exps);
    if (judge.rows.length) tables.push(judge);
    tables.push(paperErgTable());
  }
  const agents = agentTable(exps);
  if (agents) tables.push(agents);
  tables.push(costTable(exps));
  return tables;
}
