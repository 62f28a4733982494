/**
 * LangSmith tracing for the CLI. Off unless LANGSMITH_TRACING=true (LangChain then attaches its tracer to every run;
 * LANGSMITH_ENDPOINT can point anywhere). Dialogues are personal data: `--hide-inputs` or LANGSMITH_HIDE_INPUTS=true
 * hide both inputs and outputs of every traced run, since outputs (final state, rationales, replies) echo the dialogue.
 */
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { LangChainTracer } from "@langchain/core/tracers/tracer_langchain";
import type { Client } from "langsmith";
import { tracingEnabled } from "../graphs/tracing.js";
import { maskSecrets, secretValues } from "../core/secrets.js";

/**
 * Must run before the first traced call: the langsmith client reads these variables when LangChain creates it.
 */
export function hideTracedData(flag: boolean | undefined): void {
  if (flag || process.env.LANGSMITH_HIDE_INPUTS === "true") {
    process.env.LANGSMITH_HIDE_INPUTS = "true";
    process.env.LANGSMITH_HIDE_OUTPUTS = "true";
  }
}

/** Tags of a run, inherited by every node and LLM call under it, so traces filter by method, model and label set. */
export function traceTags(task: string, method: string, model: string, labels: string): string[] {
  return [`task:${task}`, `method:${method}`, `model:${model}`, `labels:${labels}`];
}

/** Sends every pending trace before the process exits; callbacks run in the background otherwise and would be lost. */
export async function flushTraces(): Promise<void> {
  if (!tracingEnabled()) return;
  await awaitAllCallbacks();
  // A tracer without a client uses LangChain's process-wide default client: the one that holds the pending batches.
  const client = new LangChainTracer().client as Partial<Pick<Client, "awaitPendingTraceBatches">>;
  await client.awaitPendingTraceBatches?.();
}

/** A run with every credential value and every sk-… key replaced, wherever it sits (errors echo server messages). */
function scrub<T>(run: T, secrets: string[]): T {
  const text = JSON.stringify(run);
  if (text === undefined) return run;
  // Secrets are matched as they appear inside JSON strings (escaped), so the text stays valid JSON.
  return JSON.parse(maskSecrets(text, secrets.map((s) => JSON.stringify(s).slice(1, -1)))) as T;
}

/**
 * API keys must never reach a trace. LangChain serialises keys as secrets already, but an error message from a model
 * server can quote the key it rejected, and errors are traced verbatim: scrub every run on its way to LangSmith.
 */
export function scrubSecretsFromTraces(): void {
  if (!tracingEnabled()) return;
  const client = new LangChainTracer().client as Pick<Client, "createRun" | "updateRun">;
  const secrets = secretValues();
  const createRun = client.createRun.bind(client);
  const updateRun = client.updateRun.bind(client);
  client.createRun = (run, options) => createRun(scrub(run, secrets), options);
  client.updateRun = (id, run, options) => updateRun(id, scrub(run, secrets), options);
}
