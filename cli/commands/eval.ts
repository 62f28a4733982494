import { Command, Option } from "commander";
import { integer, positiveInt, rpmOption, tpmOption } from "../args.js";
import { methodNames } from "../../graphs/methodNames.js";
import type { EvalResult } from "../../evaluations/run.js";
import type { ExperimentMetrics } from "../../evaluations/experimentMetrics.js";
import { MAX_CONCURRENCY } from "../../evaluations/options.js";
import { BENCHMARK_TASKS, RUN_OPTIONS, type TaskName } from "../../state/runOptions.js";
import { addRunOptions, givenRunOptions } from "../options.js";
import { shown } from "../../core/terminalText.js";

interface EvalCommandOptions {
  task?: TaskName;
  lang?: string;
  method: string;
  judgeModel?: string;
  judge: boolean;
  data: string;
  limit?: number;
  seed: number;
  concurrency: number;
  rpm?: number;
  tpm?: number;
  out?: string;
  langsmith?: boolean;
  dataset?: string;
  cache: boolean;
  batch?: boolean;
  server?: string;
  json?: boolean;
  progress: boolean;
  /** Read by cli/main.ts's preAction hook (core/tracing.ts hideTracedData) before anything is traced. */
  hideInputs?: boolean;
}

function summary(r: EvalResult, m: ExperimentMetrics, server: string | undefined, batchCostText: (s: NonNullable<EvalResult["batch"]>) => string): string {
  const lines = [
    `${m.task} ${m.method} · ${m.model} · ${m.labels} · ${m.split}: ${m.n} examples (${r.ran} run now, ${r.resumed} from the store), ${m.errors} errors`,
  ];
  if (m.erc) {
    const [lo, hi] = m.erc.accuracyCI95;
    lines.push(`accuracy ${m.erc.accuracy.toFixed(2)} (95% CI ${lo.toFixed(2)}–${hi.toFixed(2)}) · macro-F1 ${m.erc.macroF1.toFixed(2)} · weighted-F1 ${m.erc.weightedF1.toFixed(2)}`);
  }
  lines.push(...benchmarkSummary(m));
  if (m.erg) {
    const e = m.erg;
    lines.push(
      `BLEU-1..4 ${[e.bleu1, e.bleu2, e.bleu3, e.bleu4].map((x) => x.toFixed(2)).join(" / ")} · ROUGE-1/2/L ${[e.rouge1, e.rouge2, e.rougeL].map((x) => x.toFixed(2)).join(" / ")} · Distinct-1/2 ${e.distinct1.toFixed(2)} / ${e.distinct2.toFixed(2)}`,
    );
    if (e.judge) {
      lines.push(
        `judge (${m.judgeModel}, n=${e.judge.n}): fluency ${e.judge.fluency.toFixed(2)} · identification ${e.judge.identification.toFixed(2)} · empathy ${e.judge.empathy.toFixed(2)} · suggestion ${e.judge.suggestion.toFixed(2)} · overall ${e.judge.overall.toFixed(2)}`,
      );
    }
  }
  lines.push(
    `cost: ${m.cost.llmCalls} LLM calls, ${m.cost.promptTokens} prompt + ${m.cost.completionTokens} completion tokens; ${(m.cost.wallMs / 1000).toFixed(1)} s` +
      (server ? ` · graphs run on ${server}` : "") +
      (r.cache ? ` · cache ${r.cache.hits} hits / ${r.cache.misses} misses${r.cache.unreadable ? ` (${r.cache.unreadable} unreadable entries)` : ""}` : "") +
      (r.batch ? batchCostText(r.batch) : ""),
  );
  lines.push(`wrote ${r.outDir}/predictions.jsonl, metrics.json${r.reports.length ? ", report.md, report.html" : ""}`);
  return `${lines.join("\n")}\n`;
}

/** EQ-Bench's score and parseable count, or EmoBench's accuracies, with their 95 % intervals. */
function benchmarkSummary(m: ExperimentMetrics): string[] {
  const ci = ([lo, hi]: [number, number]) => `95% CI ${lo.toFixed(2)}–${hi.toFixed(2)}`;
  if (m.eqbench) return [`EQ-Bench v2 score ${m.eqbench.score.toFixed(2)} (${ci(m.eqbench.scoreCI95)}) · parseable ${m.eqbench.parseable} of ${m.eqbench.n}`];
  if (!m.emobench) return [];
  const acc = Object.entries(m.emobench.accuracy).map(([f, a]) => `${f} ${a.accuracy.toFixed(2)} (${ci(a.ci95)})`);
  const cats = Object.entries(m.emobench.perCategory).map(([c, x]) => `${c} ${Object.values(x.accuracy).at(-1)!.accuracy.toFixed(2)} (n=${x.n})`);
  return [`accuracy ${acc.join(" · ")}`, `per category: ${cats.join(" · ")}`];
}

