/**
 * One structured LLM call: ask in the provider's way (ask.ts), validate with zod, and on an invalid answer retry once
 * with the validation error shown to the model. This is also where the LLM cache sits: each request's key is built
 * from our own typed request (answerKey.ts), and a call that got no answer from the model (unreachable, rejected key,
 * server failure) is a ModelCallFailure, never an answer. Returns what tracing and cost accounting need; every call
 * the model answered counts, with its tokens, whatever became of its answer (the error thrown carries the usage, and a
 * run's usage sink hears it: USAGE_SINK).
 */
import { AIMessage, HumanMessage, type BaseMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { z } from "zod";
import { notAResultIn } from "../core/errors.js";
import { watchUsage, type SeenUsage } from "./answeredUsage.js";
import { answerKey, type AnswerRequest } from "./answerKey.js";
import { askOnce, extractJson, NOT_IN_CHAT, requestSchema, textOf, UNREAD_ANSWER } from "./ask.js";
import { cutOffAnswer, toModelCallFailure } from "./failures.js";
import type { CachedAnswer, ResolvedModel } from "./types.js";

export interface Usage {
  promptTokens: number;
  completionTokens: number;
  /** LLM requests made, retries included (answers from the cache count as the requests they stand for). */
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
  /** Which deliberate sample of this request the call is (answerKey.ts): its own cache entry. */
  sample?: number;
}

/**
 * The `configurable` key of a run's usage sink: a function handed every structured or text call's usage, answered or
 * not, so that a run whose graph fails still reports what its calls cost (evaluations/exampleRunner.ts).
 */
export const USAGE_SINK = "insideout_usage_sink";
export type UsageSink = (usage: Usage) => void;

function report(config: RunnableConfig | undefined, usage: Usage): void {
  const sink = (config?.configurable as Record<string, unknown> | undefined)?.[USAGE_SINK];
  if (typeof sink === "function") (sink as UsageSink)(usage);
}

/** The server answered, with usage, and the client then threw on the answer: the error, with what was spent. */
class AnsweredButThrown extends Error {
  constructor(
    readonly error: unknown,
    readonly seen: SeenUsage,
  ) {
    super(error instanceof Error ? error.message : String(error));
  }
}

/** The model answered, but not validly, even after the repair retry: the model's result, kept as its failure. */
export class InvalidAnswerError extends Error {
  constructor(
    message: string,
    readonly usage: Usage,
  ) {
    super(message);
    this.name = "InvalidAnswerError";
  }
}

function describeZodError(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
    .join("; ");
}

function answerOf(raw: BaseMessage): CachedAnswer {
  const u = (raw as AIMessage).usage_metadata;
  const toolArgs: unknown = (raw as AIMessage).tool_calls?.[0]?.args;
  return { text: textOf(raw), ...(toolArgs !== undefined ? { toolArgs } : {}), promptTokens: u?.input_tokens ?? 0, completionTokens: u?.output_tokens ?? 0 };
}

/** What the model said, whichever way (tool arguments or JSON text), or why it could not be read. */
function parsedOf(answer: CachedAnswer): { parsed: unknown; parseError?: string } {
  if (answer.toolArgs !== undefined) return { parsed: answer.toolArgs };
  try {
    return { parsed: extractJson(answer.text) };
  } catch (e) {
    return { parsed: undefined, parseError: (e as Error).message };
  }
}

/** A failure of the call itself, as a ModelCallFailure when it is one (core/errors.ts); aborts and storage errors as they are. */
function callFailure(error: unknown, model: ResolvedModel, config: RunnableConfig | undefined): unknown {
  if (config?.signal?.aborted || notAResultIn(error)) return error;
  return toModelCallFailure(error, model.identity.endpoint, model.variables, model.spec) ?? error;
}

/**
 * One request: from the cache when it holds the answer, else from the model (and then stored, unless `unread` says
 * the client lost its text: the cache holds what the model said, or nothing).
 */
async function answer(
  model: ResolvedModel,
  request: Omit<AnswerRequest, "identity">,
  send: () => Promise<BaseMessage>,
  config?: RunnableConfig,
  unread: () => boolean = () => false,
): Promise<CachedAnswer> {
  const key = model.cache ? answerKey({ ...request, identity: model.identity }) : undefined;
  const hit = key ? model.cache!.get(key) : undefined;
  if (hit) return hit;
  let raw: BaseMessage;
  const seen: SeenUsage = { answers: 0, promptTokens: 0, completionTokens: 0 };
  try {
    raw = await watchUsage(seen, () => (model.around ? model.around(send) : send()));
  } catch (e) {
    // An answer the client threw on (finish_reason length, content_filter) is the model's, and was paid for: recorded
    // as its failed answer, said in the line that names the server and what to do.
    const answered = seen.answers > 0 && !notAResultIn(e) && !config?.signal?.aborted;
    const cutOff = answered ? cutOffAnswer(e, model.identity.endpoint, model.variables, model.spec) : undefined;
    if (cutOff) throw new AnsweredButThrown(new Error(cutOff), seen);
    const failure = callFailure(e, model, config);
    if (answered && failure === e) throw new AnsweredButThrown(e, seen);
    throw failure;
  }
  let got = answerOf(raw);
  // An answer the client could not parse comes back without its usage (models/ask.ts): the transport saw it.
  if (seen.answers > 0 && got.promptTokens === 0 && got.completionTokens === 0) got = { ...got, promptTokens: seen.promptTokens, completionTokens: seen.completionTokens };
  if (key && !unread()) model.cache!.put(key, got, model.spec);
  return got;
}

/** `call`'s usage goes to the run's sink, whatever its outcome; an answer the client threw on becomes an InvalidAnswerError. */
async function reported<T extends { usage: Usage }>(config: RunnableConfig | undefined, usage: Usage, started: number, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (e) {
    if (e instanceof AnsweredButThrown) {
      usage.promptTokens += e.seen.promptTokens;
      usage.completionTokens += e.seen.completionTokens;
      usage.latencyMs = performance.now() - started;
      throw new InvalidAnswerError(e.message, usage);
    }
    throw e;
  } finally {
    report(config, usage);
  }
}

export async function invokeStructured<S extends z.ZodType>(
  model: ResolvedModel,
  messages: BaseMessage[],
  schema: S,
  opts: CallOptions<z.infer<S>>,
): Promise<{ value: z.infer<S>; usage: Usage }> {
  const usage: Usage = { promptTokens: 0, completionTokens: 0, calls: 0, latencyMs: 0 };
  const started = performance.now();
  return reported(opts.config, usage, started, () => structuredAttempts(model, messages, schema, opts, usage, started));
}

async function structuredAttempts<S extends z.ZodType>(
  model: ResolvedModel,
  messages: BaseMessage[],
  schema: S,
  opts: CallOptions<z.infer<S>>,
  usage: Usage,
  started: number,
): Promise<{ value: z.infer<S>; usage: Usage }> {
  const maxAttempts = opts.maxAttempts ?? 2;
  const schemaName = opts.schemaName ?? "answer";
  let conversation = messages;
  let lastProblem = "";
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    usage.calls++;
    const asked = conversation;
    // Set when the client threw the answer's text away (ask.ts UNREAD_ANSWER): then there is nothing to parse or store.
    let unread: string | undefined;
    const got = await answer(
      model,
      {
        method: model.structuredMethod ?? "default",
        strict: model.strictSchema ?? false,
        schemaName,
        schema: requestSchema(schema),
        messages: asked,
        ...(opts.sample !== undefined ? { sample: opts.sample } : {}),
      },
      async () => {
        const got = await askOnce(model, asked, schema, { runName: opts.runName, schemaName, config: opts.config });
        unread = got.parseError === UNREAD_ANSWER ? got.parseError : undefined;
        return got.raw;
      },
      opts.config,
      () => unread !== undefined,
    );
    usage.promptTokens += got.promptTokens;
    usage.completionTokens += got.completionTokens;
    const { parsed, parseError } = unread ? { parsed: undefined, parseError: unread } : parsedOf(got);
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
      ...(unread ? [] : [new AIMessage(got.text || JSON.stringify(parsed ?? null))]),
      new HumanMessage(`That answer was invalid (${problem}). Answer again with one JSON object that follows the required format exactly.`),
    ];
  }
  usage.latencyMs = performance.now() - started;
  throw new InvalidAnswerError(`invalid answer after ${maxAttempts} attempts: ${lastProblem}`, usage);
}

