/**
 * The experiment directory's files as this code reads them: `predictions.jsonl` and `metrics.json`, written by
 * `insideout eval`. Parsed with zod rather than cast, so a report never renders `undefined` or NaN from a file that
 * an older or newer writer produced; a line that does not parse is an error naming the file and line.
 *
 * Objects are loose (unknown keys are kept and ignored) and most parts are optional, because a report should still
 * be written for an experiment that lacks, say, judge scores or agent opinions.
 */
import { createHash } from "node:crypto";
import { readRegularFile, regularFileLines } from "../../core/regularFile.js";
import { setting } from "../../core/settings.js";
import path from "node:path";
import { z } from "zod";
import { exampleLine } from "../identity.js";
import type { LabelSet } from "../../taxonomy/labelSet.js";
import { loadLabelSet } from "../../taxonomy/labelSets.js";
import { normalizeLabel } from "../../taxonomy/normalize.js";

const num = z.number().finite();
const count = z.number().int().nonnegative();
/** Text that a writer may leave out or set to null; both mean "none". */
const optText = z.string().nullish();


const judgeScores = z.looseObject({
  fluency: num,
  identification: num,
  empathy: num,
  suggestion: num,
  overall: num,
});

const usage = z.looseObject({ promptTokens: num, completionTokens: num, llmCalls: num });

export const PredictionSchema = z.looseObject({
  // Ids are compared across experiments; a numeric id is read as its decimal string.
  id: z.union([z.string(), z.number()]).transform(String),
  task: z.enum(["erc", "erg"]),
  method: z.string(),
  inputs: z.looseObject({ dialogue: z.array(z.string()), situation: optText, speakers: z.array(z.string()).optional() }),
  gold: z.looseObject({ emotion: z.string(), label: optText }),
  reference: optText,
  prediction: z.looseObject({ emotion: optText, reply: optText, author: optText }).default({}),
  recognized: z.unknown().optional(),
  opinions: z.record(z.string(), z.looseObject({ emotion: z.string(), confidence: num.optional(), rationale: optText })).default({}),
  candidates: z.record(z.string(), z.looseObject({ reply: z.string(), confidence: num.optional(), rationale: optText })).default({}),
  failures: z.record(z.string(), z.string()).default({}),
  judge: judgeScores.nullish(),
  usage: usage.default({ promptTokens: 0, completionTokens: 0, llmCalls: 0 }),
  latencyMs: num.default(0),
  error: optText,
});
/** A prediction as read back (checked by PredictionSchema); its inputs are kept only for the first SHOWN_EXAMPLES. */
type ReadShape = Omit<typeof PredictionSchema.shape, "inputs"> & { inputs: z.ZodOptional<typeof PredictionSchema.shape.inputs> };
export type Prediction = z.infer<z.ZodObject<ReadShape, z.core.$loose>>;

/** Predictions a report shows with their dialogues (report/render.ts); the others are read without them. */
export const SHOWN_EXAMPLES = 12;

const interval = z.tuple([num, num]);

const ercMetrics = z.looseObject({
  accuracy: num,
  macroF1: num,
  /** Support-weighted F1 (MELD's usual metric), from writers that compute it. */
  weightedF1: num.optional(),
  accuracyCI95: interval.optional(),
  // matrix rows are gold labels, columns predictions; a writer may add one last column for unparseable answers.
  confusion: z.looseObject({ labels: z.array(z.string()), matrix: z.array(z.array(num)) }).optional(),
  perLabel: z.record(z.string(), z.looseObject({ support: count, correct: count, accuracy: num.optional() })).default({}),
  perValence: z.record(z.string(), z.looseObject({ support: count, accuracy: num })).default({}),
  crossValenceErrorRate: num.optional(),
});

