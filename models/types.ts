import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { Semaphore } from "./limits.js";
import type { LocalEngines } from "./local/engine.js";
import type { RetryNotices } from "./retryNotice.js";

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
  /** The request limiter this model's HTTP requests share (default: the process-wide one, models/limits.ts). */
  limiter?: Semaphore;
  /** openai: only: requests go to the Batch API through this transport (eval --batch, models/batch/). */
  batch?: BatchTransport;
  /** Where its HTTP transport announces retries (default: the process's notices, models/retryNotice.ts). */
  notices?: RetryNotices;
  /** local: only: the engines its models run on (default: the process's, models/local/engine.ts). */
  engines?: LocalEngines;
}

/** A transport that answers chat-completion requests through the OpenAI Batch API (models/batch/collector.ts). */
export interface BatchTransport {
  /** The `fetch` the OpenAI client is given (its documented option). */
  fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /** How long one request may wait for its batch (the client's timeout). */
  maxWaitMs: number;
}

/** What defines a model's answers apart from the request itself: part of every LLM-cache key (models/answerKey.ts). */
export interface ModelIdentity {
  provider: string;
  /** Where answers come from: the server's base URL, or the model file for an embedded model. */
  endpoint: string;
  /** The model's name as the endpoint knows it. */
  model: string;
  /** Sampling parameters that change answers (temperature, seed, ...). */
  params: Record<string, string | number | boolean | null>;
}

export interface ProviderVariables {
  key: string;
  baseUrl: string;
}

/** One answer as the LLM cache keeps it: what the model said and what it cost when it was made. */
export interface CachedAnswer {
  text: string;
  /** The arguments of the first tool call, for answers given by tool calling. */
  toolArgs?: unknown;
  promptTokens: number;
  completionTokens: number;
}

/** The LLM cache as the structured-call layer sees it (store/answerCache.ts implements it). */
export interface AnswerCache {
  /** undefined on a miss, and for an entry that cannot be read (counted as such by the cache). */
  get(key: string): CachedAnswer | undefined;
  /** Stores an answer; a failed write throws a StorageError (core/errors.ts). */
  put(key: string, answer: CachedAnswer, model: string): void;
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
  /** What defines its answers, for the LLM cache key. */
  identity: ModelIdentity;
  /**
   * Wraps each request to `chat` at our call boundary (models/structured.ts): what a provider's client cannot take
   * itself, e.g. the request limit (Gemini's client has no fetch option), one call going first (GigaChat's token),
   * errors in the provider's own terms (Ollama).
   */
  around?: <T>(call: () => Promise<T>) => Promise<T>;
  /** The variables a user sets for this provider's key and server, named in failures (default: OpenAI's). */
  variables?: ProviderVariables;
  /** Set by the resolver an eval builds (models/factory.ts): structured calls answer from it when they can. */
  cache?: AnswerCache;
}

export type ProviderFactory = (name: string, options: ModelOptions) => ResolvedModel | Promise<ResolvedModel>;
