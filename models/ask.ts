/**
 * One structured request in the provider's way (models/types.ts StructuredMethod), answered with the raw message and
 * its JSON, parsed tolerantly so that an invalid answer can be repaired or shown back to the model.
 */
import { AIMessage, SystemMessage, type BaseMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { z } from "zod";
import type { ResolvedModel } from "./types.js";

export interface AskOptions {
  runName: string;
  config?: RunnableConfig;
  schemaName?: string;
}

export function textOf(message: BaseMessage): string {
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

// Converting zod to JSON schema on every call was the largest cost of our code per dialogue (docs/bench.md, (c)).
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

export type Asked = { raw: BaseMessage; parsed: unknown; parseError?: string };

function parseAnswerText(raw: BaseMessage): Asked {
  try {
    return { raw, parsed: extractJson(textOf(raw)) };
  } catch (e) {
    return { raw, parsed: undefined, parseError: (e as Error).message };
  }
}

/**
 * Why an answer in `response_format` mode could not be read, its text lost with it: true whatever the text was (a code
 * fence, prose around the object, no object at all), and what reads such answers instead.
 */
export const UNREAD_ANSWER =
  "the answer was not one bare JSON object, as the JSON schema response format requires (text or a code fence around it?); INSIDEOUT_STRUCTURED_OUTPUT=prompt reads an object inside a code fence or after prose";

/**
 * OpenAI's `response_format: json_schema` as a call option. The OpenAI client parses such an answer itself
 * (`chat.completions.parse`) and throws a bare SyntaxError on text that is not JSON, so that text is lost: the answer
 * is then one the model gave but that cannot be read, and the repair retry asks again without quoting it. Strict
 * schemas (OpenAI, servers with guided decoding) always answer JSON; a server that ignores `response_format` wants
 * INSIDEOUT_STRUCTURED_OUTPUT=prompt. Asking streamed would keep the text, at several times the client's CPU per
 * answer (docs/bench.md).
 */
async function askByResponseFormat(model: ResolvedModel, messages: BaseMessage[], responseFormat: unknown, config: RunnableConfig): Promise<Asked> {
  try {
    return parseAnswerText(await model.chat.invoke(messages, { ...config, response_format: responseFormat } as RunnableConfig));
  } catch (e) {
    if (!(e instanceof SyntaxError) || config.signal?.aborted) throw e;
    return { raw: new AIMessage(""), parsed: undefined, parseError: UNREAD_ANSWER };
  }
}

/**
 * LangGraph's tag that keeps a model call's tokens out of the `messages` stream: a structured answer is our nodes'
 * input, not a chat message, so a chat client (agent-chat-ui, Studio's chat, any useStream) never shows its JSON.
 */
export const NOT_IN_CHAT = "langsmith:nostream";

export async function askOnce(model: ResolvedModel, messages: BaseMessage[], schema: z.ZodType, opts: AskOptions): Promise<Asked> {
  const config: RunnableConfig = { ...opts.config, runName: opts.runName, tags: [...(opts.config?.tags ?? []), NOT_IN_CHAT] };
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
    const responseFormat = { type: "json_schema", json_schema: { name, schema: requestSchema(schema), strict: model.strictSchema ?? false } };
    // A call option rather than withConfig(): the binding's config merging cost ~95 µs a call (docs/bench.md).
    return askByResponseFormat(model, messages, responseFormat, config);
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