/**
 * A plain-text call (the responder): returns the text and its cost. With `toChat` its tokens stream to a chat client
 * as they come (the reply the chat shows); otherwise, like every structured call, it stays out of the chat stream.
 */
export async function invokeText(
  model: ResolvedModel,
  messages: BaseMessage[],
  opts: { runName: string; config?: RunnableConfig; sample?: number; toChat?: boolean },
): Promise<{ text: string; usage: Usage }> {
  const started = performance.now();
  const usage: Usage = { promptTokens: 0, completionTokens: 0, calls: 1, latencyMs: 0 };
  const request = { messages, ...(opts.sample !== undefined ? { sample: opts.sample } : {}) };
  const tags = opts.toChat ? (opts.config?.tags ?? []) : [...(opts.config?.tags ?? []), NOT_IN_CHAT];
  return reported(opts.config, usage, started, async () => {
    const got = await answer(model, request, () => model.chat.invoke(messages, { ...opts.config, runName: opts.runName, tags }), opts.config);
    const text = got.text.trim();
    Object.assign(usage, { promptTokens: got.promptTokens, completionTokens: got.completionTokens, latencyMs: performance.now() - started });
    if (!text) throw new InvalidAnswerError("the model returned an empty reply", usage);
    return { text, usage };
  });
}
