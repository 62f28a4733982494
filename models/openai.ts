import { ChatOpenAI, type ChatOpenAIFields } from "@langchain/openai";
import { LeanCompletions } from "./openaiCompletions.js";
import { defaultLimits, resilientFetch } from "./limits.js";
import type { ModelOptions, ResolvedModel, StructuredMethod } from "./types.js";

/**
 * One ChatOpenAI per (model, server, key, options) for the whole process: building one per node call cost more than
 * the graph engine itself (see bench/), and the shared transport limiter lives in `resilientFetch` either way.
 */
const instances = new Map<string, ChatOpenAI>();

/** `openai:<name>`; `OPENAI_BASE_URL` points it at any OpenAI-compatible server. */
export function openaiModel(name: string, options: ModelOptions): ResolvedModel {
  const baseURL = process.env.OPENAI_BASE_URL || undefined;
  const apiKey = process.env.OPENAI_API_KEY || (baseURL ? "not-needed" : undefined);
  if (!apiKey) {
    throw new Error(
      "OPENAI_API_KEY is not set: export it, or set OPENAI_BASE_URL to an OpenAI-compatible server, or pick another model with --model.",
    );
  }
  const limits = defaultLimits();
  const timeoutMs = options.timeoutMs ?? limits.timeoutMs;
  const maxRetries = options.maxRetries ?? limits.maxRetries;
  const key = JSON.stringify([name, baseURL, apiKey, options.temperature ?? 0, options.seed, timeoutMs, maxRetries]);
  let chat = instances.get(key);
  if (!chat) {
    const fields: ChatOpenAIFields = {
      model: name,
      apiKey,
      // Retries, the per-attempt timeout and the process-wide concurrency limit happen in this fetch, where the
      // Retry-After header is visible; LangChain's own retries are off so that attempts are not multiplied. It sends
      // over node:http rather than undici's fetch, which costs the client three times the CPU per request.
      configuration: { ...(baseURL ? { baseURL } : {}), fetch: resilientFetch({ timeoutMs, maxRetries }) },
      temperature: options.temperature ?? 0,
      modelKwargs: options.seed === undefined ? undefined : { seed: options.seed },
      // The SDK's timeout (streamed requests) covers all of our attempts; each has its own `timeoutMs` in the fetch.
      timeout: (maxRetries + 1) * (timeoutMs + limits.maxRetryAfterMs),
      maxRetries: 0,
    };
    // Non-streamed requests skip the OpenAI SDK (see openaiCompletions.ts).
    chat = new ChatOpenAI({ ...fields, completions: new LeanCompletions(fields) });
    instances.set(key, chat);
  }
  return { spec: `openai:${name}`, provider: "openai", name, chat, strictSchema: true, structuredMethod: openaiStructuredMethod(name) };
}

const METHODS: readonly StructuredMethod[] = ["jsonSchema", "functionCalling", "jsonMode", "responseFormat", "prompt"];

/**
 * JSON-schema response formats where the model has them; the older GPT-4 and GPT-3.5 models only do tool calling
 * (LangChain's own rule). `INSIDEOUT_STRUCTURED_OUTPUT` overrides, for servers that support only one mode.
 */
export function openaiStructuredMethod(name: string): StructuredMethod {
  const forced = process.env.INSIDEOUT_STRUCTURED_OUTPUT;
  if (forced) {
    if (!(METHODS as readonly string[]).includes(forced)) {
      throw new Error(`INSIDEOUT_STRUCTURED_OUTPUT must be one of ${METHODS.join(", ")}, not "${forced}".`);
    }
    return forced as StructuredMethod;
  }
  return name.startsWith("gpt-3") || name.startsWith("gpt-4-") || name === "gpt-4" ? "functionCalling" : "responseFormat";
}
