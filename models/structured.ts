/**
 * One structured LLM call: ask in the provider's way, validate with zod, and on an invalid answer retry once with the
 * validation error shown to the model. Returns what tracing and cost accounting need (tokens, attempts, latency).
 */
import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { z } from "zod";
import { askOnce, textOf } from "./ask.js";
import type { ResolvedModel } from "./types.js";

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  /** LLM requests made, retries included. */
  calls: number;
  latencyMs: number;
}

export interface CallOptions<T> {
  /** Trace name of the call, e.g. `agent:fear`. */
  runName: string;
  /** Fixes up a parsed answer before validation, e.g. "Joyful." → "joyful". */
  repair?: (value: unknown) => unknown;
  /** Attempts in all, the first included. */
  maxAttempts?: number;
  config?: RunnableConfig;
  schemaName?: string;
  /** Extra semantic check after zod; return an error message to reject. */
  check?: (value: T) => string | undefined;
}

export class InvalidAnswerError extends Error {
  constructor(
    message: string,
    readonly usage: Usage,
  ) {
    super(message);
    this.name = "InvalidAnswerError";
  }
}

/**
 * Tokens of an answer. On an LLM-cache hit LangChain zeroes `usage_metadata`; store/cache.ts keeps what the answer
 * cost when it was made, and we report that, so an experiment's cost does not depend on how much of it was resumed
 * from the cache (the cache's own hit counts say what was actually spent).
 */
function tokensOf(message: BaseMessage | undefined): { prompt: number; completion: number } {
  const cached = (message?.response_metadata as { insideout_cache?: { usage_metadata?: AIMessage["usage_metadata"] } } | undefined)
    ?.insideout_cache?.usage_metadata;
  const u = cached ?? (message as AIMessage | undefined)?.usage_metadata;
  return { prompt: u?.input_tokens ?? 0, completion: u?.output_tokens ?? 0 };
}

function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");
}

export async function invokeStructured<S extends z.ZodType>(
  model: ResolvedModel,
  messages: BaseMessage[],
  schema: S,
  opts: CallOptions<z.infer<S>>,
): Promise<{ value: z.infer<S>; usage: Usage }> {
  const maxAttempts = opts.maxAttempts ?? 2;
  const usage: Usage = { promptTokens: 0, completionTokens: 0, calls: 0, latencyMs: 0 };
  const started = performance.now();
  let conversation = messages;
  let lastProblem = "";
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    usage.calls++;
    const { raw, parsed, parseError } = await askOnce(model, conversation, schema, opts);
    const t = tokensOf(raw);
    usage.promptTokens += t.prompt;
    usage.completionTokens += t.completion;
    let problem = parseError;
    if (!problem) {
      const result = schema.safeParse(opts.repair ? opts.repair(parsed) : parsed);
      if (result.success) {
        problem = opts.check?.(result.data);
        if (!problem) {
          usage.latencyMs = performance.now() - started;
          return { value: result.data, usage };
        }
      } else {
        problem = describeZodError(result.error);
      }
    }
    lastProblem = problem;
    conversation = [
      ...messages,
      new AIMessage(textOf(raw) || JSON.stringify(parsed ?? null)),
      new HumanMessage(`That answer was invalid (${problem}). Answer again with one JSON object that follows the required format exactly.`),
    ];
  }
  usage.latencyMs = performance.now() - started;
  throw new InvalidAnswerError(`invalid answer after ${maxAttempts} attempts: ${lastProblem}`, usage);
}

/** A plain-text call (the responder): returns the text and its cost. */
export async function invokeText(
  model: ResolvedModel,
  messages: BaseMessage[],
  opts: { runName: string; config?: RunnableConfig },
): Promise<{ text: string; usage: Usage }> {
  const started = performance.now();
  const raw = await model.chat.invoke(messages, { ...opts.config, runName: opts.runName });
  const t = tokensOf(raw);
  const text = textOf(raw).trim();
  const usage = { promptTokens: t.prompt, completionTokens: t.completion, calls: 1, latencyMs: performance.now() - started };
  if (!text) throw new InvalidAnswerError("the model returned an empty reply", usage);
  return { text, usage };
}
