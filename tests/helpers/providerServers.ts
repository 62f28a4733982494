/**
 * Loopback stand-ins of three providers' APIs on 127.0.0.1 (free ports), each answering a structured request the way
 * that provider does, by role (read from the prompt, as tests/helpers/roles.ts does): GigaChat's OAuth token
 * endpoint and its chat completions with `function_call`, Anthropic's Messages API with `tool_use`, Gemini's
 * `generateContent` with JSON text for a `responseSchema`. Each counts its requests and can refuse the credentials.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { answerFromSchema, type JsonSchema } from "./openaiServer.js";
import { promptText, roleOf, type Role } from "./roles.js";

/** The label each role answers, and the ERG choice among the agents offered. */
export interface Script {
  emotion: (role: Role) => string;
  choice?: (offered: unknown[]) => unknown;
}

export interface Stand {
  url: string;
  /** Every request as received: path and parsed body (JSON, or form fields for the OAuth endpoint). */
  requests: { path: string; headers: IncomingMessage["headers"]; body: Record<string, unknown> }[];
  close(): Promise<void>;
}

/** Text parts of a message's content blocks (Anthropic's `{type: "text", text}`, Gemini's parts). */
function textsOf(content: unknown): string {
  if (typeof content === "string") return content;
  return ((content ?? []) as { text?: string }[]).map((b) => b.text ?? "").join("\n");
}

function answerFor(prompt: string, schema: JsonSchema, script: Script): unknown {
  const role = roleOf(prompt);
  return answerFromSchema(schema, (prop, options) => {
    if (prop === "emotion") return script.emotion(role);
    if (prop === "choice") return (script.choice ?? ((o) => o[0]))(options);
    return options[0];
  });
}

/** Gemini writes types in upper case (STRING, OBJECT): the schema in the lower case answerFromSchema reads. */
function lowerTypes(schema: unknown): JsonSchema {
  if (Array.isArray(schema)) return schema.map(lowerTypes) as unknown as JsonSchema;
  if (!schema || typeof schema !== "object") return schema as JsonSchema;
  return Object.fromEntries(
    Object.entries(schema).map(([k, v]) => [k, k === "type" && typeof v === "string" ? v.toLowerCase() : typeof v === "object" ? lowerTypes(v) : v]),
  ) as JsonSchema;
}

type Route = (path: string, body: Record<string, unknown>, req: IncomingMessage) => { status: number; body: unknown };

