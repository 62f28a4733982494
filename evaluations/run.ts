/**
 * `insideout eval`: one task × method over a dataset, as a pipeline.
 *
 *   plan   (plan.ts)        every input checked, models resolved, nothing opened or paid for yet;
 *   open   (experiment.ts)  --out locked, the experiment store and the LLM cache opened (and checked);
 *   run    (queue.ts)       the examples not yet in the store, at --concurrency, here or on a LangGraph server
 *                           (executor.ts); each finished example is committed to the store before it counts, so a
 *                           killed run loses only what was in flight; with --langsmith, langsmith's evaluate()
 *                           drives the same queue and uploads the experiment;
 *   write  (artifacts.ts)   predictions.jsonl, metrics.json and the reports, from the store, only when every example
 *                           has a record: a run with unfinished examples reports which and why, and no metrics.
 *
 * An example is finished when it has the model's answers; one that got none (server down, key refused, a file that
 * could not be written) stays unfinished and the next run retries it.
 */
import { basename } from "node:path";
import { Client } from "langsmith";
import { evaluate, type EvaluationResult } from "langsmith/evaluation";
import type { Example as LsExample } from "langsmith/schemas";
import { notAResultIn } from "../core/errors.js";
import { langsmithFailure, reachLangSmith } from "../core/langsmithErrors.js";
import { tracingClient } from "../core/tracing.js";
import type { LabelSet } from "../taxonomy/labelSet.js";
import { normalizeLabel } from "../taxonomy/normalize.js";
import { writeArtifacts } from "./artifacts.js";
import { startBatch, type BatchStats } from "./batch.js";
import { DEFAULT_DATASET_NAME, type Example } from "./data/index.js";
import { startExecutor } from "./executor.js";
import { openExperiment, type OpenExperiment } from "./experiment.js";
import { experimentMetrics } from "./experimentMetrics.js";
import { JUDGE_CRITERIA } from "./judge.js";
import type { EvalOptions, EvalResult } from "./options.js";
import { planEval, type EvalPlan } from "./plan.js";
import { silentProgress } from "./progress.js";
import { ExampleQueue, type QueueReport } from "./queue.js";
import { scoredRecord, type PredictionRecord, type ScoredRecord } from "./record.js";
import { Tally } from "./tally.js";
import { type TaskName } from "../state/runOptions.js";

export type { EvalOptions, EvalResult } from "./options.js";
export { defaultOutDir } from "./plan.js";

/** Examples in a row that got no answer before the run stops: more than a transient fault, less than a wasted split. */
const MAX_CONSECUTIVE_UNFINISHED = 10;

export async function runEval(o: EvalOptions): Promise<EvalResult> {
  const wallStart = performance.now();
  const plan = await planEval(o);
  const exp = openExperiment(plan);
  try {
    const run = await runExamples(plan, exp);
    // Records are held without their inputs (each holds its dialogue so far: a long conversation's add up to far more
    // than the data); predictions.jsonl reads them from the store again, one at a time.
    let missing = 0;
    const finished: ScoredRecord[] = [];
    for (const e of plan.examples) {
      const record = exp.store.get(e.id);
      if (record) finished.push(scoredRecord(record));
      else missing++;
    }
    const seconds = (performance.now() - wallStart) / 1000;
    const base = {
      outDir: plan.outDir,
      resumed: run.resumed,
      ran: run.attempted,
      unfinished: unfinishedReport(missing, run.queue),
      errored: finished.filter((r) => r.error).length,
      ...(exp.cache ? { cache: { ...exp.cache.stats(), path: exp.cache.path } } : {}),
      ...(run.batch ? { batch: run.batch } : {}),
      examplesPerSecond: seconds > 0 ? run.attempted / seconds : 0,
    };
    if (missing > 0) return { ...base, reports: [] };
    const metrics = experimentMetrics(
      finished,
      {
        task: plan.o.task,
        method: o.method,
        model: plan.model,
        ...(plan.judgeSpec ? { judgeModel: plan.judgeSpec } : {}),
        labels: plan.labels,
        split: plan.data,
        limit: o.limit ?? null,
        seed: plan.seed,
        options: plan.variant,
        startedAt: exp.store.createdAt(),
        finishedAt: new Date().toISOString(),
        wallMs: performance.now() - wallStart,
      },
      plan.labelSet,
    );
    const stored = function* () {
      for (const e of plan.examples) yield exp.store.get(e.id)!;
    };
    const reports = await writeArtifacts(plan.outDir, stored(), metrics);
    return { ...base, metrics, reports };
  } finally {
    exp.close();
  }
}

