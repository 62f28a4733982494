/**
 * An eval's plan: every input checked, and everything it will run decided, before anything is opened or paid for —
 * method and its options, label set (and that it has a place for every gold label of the data), data, sample,
 * concurrency, models (a bad name or a missing key is one line now), where it writes.
 */
import { basename, extname, join, resolve } from "node:path";
import { setting } from "../core/settings.js";
import { runContext } from "../state/runOptions.js";
import { checkMethodOptions, isSelfConsistency } from "../graphs/methodNames.js";
import { capabilitiesOf, effectiveSpec, ModelResolver } from "../models/factory.js";
import { Semaphore } from "../models/limits.js";
import type { RateLimits } from "../models/pacing.js";
import type { ExperimentConfig } from "../store/experiments.js";
import { defaultLlmCachePath } from "../store/paths.js";
import type { LabelSet } from "../taxonomy/labelSet.js";
import { BUILTIN_LABEL_SETS, loadLabelSet, uncoveredGold, uncoveredGoldMessage } from "../taxonomy/labelSets.js";
import { benchmarkTaskOf, defaultLabelsFor, loadDataset, sample, type Example } from "./data/index.js";
import { BatchRoute, checkBatchOptions } from "./batch.js";
import type { EvalModels, RunnerConfig } from "./exampleRunner.js";
import { MAX_CONCURRENCY, type EvalOptions } from "./options.js";
import { variantParts, type MethodVariant } from "./variant.js";
import { isBenchmarkTask, type TaskName } from "../state/runOptions.js";
import { identityEntries } from "./identity.js";

export interface EvalPlan {
  /** The options, with the task settled (a benchmark's data names its own). */
  o: EvalOptions & { task: TaskName };
  model: string;
  judgeSpec?: string;
  labels: string;
  labelSet: LabelSet;
  data: string;
  examples: Example[];
  seed: number;
  concurrency: number;
  outDir: string;
  /** undefined: no LLM cache. */
  cachePath?: string;
  config: ExperimentConfig;
  /** The run options that make this experiment what it is, recorded in metrics.json (`options`). */
  variant: MethodVariant;
  runner: RunnerConfig;
  /** The models, resolved once here under the eval's request limiter and handed to the runner (the method's none on a server). */
  models: EvalModels;
  /** --rpm/--tpm. */
  rateLimits: RateLimits;
  /** The LangGraph server the graphs run on (undefined: in this process). */
  server?: string;
  /** --batch: the models' requests go this way, to the collector the run binds to it. */
  batch?: BatchRoute;
}

export const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9._+-]+/g, "-").replace(/^-+|-+$/g, "");

function labelsName(labels: string): string {
  return labels.endsWith(".json") ? basename(labels, ".json") : labels;
}

function splitName(data: string): string {
  const named = /^(ed|meld):(.+)$/.exec(data);
  if (named) return named[1] === "ed" ? named[2]! : `${named[1]}-${named[2]}`;
  return basename(data, extname(data));
}

/** The built-in label set that covers every gold label of the data, to suggest when the chosen one does not. */
function coveringLabelSet(gold: readonly string[]): string | undefined {
  return Object.entries(BUILTIN_LABEL_SETS).find(([, set]) => uncoveredGold(set, gold).length === 0)?.[0];
}

/**
 * `experiments/<task>-<method>-<model-slug>-<labels>-<split>[-<variant>][-n<limit>]`, the variant being the run
 * options that differ from the defaults (variant.ts: `vote`, `no-fear`, `t0.7`, `k10`, …), so a default run keeps its
 * name and a variant never lands in another's directory.
 */
export function defaultOutDir(o: { task: string; method: string; model: string; labels: string; data: string; limit?: number; variant?: MethodVariant }): string {
  const parts = [o.task, o.method, slug(o.model), slug(labelsName(o.labels)), slug(splitName(o.data))];
  if (o.variant) parts.push(...variantParts(o.variant, isSelfConsistency(o.method)).map(slug));
  if (o.limit !== undefined) parts.push(`n${o.limit}`);
  return join("experiments", parts.join("-"));
}

