/** What a finished eval leaves in its --out: predictions.jsonl, metrics.json, report.md and report.html. */
import { join } from "node:path";
import { writeFileAtomic } from "./files.js";
import type { ExperimentMetrics } from "./experimentMetrics.js";
import type { PredictionRecord } from "./record.js";
import { writeReports } from "./report/index.js";
import { writeBenchmarkReports } from "./report/benchmark.js";

export async function writeArtifacts(outDir: string, records: readonly PredictionRecord[], metrics: ExperimentMetrics): Promise<string[]> {
  await writeFileAtomic(join(outDir, "predictions.jsonl"), records.map((r) => JSON.stringify(r)).join("\n") + "\n");
  await writeFileAtomic(join(outDir, "metrics.json"), `${JSON.stringify(metrics, null, 2)}\n`);
  if (metrics.eqbench || metrics.emobench) await writeBenchmarkReports(outDir, metrics);
  else await writeReports(outDir);
  return [join(outDir, "report.md"), join(outDir, "report.html")];
}
