import type { BaseChatModel } from "@langchain/core/language_models/chat_models";

/**
 * How a provider is asked for structured output: `jsonSchema`, `functionCalling` and `jsonMode` go through
 * LangChain's `withStructuredOutput`; `responseFormat` sends OpenAI's `response_format: json_schema` and parses the
 * text itself; `prompt` puts the JSON schema in the prompt and parses the text.
 */
export type StructuredMethod = "jsonSchema" | "functionCalling" | "jsonMode" | "responseFormat" | "prompt";

export interface ModelOptions {
  temperature?: number;
  seed?: number;
  /** Per-call timeout in milliseconds. */
  timeoutMs?: number;
  /** Transport-level retries (HTTP 429/5xx, timeouts, dropped connections, malformed bodies) after the first attempt. */
  maxRetries?: number;
}

export interface ResolvedModel {
  /** The `provider:model` string, as the user gave it (after defaults). */
  spec: string;
  provider: string;
  name: string;
  chat: BaseChatModel;
  /** undefined: let the provider's LangChain class choose its default method. */
  structuredMethod?: StructuredMethod;
  /** Ask for strict schema adherence (OpenAI's `strict: true`). */
  strictSchema?: boolean;
  /** The model's context window in tokens, when the provider knows it; long dialogues are trimmed to fit. */
  contextTokens?: number;
}

export type ProviderFactory = (name: string, options: ModelOptions) => ResolvedModel | Promise<ResolvedModel>;
