/** Runs one method on one dialogue and gathers what every front end shows: opinions, answer, failures, cost. */
import type { CallRecord, Candidate, FinalEmotion, FinalReply, Opinion, State } from "../state/state.js";
import { RunOptions } from "../state/runOptions.js";
import { builderFor, checkMethodOptions, graphIdFor } from "../graphs/methods.js";
import { defaultResolver, resolveModel } from "../models/factory.js";
import { withModels } from "../nodes/env.js";
import { loadLabelSet } from "../taxonomy/labelSets.js";
import { traceCallbacks, traceTags } from "../core/tracing.js";
import { checkedTurns } from "./turns.js";
import { type TaskName } from "../state/runOptions.js";

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

/**
 * The run options, checked: their types and ranges, the label set (read and checked: taxonomy/labelSets.ts), and,
 * given the task and method, whether the method can run with them (graphs/methods.ts). Nothing here calls a model,
 * so every command runs it before the first call.
 */
export function validateOptions(raw: Partial<RunOptions>, run?: { task: TaskName; method: string }): RunOptions {
  const parsed = RunOptions.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // `agents.1` means the second listed agent: name it, since that is what the user typed.
    const [key, index] = issue?.path ?? [];
    const list = (raw as Record<string, unknown>)[String(key)];
    const value = typeof index === "number" && Array.isArray(list) ? ` ("${String(list[index])}")` : "";
    const flag = String(key).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    throw new Error(`Invalid option --${flag}${value}: ${issue?.message}`);
  }
  loadLabelSet(parsed.data.labels);
  if (run) checkMethodOptions(run.task, run.method, parsed.data);
  return parsed.data;
}

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

export async function runLocally(
  task: TaskName,
  method: string,
  dialogue: string[],
  rawOptions: Partial<RunOptions>,
  onProgress?: ProgressListener,
): Promise<RunResult> {
  const checked = validateOptions(rawOptions, { task, method });
  dialogue = checkedTurns(dialogue);
  const graph = builderFor(task, method).compile();
  // Resolve the model once up front so a bad name or a missing key is one clear error, not five agent failures.
  const model = await resolveModel(checked.model, { temperature: checked.temperature });
  // The result names the model used (`auto` resolved, e.g. openai:gpt-4o-mini), in the footer and in --json.
  const options: RunOptions = { ...checked, model: model.spec };
  const started = performance.now();
  let final: Partial<State> = {};
  // Named and tagged for LangSmith (when LANGSMITH_TRACING=true): the graph's run carries the graph id, and the tags
  // are inherited by every node and LLM call under it.
  const graphId = graphIdFor(task, method);
  const stream = await graph.stream(
    { dialogue },
    {
      // `graph` is the union of every method's graph, so the compiler wants a context every one of them accepts (ERG's
      // has no vote); validateOptions has checked these options against this very task and method.
      context: options as RunOptions & { aggregation: "llm" | "weighted" },
      streamMode: ["updates", "values"],
      callbacks: traceCallbacks(),
      // In-process: the user named these files themselves, so paths are allowed (a server run gets no resolver).
      configurable: withModels(defaultResolver),
      runName: graphId,
      tags: traceTags(task, method, model.spec, options.labels),
      metadata: { graph: graphId, task, method, model: model.spec, labels: options.labels, aggregation: options.aggregation },
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
