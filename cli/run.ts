/** Runs one method on one dialogue and gathers what every front end shows: opinions, answer, failures, cost. */
import type { CallRecord, Candidate, FinalEmotion, FinalReply, Opinion, State } from "../state/state.js";
import type { RunOptions, TaskName } from "../state/runOptions.js";
import { builderFor, graphIdFor } from "../graphs/methods.js";
import { defaultResolver } from "../models/factory.js";
import { withRun } from "../nodes/env.js";
import { traceCallbacks, traceTags } from "../core/tracing.js";
import type { CheckedRun } from "./options.js";
import { checkedTurns } from "./turns.js";

export interface RunResult {
  task: TaskName;
  method: string;
  graph: string;
  options: RunOptions;
  dialogue: string[];
  recognized?: Opinion;
  opinions: Record<string, Opinion>;
  candidates: Record<string, Candidate>;
  emotion?: FinalEmotion;
  reply?: FinalReply;
  failures: Record<string, string>;
  /** What the user should know about the run, e.g. that the dialogue was trimmed to fit the model's context. */
  notes: string[];
  calls: CallRecord[];
  usage: { promptTokens: number; completionTokens: number; llmCalls: number };
  latencyMs: number;
}

/** A node finished: its name and what it wrote. Front ends show agents' views as they arrive. */
export type ProgressListener = (node: string, update: Partial<State>) => void;

export function summarize(
  task: TaskName,
  method: string,
  options: RunOptions,
  dialogue: string[],
  state: Partial<State>,
  latencyMs: number,
): RunResult {
  const calls = state.calls ?? [];
  return {
    task,
    method,
    graph: graphIdFor(task, method),
    options,
    dialogue,
    recognized: state.recognized,
    opinions: state.opinions ?? {},
    candidates: state.candidates ?? {},
    emotion: state.emotion,
    reply: state.reply,
    failures: state.failures ?? {},
    notes: state.notes ?? [],
    calls,
    usage: {
      promptTokens: calls.reduce((s, c) => s + c.promptTokens, 0),
      completionTokens: calls.reduce((s, c) => s + c.completionTokens, 0),
      llmCalls: calls.reduce((s, c) => s + c.calls, 0),
    },
    latencyMs,
  };
}

export async function runLocally(run: CheckedRun, dialogue: string[], onProgress?: ProgressListener): Promise<RunResult> {
  const { task, method, labelSet } = run;
  dialogue = checkedTurns(dialogue);
  const graph = builderFor(task, method).compile();
  // The run's models, resolved once, before the graph starts: a bad name or a missing key is one clear error, not five
  // agent failures; the nodes are handed them (nodes/env.ts).
  const models = await defaultResolver.forRun(run.options);
  // The result names the model used (`auto` resolved, e.g. openai:gpt-4o-mini), in the footer and in --json.
  const options: RunOptions = { ...run.options, model: models.model.spec };
  const { context, configurable } = withRun({ options, labelSet, ...models });
  const started = performance.now();
  let final: Partial<State> = {};
  // Named and tagged for LangSmith (when LANGSMITH_TRACING=true): the graph's run carries the graph id, and the tags
  // are inherited by every node and LLM call under it.
  const graphId = graphIdFor(task, method);
  const stream = await graph.stream(
    { dialogue },
    {
      // `graph` is the union of every method's graph, so the compiler wants a context every one of them accepts (ERG's
      // has no vote); checkRun has checked these options against this very task and method.
      context: context as RunOptions & { aggregation: "llm" | "weighted" },
      streamMode: ["updates", "values"],
      callbacks: traceCallbacks(),
      // In-process: the user named these files themselves, so paths are allowed (a server run gets nothing handed in).
      configurable,
      runName: graphId,
      tags: traceTags(task, method, options.model, options.labels),
      metadata: { graph: graphId, task, method, model: options.model, labels: options.labels, aggregation: options.aggregation },
    },
  );
  for await (const [mode, chunk] of stream as AsyncIterable<[string, Record<string, unknown>]>) {
    if (mode === "values") final = chunk as Partial<State>;
    else if (onProgress) for (const [node, update] of Object.entries(chunk)) onProgress(node, (update ?? {}) as Partial<State>);
  }
  const result = summarize(task, method, options, dialogue, final, performance.now() - started);
  // Said on stderr, once, whatever the output format: a trimmed dialogue changes what the answer is based on.
  for (const note of result.notes) process.stderr.write(`insideout: note: ${note}\n`);
  return result;
}
