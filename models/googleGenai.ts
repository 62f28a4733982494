/**
 * `google-genai:<model>` (Gemini) through @langchain/google-genai: GOOGLE_API_KEY (or GEMINI_API_KEY), and
 * GOOGLE_GEMINI_BASE_URL for a proxy or a compatible server (the client's `baseUrl`). Structured output is Gemini's
 * own JSON schema (`responseMimeType: application/json` with a `responseSchema`), which the API enforces. The Google
 * SDK takes no `fetch`, so retries are LangChain's (429, 5xx, dropped connections) and the request limit is applied
 * around each call here.
 */
import { setting } from "../core/settings.js";
import { ClientsPerLimiter } from "./clients.js";
import { ChatGoogleGenerativeAI } from "@langchain/google-genai";
import { defaultLimits, globalLimiter, limited } from "./limits.js";
import type { ModelOptions, ResolvedModel } from "./types.js";

const clients = new ClientsPerLimiter<ChatGoogleGenerativeAI>();

export function googleGenaiModel(name: string, options: ModelOptions): ResolvedModel {
  const apiKey = setting("GOOGLE_API_KEY");
  if (!apiKey) {
    throw new Error("GOOGLE_API_KEY is not set: export it (and GOOGLE_GEMINI_BASE_URL for a compatible server), or pick another model with --model.");
  }
  const baseUrl = setting("GOOGLE_GEMINI_BASE_URL").replace(/\/+$/, "");
  const maxRetries = options.maxRetries ?? defaultLimits().maxRetries;
  const temperature = options.temperature ?? 0;
  const limiter = options.limiter ?? globalLimiter();
  const chat = clients.get(limiter, [name, baseUrl, apiKey, temperature, maxRetries], () =>
    new ChatGoogleGenerativeAI({ model: name, apiKey, baseUrl, temperature, maxRetries }),
  );
  return {
    spec: `google-genai:${name}`,
    provider: "google-genai",
    name,
    chat,
    structuredMethod: "jsonSchema",
    around: (call) => limited(limiter, call),
    variables: { key: "GOOGLE_API_KEY", baseUrl: "GOOGLE_GEMINI_BASE_URL" },
    identity: { provider: "google-genai", endpoint: baseUrl, model: name, params: { temperature } },
  };
}
