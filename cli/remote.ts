/**
 * Runs a method's graph on a running LangGraph server (`npm run dev`, or a deployment) through the LangGraph SDK, and
 * returns the same RunResult as a local run. The run options travel as the run's `context`, which the graphs read
 * (graphs/context.ts); the server resolves the model with its own environment (keys, OPENAI_BASE_URL).
 */
import { Client, type StreamMode } from "@langchain/langgraph-sdk";
import type { RunOptions } from "../graphs/context.js";
import { graphIdFor, type TaskName } from "../graphs/methods.js";
import type { State } from "../graphs/state.js";
import { checkedTurns } from "./turns.js";
import { runLocally, summarize, validateOptions, type ProgressListener, type RunResult } from "./run.js";

export function serverClient(url: string): Client {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new Error(`--server must be a URL such as http://127.0.0.1:2024, got "${url}".`);
  }
  // LANGSMITH_API_KEY authenticates against LangSmith deployments; a local dev server ignores it.
  return new Client({ apiUrl: parsed.href.replace(/\/$/, ""), apiKey: process.env.LANGSMITH_API_KEY || undefined });
}

/** A failed server run or an unreachable server, as one line naming the server. */
function serverError(url: string, error: unknown): Error {
  const message = error instanceof Error ? error.message : String(error);
  if (/ECONNREFUSED|fetch failed|ENOTFOUND|Failed to fetch/i.test(message)) {
    return new Error(`Cannot reach the LangGraph server at ${url}: start it with \`npm run dev\` or check --server.`);
  }
  return new Error(`The LangGraph server at ${url} failed the run: ${message}`);
}

/** `provider:model` from the LangSmith metadata that LangChain chat models put on their messages, when they do. */
function modelOfMessage(data: unknown): string | undefined {
  const metadata = Array.isArray(data) ? (data[1] as Record<string, unknown> | undefined) : undefined;
  const provider = metadata?.ls_provider;
  const name = metadata?.ls_model_name;
  return typeof provider === "string" && typeof name === "string" && provider && name ? `${provider}:${name}` : undefined;
}

export async function runRemotely(
  server: string,
  task: TaskName,
  method: string,
  dialogue: string[],
  rawOptions: Partial<RunOptions>,
  onProgress?: ProgressListener,
): Promise<RunResult> {
  const options = validateOptions(rawOptions, { task, method });
  dialogue = checkedTurns(dialogue);
  const graphId = graphIdFor(task, method);
  const client = serverClient(server);
  // The server resolves `auto` with its own environment: the model it used is read from the metadata of the agents'
  // messages, so that the result names it as a local run does.
  const auto = options.model === "auto";
  const streamMode: StreamMode[] = ["updates", "values", ...(auto ? (["messages-tuple"] as const) : [])];
  const payload = {
    input: { dialogue },
    context: options,
    metadata: { method: `${task}:${method}`, labels: options.labels, model: options.model },
    streamMode,
  };
  const started = performance.now();
  let final: Partial<State> = {};
  let used: string | undefined;
  try {
    // Stateless run (no thread), streamed: the last `values` event is the final state.
    for await (const part of client.runs.stream(null, graphId, payload)) {
      const data = part.data as Record<string, unknown>;
      if (part.event === "values") final = data as Partial<State>;
      else if (part.event === "updates") {
        if (onProgress) for (const [node, update] of Object.entries(data)) onProgress(node, (update ?? {}) as Partial<State>);
      } else if (part.event.startsWith("messages")) used ??= modelOfMessage(part.data);
      else if (part.event === "error") {
        const e = data as { error?: string; message?: string };
        throw new Error(`${e.error ?? "Error"}: ${e.message ?? JSON.stringify(data)}`);
      }
    }
  } catch (error) {
    throw serverError(server, error);
  }
  const model = auto ? (used ?? "auto (the server's default model)") : options.model;
  return summarize(task, method, { ...options, model }, dialogue, final, performance.now() - started);
}

/** The runner a command uses: the local graph, or the graph on `--server`. Same arguments, same result. */
export function runnerFor(server: string | undefined): (...args: Parameters<typeof runRemotely> extends [string, ...infer R] ? R : never) => Promise<RunResult> {
  return server ? (...args) => runRemotely(server, ...args) : runLocally;
}