function causes(list: { message: string; count: number }[]): string {
  return list.slice(0, 3).map((c) => `${c.count} × ${c.message}`).join("; ");
}

/**
 * Why the run did not end with a result for every example, as the last lines on stderr; undefined when it did. Such a
 * run exits non-zero: unfinished examples are retried by the same command, errored ones are the model's answers.
 */
export function problems(r: EvalResult): string | undefined {
  if (r.unfinished.count > 0) {
    const done = r.resumed + r.ran - r.unfinished.count;
    return (
      (r.unfinished.stoppedBecause ? `stopped early: ${r.unfinished.stoppedBecause}\n` : "") +
      `${r.unfinished.count} of ${r.resumed + r.ran} examples unfinished (${causes(r.unfinished.causes)}); ` +
      `the ${done} finished are saved in ${r.outDir}: run the same command again to retry the rest. No metrics were written.`
    );
  }
  if (r.errored > 0) {
    const n = r.metrics?.n ?? r.resumed + r.ran;
    return `${r.errored} of ${n} examples errored on the model's answers (counted as wrong; see "error" in ${r.outDir}/predictions.jsonl).`;
  }
  return undefined;
}

/** The methods of every task: eval and reproduce offer every run option any of them reads (any run's schema). */
export const ALL_METHODS: readonly string[] = [...new Set([...methodNames("erc"), ...methodNames("erg"), ...methodNames("eqbench")])];

/** Each task's aggregations, as its schema has them (ERG's self-consistency: llm only, graphs/methods.ts). */
function aggregationsByTask(): string {
  return Object.entries(RUN_OPTIONS)
    .map(([task, schema]) => `${task} ${schema.shape.aggregation.unwrap().options.join(", ")}`)
    .join("; ");
}