const ergMetrics = z.looseObject({
  bleu1: num,
  bleu2: num,
  bleu3: num,
  bleu4: num,
  rouge1: num,
  rouge2: num,
  rougeL: num,
  distinct1: num,
  distinct2: num,
  judge: judgeScores.extend({ ci95: z.record(z.string(), interval).optional() }).nullish(),
});

export const MetricsSchema = z.looseObject({
  task: z.enum(["erc", "erg"]),
  method: z.string(),
  model: z.string(),
  judgeModel: optText,
  labels: z.string().default("ed32"),
  split: z.string().nullish(),
  limit: z.number().nullish(),
  seed: z.number().nullish(),
  /** The run options beside the method (evaluations/variant.ts); absent in experiments made before they were recorded. */
  options: z
    .looseObject({
      agents: z.array(z.string()).optional(),
      aggregation: z.string().optional(),
      temperature: z.number().optional(),
      samples: z.number().optional(),
      sampleTemperature: z.number().optional(),
    })
    .nullish(),
  n: count,
  scored: count.optional(),
  errors: count.default(0),
  startedAt: z.string().nullish(),
  finishedAt: z.string().nullish(),
  erc: ercMetrics.nullish(),
  erg: ergMetrics.nullish(),
  agents: z.looseObject({ agreement: z.record(z.string(), num).default({}) }).nullish(),
  cost: z
    .looseObject({
      promptTokens: num,
      completionTokens: num,
      llmCalls: num,
      perExample: z.looseObject({ promptTokens: num, completionTokens: num, llmCalls: num, latencyMs: num }),
      wallMs: num.optional(),
    })
    .nullish(),
});
export type Metrics = z.infer<typeof MetricsSchema>;

/** The examples an experiment's predictions were made on. */
export interface ExamplesSeen {
  /** identity.ts `examplesFingerprint` of them in file order: the eval's `dataSha256` for the same examples. */
  sha256: string;
  /** Each example's content (identity.ts `exampleLine`) as a sha256, by id: what tells same ids on other data apart. */
  byId: Map<string, string>;
}

export interface Experiment {
  dir: string;
  metrics: Metrics;
  predictions: Prediction[];
  /** Absent for experiments made in memory (tests); read from predictions.jsonl otherwise. */
  examples?: ExamplesSeen;
  /** The name tables show when it must say more than `experimentName` (compare.ts: the data, where it ran). */
  name?: string;
}

/** Called with each line of predictions.jsonl as parsed JSON, before its inputs are dropped; throws to refuse it. */
export type LineCheck = (raw: unknown, prediction: Prediction, where: string) => void;

function issueText(error: z.ZodError): string {
  const first = error.issues[0];
  if (!first) return "invalid";
  const where = first.path.length ? `${first.path.join(".")}: ` : "";
  return `${where}${first.message}${error.issues.length > 1 ? ` (and ${error.issues.length - 1} more)` : ""}`;
}

export function parseMetrics(text: string, file = "metrics.json"): Metrics {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new Error(`${file} is not JSON: ${(e as Error).message}`);
  }
  const parsed = MetricsSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`${file} does not look like an experiment's metrics: ${issueText(parsed.error)}`);
  return parsed.data;
}

/**
 * The predictions of predictions.jsonl, read a line at a time, each checked (an id seen twice is refused: a record is
 * one example's); undefined when there is no such file. Inputs past the first SHOWN_EXAMPLES are dropped as they are
 * read: each holds its dialogue so far, which over a long conversation adds up to far more than everything else.
 */
