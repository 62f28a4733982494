/**
 * The LLM-cache key of one request, built from our own typed request: what defines an answer is the model's identity
 * (provider, endpoint, model, sampling parameters), how it is asked (structured-output method, strictness, schema)
 * and the messages. Nothing is read back from a library's own cache key, so another server, another model or another
 * temperature never reuses an answer, and transport settings (timeouts, retries, keys) never split the cache.
 */
import { createHash } from "node:crypto";
import type { BaseMessage } from "@langchain/core/messages";
import type { ModelIdentity, StructuredMethod } from "./types.js";

export interface AnswerRequest {
  identity: ModelIdentity;
  /** undefined for a plain-text call. */
  method?: StructuredMethod | "default";
  strict?: boolean;
  schemaName?: string;
  /** The JSON schema sent (or put in the prompt); undefined for a plain-text call. */
  schema?: Record<string, unknown>;
  messages: readonly BaseMessage[];
  /**
   * Which of several deliberate samples of the same request this is (self-consistency: 1 … k). k identical requests at
   * a temperature above 0 are k answers, not one: each has its own key, so a re-run replays the same k answers.
   * Absent for every other call, whose keys are as they always were.
   */
  sample?: number;
}

const KEY_VERSION = 1;

/** JSON with object keys sorted, so equal requests always give the same text. */
export function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

export function answerKey(r: AnswerRequest): string {
  const framed = {
    v: KEY_VERSION,
    provider: r.identity.provider,
    endpoint: r.identity.endpoint,
    model: r.identity.model,
    params: r.identity.params,
    method: r.method ?? null,
    strict: r.strict ?? false,
    schemaName: r.schemaName ?? null,
    schema: r.schema ?? null,
    messages: r.messages.map((m) => [m.getType(), m.content]),
    ...(r.sample !== undefined ? { sample: r.sample } : {}),
  };
  return createHash("sha256").update(stableJson(framed)).digest("hex");
}
