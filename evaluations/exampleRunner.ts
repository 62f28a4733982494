/**
 * Runs one example through a method's graph (and the ERG judge). The same code runs in the eval's own thread or in
 * its worker threads (executor.ts); storing the record is the caller's job.
 *
 * An example either finishes, as a record of what the model answered (an agent's invalid answer and the whole
 * graph's failure on the model's answers included), or stays unfinished: a failure that is not a result (the model
 * was not reached or refused the key, a file could not be written, the run was stopped) leaves no record, so the next
 * run retries it.
 */
import type { RunOptions } from "../graphs/context.js";
import { builderFor, type TaskName } from "../graphs/methods.js";
import type { State } from "../graphs/state.js";
import { ModelCallFailure, notAResultIn, StorageError } from "../core/errors.js";
import { traceCallbacks } from "../core/tracing.js";
import type { ModelResolver } from "../models/factory.js";
import { failureToRecord, messageOf } from "../nodes/common.js";
import { withModels } from "../nodes/env.js";
import { goldToSet, loadLabelSet } from "../taxonomy/labelSets.js";
import type { Example } from "./data/types.js";
import { judgeReply } from "./judge.js";
import { addUsage, baseRecord, fillFromState, type PredictionRecord } from "./record.js";

/** Plain data, so that it can be handed to a worker thread. */
export interface RunnerConfig {
  task: TaskName;
  method: string;
  labels: string;
  runOptions: RunOptions;
  judgeSpec?: string;
  /** Under langsmith's evaluate(), whose run tree the graph's runs nest under; otherwise traced (if on) on their own. */
  inEvaluate?: boolean;
}

/** Why an example has no record; plain data (it crosses threads). */
export interface Unfinished {
  /** `model:<kind>` (core/errors.ts CallFailureKind), `storage`, `stopped` or `other`. */
  kind: string;
  message: string;
  /** Going on cannot help: the eval stops at once. */
  stopsRun: boolean;
}

export type Outcome = { record: PredictionRecord } | { unfinished: Unfinished };

export type ExampleRunner = (example: Example, signal?: AbortSignal) => Promise<Outcome>;

export function unfinishedOf(error: unknown, signal?: AbortSignal): Unfinished {
  const e = notAResultIn(error);
  if (e instanceof ModelCallFailure) return { kind: `model:${e.kind}`, message: messageOf(e), stopsRun: e.stopsRun };
  if (e instanceof StorageError) return { kind: "storage", message: messageOf(e), stopsRun: true };
  if (signal?.aborted) return { kind: "stopped", message: "stopped before it finished", stopsRun: false };
  return { kind: "other", message: messageOf(e ?? error), stopsRun: e?.stopsRun ?? false };
}

export async function exampleRunner(c: RunnerConfig, resolver: ModelResolver): Promise<ExampleRunner> {
  const labelSet = loadLabelSet(c.labels);
  const graph = builderFor(c.task, c.method).compile();
  const judge = c.judgeSpec ? await resolver.resolve(c.judgeSpec, { temperature: 0 }) : undefined;
  const configurable = withModels(resolver);
  const callbacks = c.inEvaluate ? [] : traceCallbacks();
  return async (example, signal) => {
    const record = baseRecord(c.task, c.method, example, goldToSet(labelSet, example.emotion) ?? null);
    const t0 = performance.now();
    try {
      const state = (await graph.invoke(
        { dialogue: example.dialogue, ...(example.speakers ? { speakers: example.speakers } : {}) },
        { context: c.runOptions, configurable, ...(callbacks.length ? { callbacks } : {}), ...(signal ? { signal } : {}) },
      )) as Partial<State>;
      fillFromState(record, state);
      if (judge && record.prediction.reply) {
        try {
          const { scores, usage } = await judgeReply(judge, example.dialogue, record.prediction.reply, signal ? { signal } : undefined);
          record.judge = scores;
          addUsage(record.usage, usage);
        } catch (e) {
          // The method answered; only its grading failed (an invalid judgement): kept as a failure, not an error.
          record.failures.judge = failureToRecord(e, signal ? { signal } : undefined);
        }
      }
    } catch (e) {
      if (notAResultIn(e) || signal?.aborted) return { unfinished: unfinishedOf(e, signal) };
      record.error = messageOf(e);
    }
    if (signal?.aborted) return { unfinished: unfinishedOf(undefined, signal) };
    record.latencyMs = performance.now() - t0;
    return { record };
  };
}
