/**
 * An experiment's `report.md` (laid out like the paper's tables) and `report.html` (the same tables plus charts),
 * written from its `metrics.json` and `predictions.jsonl`.
 */
import path from "node:path";
import { allCharts } from "./charts.js";
import { experimentName } from "./derive.js";
import { chartToHtml, examplesToHtml, htmlPage, tableToHtml, tableToMarkdown } from "./render.js";
import { readExperiment, type Experiment, type Metrics } from "./schema.js";
import { reportTables } from "./tables.js";

export { readExperiment } from "./schema.js";

/** Owner-only, secrets masked, never half-written (evaluations/files.ts). */
import { writeFileAtomic as writeAtomic } from "../files.js";
export { writeAtomic };

export function metaLines(m: Metrics): string[] {
  const scored = m.scored ?? m.n - m.errors;
  return [
    `Task ${m.task.toUpperCase()} · method ${m.method} · model ${m.model}${m.judgeModel ? ` · judge ${m.judgeModel}` : ""}` +
      (m.task === "erc" ? ` · labels ${m.labels}` : ""),
    `Data ${m.split ?? "?"}${m.limit ? ` (limit ${m.limit}, seed ${m.seed ?? "?"})` : ""} · ${m.n} examples, ${scored} scored, ${m.errors} errors`,
    ...(m.startedAt || m.finishedAt ? [`Run ${m.startedAt ?? "?"} → ${m.finishedAt ?? "?"}`] : []),
  ];
}

export function reportMarkdown(exp: Experiment): string {
  const m = exp.metrics;
  return [
    `# InsideOut experiment: ${experimentName(m)}`,
    "",
    ...metaLines(m).map((l) => `${l}  `),
    "",
    ...reportTables([exp]).flatMap((t) => [tableToMarkdown(t), ""]),
    "_Charts (confusion heatmap, accuracy per emotion, agent agreement, cost) are in report.html. Compare experiments with `insideout compare DIR DIR`._",
    "",
  ].join("\n");
}

export function reportHtml(exp: Experiment): string {
  const charts = allCharts([exp]);
  return htmlPage({
    title: `InsideOut experiment: ${experimentName(exp.metrics)}`,
    meta: metaLines(exp.metrics),
    sections: [
      `<section class="charts">${charts.map(chartToHtml).join("\n")}</section>`,
      ...reportTables([exp]).map(tableToHtml),
      examplesToHtml(exp.predictions),
    ],
  });
}

/** Reads the experiment in `outDir` and writes `report.md` and `report.html` beside it. */
export async function writeReports(outDir: string): Promise<void> {
  const exp = await readExperiment(outDir);
  await writeAtomic(path.join(outDir, "report.md"), reportMarkdown(exp));
  await writeAtomic(path.join(outDir, "report.html"), reportHtml(exp));
}
