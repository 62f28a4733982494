/**
 * One command per table of the paper: runs every method the table compares (each an `eval` experiment, resumable and
 * cached), then compares them. Tables 1 and 2 are ERC accuracy with 32 and 18 classes; Tables 3 and 4 are ERG, with
 * the automatic metrics and the LLM judge's scores of the same runs. `ablation` is the ERC ablation the paper lacks
 * (evaluations/ablation.ts).
 */
import path from "node:path";
import { Command, Option } from "commander";
import type { CompareView } from "../../evaluations/compare.js";
import type { EvalOptions } from "../../evaluations/options.js";
import { ALL_METHODS, problems } from "./eval.js";
import { isSelfConsistency, PAPER_METHODS } from "../../graphs/methodNames.js";
import { ABLATION_PAIRS, ABLATION_RUNS, type TableRun } from "../../evaluations/ablation.js";
import { positiveInt, rpmOption, tpmOption } from "../args.js";
import { addRunOptions, givenRunOptions } from "../options.js";
import type { RunOptions, TaskName } from "../../state/runOptions.js";
import type { SuiteRun } from "../../evaluations/suite.js";
import { shown } from "../../core/terminalText.js";

interface TableSpec {
  task: Extract<TaskName, "erc" | "erg">;
  labels: string;
  title: string;
  /** The tables printed; compare.md and compare.html hold them all. */
  view: CompareView;
  /** Default: the paper's methods of the task, each under its own name. */
  runs?: readonly TableRun[];
  /** Paired tests as [reference, method] run names; default: each method against the baseline. */
  pairs?: ReadonlyArray<readonly [string, string]>;
}

const TABLES: Record<string, TableSpec> = {
  "1": { task: "erc", labels: "ed32", title: "Table 1: ERC accuracy, 32 classes", view: "all" },
  "2": { task: "erc", labels: "ed18", title: "Table 2: ERC accuracy, 18 classes", view: "all" },
  "3": { task: "erg", labels: "ed32", title: "Table 3: ERG automatic metrics", view: "automatic" },
  "4": { task: "erg", labels: "ed32", title: "Table 4: ERG, LLM judge", view: "judge" },
  ablation: {
    task: "erc",
    labels: "ed32",
    title: "Ablation (ERC, 32 classes): baseline, self-consistency, InsideOut's aggregations, InsideOut without each agent",
    view: "all",
    runs: ABLATION_RUNS,
    pairs: ABLATION_PAIRS,
  },
};

const runsOf = (t: TableSpec): readonly TableRun[] =>
  t.runs ?? PAPER_METHODS[t.task].map((method) => ({ name: method.replace(/\+/g, "-"), method }));

