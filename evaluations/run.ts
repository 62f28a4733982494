/**
 * `insideout eval`: one task × method over a dataset, built on langsmith's `evaluate()`, resumable and cached.
 *
 * How the pieces fit, and why:
 *  - `evaluate()` drives the run: its queue gives the concurrency, its target function runs one example, its
 *    evaluators turn each record into feedback (`correct` for ERC, the judge's five scores for ERG). With
 *    `--langsmith` it uploads an experiment against the dataset made by `insideout data upload`; offline it is given
 *    the examples as an array and an in-process client (offlineClient.ts), because langsmith 0.10.5's JS evaluate()
 *    has no `uploadResults: false`.
 *  - Resuming is ours, not evaluate()'s (it has no notion of it): the target first looks the example up in the
 *    experiment store (store/experiments.ts) and returns the stored record without any LLM call; a finished example
 *    is written to the store, one committed transaction per example, before the target returns. So kill -9 at any
 *    instant loses at most the examples in flight, and the next run re-does exactly those.
 *  - Every model that any node or the judge resolves gets the SQLite LLM cache (store/cache.ts) through a model
 *    hook, so even the examples in flight at the kill cost no second call for the answers they already had, and a
 *    finished experiment re-run into a new --out makes zero LLM calls.
 *  - evaluate() is fed in chunks: its `_mapWithConcurrency` races every pending task on each completion
 *    (`Promise.race` over all of them), which is quadratic in the number of examples: 1000 examples of no work took
 *    4.6 s, 2000 took 23 s. Chunks of a few hundred keep it linear (about 1.5 ms of overhead per example); the
 *    chunks share one experiment, so LangSmith still sees one experiment.
 *  - The examples' graphs run in worker threads (evaluations/workerPool.ts, `--workers`): the client is CPU-bound
 *    long before an HTTP model server is (LangGraph, LangChain and the HTTP client cost ~15 ms of CPU per InsideOut
 *    example), so one thread caps the throughput whatever the concurrency. evaluate(), the store and the progress
 *    bar stay in this thread.
 *  - Metrics are computed from the store, not from evaluate()'s results, so a resumed run and an uninterrupted one
 *    produce the same metrics.json from the same records.
 */
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { basename, extname, join, resolve } from "node:path";
import { evaluate, type EvaluateOptions, type EvaluationResult } from "langsmith/evaluation";
import { Client } from "langsmith";
import type { Example as LsExample, TracerSession } from "langsmith/schemas";
import { RunOptions } from "../graphs/context.js";
import { builderFor, type TaskName } from "../graphs/methods.js";
import { tracingEnabled } from "../graphs/tracing.js";
import { defaultModelSpec, resolveModel } from "../models/factory.js";
import { globalLimiter, Semaphore, setMaxConcurrency } from "../models/limits.js";
import { parseModelSpec } from "../models/spec.js";
import { ExperimentStore, type ExperimentConfig } from "../store/experiments.js";
import { addCacheStats, defaultLlmCachePath, SqliteCache, type CacheStats } from "../store/cache.js";
import { loadLabelSet, type LabelSet } from "../taxonomy/labelSets.js";
import { normalizeLabel } from "../taxonomy/normalize.js";
import { installCache } from "./cacheHook.js";
import { loadDataset, sample } from "./data/ed.js";
import type { Example } from "./data/types.js";
import { exampleRunner, type RunnerConfig } from "./exampleRunner.js";
import { experimentMetrics, type ExperimentMetrics } from "./experimentMetrics.js";
import { writeFileAtomic } from "./files.js";
import { JUDGE_CRITERIA } from "./judge.js";
import { OfflineClient } from "./offlineClient.js";
import { silentProgress, type ProgressView } from "./progress.js";
import { baseRecord, type PredictionRecord } from "./record.js";
import { tuneForEval } from "./tune.js";
import { WorkerPool } from "./workerPool.js";

