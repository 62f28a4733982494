import { setting } from "../core/settings.js";
import { ClientsPerLimiter } from "./clients.js";
import { ChatOpenAI } from "@langchain/openai";
import { defaultLimits, globalLimiter, resilientFetch } from "./limits.js";
import { PACING_ALLOWANCE_MS } from "./pacing.js";
import type { ModelOptions, ResolvedModel, StructuredMethod } from "./types.js";

export const DEFAULT_OPENAI_BASE_URL = "https://api.openai.com/v1";

/**
 * One ChatOpenAI per (model, server, key, options, limiter) for the whole process: building one per node call cost
 * more than the graph engine itself (docs/bench.md). Limiters are objects, so they key a WeakMap of their own.
 */
const clients = new ClientsPerLimiter<ChatOpenAI>();

/** `openai:<name>`; `OPENAI_BASE_URL` points it at any OpenAI-compatible server. */
/** The server and key every OpenAI client of ours uses (chat, and the Batch API's files and batches). */
export function openaiConnection(): { baseURL?: string; apiKey: string } {
  const baseURL = setting("OPENAI_BASE_URL");
  const apiKey = setting("OPENAI_API_KEY") ?? (baseURL ? "not-needed" : undefined);
  if (!apiKey) {
    throw new Error(
      "OPENAI_API_KEY is not set: export it, or set OPENAI_BASE_URL to an OpenAI-compatible server, or pick another model with --model.",
    );
  }
  return { ...(baseURL ? { baseURL } : {}), apiKey };
}

export function openaiModel(name: string, options: ModelOptions): ResolvedModel {
  const { baseURL, apiKey } = openaiConnection();
  const limits = defaultLimits();
  const timeoutMs = options.timeoutMs ?? limits.timeoutMs;
  const maxRetries = options.maxRetries ?? limits.maxRetries;
  const temperature = options.temperature ?? 0;
  const limiter = options.limiter ?? globalLimiter();
  const batch = options.batch;
  const chat = clients.get(batch ?? limiter, [name, baseURL, apiKey, temperature, options.seed, timeoutMs, maxRetries], () =>
    new ChatOpenAI({
      model: name,
      apiKey,
      // Retries, the per-attempt timeout and the concurrency limit happen in this fetch (the client's documented
      // `fetch` option), where the Retry-After header is visible; the client's own retries are off so that attempts
      // are not multiplied. With --batch, the fetch hands the request to the Batch API instead (models/batch/).
      configuration: { ...(baseURL ? { baseURL } : {}), fetch: batch?.fetch ?? resilientFetch({ timeoutMs, maxRetries, limiter, provider: "openai", notices: options.notices }) },
      temperature,
      modelKwargs: options.seed === undefined ? undefined : { seed: options.seed },
      // The client's own timeout covers all of our attempts (bounded by `totalMs` in the fetch) and a wait for the
      // rate limit before them, with room for the fetch to give up first and say why; each attempt has its own
      // `timeoutMs` there. A batch may take its 24 h.
      timeout: batch ? batch.maxWaitMs : Math.max(limits.totalMs, timeoutMs) + PACING_ALLOWANCE_MS + 10_000,
      maxRetries: 0,
    }),
    options.notices,
  );
  return {
    spec: `openai:${name}`,
    provider: "openai",
    name,
    chat,
    strictSchema: true,
    structuredMethod: openaiStructuredMethod(name),
    identity: {
      provider: "openai",
      endpoint: (baseURL ?? DEFAULT_OPENAI_BASE_URL).replace(/\/+$/, ""),
      model: name,
      params: { temperature, seed: options.seed ?? null },
    },
  };
}

/**
 * JSON-schema response formats where the model has them; the older GPT-4 and GPT-3.5 models only do tool calling
 * (LangChain's own rule). `INSIDEOUT_STRUCTURED_OUTPUT` overrides, for servers that support only one mode.
 */
export function openaiStructuredMethod(name: string): StructuredMethod {
  const forced = setting("INSIDEOUT_STRUCTURED_OUTPUT");
  if (forced) return forced;
  return name.startsWith("gpt-3") || name.startsWith("gpt-4-") || name === "gpt-4" ? "functionCalling" : "responseFormat";
}