interface ReproduceOptions {
  table: string;
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
  const cmd = new Command("reproduce")
    .description("Reproduce one of the paper's tables (or the ablation it lacks): every method it compares on EmpatheticDialogues' test split, then `compare`")
    .addOption(
      new Option("--table <n>", "1: ERC 32 classes; 2: ERC 18 classes; 3 and 4: ERG metrics and judge; ablation: ERC baseline, self-consistency, InsideOut by aggregation and without each agent; suite: baseline, self-consistency and InsideOut on ED, MELD, EQ-Bench v2, EmoBench EU and EA (--data does not apply)")
        .choices([...Object.keys(TABLES), "suite"])
        .makeOptionMandatory(),
    )
    .option("--judge-model <provider:model>", "tables 3–4: the judge (the paper used GPT-4; default: the --model)")
    .addOption(new Option("--limit <n>", "a seeded sample of n examples instead of the whole split").argParser(positiveInt))
    .option("--data <source>", "ed:test (the paper's split), ed:valid, or a JSONL/CSV file", "ed:test")
    .addOption(new Option("--concurrency <c>", "examples in flight at once").default(8).argParser(positiveInt))
    .addOption(rpmOption())
    .addOption(tpmOption())
    .option("--out <dir>", "where the experiments go (default: experiments/table<n>-<model>[-<options that differ from the defaults>][-n<limit>], or ablation-<model>…)")
    .option("--batch", "openai: models: send the requests through the OpenAI Batch API (half the price; see eval --batch)")
    .option("--server <url>", "run the graphs on a LangGraph server (npm run dev, or a deployment: docs/studio.md); needs --model; the judge runs here")
    .option("--no-progress", "no progress bars on stderr");
  // The label set is the table's.
  return addRunOptions(cmd, "any", ALL_METHODS, { omit: ["labels"] })
    .addHelpText(
      "after",
      "\nExample:\n  insideout reproduce --table 1 --model openai:gpt-4o-mini\n  insideout reproduce --table 4 --model openai:gpt-4o-mini --judge-model openai:gpt-4o --limit 500\n" +
        "  insideout reproduce --table ablation --model openai:gpt-4o-mini --limit 500",
    )
    .action(async (o: ReproduceOptions, command: Command) => {
      if (o.table === "suite") return reproduceSuite(o, givenRunOptions(command));
      // Loaded only when the command runs (cli/main.ts).
      const [{ compareText, loadAndCompare, writeCompare }, { progressBar, silentProgress }, { runEval }, { planEval }, { variantParts }, { resumableOnInterrupt }] = await Promise.all([
        import("../../evaluations/compare.js"),
        import("../../evaluations/progress.js"),
        import("../../evaluations/run.js"),
        import("../../evaluations/plan.js"),
        import("../../evaluations/variant.js"),
        import("../interrupt.js"),
      ]);
      const table = TABLES[o.table]!;
      const runs = runsOf(table);
      // The ablation's runs choose agents and aggregation themselves: a global choice would be silently overridden.
      const chosen = givenRunOptions(command);
      if (table.runs && (chosen.agents !== undefined || chosen.aggregation !== undefined)) {
        throw new Error(`--table ${o.table} sets the agents and the aggregation itself (one run per choice): leave out --agents and --aggregation.`);
      }
      const slug = (chosen.model ?? "auto").replace(/[^A-Za-z0-9._-]+/g, "-");
      const variant = variantParts(chosen, runs.some((r) => isSelfConsistency(r.method))).map((p) => `-${p.replace(/[^A-Za-z0-9._+-]+/g, "-")}`).join("");
      const root = o.out ?? path.join("experiments", `${/^\d+$/.test(o.table) ? `table${o.table}` : o.table}-${slug}${variant}${o.limit ? `-n${o.limit}` : ""}`);
      const evalOf = (run: TableRun): EvalOptions => ({
        task: table.task,
        method: run.method,
        options: { ...chosen, ...run.options, labels: table.labels },
        ...(o.judgeModel !== undefined ? { judgeModel: o.judgeModel } : {}),
        judge: table.task === "erg",
        ...(o.limit !== undefined ? { limit: o.limit } : {}),
        data: o.data,
        concurrency: o.concurrency,
        ...(o.rpm !== undefined ? { rpm: o.rpm } : {}),
        ...(o.tpm !== undefined ? { tpm: o.tpm } : {}),
        out: path.join(root, run.name),
        ...(o.batch ? { batch: true } : {}),
        ...(o.server !== undefined ? { server: o.server } : {}),
      });
      // Every run's plan first (options, data, models; nothing opened or paid for): a run that cannot work is one
      // line now, not after the runs before it were paid for.
      for (const run of runs) await planEval(evalOf(run));
      const dirs: string[] = [];
      const failed: string[] = [];
      for (const run of runs) {
        const out = path.join(root, run.name);
        const progress = o.progress ? progressBar(`${table.task} ${run.name}`) : silentProgress;
        const result = await resumableOnInterrupt(() => progress.stop(), () => runEval({ ...evalOf(run), progress }));
        const problem = problems(result);
        if (problem) {
          process.stderr.write(`insideout: ${run.name}: ${shown(problem.replace(/\n/g, " "))}\n`);
          failed.push(run.name);
        }
        if (result.metrics) dirs.push(out);
        // What left examples unfinished (the server, the key, the disk) would stop the next method too.
        if (result.unfinished.count > 0) break;
      }
      if (failed.length > 0) {
        process.exitCode = 1;
        if (dirs.length < runs.length) {
          process.stderr.write(`insideout: ${table.title}: not compared, ${failed.join(", ")} unfinished; run the same command again to finish.\n`);
          return;
        }
      }
      const pairs = table.pairs?.map(([a, b]) => [path.join(root, a), path.join(root, b)] as const);
      const { comparison, experiments } = await loadAndCompare(dirs, pairs ? { pairs } : {});
      await writeCompare(root, comparison, experiments);
      process.stdout.write(`${table.title}\n${compareText(comparison, experiments, table.view)}${table.view === "judge" ? await judgeCalibrationLines(experiments) : ""}Wrote ${root}/compare.md and ${root}/compare.html\n`);
    });
}

