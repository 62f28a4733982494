/**
 * One command per table of the paper: runs every method the table compares (each an `eval` experiment, resumable and
 * cached), then compares them. Tables 1 and 2 are ERC accuracy with 32 and 18 classes; Tables 3 and 4 are ERG, with
 * the automatic metrics and the LLM judge's scores of the same runs.
 */
import path from "node:path";
import { Command, Option } from "commander";
import { compareText, loadAndCompare, writeCompare, type CompareView } from "../../evaluations/compare.js";
import { progressBar, silentProgress } from "../../evaluations/progress.js";
import { runEval } from "../../evaluations/run.js";
import { problems } from "./eval.js";
import { methodNames, type TaskName } from "../../graphs/methods.js";
import { positiveInt, rpmOption, tpmOption } from "../args.js";
import { resumableOnInterrupt } from "../interrupt.js";

/** `view`: the tables printed; compare.md and compare.html hold them all. */
const TABLES: Record<string, { task: TaskName; labels: string; title: string; view: CompareView }> = {
  "1": { task: "erc", labels: "ed32", title: "Table 1: ERC accuracy, 32 classes", view: "all" },
  "2": { task: "erc", labels: "ed18", title: "Table 2: ERC accuracy, 18 classes", view: "all" },
  "3": { task: "erg", labels: "ed32", title: "Table 3: ERG automatic metrics", view: "automatic" },
  "4": { task: "erg", labels: "ed32", title: "Table 4: ERG, LLM judge", view: "judge" },
};

interface ReproduceOptions {
  table: string;
  model?: string;
  judgeModel?: string;
  limit?: number;
  data: string;
  concurrency: number;
  rpm?: number;
  tpm?: number;
  out?: string;
  batch?: boolean;
  server?: string;
  progress: boolean;
}

export function reproduceCommand(): Command {
  return new Command("reproduce")
    .description("Reproduce one of the paper's tables: every method it compares on EmpatheticDialogues' test split, then `compare`")
    .addOption(new Option("--table <n>", "1: ERC 32 classes; 2: ERC 18 classes; 3 and 4: ERG metrics and judge").choices(Object.keys(TABLES)).makeOptionMandatory())
    .option("-m, --model <provider:model>", "model under evaluation (default: auto)")
    .option("--judge-model <provider:model>", "tables 3–4: the judge (the paper used GPT-4; default: the --model)")
    .addOption(new Option("--limit <n>", "a seeded sample of n examples instead of the whole split").argParser(positiveInt))
    .option("--data <source>", "ed:test (the paper's split), ed:valid, or a JSONL/CSV file", "ed:test")
    .addOption(new Option("--concurrency <c>", "examples in flight at once").default(8).argParser(positiveInt))
    .addOption(rpmOption())
    .addOption(tpmOption())
    .option("--out <dir>", "where the experiments go (default: experiments/table<n>-<model>)")
    .option("--batch", "openai: models: send the requests through the OpenAI Batch API (half the price; see eval --batch)")
    .option("--server <url>", "run the graphs on a LangGraph server (npm run dev, or a deployment: docs/studio.md); needs --model; the judge runs here")
    .option("--no-progress", "no progress bars on stderr")
    .addHelpText("after", "\nExample:\n  insideout reproduce --table 1 --model openai:gpt-4o-mini\n  insideout reproduce --table 4 --model openai:gpt-4o-mini --judge-model openai:gpt-4o --limit 500")
    .action(async (o: ReproduceOptions) => {
      const table = TABLES[o.table]!;
      const slug = (o.model ?? "auto").replace(/[^A-Za-z0-9._-]+/g, "-");
      const root = o.out ?? path.join("experiments", `table${o.table}-${slug}${o.limit ? `-n${o.limit}` : ""}`);
      const dirs: string[] = [];
      const failed: string[] = [];
      for (const method of methodNames(table.task)) {
        const out = path.join(root, method.replace(/\+/g, "-"));
        const progress = o.progress ? progressBar(`${table.task} ${method}`) : silentProgress;
        const result = await resumableOnInterrupt(() => progress.stop(), () => runEval({
          task: table.task,
          method,
          labels: table.labels,
          ...(o.model !== undefined ? { model: o.model } : {}),
          ...(o.judgeModel !== undefined ? { judgeModel: o.judgeModel } : {}),
          judge: table.task === "erg",
          ...(o.limit !== undefined ? { limit: o.limit } : {}),
          data: o.data,
          concurrency: o.concurrency,
          ...(o.rpm !== undefined ? { rpm: o.rpm } : {}),
          ...(o.tpm !== undefined ? { tpm: o.tpm } : {}),
          out,
          ...(o.batch ? { batch: true } : {}),
          ...(o.server !== undefined ? { server: o.server } : {}),
          progress,
        }));
        const problem = problems(result);
        if (problem) {
          process.stderr.write(`insideout: ${method}: ${problem.replace(/\n/g, " ")}\n`);
          failed.push(method);
        }
        if (result.metrics) dirs.push(out);
        // What left examples unfinished (the server, the key, the disk) would stop the next method too.
        if (result.unfinished.count > 0) break;
      }
      if (failed.length > 0) {
        process.exitCode = 1;
        if (dirs.length < methodNames(table.task).length) {
          process.stderr.write(`insideout: ${table.title}: not compared, ${failed.join(", ")} unfinished; run the same command again to finish.\n`);
          return;
        }
      }
      const { comparison, experiments } = await loadAndCompare(dirs);
      await writeCompare(root, comparison, experiments);
      process.stdout.write(`${table.title}\n${compareText(comparison, experiments, table.view)}Wrote ${root}/compare.md and ${root}/compare.html\n`);
    });
}
