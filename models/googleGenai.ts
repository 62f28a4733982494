/**
 * `google-genai:<model>` (Gemini) through @langchain/google-genai: GOOGLE_API_KEY (or GEMINI_API_KEY), and
 * GOOGLE_GEMINI_BASE_URL for a proxy or a compatible server (the client's `baseUrl`). Structured output is Gemini's
 * own JSON schema (`responseMimeType: application/json` with a `responseSchema`), which the API enforces. The Google
 * SDK takes no `fetch`, so retries are LangChain's (429, 5xx, dropped connections) and the request limit is applied
 * around each call here.
 */
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import type { BaseMessage } from "@langchain/core/messages";
import type { ChatGenerationChunk, ChatResult } from "@langchain/core/outputs";
import { ChatGoogleGenerativeAI, type GoogleGenerativeAIChatInput } from "@langchain/google-genai";
import { defaultLimits, globalLimiter, type Semaphore } from "./limits.js";
import type { ModelOptions, ResolvedModel } from "./types.js";

export const DEFAULT_GOOGLE_GENAI_BASE_URL = "https://generativelanguage.googleapis.com";

/** Gemini whose requests share a limiter with every other model of the run. */
export class InsideOutChatGoogleGenerativeAI extends ChatGoogleGenerativeAI {
  constructor(
    fields: GoogleGenerativeAIChatInput,
    private readonly limiter: Semaphore,
  ) {
    super(fields);
  }

  override async _generate(messages: BaseMessage[], options: this["ParsedCallOptions"], runManager?: CallbackManagerForLLMRun): Promise<ChatResult> {
    const release = await this.limiter.acquire();
    try {
      return await super._generate(messages, options, runManager);
    } finally {
      release();
    }
  }

  override async *_streamResponseChunks(
    messages: BaseMessage[],
    options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): AsyncGenerator<ChatGenerationChunk> {
    const release = await this.limiter.acquire();
    try {
      yield* super._streamResponseChunks(messages, options, runManager);
    } finally {
      release();
    }
  }
}

const instances = new WeakMap<Semaphore, Map<string, InsideOutChatGoogleGenerativeAI>>();

export function googleGenaiModel(name: string, options: ModelOptions): ResolvedModel {
  const apiKey = process.env.GOOGLE_API_KEY || process.env.GEMINI_API_KEY || undefined;
  if (!apiKey) {
    throw new Error("GOOGLE_API_KEY is not set: export it (and GOOGLE_GEMINI_BASE_URL for a compatible server), or pick another model with --model.");
  }
  const baseUrl = (process.env.GOOGLE_GEMINI_BASE_URL || DEFAULT_GOOGLE_GENAI_BASE_URL).replace(/\/+$/, "");
  const maxRetries = options.maxRetries ?? defaultLimits().maxRetries;
  const temperature = options.temperature ?? 0;
  const limiter = options.limiter ?? globalLimiter();
  const key = JSON.stringify([name, baseUrl, apiKey, temperature, maxRetries]);
  let byKey = instances.get(limiter);
  if (!byKey) instances.set(limiter, (byKey = new Map()));
  let chat = byKey.get(key);
  if (!chat) {
    chat = new InsideOutChatGoogleGenerativeAI({ model: name, apiKey, baseUrl, temperature, maxRetries }, limiter);
    byKey.set(key, chat);
  }
  return {
    spec: `google-genai:${name}`,
    provider: "google-genai",
    name,
    chat,
    structuredMethod: "jsonSchema",
    variables: { key: "GOOGLE_API_KEY", baseUrl: "GOOGLE_GEMINI_BASE_URL" },
    identity: { provider: "google-genai", endpoint: baseUrl, model: name, params: { temperature } },
  };
}
