/**
 * Runs a method's graph on a running LangGraph server (`npm run dev`, or a deployment) through the LangGraph SDK, and
 * returns the same RunResult as a local run. The run options travel as the run's `context`, which the graphs read
 * (graphs/context.ts); the server resolves the model with its own environment (keys, OPENAI_BASE_URL).
 */
import { Client } from "@langchain/langgraph-sdk";
import type { RunOptions } from "../graphs/context.js";
import { graphIdFor, type TaskName } from "../graphs/methods.js";
import type { State } from "../graphs/state.js";
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

export async function runRemotely(
  server: string,
  task: TaskName,
  method: string,
  dialogue: string[],
  rawOptions: Partial<RunOptions>,
  onProgress?: ProgressListener,
): Promise<RunResult> {
  const options = validateOptions(rawOptions, { task, method });
  const graphId = graphIdFor(task, method);
  const client = serverClient(server);
  const payload = {
    input: { dialogue },
    context: options,
    metadata: { method: `${task}:${method}`, labels: options.labels, model: options.model },
  };
  const started = performance.now();
  let final: Partial<State> = {};
  try {
    if (!onProgress) {
      // Stateless run (no thread): the server answers with the final state.
      final = (await client.runs.wait(null, graphId, payload)) as Partial<State>;
    } else {
      const stream = client.runs.stream(null, graphId, { ...payload, streamMode: ["updates", "values"] });
      for await (const part of stream) {
        const data = part.data as Record<string, unknown>;
        if (part.event === "values") final = data as Partial<State>;
        else if (part.event === "updates") {
          for (const [node, update] of Object.entries(data)) onProgress(node, (update ?? {}) as Partial<State>);
        } else if (part.event === "error") {
          const e = data as { error?: string; message?: string };
          throw new Error(`${e.error ?? "Error"}: ${e.message ?? JSON.stringify(data)}`);
        }
      }
    }
  } catch (error) {
    throw serverError(server, error);
  }
  return summarize(task, method, options, dialogue, final, performance.now() - started);
}

/** The runner a command uses: the local graph, or the graph on `--server`. Same arguments, same result. */
export function runnerFor(server: string | undefined): (...args: Parameters<typeof runRemotely> extends [string, ...infer R] ? R : never) => Promise<RunResult> {
  return server ? (...args) => runRemotely(server, ...args) : runLocally;
}