async function readPredictions(file: string, check?: LineCheck): Promise<{ predictions: Prediction[]; examples: ExamplesSeen } | undefined> {
  const out: Prediction[] = [];
  const fingerprint = createHash("sha256");
  const byId = new Map<string, string>();
  const lineOf = new Map<string, number>();
  const limit = setting("INSIDEOUT_MAX_EXPERIMENT_FILE_BYTES");
  try {
    for await (const { number, bytes } of regularFileLines(file, "The experiment file", limit, "INSIDEOUT_MAX_EXPERIMENT_FILE_BYTES")) {
      const line = bytes!.toString("utf8");
      if (line.trim() === "") continue;
      let raw: unknown;
      try {
        raw = JSON.parse(line);
      } catch (e) {
        throw new Error(`${file}:${number} is not JSON: ${(e as Error).message}`);
      }
      const parsed = PredictionSchema.safeParse(raw);
      if (!parsed.success) throw new Error(`${file}:${number}: ${issueText(parsed.error)}`);
      const prediction: Prediction = parsed.data;
      const first = lineOf.get(prediction.id);
      if (first !== undefined) throw new Error(`${file}:${number} repeats example ${JSON.stringify(prediction.id)} (first on line ${first}): an experiment holds one record per example.`);
      lineOf.set(prediction.id, number);
      check?.(raw, prediction, `${file}:${number}`);
      const { inputs, gold, reference } = parsed.data;
      const content = exampleLine({
        id: prediction.id,
        dialogue: inputs.dialogue,
        emotion: gold.emotion,
        reference: reference ?? null,
        ...(inputs.speakers ? { speakers: inputs.speakers } : {}),
        ...(typeof inputs.situation === "string" ? { situation: inputs.situation } : {}),
      });
      fingerprint.update(`${content}\n`);
      byId.set(prediction.id, createHash("sha256").update(content).digest("hex"));
      if (out.length >= SHOWN_EXAMPLES) delete prediction.inputs;
      out.push(prediction);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
  return { predictions: out, examples: { sha256: fingerprint.digest("hex"), byId } };
}

/** metrics.json, or undefined when there is none. */
async function readIfPresent(file: string): Promise<string | undefined> {
  // An experiment file that is parsed whole: the lower of the two caps holds, and is the one named.
  const [limitName, limit] = (["INSIDEOUT_MAX_EXPERIMENT_FILE_BYTES", "INSIDEOUT_MAX_PARSED_FILE_BYTES"] as const)
    .map((name) => [name, setting(name)] as const)
    .reduce((a, b) => (b[1] < a[1] ? b : a));
  try {
    return readRegularFile(file, "The experiment file", limit, limitName).toString("utf8");
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}

/** The label set an experiment names, or undefined when it cannot be loaded now. */
export function labelSetOf(metrics: Metrics): LabelSet | undefined {
  try {
    return loadLabelSet(metrics.labels);
  } catch {
    // A user label set file that moved since the run: the report still renders, from metrics.json's own labels.
    return undefined;
  }
}

/**
 * Reads an experiment directory. metrics.json is required (it says what the experiment was); predictions.jsonl is
 * optional for a report (tables still render) but compare's paired tests need it.
 */
export async function readExperiment(dir: string, check?: LineCheck): Promise<Experiment> {
  const metricsFile = path.join(dir, "metrics.json");
  const metricsText = await readIfPresent(metricsFile);
  if (metricsText === undefined) {
    throw new Error(`${dir} is not an experiment directory: it has no metrics.json (run \`insideout eval --out ${dir}\` first)`);
  }
  const metrics = parseMetrics(metricsText, metricsFile);
  const labels = metrics.task === "erc" ? labelSetOf(metrics) : undefined;
  const read = await readPredictions(path.join(dir, "predictions.jsonl"), (raw, p, where) => {
    // The eval records only answers in its label set: anything else was not the model's answer in this experiment.
    const answer = p.error ? undefined : p.prediction.emotion;
    if (labels && answer && normalizeLabel(answer, labels) === undefined) {
      throw new Error(`${where}: the prediction ${JSON.stringify(answer.slice(0, 60))} is not a label of ${metrics.labels}, so this is not what the eval recorded.`);
    }
    check?.(raw, p, where);
  });
  return { dir, metrics, predictions: read?.predictions ?? [], ...(read ? { examples: read.examples } : {}) };
}