function unfinishedReport(missing: number, q: QueueReport | undefined) {
  const causes = [...(q?.causes ?? [])];
  const notStarted = missing - (q?.unfinished ?? 0);
  if (notStarted > 0) causes.push({ message: "not started: the eval stopped first", count: notStarted });
  return { count: missing, causes, ...(q?.stoppedBecause ? { stoppedBecause: q.stoppedBecause } : {}) };
}

interface ExamplesRun {
  resumed: number;
  attempted: number;
  queue?: QueueReport;
  batch?: BatchStats;
}

async function runExamples(plan: EvalPlan, exp: OpenExperiment): Promise<ExamplesRun> {
  const already = exp.store.ids();
  const pending = plan.examples.filter((e) => !already.has(e.id));
  const tally = new Tally(plan.o.task, plan.labelSet);
  for (const e of plan.examples) {
    const r = already.has(e.id) ? exp.store.get(e.id) : undefined;
    if (r) tally.add(r);
  }
  const resumed = plan.examples.length - pending.length;
  if (pending.length === 0) return { resumed, attempted: 0 };
  // Before any model call: the LangSmith dataset must hold every example.
  if (plan.o.langsmith) await reachLangSmith();
  const lsExamples = plan.o.langsmith ? await asLangSmith(() => langsmithExamples(tracingClient(), plan.o.dataset ?? DEFAULT_DATASET_NAME, pending)) : undefined;
  const progress = plan.o.progress ?? silentProgress;
  const position = new Map(plan.examples.map((e, i) => [e.id, i]));
  const batch = plan.batch ? startBatch(exp.store, plan.o.progress) : undefined;
  if (batch) plan.batch!.bind(batch);
  const run = await startExecutor({
    runner: plan.runner,
    models: plan.models,
    rateLimits: plan.rateLimits,
    cache: exp.cache,
    server: plan.server ? { url: plan.server, concurrency: plan.concurrency } : undefined,
  });
  const queue = new ExampleQueue(run, {
    concurrency: plan.concurrency,
    maxConsecutiveUnfinished: MAX_CONSECUTIVE_UNFINISHED,
    store: (e, record) => {
      if (exp.store.put(e.id, position.get(e.id)!, record)) {
        tally.add(record);
        progress.update(tally.done, tally.score(), tally.errors);
      }
    },
  });
  progress.start(plan.examples.length, tally.done);
  try {
    if (lsExamples) await asLangSmith(() => viaLangSmith(plan, queue, pending, lsExamples));
    else await queue.drain(pending);
  } finally {
    progress.stop();
    batch?.close();
  }
  return { resumed, attempted: pending.length, queue: queue.report(), batch: batch?.stats() };
}

/** LangSmith's own failures named as LangSmith's (not as the model server's). */
async function asLangSmith<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    // Ours (a storage error, say) as they are; the rest from LangSmith's client.
    throw notAResultIn(e) ? e : (langsmithFailure(e) ?? e);
  }
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

function evaluators(task: TaskName, labelSet: LabelSet) {
  if (task === "erc") {
    return [
      ({ outputs }: { outputs: Record<string, unknown> }): EvaluationResult => {
        const r = outputs as unknown as PredictionRecord;
        const pred = r.prediction?.emotion ? normalizeLabel(r.prediction.emotion, labelSet) : undefined;
        return { key: "correct", score: !r.error && pred !== undefined && pred === r.gold?.label ? 1 : 0 };
      },
    ];
  }
  return [
    ({ outputs }: { outputs: Record<string, unknown> }): EvaluationResult[] => {
      const r = outputs as unknown as PredictionRecord;
      return r.judge ? JUDGE_CRITERIA.map((c) => ({ key: c, score: r.judge![c] })) : [];
    },
  ];
}

/** langsmith's evaluate() drives the queue and uploads runs and feedback as one experiment. */
async function viaLangSmith(plan: EvalPlan, queue: ExampleQueue, pending: readonly Example[], data: LsExample[]): Promise<void> {
  const byId = new Map(pending.map((e) => [e.id, e]));
  await evaluate(
    async (input: { id: string }) => (await queue.runOne(byId.get(input.id)!)) ?? { unfinished: true, id: input.id },
    {
      data,
      client: tracingClient(),
      maxConcurrency: plan.concurrency,
      evaluators: evaluators(plan.o.task, plan.labelSet),
      experimentPrefix: basename(plan.outDir),
      description: `insideout eval --task ${plan.o.task} --method ${plan.o.method} --model ${plan.model} --labels ${plan.labels} --data ${plan.data}`,
      metadata: { ...plan.config },
    },
  );
}
