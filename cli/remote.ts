/**
 * Runs a method's graph on a running LangGraph server (`npm run dev`, or a deployment) through the LangGraph SDK, and
 * returns the same RunResult as a local run. The run options travel as the run's `context`, which the graphs read
 * (state/runOptions.ts); the server resolves the model with its own environment (keys, OPENAI_BASE_URL).
 */
import type { StreamMode } from "@langchain/langgraph-sdk";
import { ServerRunFailure } from "../core/errors.js";
import { voicesOf } from "../graphs/fanout.js";
import { graphIdFor } from "../graphs/methods.js";
import type { State } from "../state/state.js";
import { checkedTurns } from "./turns.js";
import { builtinLabelSet } from "../taxonomy/labelSets.js";
import type { CheckedRun } from "./options.js";
import { summarize, type ProgressListener, type RunResult } from "./run.js";

/** A failed server run as one line naming the server (the graph's own failures, too, as the server's). */
function serverError(url: string, error: unknown): Error {
  if (error instanceof ServerRunFailure) return new Error(error.message);
  const e = error instanceof Error ? error : new Error(String(error));
  return new Error(`The LangGraph server at ${url} failed the run: ${e.name}: ${e.message}`);
}

/** `provider:model` from the LangSmith metadata that LangChain chat models put on their messages, when they do. */
function modelOfMessage(data: unknown): string | undefined {
  const metadata = Array.isArray(data) ? (data[1] as Record<string, unknown> | undefined) : undefined;
  const provider = metadata?.ls_provider;
  const name = metadata?.ls_model_name;
  return typeof provider === "string" && typeof name === "string" && provider && name ? `${provider}:${name}` : undefined;
}

export async function runRemotely(server: string, run: CheckedRun, dialogue: string[], onProgress?: ProgressListener): Promise<RunResult> {
  const { task, method, options } = run;
  dialogue = checkedTurns(dialogue);
  const graphId = graphIdFor(task, method);
  // The LangGraph SDK is loaded only for runs on a server: a local run does not pay for it at start-up.
  const { runOnServer, serverClient } = await import("../core/langgraphServer.js");
  const client = serverClient(server);
  // The server resolves `auto` with its own environment: the model it used is read from the metadata of the agents'
  // messages, so that the result names it as a local run does.
  const auto = options.model === "auto";
  const streamMode: StreamMode[] = ["updates", "values", ...(auto ? (["messages-tuple"] as const) : [])];
  const started = performance.now();
  let used: string | undefined;
  let final: Partial<State>;
  try {
    final = (await runOnServer(client, server, {
      graphId,
      input: { dialogue },
      // A label file is the server's, by name: only a built-in set is known here.
      expected: {
        task,
        ...(builtinLabelSet(options.labels) ? { labels: builtinLabelSet(options.labels)!.labels } : {}),
        voices: voicesOf(method, options),
        aggregation: options.aggregation,
      },
      context: options,
      metadata: { method: `${task}:${method}`, labels: options.labels, model: options.model },
      streamMode,
      onEvent: (event, data) => {
        if (event === "updates") {
          if (onProgress) for (const [node, update] of Object.entries(data as Record<string, unknown>)) onProgress(node, (update ?? {}) as Partial<State>);
        } else if (event.startsWith("messages")) used ??= modelOfMessage(data);
      },
    })) as Partial<State>;
  } catch (error) {
    throw serverError(server, error);
  }
  const model = auto ? (used ?? "auto (the server's default model)") : options.model;
  return summarize(task, method, { ...options, model }, dialogue, final, performance.now() - started);
}
