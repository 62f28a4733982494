/**
 * `anthropic:<model>` through @langchain/anthropic: ANTHROPIC_API_KEY, and ANTHROPIC_BASE_URL for a proxy or a
 * compatible server. Structured output is Anthropic's tool use (a forced `tool_choice`), which every Claude model has.
 * The Anthropic SDK takes our `fetch` (its documented option), so retries, timeouts, the request limit and answer caps
 * are the same as OpenAI's (models/limits.ts).
 */
import { setting } from "../core/settings.js";
import { ClientsPerLimiter } from "./clients.js";
import { ChatAnthropic } from "@langchain/anthropic";
import { defaultLimits, globalLimiter, resilientFetch } from "./limits.js";
import type { ModelOptions, ResolvedModel } from "./types.js";

/** Answers are a label and a sentence or two; Anthropic requires a cap on every request. */
const MAX_TOKENS = 1024;

const clients = new ClientsPerLimiter<ChatAnthropic>();

export function anthropicModel(name: string, options: ModelOptions): ResolvedModel {
  const apiKey = setting("ANTHROPIC_API_KEY");
  if (!apiKey) {
    throw new Error("ANTHROPIC_API_KEY is not set: export it (and ANTHROPIC_BASE_URL for a compatible server), or pick another model with --model.");
  }
  const baseURL = setting("ANTHROPIC_BASE_URL").replace(/\/+$/, "");
  const limits = defaultLimits();
  const timeoutMs = options.timeoutMs ?? limits.timeoutMs;
  const maxRetries = options.maxRetries ?? limits.maxRetries;
  const temperature = options.temperature ?? 0;
  const limiter = options.limiter ?? globalLimiter();
  const chat = clients.get(limiter, [name, baseURL, apiKey, temperature, timeoutMs, maxRetries], () =>
    new ChatAnthropic({
      model: name,
      apiKey,
      anthropicApiUrl: baseURL,
      temperature,
      maxTokens: MAX_TOKENS,
      // As for OpenAI: our fetch retries and times each attempt; the SDK's and LangChain's own retries are off.
      clientOptions: {
        fetch: resilientFetch({ timeoutMs, maxRetries, limiter, provider: "anthropic", notices: options.notices }),
        timeout: Math.max(limits.totalMs, timeoutMs) + 10_000,
      },
      maxRetries: 0,
    }),
    options.notices,
  );
  return {
    spec: `anthropic:${name}`,
    provider: "anthropic",
    name,
    chat,
    structuredMethod: "functionCalling",
    variables: { key: "ANTHROPIC_API_KEY", baseUrl: "ANTHROPIC_BASE_URL" },
    identity: { provider: "anthropic", endpoint: baseURL, model: name, params: { temperature } },
  };
}