export interface EvalOptions {
  task: TaskName;
  method: string;
  /** provider:model; `auto` or absent picks the default (models/factory.ts). */
  model?: string;
  /** ERG only; default: the evaluated model. */
  judgeModel?: string;
  /** ERG only: skip the judge. */
  judge?: boolean;
  labels?: string;
  /** `ed:test`, `ed:valid` or a file path. */
  data?: string;
  limit?: number;
  seed?: number;
  concurrency?: number;
  out?: string;
  /** Upload the experiment to LangSmith (against the dataset of `insideout data upload`). */
  langsmith?: boolean;
  /** LangSmith dataset name, with `langsmith`. */
  dataset?: string;
  /** Worker threads for the graphs (evaluations/workerPool.ts): a number (0: none) or `auto` (the default). */
  workers?: number | "auto";
  /** false: no LLM cache. */
  cache?: boolean;
  cachePath?: string;
  temperature?: number;
  progress?: ProgressView;
}

export interface EvalResult {
  outDir: string;
  metrics: ExperimentMetrics;
  /** Examples found finished in the store (from an earlier, interrupted or finished, run). */
  resumed: number;
  /** Examples run now. */
  ran: number;
  cache?: CacheStats & { path: string };
  /** Worker threads that ran the graphs (0: the eval's own thread). */
  workers: number;
  /** Examples run now per second of wall time. */
  examplesPerSecond: number;
  reports: string[];
}

/** The dataset `insideout data upload` creates (evaluations/data/langsmith.ts, DEFAULT_DATASET_NAME). */
export const DEFAULT_LANGSMITH_DATASET = "insideout-empathetic-dialogues";

const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9._+-]+/g, "-").replace(/^-+|-+$/g, "");

function labelsName(labels: string): string {
  return labels.endsWith(".json") ? basename(labels, ".json") : labels;
}

function splitName(data: string): string {
  const named = /^ed:(.+)$/.exec(data);
  return named ? named[1]! : basename(data, extname(data));
}

/** `experiments/<task>-<method>-<model-slug>-<labels>-<split>[-n<limit>]`. */
export function defaultOutDir(o: { task: string; method: string; model: string; labels: string; data: string; limit?: number }): string {
  const parts = [o.task, o.method, slug(o.model), slug(labelsName(o.labels)), slug(splitName(o.data))];
  if (o.limit !== undefined) parts.push(`n${o.limit}`);
  return join("experiments", parts.join("-"));
}

