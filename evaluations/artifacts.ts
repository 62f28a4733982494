/** What a finished eval leaves in its --out: predictions.jsonl, metrics.json, report.md and report.html. */
import { join } from "node:path";
import { writeFileAtomic } from "./files.js";
import type { ExperimentMetrics } from "./experimentMetrics.js";
import type { PredictionRecord } from "./record.js";
import { writeReports } from "./report/index.js";
import { writeBenchmarkReports } from "./report/benchmark.js";

/** `records` are read as they are written, one at a time (the run reads them from its store). */
export async function writeArtifacts(outDir: string, records: Iterable<PredictionRecord>, metrics: ExperimentMetrics): Promise<string[]> {
  // A line at a time: each record holds its dialogue so far, so a long conversation's records add up to far more.
  await writeFileAtomic(join(outDir, "predictions.jsonl"), (function* () {
    for (const r of records) yield `${JSON.stringify(r)}\n`;
  })());
  await writeFileAtomic(join(outDir, "metrics.json"), `${JSON.stringify(metrics, null, 2)}\n`);
  if (metrics.eqbench || metrics.emobench) await writeBenchmarkReports(outDir, metrics);
  else await writeReports(outDir);
  return [join(outDir, "report.md"), join(outDir, "report.html")];
}
