/**
 * An OpenAI-compatible chat-completions server on 127.0.0.1 (free port), so the product's ChatOpenAI path runs over
 * real HTTP. Each request is answered by a handler; the server counts requests, can delay every answer, and records
 * what it was sent.
 */
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { promptText, roleOf, type Role } from "./roles.js";

export interface ChatMessage {
  role: string;
  content: string | null;
}

export interface ChatRequest {
  model: string;
  messages: ChatMessage[];
  response_format?: { type: string; json_schema?: { name: string; schema: JsonSchema; strict?: boolean } };
  tools?: { type: string; function: { name: string; parameters: JsonSchema } }[];
  tool_choice?: unknown;
  temperature?: number;
  seed?: number;
  [k: string]: unknown;
}

export interface JsonSchema {
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minimum?: number;
  maximum?: number;
  [k: string]: unknown;
}

/**
 * A handler answers with text content, or with a tool call, or with an HTTP status (and headers, e.g. Retry-After) to
 * fail the request, or misbehaves: `drop` closes the connection without an answer, `garbage` is a 200 whose JSON body
 * is malformed.
 */
export type Answer =
  | string
  | { toolCall: { name: string; arguments: string } }
  | { status: number; body?: string; headers?: Record<string, string> }
  | { drop: true }
  | { garbage: string };
export type Handler = (req: ChatRequest) => Answer | Promise<Answer>;

export interface FakeOpenAI {
  url: string;
  requests: ChatRequest[];
  /** The HTTP headers of each request in `requests`, in the same order. */
  headers: IncomingHttpHeaders[];
  /** Largest number of requests in flight at once. */
  maxConcurrent: number;
  close(): Promise<void>;
}

/** The request's whole prompt as one text (tests/helpers/roles.ts): what roleOf reads, whichever message holds it. */
export function promptOf(req: ChatRequest): string {
  return promptText(req.messages);
}

/** The JSON schema that a structured request asks for, whichever way it asks. */
export function requestedSchema(req: ChatRequest): JsonSchema | undefined {
  return req.response_format?.json_schema?.schema ?? req.tools?.[0]?.function.parameters;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

/** Each completion's own id, as OpenAI gives: a messages-based graph keys its messages by it. */
let completions = 0;

export function completion(req: ChatRequest, answer: string | { toolCall: { name: string; arguments: string } }) {
  const n = ++completions;
  const message =
    typeof answer === "string"
      ? { role: "assistant", content: answer }
      : {
          role: "assistant",
          content: null,
          tool_calls: [{ id: `call_${n}`, type: "function", function: answer.toolCall }],
        };
  // Content is a text or a list of parts (LangChain v1 agents send their system prompt as parts).
  const promptTokens = req.messages.reduce((n, m) => n + (typeof m.content === "string" ? m.content : JSON.stringify(m.content ?? "")).split(/\s+/).length, 0);
  const completionTokens = (typeof answer === "string" ? answer : answer.toolCall.arguments).split(/\s+/).length;
  return {
    id: `chatcmpl-test-${n}`,
    object: "chat.completion",
    created: Math.floor(Date.now() / 1000),
    model: req.model,
    choices: [{ index: 0, message, finish_reason: typeof answer === "string" ? "stop" : "tool_calls" }],
    usage: { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens },
  };
}

/** The answer as a chat.completion.chunk event stream: one delta, the finish reason, usage if asked, [DONE]. */
function streamedCompletion(req: ChatRequest, answer: string | { toolCall: { name: string; arguments: string } }): string {
  const full = completion(req, answer);
  const base = { id: full.id, object: "chat.completion.chunk", created: full.created, model: full.model };
  const delta =
    typeof answer === "string"
      ? { role: "assistant", content: answer }
      : { role: "assistant", content: null, tool_calls: [{ index: 0, id: full.choices[0]!.message.tool_calls![0]!.id, type: "function", function: answer.toolCall }] };
  const events: unknown[] = [
    { ...base, choices: [{ index: 0, delta, finish_reason: null }] },
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: full.choices[0]!.finish_reason }] },
  ];
  const streamOptions = req.stream_options as { include_usage?: boolean } | undefined;
  if (streamOptions?.include_usage) events.push({ ...base, choices: [], usage: full.usage });
  return `${events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join("")}data: [DONE]\n\n`;
}

/**
 * Decides on a request as it arrives, before the handler: let it through with these headers on the answer (e.g. a
 * rate limiter's `x-ratelimit-*`), or answer it at once with a status.
 */