/** A UUID derived from a string, so LangSmith-style example ids are stable across runs (offline). */
function uuidOf(s: string): string {
  const h = createHash("sha256").update(s).digest("hex");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

interface Target {
  id: string;
}

/** Offline: our examples as LangSmith examples (inputs carry only the id; the target reads the rest locally). */
function offlineExamples(examples: readonly Example[], datasetId: string): LsExample[] {
  const at = new Date(0).toISOString();
  return examples.map((ex) => ({
    id: uuidOf(ex.id),
    dataset_id: datasetId,
    inputs: { id: ex.id },
    outputs: { emotion: ex.emotion, reference: ex.reference },
    created_at: at,
    modified_at: at,
    runs: [],
  }));
}

/** With --langsmith: the dataset's examples, matched to ours through `metadata.insideout_id`. */
async function langsmithExamples(client: Client, dataset: string, examples: readonly Example[]): Promise<LsExample[]> {
  const byId = new Map<string, LsExample>();
  for await (const ex of client.listExamples({ datasetName: dataset })) {
    const id: unknown = ex.metadata?.insideout_id;
    if (typeof id === "string") byId.set(id, ex);
  }
  const missing = examples.filter((e) => !byId.has(e.id));
  if (missing.length) {
    throw new Error(
      `${missing.length} of ${examples.length} examples (e.g. ${missing[0]!.id}) are not in the LangSmith dataset "${dataset}": run \`insideout data upload\` first.`,
    );
  }
  // Our inputs ({id}) are what the target reads; the dataset example gives the id LangSmith links the run to.
  return examples.map((e) => ({ ...byId.get(e.id)!, inputs: { id: e.id } }));
}

/** The running score for the progress bar. */
class Tally {
  done = 0;
  errors = 0;
  private correct = 0;
  private judged = 0;
  private overall = 0;

  constructor(
    private readonly task: TaskName,
    private readonly labelSet: LabelSet,
  ) {}

  add(r: PredictionRecord): void {
    this.done++;
    if (r.error) this.errors++;
    if (this.task === "erc" && r.prediction.emotion && !r.error) {
      if (normalizeLabel(r.prediction.emotion, this.labelSet) === r.gold.label) this.correct++;
    }
    if (r.judge) {
      this.judged++;
      this.overall += r.judge.overall;
    }
  }

  score(): string {
    if (this.task === "erc") return `acc ${this.done ? ((100 * this.correct) / this.done).toFixed(2) : "-"}%`;
    return this.judged ? `judge overall ${(this.overall / this.judged).toFixed(2)}` : "judge -";
  }
}

export async function runEval(o: EvalOptions): Promise<EvalResult> {
  // Before set-up's allocations: V8 sets a heap's next full-collection threshold at each full collection, and one made
  // with its default growth (up to 4×) while the examples loaded let the main thread's heap reach ~110 MB, mostly
  // garbage, before its first full collection of the run: ~40 MB more peak RSS over the test split (bench/, part e).
  const untune = tuneForEval();
  try {
    return await runTunedEval(o);
  } finally {
    untune();
  }
}

async function runTunedEval(o: EvalOptions): Promise<EvalResult> {
  const startedAt = new Date();
  const wallStart = performance.now();
  builderFor(o.task, o.method);
  const labels = o.labels ?? "ed32";
  const labelSet = loadLabelSet(labels);
  const data = o.data ?? "ed:test";
  const model = !o.model || o.model === "auto" ? defaultModelSpec() : o.model;
  const useJudge = o.task === "erg" && o.judge !== false;
  const judgeSpec = useJudge ? (o.judgeModel && o.judgeModel !== "auto" ? o.judgeModel : model) : undefined;
  const seed = o.seed ?? 0;
  const concurrency = o.concurrency ?? 8;
  if (!Number.isInteger(concurrency) || concurrency < 1) throw new Error(`--concurrency must be a positive integer, got ${concurrency}.`);
  // C examples in flight make up to six model requests each (five agents, or recogniser + judge): let the process-wide
  // request limit follow, unless the user set it explicitly (e.g. to respect a provider's rate limit).
  // globalLimiter() validates INSIDEOUT_MAX_CONCURRENCY (a clear error if it is not a positive number).
  const requestLimit = process.env.INSIDEOUT_MAX_CONCURRENCY && globalLimiter() ? Number(process.env.INSIDEOUT_MAX_CONCURRENCY) : Math.max(32, 6 * concurrency);
  setMaxConcurrency(requestLimit);
  if (o.limit !== undefined && (!Number.isInteger(o.limit) || o.limit < 1)) throw new Error(`--limit must be a positive integer, got ${o.limit}.`);

  const runOptions = RunOptions.parse({ model, labels, temperature: o.temperature ?? 0 });
  let examples = await loadDataset(data);
  if (o.limit !== undefined) examples = sample(examples, o.limit, seed);
  if (examples.length === 0) throw new Error(`No examples in ${data}.`);

  const outDir = resolve(o.out ?? defaultOutDir({ task: o.task, method: o.method, model, labels, data, ...(o.limit !== undefined ? { limit: o.limit } : {}) }));
  mkdirSync(outDir, { recursive: true });
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
  };
  const store = ExperimentStore.open<PredictionRecord>(join(outDir, "experiment.sqlite"), config);
  const cache = o.cache === false ? undefined : new SqliteCache(o.cachePath ?? defaultLlmCachePath());
  const uninstall = cache ? installCache(cache) : () => {};
  const progress = o.progress ?? silentProgress;
  let pool: WorkerPool | undefined;
  let workerCacheStats: CacheStats | undefined;
  try {
    const already = store.ids();
    const resumed = examples.filter((e) => already.has(e.id)).length;
    const pending = examples.length - resumed;
    // Resolve the models up front: a bad name or a missing key is one clear error before anything runs.
    if (pending > 0) await resolveModel(model, { temperature: runOptions.temperature });
    if (judgeSpec && pending > 0) await resolveModel(judgeSpec, { temperature: 0 });
    const byId = new Map(examples.map((e, i) => [e.id, { example: e, position: i }]));
    const tally = new Tally(o.task, labelSet);
    for (const e of examples) {
      const r = already.has(e.id) ? store.get(e.id) : undefined;
      if (r) tally.add(r);
    }
    progress.start(examples.length, tally.done);

    const runnerConfig: RunnerConfig = { task: o.task, method: o.method, labels, runOptions, ...(judgeSpec ? { judgeSpec } : {}), traced: o.langsmith === true };
    const workers = pending > 0 ? workerCount(o, [model, judgeSpec], concurrency) : 0;
    pool = workers > 0 ? await WorkerPool.start(workers, { runner: runnerConfig, ...(cache ? { cachePath: cache.path } : {}), maxConcurrency: Math.ceil(requestLimit / workers) }) : undefined;
    const runHere = pool ? undefined : await exampleRunner(runnerConfig);
    /** A worker thread that died: the eval stops after the chunks in flight, and a re-run resumes the examples it had. */
    let fatal: Error | undefined;

    const runOne = async (input: Target): Promise<PredictionRecord> => {
      const stored = store.get(input.id);
      if (stored) return stored;
      const entry = byId.get(input.id);
      if (!entry) throw new Error(`Example ${input.id} is not part of this experiment.`);
      const { example, position } = entry;
      let record: PredictionRecord;
      try {
        record = pool ? await pool.run(example) : await runHere!(example);
      } catch (e) {
        fatal ??= e instanceof Error ? e : new Error(String(e));
        return baseRecord(o.task, o.method, example, null);
      }
      if (store.put(example.id, position, record)) {
        tally.add(record);
        progress.update(tally.done, tally.score(), tally.errors);
      }
      return store.get(example.id) ?? record;
    };
    // Two chunks' evaluate() calls overlap (below); these slots keep the examples in flight at `concurrency`.
    const slots = new Semaphore(concurrency);
    // evaluate() logs and swallows a throwing target; ours records errors instead, so this never throws.
    const target = async (input: Target): Promise<PredictionRecord> => {
      const release = await slots.acquire();
      try {
        return await runOne(input);
      } finally {
        release();
      }
    };

    const evaluators =
      o.task === "erc"
        ? [
            ({ outputs }: { outputs: Record<string, unknown> }): EvaluationResult => {
              const r = outputs as unknown as PredictionRecord;
              const pred = r.prediction?.emotion ? normalizeLabel(r.prediction.emotion, labelSet) : undefined;
              return { key: "correct", score: !r.error && pred !== undefined && pred === r.gold?.label ? 1 : 0 };
            },
          ]
        : [
            ({ outputs }: { outputs: Record<string, unknown> }): EvaluationResult[] => {
              const r = outputs as unknown as PredictionRecord;
              return r.judge ? JUDGE_CRITERIA.map((c) => ({ key: c, score: r.judge![c] })) : [];
            },
          ];

    const client = o.langsmith ? new Client() : new OfflineClient();
    const lsExamples = o.langsmith
      ? await langsmithExamples(client, o.dataset ?? DEFAULT_LANGSMITH_DATASET, examples)
      : offlineExamples(examples, uuidOf(`dataset:${data}`));
    const experiment: TracerSession = await client.createProject({
      projectName: `${basename(outDir)}-${startedAt.toISOString().replace(/[:.]/g, "-")}`,
      description: `insideout eval --task ${o.task} --method ${o.method} --model ${model} --labels ${labels} --data ${data}`,
      metadata: { ...config, outDir },
      referenceDatasetId: lsExamples[0]?.dataset_id ?? null,
    });
    const chunk = Math.max(256, concurrency * 8);
    const log = console.log;
    // evaluate() prints "Starting evaluation of experiment ..." with console.log; stdout belongs to --json.
    console.log = o.langsmith ? (...args: unknown[]) => process.stderr.write(`${args.join(" ")}\n`) : () => {};
    try {
      // The next chunk starts while this one's last examples are still in flight, its examples queued for the slots:
      // waiting for each chunk to drain left the slots idle for about one example's time per chunk.
      const running: Promise<unknown>[] = [];
      const finishOldest = async () => {
        await running.shift();
        if (fatal) throw new Error(`${fatal.message} Finished examples are saved: run the same command again to resume.`);
      };
      try {
        for (let start = 0; start < lsExamples.length; start += chunk) {
          // `experiment` (an existing project) is read by evaluate() at runtime though its type omits it: it is
          // how the chunks share one experiment.
          const options: EvaluateOptions & { experiment: TracerSession } = {
            data: lsExamples.slice(start, start + chunk),
            client,
            experiment,
            maxConcurrency: concurrency,
            evaluators,
            metadata: { ...config },
          };
          running.push(evaluate(target, options));
          if (running.length === 2) await finishOldest();
        }
        while (running.length > 0) await finishOldest();
      } finally {
        // On an error, the other chunk is let finish (its examples are stored as they finish) before the error goes up.
        await Promise.allSettled(running);
      }
      workerCacheStats = await pool?.close();
      pool = undefined;
    } finally {
      console.log = log;
      progress.stop();
    }

    const records = examples.map((e) => store.get(e.id));
    const lost = records.filter((r) => r === undefined).length;
    if (lost) throw new Error(`${lost} examples have no record after the run; run the same command again to finish them.`);
    const finished = records as PredictionRecord[];
    const finishedAt = new Date();
    const metrics = experimentMetrics(
      finished,
      {
        task: o.task,
        method: o.method,
        model,
        ...(judgeSpec ? { judgeModel: judgeSpec } : {}),
        labels,
        split: data,
        limit: o.limit ?? null,
        seed,
        startedAt: store.createdAt(),
        finishedAt: finishedAt.toISOString(),
        wallMs: performance.now() - wallStart,
      },
      labelSet,
    );
    await writeFileAtomic(join(outDir, "predictions.jsonl"), finished.map((r) => JSON.stringify(r)).join("\n") + "\n");
    await writeFileAtomic(join(outDir, "metrics.json"), `${JSON.stringify(metrics, null, 2)}\n`);
    const reports = await writeReportsIfAvailable(outDir);
    const seconds = (performance.now() - wallStart) / 1000;
    return {
      outDir,
      metrics,
      resumed,
      ran: pending,
      ...(cache ? { cache: { ...addCacheStats(cache.stats(), workerCacheStats), path: cache.path } } : {}),
      workers,
      examplesPerSecond: seconds > 0 ? pending / seconds : 0,
      reports,
    };
  } finally {
    await pool?.close();
    uninstall();
    cache?.close();
    store.close();
  }
}