/** Table 4's judges, each with how far it agreed with human experts when `judge calibrate` checked it. */
async function judgeCalibrationLines(experiments: readonly { metrics: { judgeModel?: string | null } }[]): Promise<string> {
  const { calibrationLine, loadCalibrations } = await import("../../evaluations/calibrationRecord.js");
  const judges = [...new Set(experiments.map((e) => e.metrics.judgeModel).filter((j): j is string => !!j))];
  const known = loadCalibrations();
  return judges.map((j) => `${calibrationLine(j, known[j])}\n`).join("");
}

/** `--table suite` (evaluations/suite.ts): every run planned first, then run in turn (each resumable), then one table. */
async function reproduceSuite(o: ReproduceOptions, chosen: Partial<RunOptions>): Promise<void> {
  if (o.data !== "ed:test") throw new Error("--table suite reads each benchmark's own data: leave out --data.");
  // Loaded only when the command runs (cli/main.ts).
  const [{ exampleScores, readRecords, SUITE_BENCHMARKS, SUITE_METHODS, suiteTable }, { tableToMarkdown }, { writeFileAtomic }, { progressBar, silentProgress }, { runEval }, { planEval }, { resumableOnInterrupt }] =
    await Promise.all([
      import("../../evaluations/suite.js"),
      import("../../evaluations/report/render.js"),
      import("../../evaluations/files.js"),
      import("../../evaluations/progress.js"),
      import("../../evaluations/run.js"),
      import("../../evaluations/plan.js"),
      import("../interrupt.js"),
    ]);
  const slug = (chosen.model ?? "auto").replace(/[^A-Za-z0-9._-]+/g, "-");
  const root = o.out ?? path.join("experiments", `suite-${slug}${o.limit ? `-n${o.limit}` : ""}`);
  const runs = SUITE_BENCHMARKS.flatMap((benchmark) => SUITE_METHODS.map((method) => ({ benchmark, method })));
  const evalOf = ({ benchmark, method }: (typeof runs)[number]): EvalOptions => ({
    ...(benchmark.task ? { task: benchmark.task } : {}),
    method,
    options: { ...chosen, ...(benchmark.labels ? { labels: benchmark.labels } : {}) },
    ...(o.limit !== undefined ? { limit: o.limit } : {}),
    data: benchmark.data,
    concurrency: o.concurrency,
    ...(o.rpm !== undefined ? { rpm: o.rpm } : {}),
    ...(o.tpm !== undefined ? { tpm: o.tpm } : {}),
    out: path.join(root, benchmark.name, method),
    ...(o.batch ? { batch: true } : {}),
    ...(o.server !== undefined ? { server: o.server } : {}),
  });
  // Every run's plan first: a run that cannot work (self-consistency under --batch, a missing dataset) is one line now.
  for (const run of runs) await planEval(evalOf(run));
  const done: SuiteRun[] = [];
  for (const run of runs) {
    const progress = o.progress ? progressBar(`${run.benchmark.name} ${run.method}`) : silentProgress;
    const result = await resumableOnInterrupt(() => progress.stop(), () => runEval({ ...evalOf(run), progress }));
    const problem = problems(result);
    if (problem) process.stderr.write(`insideout: ${run.benchmark.name} ${run.method}: ${shown(problem.replace(/\n/g, " "))}\n`);
    if (!result.metrics) {
      process.exitCode = 1;
      process.stderr.write("insideout: suite: not tabled, a run is unfinished; run the same command again to finish.\n");
      return;
    }
    if (problem) process.exitCode = 1;
    done.push({ ...run, metrics: result.metrics, scores: exampleScores(await readRecords(result.outDir), result.metrics) });
  }
  const table = suiteTable(done, done[0]?.metrics.model ?? chosen.model ?? "auto");
  const md = `${tableToMarkdown(table)}\n`;
  await writeFileAtomic(path.join(root, "suite.md"), md);
  process.stdout.write(`${md}Wrote ${root}/suite.md\n`);
}
