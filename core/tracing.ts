/**
 * LangSmith tracing for the CLI. Off unless LANGSMITH_TRACING=true (LANGSMITH_ENDPOINT can point anywhere). Dialogues
 * are personal data: `--hide-inputs` or LANGSMITH_HIDE_INPUTS=true hide both inputs and outputs of every traced run,
 * since outputs (final state, rationales, replies) echo the dialogue.
 *
 * Keys must never reach a trace. LangChain serialises keys as secrets, model servers' error bodies are masked by our
 * transport and our own errors where they are made; as a last line, the CLI's runs go through one langsmith `Client`
 * whose documented `anonymizer` masks every credential value in inputs, outputs, metadata and errors.
 */
import type { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { awaitAllCallbacks } from "@langchain/core/callbacks/promises";
import { LangChainTracer } from "@langchain/core/tracers/tracer_langchain";
import { Client } from "langsmith";
import { langsmithClientOptions } from "./langsmithErrors.js";
import { maskSecrets, secretValues } from "./secrets.js";
import { exportSetting, setting } from "./settings.js";

/** Must run before the first traced call: the tracing client reads these variables when it is created. */
export function hideTracedData(flag: boolean | undefined): void {
  if (flag || setting("LANGSMITH_HIDE_INPUTS")) {
    exportSetting("LANGSMITH_HIDE_INPUTS", "true");
    exportSetting("LANGSMITH_HIDE_OUTPUTS", "true");
  }
}

/** Tags of a run, inherited by every node and LLM call under it, so traces filter by method, model and label set. */
export function traceTags(task: string, method: string, model: string, labels: string): string[] {
  return [`task:${task}`, `method:${method}`, `model:${model}`, `labels:${labels}`];
}

/** Values with every credential value and every sk-…/lsv2_… key replaced, wherever they sit. */
export function withoutSecrets<T>(values: T, secrets: string[] = secretValues()): T {
  const text = JSON.stringify(values);
  if (text === undefined) return values;
  // Secrets are matched as they appear inside JSON strings (escaped), so the text stays valid JSON.
  return JSON.parse(maskSecrets(text, secrets.map((s) => JSON.stringify(s).slice(1, -1)))) as T;
}

let client: Client | undefined;

/**
 * The process's LangSmith client: what it sends has no keys in it, and no inputs or outputs when hidden. Also for
 * langsmith's own APIs (e.g. `evaluate({ client })`), so that every trace of the process goes the same way.
 */
export function tracingClient(): Client {
  // An anonymizer replaces the LANGSMITH_HIDE_* defaults, so hiding is passed explicitly; errors are anonymized still.
  const hidden = setting("LANGSMITH_HIDE_INPUTS");
  return (client ??= new Client({
    ...langsmithClientOptions(),
    anonymizer: (values) => withoutSecrets(values),
    ...(hidden ? { hideInputs: true, hideOutputs: true } : {}),
  }));
}

/**
 * The callbacks that trace a graph run through `tracingClient()`: `graph.stream(input, { callbacks: traceCallbacks() })`.
 * LangChain then adds no tracer of its own (it adds one only when none is there). None when tracing is off.
 */
export function traceCallbacks(): BaseCallbackHandler[] {
  return tracingEnabled() ? [new LangChainTracer({ client: tracingClient() })] : [];
}

/** Creates the tracing client now, with the hide settings just decided (call after `hideTracedData`). */
export function scrubSecretsFromTraces(): void {
  if (tracingEnabled()) tracingClient();
}

/** Sends every pending trace before the process exits; callbacks run in the background otherwise and would be lost. */
export async function flushTraces(): Promise<void> {
  if (!tracingEnabled()) return;
  await awaitAllCallbacks();
  await client?.awaitPendingTraceBatches();
  // Runs that a caller traced without traceCallbacks() went through LangChain's default client: send those too.
  const fallback = new LangChainTracer().client as Partial<Pick<Client, "awaitPendingTraceBatches">>;
  await fallback.awaitPendingTraceBatches?.();
}

/**
 * Whether LangChain will send the graphs' runs to LangSmith: the same four variables its callback manager reads
 * (@langchain/core's isTracingEnabled, which the package does not export). Tracing is opt-in; all of them are off
 * unless set to "true".
 */
const TRACING_VARIABLES = ["LANGSMITH_TRACING_V2", "LANGCHAIN_TRACING_V2", "LANGSMITH_TRACING", "LANGCHAIN_TRACING"] as const;

export function tracingEnabled(): boolean {
  return TRACING_VARIABLES.some((name) => setting(name));
}
