/**
 * `eval --server URL`: the examples' graphs run on a LangGraph server (`npm run dev`, `langgraphjs up`, a LangSmith
 * deployment) instead of in this process; everything else is the local eval's (plan, experiment store and resume, the
 * queue and its concurrency, records, metrics, reports). One stateless streamed run per example
 * (core/langgraphServer.ts), with the run options as its `context` as `recognize --server` sends them; its final state
 * becomes the same record as a local run's, token counts included (the graphs return every call's usage in `calls`).
 *
 * What differs: the server resolves the model by name with its own keys and environment (the key stays there), and
 * may read files only by name from its allowed folders (core/access.ts); its model calls do not go through this
 * process's LLM cache (its own caching, if any, is its business). The ERG judge is the eval's, not the method's: it
 * runs here, through the local cache, with the judge model's key here.
 */
import { checkServer, runOnServer, serverClient, serverUrl } from "../core/langgraphServer.js";
import type { ExpectedAnswer } from "../core/serverAnswer.js";
import { isBenchmarkTask } from "../state/runOptions.js";
import { graphIdFor } from "../graphs/methods.js";
import type { State } from "../state/state.js";
import { voicesOf } from "../graphs/fanout.js";
import { providerOf } from "../models/factory.js";
import { BUILTIN_LABEL_SETS, builtinLabelSet } from "../taxonomy/labelSets.js";
import { exampleRunner, graphInput, type EvalModels, type ExampleRunner, type GraphRun, type RunnerConfig } from "./exampleRunner.js";
import type { EvalOptions } from "./options.js";

/**
 * The options of an eval on `server`, checked before anything is read or asked: what cannot apply when the graphs run
 * elsewhere is refused with one line. Returns the server's URL as the experiment records it.
 */
export function checkServerOptions(server: string, o: EvalOptions, labels: string): string {
  const url = serverUrl(server);
  if (o.batch) {
    throw new Error("--batch cannot be used with --server: the server makes the model calls, one run at a time; use one or the other.");
  }
  if (o.rpm !== undefined || o.tpm !== undefined) {
    throw new Error("--rpm and --tpm cannot be used with --server: the server makes the model calls and paces them itself; use --concurrency for the runs in flight.");
  }
  if (o.langsmith) {
    throw new Error("--langsmith cannot be used with --server: the graphs' runs are traced on the server (set LANGSMITH_TRACING there).");
  }
  const model = o.options?.model;
  if (!model || model === "auto") {
    throw new Error("--server needs --model provider:model: `auto` would be resolved by the server's environment, which the experiment could not record.");
  }
  const { name, can } = providerOf(model);
  if (can.local && /[\\/]/.test(name)) {
    throw new Error(`--model ${model}: a server loads local models only by file name from its INSIDEOUT_MODELS_DIR (docs/studio.md), not by path.`);
  }
  if (!builtinLabelSet(labels)) {
    throw new Error(`--labels ${labels}: with --server use a built-in label set (${Object.keys(BUILTIN_LABEL_SETS).join(", ")}); the server reads no label-set file of this machine.`);
  }
  return url;
}

/** Before the experiment is opened: the server answers and serves the method's graph (one line otherwise). */
export async function reachServer(server: string, runner: Pick<RunnerConfig, "task" | "method">): Promise<void> {
  await checkServer(serverClient(server), server, [graphIdFor(runner.task, runner.method)]);
}

export interface RemoteExecutorConfig {
  server: string;
  runner: RunnerConfig;
  /** Examples in flight at once: one server run each. */
  concurrency: number;
  /** The judge's, which runs here (the server resolves the method's model itself). */
  models: EvalModels;
}

export async function startRemoteExecutor(c: RemoteExecutorConfig): Promise<ExampleRunner> {
  const client = serverClient(c.server, { concurrency: c.concurrency });
  const graphId = graphIdFor(c.runner.task, c.runner.method);
  const o = c.runner.runOptions;
  const expected: ExpectedAnswer = isBenchmarkTask(c.runner.task)
    ? { task: "benchmark" }
    : { task: c.runner.task, labels: c.runner.labelSet.labels, voices: voicesOf(c.runner.method, o), aggregation: o.aggregation };
  const runGraph: GraphRun = async (example, signal) =>
    (await runOnServer(client, c.server, {
      graphId,
      input: graphInput(example),
      expected,
      context: c.runner.runOptions,
      // What the server's run list shows: the eval and the example, never its dialogue.
      metadata: { method: `${c.runner.task}:${c.runner.method}`, labels: c.runner.runOptions.labels, model: c.runner.runOptions.model, example: example.id },
      ...(signal ? { signal } : {}),
    })) as Partial<State>;
  return exampleRunner(c.runner, c.models, runGraph);
}