const positiveInt = (name: string, v: number | undefined) => {
  if (v !== undefined && (!Number.isInteger(v) || v < 1)) throw new Error(`--${name} must be a positive integer, got ${v}.`);
};

/** C examples in flight make up to six model requests each (five agents, or recogniser + judge). */
function requestLimitFor(concurrency: number): number {
  return setting("INSIDEOUT_MAX_CONCURRENCY") ?? Math.max(32, 6 * concurrency);
}

/** --rpm/--tpm pace the OpenAI-compatible transport (models/limits.ts) only: refused for a model they would not pace. */
function checkPaced(models: (string | undefined)[]): void {
  const other = models.find((m) => m !== undefined && !capabilitiesOf(m).paced);
  if (other) throw new Error(`--rpm and --tpm pace openai: models (and OpenAI-compatible servers) only, not ${other}: drop them, or use --concurrency.`);
}

/** The task of an eval: a benchmark's data names its own (and refuses another); other data needs --task. */
export function taskFor(task: TaskName | undefined, data: string): TaskName {
  const own = benchmarkTaskOf(data);
  if (own && task !== undefined && task !== own) throw new Error(`--data ${data} is the ${own} task, not ${task}: leave --task out.`);
  if (task !== undefined && isBenchmarkTask(task) && !own) throw new Error(`--task ${task} needs its benchmark's data (eqbench:v2, emobench:eu, emobench:ea).`);
  const settled = own ?? task;
  if (!settled) throw new Error(`--task is required for ${data}: erc or erg.`);
  return settled;
}

