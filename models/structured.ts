/**
 * One structured LLM call: ask in the provider's way, validate with zod, and on an invalid answer retry once with the
 * validation error shown to the model. Returns what tracing and cost accounting need (tokens, attempts, latency).
 */
import { AIMessage, HumanMessage, SystemMessage, type BaseMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { z } from "zod";
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

function textOf(message: BaseMessage): string {
  const c = message.content;
  if (typeof c === "string") return c;
  return c.map((part) => ("text" in part && typeof part.text === "string" ? part.text : "")).join("");
}

/** The first JSON object in a text, tolerating code fences and chatter around it. */
export function extractJson(text: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text);
  const body = fenced?.[1] ?? text;
  const start = body.indexOf("{");
  const end = body.lastIndexOf("}");
  if (start < 0 || end < start) throw new Error("the answer contains no JSON object");
  return JSON.parse(body.slice(start, end + 1));
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

// Converting zod to JSON schema on every call was the largest cost of our code per dialogue (bench/, part c).
const requestSchemas = new WeakMap<z.ZodType, Record<string, unknown>>();

/** The JSON schema sent to the provider: closed objects, as strict structured-output modes require. Cached per schema. */
export function requestSchema(schema: z.ZodType): Record<string, unknown> {
  const cached = requestSchemas.get(schema);
  if (cached) return cached;
  const json = z.toJSONSchema(schema, { target: "draft-7" }) as Record<string, unknown>;
  delete json.$schema;
  const close = (node: unknown): void => {
    if (!node || typeof node !== "object") return;
    const n = node as Record<string, unknown>;
    if (n.type === "object" && n.properties) n.additionalProperties = false;
    for (const v of Object.values(n)) if (v && typeof v === "object") close(v);
  };
  close(json);
  requestSchemas.set(schema, json);
  return json;
}

type Asked = { raw: BaseMessage; parsed: unknown; parseError?: string };

function parseAnswerText(raw: BaseMessage): Asked {
  try {
    return { raw, parsed: extractJson(textOf(raw)) };
  } catch (e) {
    return { raw, parsed: undefined, parseError: (e as Error).message };
  }
}

/**
 * OpenAI's `response_format: json_schema`, built by hand: the OpenAI client parses such answers itself and throws on
 * text that is not JSON, losing the answer that our repair and retry-with-the-error need. A tolerant parser keeps it.
 */
function tolerantResponseFormat(name: string, schema: Record<string, unknown>, strict: boolean) {
  const format = { type: "json_schema", json_schema: { name, schema, strict } };
  return Object.defineProperties(format, {
    $brand: { value: "auto-parseable-response-format", enumerable: false },
    $parseRaw: {
      value: (content: string) => {
        try {
          return JSON.parse(content) as unknown;
        } catch {
          return null;
        }
      },
      enumerable: false,
    },
  });
}

async function askOnce(model: ResolvedModel, messages: BaseMessage[], schema: z.ZodType, opts: CallOptions<unknown>): Promise<Asked> {
  const config: RunnableConfig = { ...opts.config, runName: opts.runName };
  const name = opts.schemaName ?? "answer";
  if (model.structuredMethod === "prompt" || model.structuredMethod === "jsonMode") {
    // Neither mode sends the schema to the provider, so the prompt carries it.
    const jsonSchema = JSON.stringify(requestSchema(schema));
    messages = [
      ...messages,
      new SystemMessage(`Answer with one JSON object only, no other text, valid against this JSON schema:\n${jsonSchema}`),
    ];
  }
  if (model.structuredMethod === "prompt") return parseAnswerText(await model.chat.invoke(messages, config));
  if (model.structuredMethod === "responseFormat") {
    const response_format = tolerantResponseFormat(name, requestSchema(schema), model.strictSchema ?? false);
    // A call option rather than withConfig(): the binding's config merging cost ~95 µs a call (bench/, part d).
    return parseAnswerText(await model.chat.invoke(messages, { ...config, response_format } as RunnableConfig));
  }
  // A plain JSON schema, not the zod one: with zod, some providers' clients validate inside the call and throw away
  // the raw answer, and our repair and retry-with-the-error need it.
  const runnable = model.chat.withStructuredOutput(requestSchema(schema), {
    includeRaw: true,
    name,
    ...(model.structuredMethod ? { method: model.structuredMethod } : {}),
    // JSON mode carries no schema, so there is nothing to be strict about (and LangChain refuses the flag).
    ...(model.strictSchema && model.structuredMethod !== "jsonMode" ? { strict: true } : {}),
  });
  const out = (await runnable.invoke(messages, config)) as { raw: BaseMessage; parsed: unknown };
  if (out.parsed !== undefined && out.parsed !== null) return { raw: out.raw, parsed: out.parsed };
  // The provider's own parser rejected the answer (e.g. a label outside the enum): parse it ourselves so that
  // repair() gets its chance, and so the retry can quote the problem.
  const toolArgs = (out.raw as AIMessage).tool_calls?.[0]?.args;
  if (toolArgs) return { raw: out.raw, parsed: toolArgs };
  return parseAnswerText(out.raw);
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
    const { raw, parsed, parseError } = await askOnce(model, conversation, schema, opts as CallOptions<unknown>);
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
