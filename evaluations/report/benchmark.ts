/**
 * A benchmark experiment's report (EQ-Bench v2, EmoBench EU/EA): its own metric with its 95 % interval, EmoBench's
 * accuracy per category, and the cost per question, as report.md and report.html.
 */
import { join } from "node:path";
import type { ExperimentMetrics } from "../experimentMetrics.js";
import { writeFileAtomic } from "../files.js";
import { htmlPage, tableToHtml, tableToMarkdown } from "./render.js";
import type { Table } from "./tables.js";

const f2 = (x: number) => x.toFixed(2);
const withCi = (x: number, [lo, hi]: [number, number]) => `${f2(x)} (${f2(lo)}–${f2(hi)})`;

export function benchmarkTables(m: ExperimentMetrics): Table[] {
  const tables: Table[] = [];
  if (m.eqbench) {
    tables.push({
      key: "eqbench",
      title: "EQ-Bench v2",
      head: ["score (95% CI)", "parseable", "questions"],
      rows: [[withCi(m.eqbench.score, m.eqbench.scoreCI95), String(m.eqbench.parseable), String(m.eqbench.n)]],
      note: "EQ-Bench's own scoring: per question 10 − 0.7477 × the scaled differences to the reference; the score is the mean over parseable questions × 10.",
    });
  }
  if (m.emobench) {
    const fields = Object.keys(m.emobench.accuracy);
    tables.push({
      key: "emobench",
      title: `EmoBench ${m.task === "emobench-eu" ? "EU" : "EA"}: accuracy (95% CI)`,
      head: ["category", "n", ...fields],
      rows: [
        ["all", String(m.emobench.n), ...fields.map((f) => withCi(m.emobench!.accuracy[f]!.accuracy, m.emobench!.accuracy[f]!.ci95))],
        ...Object.entries(m.emobench.perCategory).map(([c, x]) => [c, String(x.n), ...fields.map((f) => withCi(x.accuracy[f]!.accuracy, x.accuracy[f]!.ci95))]),
      ],
    });
  }
  const per = m.cost.perExample;
  tables.push({
    key: "cost",
    title: "Cost per question",
    head: ["LLM calls", "prompt tokens", "completion tokens", "latency (ms)"],
    rows: [[f2(per.llmCalls), f2(per.promptTokens), f2(per.completionTokens), f2(per.latencyMs)]],
  });
  return tables;
}

export async function writeBenchmarkReports(outDir: string, m: ExperimentMetrics): Promise<void> {
  const title = `InsideOut experiment: ${m.task} ${m.method} · ${m.model}`;
  const meta = [`Data ${m.split}${m.limit ? ` (limit ${m.limit}, seed ${m.seed})` : ""} · ${m.n} questions, ${m.errors} errors`];
  const tables = benchmarkTables(m);
  await writeFileAtomic(join(outDir, "report.md"), [`# ${title}`, "", ...meta.map((l) => `${l}  `), "", ...tables.flatMap((t) => [tableToMarkdown(t), ""])].join("\n"));
  await writeFileAtomic(join(outDir, "report.html"), htmlPage({ title, meta, sections: tables.map(tableToHtml) }));
}