export type Gate = (req: ChatRequest) => { ok: true; headers: Record<string, string> } | { ok: false; status: number; headers: Record<string, string>; body: string };

export async function startFakeOpenAI(handler: Handler, opts: { delayMs?: number; gate?: Gate } = {}): Promise<FakeOpenAI> {
  const requests: ChatRequest[] = [];
  const headers: IncomingHttpHeaders[] = [];
  let inFlight = 0;
  const state = { maxConcurrent: 0 };
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      inFlight++;
      state.maxConcurrent = Math.max(state.maxConcurrent, inFlight);
      try {
        if (req.method !== "POST" || !req.url?.endsWith("/chat/completions")) {
          res.writeHead(404, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: "not found" } }));
          return;
        }
        const body = JSON.parse(await readBody(req)) as ChatRequest;
        requests.push(body);
        headers.push(req.headers);
        const gate = opts.gate?.(body);
        if (gate && !gate.ok) {
          res.writeHead(gate.status, { "content-type": "application/json", ...gate.headers }).end(gate.body);
          return;
        }
        if (gate) for (const [k, v] of Object.entries(gate.headers)) res.setHeader(k, v);
        if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
        const answer = await handler(body);
        if (typeof answer === "object" && "drop" in answer) {
          req.socket.destroy();
          return;
        }
        if (typeof answer === "object" && "garbage" in answer) {
          res.writeHead(200, { "content-type": "application/json" }).end(answer.garbage);
          return;
        }
        if (typeof answer === "object" && "status" in answer) {
          res.writeHead(answer.status, { "content-type": "application/json", ...answer.headers });
          res.end(answer.body ?? JSON.stringify({ error: { message: `status ${answer.status}` } }));
          return;
        }
        if (body.stream === true) {
          // Streamed, as LangGraph servers ask for when a run streams messages: the same answer as SSE chunks.
          res.writeHead(200, { "content-type": "text/event-stream" }).end(streamedCompletion(body, answer));
          return;
        }
        res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(completion(body, answer)));
      } catch (e) {
        res.writeHead(500, { "content-type": "application/json" }).end(JSON.stringify({ error: { message: String(e) } }));
      } finally {
        inFlight--;
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    headers,
    get maxConcurrent() {
      return state.maxConcurrent;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A schema-valid JSON answer for any requested schema: `pick` chooses enum values (by property name), numbers are
 * the midpoint of their range, strings are short sentences. Stands in for a server that nobody here wrote.
 */
export function answerFromSchema(
  schema: JsonSchema,
  pick: (property: string, options: unknown[]) => unknown = (_p, o) => o[0],
  property = "",
): unknown {
  if (schema.enum) return pick(property, schema.enum);
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  switch (type) {
    case "object":
      return Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([k, s]) => [k, answerFromSchema(s, pick, k)]),
      );
    case "array":
      return [answerFromSchema(schema.items ?? {}, pick, property)];
    case "number":
    case "integer": {
      const lo = schema.minimum ?? 0;
      const hi = schema.maximum ?? 1;
      return type === "integer" ? Math.round((lo + hi) / 2) : (lo + hi) / 2;
    }
    case "boolean":
      return true;
    default:
      return `A ${property || "text"} answer.`;
  }
}

/** What each role of the graphs answers, for a handler whose outcome a test knows in advance. */
export interface RoleScript {
  /** Label each structured answer gives, by role. */
  emotion: (role: Role) => string;
  /** The aggregator's ERG choice among the agents offered. */
  choice: (offered: unknown[]) => unknown;
  /** Plain-text answers (the responder). */
  text: (role: Role) => string;
}

/** A handler answering schema-valid JSON per role (read from the system prompt), and plain text without a schema. */
export function roleHandler(script: RoleScript): Handler {
  return (req) => {
    const role = roleOf(promptOf(req));
    const schema = requestedSchema(req);
    if (!schema) return script.text(role);
    return JSON.stringify(
      answerFromSchema(schema, (prop, options) => {
        if (prop === "emotion") return script.emotion(role);
        if (prop === "choice") return script.choice(options);
        return options[0];
      }),
    );
  };
}

/** A server that answers every request well: a schema-valid object when one is asked for, else "A reply.". */
export function startWellBehavedOpenAI(): Promise<FakeOpenAI> {
  return startFakeOpenAI((req) => {
    const schema = requestedSchema(req);
    return schema ? JSON.stringify(answerFromSchema(schema)) : "A reply.";
  });
}
