/**
 * Runs one example through a method's graph (and the ERG judge), with the graph compiled here or on a LangGraph
 * server (remoteExecutor.ts); storing the record is the caller's job.
 *
 * An example either finishes, as a record of what the model answered (an agent's invalid answer and the whole
 * graph's failure on the model's answers included), or stays unfinished: a failure that is not a result (the model
 * was not reached or refused the key, a file could not be written, the run was stopped) leaves no record, so the next
 * run retries it.
 */
import type { ErcRunOptions, RunOptions } from "../state/runOptions.js";
import { builderFor } from "../graphs/methods.js";
import type { State } from "../state/state.js";
import { ModelCallFailure, notAResultIn, ServerRunFailure, StorageError } from "../core/errors.js";
import { traceCallbacks } from "../core/tracing.js";
import type { RunModels } from "../models/factory.js";
import type { AnswerCache, ResolvedModel } from "../models/types.js";
import { failureToRecord, messageOf } from "../nodes/common.js";
import { withRun } from "../nodes/env.js";
import type { LabelSet } from "../taxonomy/labelSet.js";
import { goldToSet } from "../taxonomy/labelSets.js";
import type { Example } from "./data/index.js";
import { judgeReply } from "./judge.js";
import { addUsage, baseRecord, emptyUsage, fillFromState, type PredictionRecord } from "./record.js";
import { InvalidAnswerError, USAGE_SINK, type UsageSink } from "../models/structured.js";
import { type TaskName } from "../state/runOptions.js";

/** What a runner needs besides its models: plain data, as an experiment records it. */
export interface RunnerConfig {
  task: TaskName;
  method: string;
  runOptions: RunOptions;
  /** The run options' label set, read once by the plan. */
  labelSet: LabelSet;
  judgeSpec?: string;
  /** Under langsmith's evaluate(), whose run tree the graph's runs nest under; otherwise traced (if on) on their own. */
  inEvaluate?: boolean;
}

/** An eval's models, resolved once by its plan: the method's (none when a server runs the graphs) and the judge's. */
export interface EvalModels {
  run?: RunModels;
  judge?: ResolvedModel;
}

/** The same models answering from the eval's LLM cache too, which is opened after the plan resolved them. */
export function withCache(models: EvalModels, cache: AnswerCache): EvalModels {
  const { run, judge } = models;
  return {
    ...(run ? { run: { model: { ...run.model, cache }, samplingModel: async () => ({ ...(await run.samplingModel()), cache }) } } : {}),
    ...(judge ? { judge: { ...judge, cache } } : {}),
  };
}

/** Why an example has no record. */
export interface Unfinished {
  /** `model:<kind>` (core/errors.ts CallFailureKind), `server:<kind>` (core/langgraphServer.ts), `storage`, `stopped` or `other`. */
  kind: string;
  message: string;
  /** Going on cannot help: the eval stops at once. */
  stopsRun: boolean;
}

export type Outcome = { record: PredictionRecord } | { unfinished: Unfinished };

export type ExampleRunner = (example: Example, signal?: AbortSignal) => Promise<Outcome>;

/**
 * One run of the method's graph on an example's dialogue, to its final state. It throws a NotAResult for a failure
 * that is not a result, and any other error for the graph's failure on the model's answers (recorded).
 */
export type GraphRun = (example: Example, signal?: AbortSignal, sink?: UsageSink) => Promise<Partial<State>>;

function missing(what: string): never {
  throw new Error(`The eval's plan resolved no model for ${what}.`);
}

export function unfinishedOf(error: unknown, signal?: AbortSignal): Unfinished {
  const e = notAResultIn(error);
  if (e instanceof ModelCallFailure) return { kind: `model:${e.kind}`, message: messageOf(e), stopsRun: e.stopsRun };
  if (e instanceof StorageError) return { kind: "storage", message: messageOf(e), stopsRun: true };
  if (e instanceof ServerRunFailure) return { kind: `server:${e.kind}`, message: messageOf(e), stopsRun: e.stopsRun };
  if (signal?.aborted) return { kind: "stopped", message: "stopped before it finished", stopsRun: false };
  return { kind: "other", message: messageOf(e ?? error), stopsRun: e?.stopsRun ?? false };
}

/** What a graph is given for an example, here or on a server: the dialogue, and its speakers when it names them. */
export function graphInput(example: Example): Pick<State, "dialogue" | "question"> & { speakers?: string[] } {
  if (example.benchmark) return { question: example.benchmark.question };
  return { dialogue: example.dialogue, ...(example.speakers ? { speakers: example.speakers } : {}) };
}

/** The method's graph compiled in this thread, handed the run's models (the same for every example) and its label set. */
function localGraph(c: RunnerConfig, models: RunModels): GraphRun {
  const graph = builderFor(c.task, c.method).compile();
  const { context, configurable } = withRun({ options: c.runOptions, labelSet: c.labelSet, ...models });
  const callbacks = c.inEvaluate ? [] : traceCallbacks();
  return async (example, signal, sink) =>
    (await graph.invoke(
      graphInput(example),
      // An empty callbacks list would replace the handlers of langsmith's evaluate() run tree: given only when it has some.
      // Typed as ERC's builder (graphs/methods.ts MethodBuilder), whose context has no EQ-Bench aggregation; the graph's
      // own context schema checks the options.
      { context: context as ErcRunOptions, configurable: { ...configurable, ...(sink ? { [USAGE_SINK]: sink } : {}) }, signal, ...(callbacks.length ? { callbacks } : {}) },
    )) as Partial<State>;
}

/** `runGraph`: where the graph runs (default: here, on `models.run`). The judge, if any, runs here. */
export function exampleRunner(c: RunnerConfig, models: EvalModels, runGraph?: GraphRun): ExampleRunner {
  const { labelSet } = c;
  const run = runGraph ?? localGraph(c, models.run ?? missing("the method's models"));
  // Here every call of the graph reports its usage, so that an example whose graph failed still counts what its
  // calls cost; a server's run reports it in its final state (`calls`), checked (core/serverAnswer.ts).
  const metered = runGraph === undefined;
  const judge = c.judgeSpec ? (models.judge ?? missing("the judge")) : undefined;
  return async (example, signal) => {
    const record = baseRecord(c.task, c.method, example, goldToSet(labelSet, example.emotion) ?? null);
    const t0 = performance.now();
    const spent = emptyUsage();
    const sink: UsageSink = (u) => addUsage(spent, u);
    try {
      fillFromState(record, await run(example, signal, sink));
      if (metered) record.usage = { ...spent };
      if (judge && record.prediction.reply) {
        try {
          const { scores, usage } = await judgeReply(judge, example.dialogue, record.prediction.reply, { signal });
          record.judge = scores;
          addUsage(record.usage, usage);
        } catch (e) {
          // The method answered; only its grading failed (an invalid judgement): kept as a failure, not an error.
          record.failures.judge = failureToRecord(e, { signal });
          if (e instanceof InvalidAnswerError) addUsage(record.usage, e.usage);
        }
      }
    } catch (e) {
      if (notAResultIn(e) || signal?.aborted) return { unfinished: unfinishedOf(e, signal) };
      record.error = messageOf(e);
      if (metered) record.usage = { ...spent };
    }
    if (signal?.aborted) return { unfinished: unfinishedOf(undefined, signal) };
    record.latencyMs = performance.now() - t0;
    return { record };
  };
}