async function serve(route: Route): Promise<Stand> {
  const requests: Stand["requests"] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const chunks: Buffer[] = [];
      for await (const c of req) chunks.push(c as Buffer);
      const raw = Buffer.concat(chunks).toString("utf8");
      const path = req.url ?? "/";
      let body: Record<string, unknown> = {};
      try {
        body = (req.headers["content-type"] ?? "").includes("x-www-form-urlencoded")
          ? Object.fromEntries(new URLSearchParams(raw))
          : raw
            ? (JSON.parse(raw) as Record<string, unknown>)
            : {};
      } catch {
        // Answered below as the route sees fit.
      }
      requests.push({ path, headers: req.headers, body });
      let out: { status: number; body: unknown };
      try {
        out = route(path, body, req);
      } catch (e) {
        out = { status: 500, body: { error: { message: String(e) } } };
      }
      res.writeHead(out.status, { "content-type": "application/json" }).end(JSON.stringify(out.body));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface GigaChatStand extends Stand {
  tokenRequests: () => number;
  chatRequests: () => number;
}

/**
 * GigaChat: `POST /api/v2/oauth` (Basic credentials, a RqUID, form `scope`) gives `{ access_token, expires_at }`;
 * `POST /api/v1/chat/completions` wants that Bearer token and answers a forced `function_call` with its arguments
 * as an object, as GigaChat does. `credentials` are the only ones it accepts.
 */
export async function startGigaChat(script: Script, credentials: string, scope = "GIGACHAT_API_PERS"): Promise<GigaChatStand> {
  const token = `tok-${Math.random().toString(36).slice(2)}`;
  const stand = await serve((path, body, req) => {
    if (path === "/api/v2/oauth") {
      if (req.headers.authorization !== `Basic ${credentials}` || !req.headers.rquid) return { status: 401, body: { code: 6, message: "credentials doesn't match db data" } };
      if (body.scope !== scope) return { status: 400, body: { code: 7, message: "scope from db not fully includes consumed scope" } };
      return { status: 200, body: { access_token: token, expires_at: Date.now() + 30 * 60_000 } };
    }
    if (path === "/api/v1/chat/completions") {
      if (req.headers.authorization !== `Bearer ${token}`) return { status: 401, body: { status: 401, message: "Unauthorized" } };
      const messages = (body.messages ?? []) as { role: string; content: string }[];
      const fn = ((body.functions ?? []) as { name: string; parameters: JsonSchema }[])[0];
      const prompt = promptText(messages);
      const usage = { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 };
      const message = fn
        ? { role: "assistant", content: "", function_call: { name: fn.name, arguments: answerFor(prompt, fn.parameters, script) } }
        : { role: "assistant", content: "I hear you." };
      const finish = fn ? "function_call" : "stop";
      return { status: 200, body: { choices: [{ message, index: 0, finish_reason: finish }], created: 1, model: body.model, object: "chat.completion", usage } };
    }
    return { status: 404, body: { message: "no such route" } };
  });
  return {
    ...stand,
    tokenRequests: () => stand.requests.filter((r) => r.path === "/api/v2/oauth").length,
    chatRequests: () => stand.requests.filter((r) => r.path === "/api/v1/chat/completions").length,
  };
}

/** Anthropic's Messages API: `POST /v1/messages` with `x-api-key`; a forced tool is answered with `tool_use`. */
export async function startAnthropic(script: Script, apiKey: string): Promise<Stand> {
  return serve((path, body, req) => {
    if (path !== "/v1/messages") return { status: 404, body: { type: "error", error: { type: "not_found_error", message: "Not found" } } };
    if (req.headers["x-api-key"] !== apiKey) return { status: 401, body: { type: "error", error: { type: "authentication_error", message: "invalid x-api-key" } } };
    const turns = ((body.messages ?? []) as { content: unknown }[]).map((m) => ({ content: textsOf(m.content) }));
    const prompt = promptText([{ content: textsOf(body.system) }, ...turns]);
    const tool = ((body.tools ?? []) as { name: string; input_schema: JsonSchema }[])[0];
    const content = tool
      ? [{ type: "tool_use", id: "toolu_01", name: tool.name, input: answerFor(prompt, tool.input_schema, script) }]
      : [{ type: "text", text: "I hear you." }];
    return {
      status: 200,
      body: { id: "msg_01", type: "message", role: "assistant", model: body.model, content, stop_reason: tool ? "tool_use" : "end_turn", stop_sequence: null, usage: { input_tokens: 10, output_tokens: 5 } },
    };
  });
}

/** Gemini: `POST /v1beta/models/<model>:generateContent` with `x-goog-api-key`; JSON text for a `responseSchema`. */
export async function startGemini(script: Script, apiKey: string): Promise<Stand> {
  return serve((path, body, req) => {
    if (!/^\/v1beta\/models\/[^/:]+:generateContent/.test(path)) return { status: 404, body: { error: { code: 404, message: "not found", status: "NOT_FOUND" } } };
    if (req.headers["x-goog-api-key"] !== apiKey) return { status: 401, body: { error: { code: 401, message: "API key not valid.", status: "UNAUTHENTICATED" } } };
    const system = textsOf((body.systemInstruction as { parts?: unknown } | undefined)?.parts);
    const turns = ((body.contents ?? []) as { parts?: unknown }[]).map((c) => ({ content: textsOf(c.parts) }));
    const prompt = promptText([{ content: system }, ...turns]);
    const schema = (body.generationConfig as { responseSchema?: unknown } | undefined)?.responseSchema;
    const text = schema ? JSON.stringify(answerFor(prompt, lowerTypes(schema), script)) : "I hear you.";
    return {
      status: 200,
      body: {
        candidates: [{ content: { role: "model", parts: [{ text }] }, finishReason: "STOP", index: 0 }],
        usageMetadata: { promptTokenCount: 10, candidatesTokenCount: 5, totalTokenCount: 15 },
      },
    };
  });
}
