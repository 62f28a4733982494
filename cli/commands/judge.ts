/** `insideout judge calibrate`: how far our LLM judge agrees with human experts, on data whose experts are known. */
import { join } from "node:path";
import { Command } from "commander";
import type { CalibrationRow } from "../../evaluations/calibrate.js";
import {
  CALIBRATION_CONVERSATIONS,
  defaultCalibrationDir,
  EXPERTS,
  loadCalibrationConversations,
  OTHER_RATERS,
  readCalibrationRater,
} from "../../evaluations/data/judgeCalibration.js";
import type { RatingFile } from "../../evaluations/data/ratings.js";
import { defaultLlmCachePath } from "../../store/paths.js";

interface CalibrateOptions {
  model?: string;
  judgeModel?: string;
  dataDir?: string;
  limit?: string;
  concurrency: string;
  cache: boolean;
  out?: string;
  json?: boolean;
}

const f2 = (x: number | undefined): string => (x === undefined || Number.isNaN(x) ? "–" : x.toFixed(2));

/** One column per rater compared with (the experts, then their consensus). */
export function formatCalibration(rows: readonly CalibrationRow[], against: readonly string[]): string {
  const header = ["dimension", "rater", ...against.map((e) => `κ ${e}`), "n"];
  const cells = [header, ...rows.map((r) => [r.dimension, r.rater, ...against.map((e) => f2(r.kappa[e])), String(r.n)])];
  const widths = header.map((_, c) => Math.max(...cells.map((r) => r[c]!.length)));
  return cells.map((r) => r.map((cell, c) => (c < 2 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ").trimEnd()).join("\n");
}

function positive(name: string, value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name} must be a whole number ≥ 1, not "${value}".`);
  return n;
}

/** The judge's ratings as a CSV that `insideout agreement` reads. */
function ratingsCsv(rater: RatingFile): string {
  const lines = [["conv_id", ...rater.dimensions].join(",")];
  for (const id of rater.ratings.items()) lines.push([JSON.stringify(id), ...rater.dimensions.map((d) => String(rater.ratings.get(id, d)))].join(","));
  return `${lines.join("\n")}\n`;
}

async function calibrate(o: CalibrateOptions): Promise<void> {
  // Loaded only when the command runs (cli/main.ts): the judge's LangChain, the model's provider, the SQLite cache.
  const [{ calibrationTable, CONSENSUS, judgeConversations }, { saveCalibration }, { writeFileAtomic }, { ModelResolver }, { Semaphore }, { ED_HUMAN_RUBRIC }, { SqliteAnswerCache }] = await Promise.all([
    import("../../evaluations/calibrate.js"),
    import("../../evaluations/calibrationRecord.js"),
    import("../../evaluations/files.js"),
    import("../../models/factory.js"),
    import("../../models/limits.js"),
    import("../../prompts/edHumanRubric.js"),
    import("../../store/answerCache.js"),
  ]);
  const dir = o.dataDir ?? defaultCalibrationDir();
  const concurrency = positive("--concurrency", o.concurrency);
  const limit = o.limit === undefined ? undefined : positive("--limit", o.limit);
  // Every input is read before the first model call.
  const conversations = (await loadCalibrationConversations(join(dir, CALIBRATION_CONVERSATIONS))).slice(0, limit);
  const experts = await Promise.all(EXPERTS.map((e) => readCalibrationRater(dir, e)));
  const others = await Promise.all(OTHER_RATERS.map((r) => readCalibrationRater(dir, r.file, r.name)));
  const cache = o.cache ? SqliteAnswerCache.open(defaultLlmCachePath()) : undefined;
  try {
    const resolver = new ModelResolver({ cache, limiter: new Semaphore(concurrency) });
    const model = await resolver.resolve(o.judgeModel ?? o.model);
    const { rater: judge, usage } = await judgeConversations(model, conversations, {
      onDone: (done) => {
        if (process.stderr.isTTY) process.stderr.write(`\rjudged ${done}/${conversations.length}`);
      },
    });
    if (process.stderr.isTTY) process.stderr.write("\n");
    if (o.out) await writeFileAtomic(o.out, ratingsCsv(judge));
    const rows = calibrationTable(experts, [judge, ...others], ED_HUMAN_RUBRIC.criteria);
    // Kept for Table 4, which says how far its judge agreed with the experts.
    const kappa = Object.fromEntries(rows.filter((r) => r.rater === judge.name && Number.isFinite(r.kappa[CONSENSUS])).map((r) => [r.dimension, r.kappa[CONSENSUS]!]));
    await saveCalibration(model.spec, { date: new Date().toISOString().slice(0, 10), conversations: conversations.length, kappa });
    const stats = cache?.stats();
    if (o.json) {
      process.stdout.write(`${JSON.stringify({ judge: model.spec, conversations: conversations.length, consensus: CONSENSUS, rows, usage, ...(stats ? { cache: stats } : {}) }, null, 2)}\n`);
      return;
    }
    process.stdout.write(
      `${formatCalibration(rows, [...experts.map((e) => e.name), CONSENSUS])}\n\n` +
        `Judge ${model.spec} on ${conversations.length} conversations: ${usage.calls} requests` +
        (stats ? ` (cache ${stats.hits} hits / ${stats.misses} misses)` : "") +
        `. Quadratic-weighted Cohen's κ over the items both rated; "${CONSENSUS}" is the experts' median per item, as Kumar et al. 2025 define their experts' rating.\n`,
    );
  } finally {
    cache?.close();
  }
}

function calibrateCommand(): Command {
  return new Command("calibrate")
    .summary("rate Kumar et al.'s 50 EmpatheticDialogues conversations and give the judge's kappa with each expert")
    .description(
      "Check the LLM judge against human experts: it rates the Supporter's responses in 50 EmpatheticDialogues conversations on ED's human criteria " +
        "(empathy, relevance, fluency, 1-5) and its quadratic-weighted Cohen's kappa with each of three experts and with their consensus is printed " +
        "beside the kappa of the crowd, GPT-4o, Claude 3.7 Sonnet and Gemini 2.5 Pro from the study's files (Kumar et al. 2025)",
    )
    .option("--model <provider:model>", "the judge's model when --judge-model is not given")
    .option("--judge-model <provider:model>", "the judge's model")
    .option("--data-dir <dir>", `the study's files (default: ${defaultCalibrationDir()})`)
    .option("--limit <n>", "rate only the first n conversations")
    .option("--concurrency <n>", "requests in flight at once", "4")
    .option("--no-cache", "do not use the SQLite LLM cache (a rerun then asks the model again)")
    .option("--out <file>", "also write the judge's ratings (conv_id, empathy, relevance, fluency) as CSV, for `insideout agreement`")
    .option("--json", "machine-readable output")
    .addHelpText(
      "after",
      "\nWhat is measured: agreement of ratings on 1-5 scales, quadratic-weighted Cohen's kappa (categories that occur, a\n" +
        "disagreement between the i-th and j-th weighing (i-j)^2; 1 = perfect, 0 = chance). The consensus is the experts'\n" +
        "median per conversation (the study's \"experts\"); an expert's own row leaves out itself and the consensus.\n" +
        "Answers are cached: a rerun, or one after an interruption, asks the model only what it has not answered.\n" +
        "\nExample:\n  insideout judge calibrate --judge-model openai:gpt-4o",
    )
    .action((o: CalibrateOptions) => calibrate(o));
}

export function judgeCommand(): Command {
  return new Command("judge").summary("the LLM judge: calibrate it against human experts").description("The LLM judge of empathetic replies").addCommand(calibrateCommand());
}