export function evalCommand(): Command {
  const cmd = new Command("eval")
    .description(
      "Evaluate a method on EmpatheticDialogues, MELD, EQ-Bench v2 or EmoBench (or any dataset file): predictions.jsonl, metrics.json and a report in --out. " +
        "Every input is checked before the first model call; interrupted runs resume where they stopped; answers are cached in SQLite. " +
        "Exits 1 when examples are unfinished (the model was not reached: the same command retries them) or errored.",
    )
    .addOption(
      new Option("--task <task>", "erc: emotion recognition; erg: empathetic response generation; left out for a benchmark's data (eqbench:v2, emobench:eu|ea), whose task follows from it").choices([
        "erc",
        "erg",
        ...BENCHMARK_TASKS,
      ]),
    )
    .requiredOption("--method <method>", `erc: ${methodNames("erc").join(", ")}; erg: ${methodNames("erg").join(", ")}; eqbench:v2, emobench:*: ${methodNames("eqbench").join(", ")}`)
    .option("--judge-model <provider:model>", "ERG: the LLM judge's model (default: the --model)")
    .option("--no-judge", "ERG: do not run the LLM judge")
    .option(
      "--data <source>",
      "ed:test, ed:valid, meld:test, meld:dev (MELD, multi-party), eqbench:v2 (EQ-Bench v2: four emotions rated 0–10, EQ-Bench's own score), emobench:eu or emobench:ea (EmoBench: options chosen, accuracy), or a JSONL/CSV file",
      "ed:test",
    )
    .addOption(new Option("--lang <lang>", "EmoBench: the questions' language (default all)").choices(["en", "zh", "all"]))
    .addOption(new Option("--limit <n>", "a seeded sample of n examples").argParser(positiveInt))
    .addOption(new Option("--seed <s>", "seed of the --limit sample").default(0).argParser(integer));
  return addRunOptions(cmd, "any", ALL_METHODS, { noDefault: ["labels"] })
    .addOption(new Option("--concurrency <c>", `examples in flight at once, at most ${MAX_CONCURRENCY}`).default(8).argParser(positiveInt))
    .addOption(rpmOption())
    .addOption(tpmOption())
    .option("--out <dir>", "experiment directory (default: experiments/<task>-<method>-<model>-<labels>-<split>[-<options that differ from the defaults, e.g. vote-no-fear>][-n<limit>])")
    .option("--langsmith", "upload the experiment to LangSmith, against the dataset of `insideout data upload`")
    .option("--dataset <name>", "with --langsmith: the LangSmith dataset name")
    .option("--batch", "openai: models: send the requests through the OpenAI Batch API (half the price; one batch per graph stage, every example in flight; a killed run resumes polling its batches)")
    .option("--server <url>", "run the examples' graphs on a LangGraph server (npm run dev, or a deployment: docs/studio.md), which calls the model with its own keys; needs --model; the ERG judge runs here")
    .option("--no-cache", "do not use the SQLite LLM cache ($INSIDEOUT_CACHE_DIR/llm-cache.sqlite; with --server it holds the judge's answers only)")
    .option("--no-progress", "no progress bar on stderr")
    .option("--json", "print metrics.json (plus where it was written) as JSON on stdout")
    .option("--hide-inputs", "keep dialogue text out of LangSmith traces and --langsmith experiments (inputs and outputs hidden; also LANGSMITH_HIDE_INPUTS=true)")
    .addHelpText(
      "after",
      "\nExamples:\n  insideout eval --task erc --method insideout --model openai:gpt-4o-mini --labels ed18\n" +
        "  insideout eval --task erg --method erc+insideout --limit 200 --judge-model openai:gpt-4o\n" +
        "  insideout eval --task erc --method insideout --data meld:test   # MELD: meld7 labels, weighted-F1 too\n" +
        "  insideout eval --task erc --method insideout --model openai:gpt-4o-mini --server http://127.0.0.1:2024   # graphs on `npm run dev`\n" +
        "  insideout eval --task erc --method self-consistency --samples 5 --sample-temperature 0.7 --limit 200\n" +
        "  insideout eval --data eqbench:v2 --method insideout --aggregation median   # EQ-Bench v2, scored as EQ-Bench scores\n" +
        "  insideout eval --data emobench:eu --lang en --method baseline              # EmoBench EU accuracy (emotion, cause, both)\n" +
        "--labels defaults to the data's own label set: ed32, or meld7 for meld:*.\n" +
        `Aggregations by task: ${aggregationsByTask()}.\n` +
        "Re-running the same command resumes an interrupted experiment; a different configuration needs a new --out.",
    )
    .action(async (o: EvalCommandOptions, command: Command) => {
      // Loaded only when the command runs (cli/main.ts).
      const [{ resumableOnInterrupt }, { progressBar, silentProgress }, { runEval }, { BATCH_PRICE_SHARE, batchCostText }, { withLanguage }] = await Promise.all([
        import("../interrupt.js"),
        import("../../evaluations/progress.js"),
        import("../../evaluations/run.js"),
        import("../../evaluations/batch.js"),
        import("../../evaluations/data/benchmarkExamples.js"),
      ]);
      const progress = o.progress ? progressBar(`${o.task ?? o.data} ${o.method}`) : silentProgress;
      const data = withLanguage(o.data, o.lang);
      const result = await resumableOnInterrupt(() => progress.stop(), () =>
        runEval({
          ...(o.task !== undefined ? { task: o.task } : {}),
          method: o.method,
          options: givenRunOptions(command),
          ...(o.judgeModel !== undefined ? { judgeModel: o.judgeModel } : {}),
          judge: o.judge,
          data,
          ...(o.limit !== undefined ? { limit: o.limit } : {}),
          seed: o.seed,
          concurrency: o.concurrency,
          ...(o.rpm !== undefined ? { rpm: o.rpm } : {}),
          ...(o.tpm !== undefined ? { tpm: o.tpm } : {}),
          ...(o.out !== undefined ? { out: o.out } : {}),
          langsmith: o.langsmith === true,
          ...(o.dataset !== undefined ? { dataset: o.dataset } : {}),
          cache: o.cache,
          ...(o.batch ? { batch: true } : {}),
          ...(o.server !== undefined ? { server: o.server } : {}),
          progress,
        }),
      );
      if (o.json) {
        const { outDir, resumed, ran, unfinished, errored, cache, batch, examplesPerSecond, reports, metrics } = result;
        const run = { outDir, resumed, ran, unfinished, errored, cache, ...(batch ? { batch: { ...batch, priceShare: BATCH_PRICE_SHARE } } : {}), examplesPerSecond, reports };
        process.stdout.write(`${JSON.stringify({ ...(metrics ?? {}), run }, null, 2)}\n`);
      } else if (result.metrics) {
        process.stdout.write(summary(result, result.metrics, o.server, batchCostText));
      }
      const problem = problems(result);
      if (problem) {
        process.stderr.write(`${shown(problem).split("\n").map((l) => `insideout: ${l}`).join("\n")}\n`);
        process.exitCode = 1;
      }
    });
}