export async function planEval(options: EvalOptions): Promise<EvalPlan> {
  const data = options.data ?? "ed:test";
  const o = { ...options, task: taskFor(options.task, data) };
  const benchmark = isBenchmarkTask(o.task);
  // The dataset's own label set unless one is given (meld7 for meld:*), checked against its gold labels below.
  const labels = o.options?.labels ?? defaultLabelsFor(data);
  const remote = o.server !== undefined ? await import("./remoteExecutor.js") : undefined;
  const server = remote ? remote.checkServerOptions(o.server!, o, labels) : undefined;
  const model = effectiveSpec(o.options?.model);
  const seed = o.seed ?? 0;
  const concurrency = o.concurrency ?? 8;
  positiveInt("concurrency", concurrency);
  if (concurrency > MAX_CONCURRENCY) throw new Error(`--concurrency ${concurrency} is more than ${MAX_CONCURRENCY} examples in flight at once: give at most ${MAX_CONCURRENCY}.`);
  positiveInt("limit", o.limit);
  positiveInt("rpm", o.rpm);
  positiveInt("tpm", o.tpm);
  // One line for a bad option (a sample count of 0, a sample temperature of 0), before anything is read or resolved.
  // Parsed as any run's (every aggregation): the task's own are the method's rules, said with its name.
  const runOptions = runContext({ ...o.options, model, labels }, "any");
  checkMethodOptions(o.task, o.method, runOptions);
  const sampled = isSelfConsistency(o.method);
  const { agents, aggregation, temperature, samples, sampleTemperature } = runOptions;
  const variant: MethodVariant = { agents, aggregation, temperature, ...(sampled ? { samples, sampleTemperature } : {}) };
  const labelSet = loadLabelSet(labels);
  const useJudge = o.task === "erg" && o.judge !== false;
  const judgeSpec = useJudge ? (o.judgeModel && o.judgeModel !== "auto" ? o.judgeModel : model) : undefined;

  let examples = await loadDataset(data);
  if (o.limit !== undefined) examples = sample(examples, o.limit, seed);
  if (examples.length === 0) throw new Error(`No examples in ${data}.`);
  // A benchmark's gold answers are its questions' own options or intensities: no label set to cover.
  const gold = benchmark ? [] : examples.map((e) => e.emotion);
  const uncovered = uncoveredGold(labelSet, gold);
  if (uncovered.length > 0) throw new Error(uncoveredGoldMessage(labelSet, data, uncovered, coveringLabelSet(gold) ?? null));
  if (o.task === "erg" && examples.every((e) => e.reference === null)) {
    throw new Error(`${data} has no reference replies to score generated ones against: evaluate it with --task erc.`);
  }
  if (o.langsmith && (/^meld:/.test(data) || benchmark)) {
    // `data upload` makes a dataset of EmpatheticDialogues only: every MELD example would be "not in the dataset".
    throw new Error(`--langsmith evaluates against the dataset of \`insideout data upload\`, which holds EmpatheticDialogues only: run ${data} without --langsmith.`);
  }

  if (o.batch) checkBatchOptions(o, [model, judgeSpec]);
  if (o.batch && isSelfConsistency(o.method)) {
    // A batch line's key is the hash of its body, and self-consistency's k samples are k identical bodies.
    throw new Error("--batch cannot run self-consistency: a batch keys each request by its body, so the k identical samples would be one request; run it without --batch.");
  }
  // Resolving makes no call: it checks the name, the provider and its credentials. On a server, the server resolves
  // the method's model with its own keys; the judge runs here. The runner gets these models.
  const limiter = new Semaphore(requestLimitFor(concurrency));
  const batch = o.batch ? new BatchRoute() : undefined;
  const resolver = new ModelResolver({ limiter, ...(batch ? { batch } : {}) });
  const run = server ? undefined : await resolver.forRun(runOptions);
  const judge = judgeSpec ? await resolver.resolve(judgeSpec, { temperature: 0 }).catch((e: unknown) => {
    throw server ? new Error(`The ERG judge runs in this process, not on --server: ${e instanceof Error ? e.message : String(e)} (or use --no-judge).`) : e;
  }) : undefined;
  if (o.rpm !== undefined || o.tpm !== undefined) checkPaced([model, judgeSpec]);

  const outDir = resolve(o.out ?? defaultOutDir({ task: o.task, method: o.method, model, labels, data, variant, limit: o.limit }));
  const config: ExperimentConfig = {
    task: o.task,
    method: o.method,
    model,
    labels,
    split: data,
    limit: o.limit ?? null,
    seed,
    judgeModel: judgeSpec ?? null,
    temperature: runOptions.temperature,
    agents: runOptions.agents.join(","),
    aggregation: runOptions.aggregation,
    // Where the graphs ran: a server resolves the model with its own endpoint and keys.
    ...(server ? { server } : {}),
    // Only self-consistency's: an experiment of another method, made before these options existed, still resumes.
    ...(sampled ? { samples: runOptions.samples, sampleTemperature: runOptions.sampleTemperature } : {}),
    // Where the answers come from and what they are made of: another endpoint or edited data is another experiment.
    ...identityEntries({ ...(run ? { model: run.model } : {}), ...(judge ? { judge } : {}), labelSet, examples }),
  };
  const runner: RunnerConfig = { task: o.task, method: o.method, labelSet, runOptions, ...(judgeSpec ? { judgeSpec } : {}), ...(o.langsmith ? { inEvaluate: true } : {}) };
  // Last, after every local check: the server answers and serves the method's graph (no run, no model call).
  if (remote && server) await remote.reachServer(server, runner);
  return {
    o,
    model,
    ...(judgeSpec ? { judgeSpec } : {}),
    labels,
    labelSet,
    data,
    examples,
    seed,
    concurrency: o.batch ? examples.length : concurrency,
    outDir,
    // With --server, the cache holds only the judge's answers (the server's model calls are not cached here).
    ...(o.cache === false || (server && !judgeSpec) ? {} : { cachePath: o.cachePath ?? defaultLlmCachePath() }),
    config,
    variant,
    runner,
    models: { run, judge },
    rateLimits: { ...(o.rpm !== undefined ? { rpm: o.rpm } : {}), ...(o.tpm !== undefined ? { tpm: o.tpm } : {}) },
    ...(server ? { server } : {}),
    ...(batch ? { batch } : {}),
  };
}