/**
 * Worker threads for the examples' graphs: `--workers auto` uses one per CPU, but only where the client can be the
 * bottleneck: each worker is a V8 isolate (~60 MB more RSS), worth it with at least 8 examples in flight each (at the default
 * --concurrency 8 a model's latency, not the client's CPU, sets the pace), and never more than 8. Not with --langsmith (the graph's runs must nest under evaluate()'s run tree, in this thread) or tracing on (traces are scrubbed of keys and flushed in this thread), nor with a
 * `local:` model (one copy in memory, whose decode batches the agents share) or a provider registered in this
 * thread only (tests' scripted models).
 */
export function workerCount(o: Pick<EvalOptions, "workers" | "langsmith">, models: (string | undefined)[], concurrency: number): number {
  if (o.workers !== undefined && o.workers !== "auto") {
    if (!Number.isInteger(o.workers) || o.workers < 0) throw new Error(`--workers must be auto or a whole number ≥ 0, got ${o.workers}.`);
    if (o.workers > 0 && o.langsmith) throw new Error("--workers cannot be used with --langsmith (traces are recorded in the main thread): use --workers 0.");
    if (o.workers > 0 && tracingEnabled()) {
      throw new Error("--workers cannot be used with LangSmith tracing on (traces are scrubbed and sent from the main thread): use --workers 0.");
    }
    return o.workers;
  }
  if (o.langsmith || tracingEnabled()) return 0;
  const threadSafe = models.every((m) => m === undefined || ["openai", "ollama"].includes(parseModelSpec(m).provider));
  const n = Math.min(availableParallelism(), Math.floor(concurrency / 8), 8);
  return threadSafe && n >= 2 ? n : 0;
}

/** report.md / report.html, by evaluations/report (written by the report's owner); absent module: none. */
async function writeReportsIfAvailable(outDir: string): Promise<string[]> {
  const { writeReports } = await import("./report/index.js");
  await writeReports(outDir);
  return [join(outDir, "report.md"), join(outDir, "report.html")];
}
