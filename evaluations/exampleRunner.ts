/**
 * Runs one example through a method's graph (and the ERG judge) into a PredictionRecord. The same code runs in the
 * eval's own thread or in its worker threads (evaluations/workerPool.ts); storing the record is the caller's job.
 */
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import type { RunOptions } from "../graphs/context.js";
import { builderFor, type TaskName } from "../graphs/methods.js";
import type { State } from "../graphs/state.js";
import { resolveModel } from "../models/factory.js";
import { messageOf } from "../nodes/common.js";
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
  /** Keep the caller's LangSmith run tree in scope, so the graph's runs nest under evaluate()'s (with --langsmith). */
  traced: boolean;
}

export type ExampleRunner = (example: Example) => Promise<PredictionRecord>;

export async function exampleRunner(c: RunnerConfig): Promise<ExampleRunner> {
  const labelSet = loadLabelSet(c.labels);
  const graph = builderFor(c.task, c.method).compile();
  const judge = c.judgeSpec ? await resolveModel(c.judgeSpec, { temperature: 0 }) : undefined;
  return async (example) => {
    const record = baseRecord(c.task, c.method, example, goldToSet(labelSet, example.emotion) ?? null);
    const t0 = performance.now();
    try {
      const invoke = () => graph.invoke({ dialogue: example.dialogue }, { context: c.runOptions }) as Promise<Partial<State>>;
      // Offline, nothing reads the traces; leaving evaluate()'s run tree in scope would make LangChain build a
      // LangSmith run tree for every node and LLM call (profiled: most of the CPU time, ~12 examples/s at C=32).
      const state = c.traced ? await invoke() : await AsyncLocalStorageProviderSingleton.getInstance().run(undefined, invoke);
      fillFromState(record, state);
      if (judge && record.prediction.reply) {
        try {
          const { scores, usage } = await judgeReply(judge, example.dialogue, record.prediction.reply);
          record.judge = scores;
          addUsage(record.usage, usage);
        } catch (e) {
          // The method answered; only its grading failed. Kept as a failure, not an error of the method.
          record.failures.judge = messageOf(e);
        }
      }
    } catch (e) {
      record.error = messageOf(e);
    }
    record.latencyMs = performance.now() - t0;
    return record;
  };
}
