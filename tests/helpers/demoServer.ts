/**
 * A loopback OpenAI-compatible server with canned, persona-aware answers, for trying the CLI without a model and for
 * the README's sample output: `npx tsx tests/helpers/demoServer.ts 18080` then OPENAI_BASE_URL=http://127.0.0.1:18080/v1.
 * It answers as OpenAI does: `stream: true` as SSE chunks, a few words each (a chat client shows the reply as it
 * comes), each completion its own id, anything but POST /v1/chat/completions a 404 JSON error, a body that is not a
 * chat request a 400 JSON error. A structured request gets a valid answer whatever its schema and label set, sent as
 * `response_format`, a tool, or (structured output by prompt) in the prompt's text.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { answerFromSchema, requestedSchema, promptOf, type ChatRequest, type JsonSchema } from "./openaiServer.js";
import { roleOf } from "./roles.js";

const VIEWS: Record<string, [string, number, string, string]> = {
  anger: ["excited", 0.6, "No injustice here, just a hard-won success.", "You earned this, and nobody can take it away from you."],
  disgust: ["proud", 0.55, "They are pleased with themselves, and rightly so.", "That is a real achievement; you should be proud."],
  fear: ["anxious", 0.4, "Disbelief can hide worry about living up to the new role.", "It's normal to feel a bit nervous; you'll grow into it."],
  happiness: ["excited", 0.9, "Finally getting the wanted job is pure excitement.", "That's wonderful news! Congratulations, enjoy every bit of it!"],
  sadness: ["excited", 0.7, "Relief after a long search, mostly joy.", "After all that waiting, you deserve this happiness."],
};

/** Labels to answer when the label set lacks the persona's own, first one present wins (else the set's first). */
const CHEERFUL = ["excited", "joyful", "joy", "happy", "happiness", "content"];

/** The JSON schema that structured output by prompt writes into the prompt (models/ask.ts), if the prompt has one. */
function schemaInPrompt(req: ChatRequest): JsonSchema | undefined {
  const text = promptOf(req);
  const at = text.indexOf("valid against this JSON schema:");
  if (at < 0) return undefined;
  const body = text.slice(text.indexOf("{", at));
  try {
    return JSON.parse(body.slice(0, body.lastIndexOf("}") + 1)) as JsonSchema;
  } catch {
    return undefined;
  }
}

function answer(req: ChatRequest): string {
  const role = roleOf(promptOf(req));
  const schema = requestedSchema(req) ?? schemaInPrompt(req);
  if (!schema) return "Congratulations! That is wonderful news. What are you looking forward to most?";
  const view = role.kind === "agent" ? VIEWS[role.emotion] : undefined;
  const value = answerFromSchema(schema, (prop, options) => {
    if (prop === "emotion") {
      const wanted = [view?.[0], ...CHEERFUL].find((label) => label !== undefined && options.includes(label));
      return wanted ?? options[0];
    }
    if (prop === "choice") return options.includes("happiness") ? "happiness" : options[0];
    return options[0];
  }) as Record<string, unknown>;
  if (typeof value !== "object" || value === null) return JSON.stringify(value);
  const confidence = schema.properties?.confidence;
  if ("confidence" in value && (confidence?.maximum ?? 1) >= 0.85 && (confidence?.minimum ?? 0) <= 0.4) value.confidence = view?.[1] ?? 0.85;
  if ("rationale" in value) value.rationale = view?.[2] ?? "The speaker is thrilled about the new job.";
  if ("reply" in value) value.reply = view?.[3] ?? "Congratulations!";
  return JSON.stringify(value);
}


/** An error as OpenAI's API shapes it. */
function sendError(res: ServerResponse, status: number, message: string, type = "invalid_request_error"): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify({ error: { message, type, param: null, code: null } }));
}

/** The request's chat body, or a message saying why it is not one (OpenAI's 400 cases that a client can hit). */
function chatRequestOf(body: string): ChatRequest | string {
  if (!body.trim()) return "We could not parse the JSON body of your request: the body is empty.";
  let q: unknown;
  try {
    q = JSON.parse(body);
  } catch {
    return "We could not parse the JSON body of your request.";
  }
  if (typeof q !== "object" || q === null || !Array.isArray((q as ChatRequest).messages)) return "Missing required parameter: 'messages'.";
  if (typeof (q as ChatRequest).model !== "string") return "Missing required parameter: 'model'.";
  return q as ChatRequest;
}

/** Each completion's own id, as OpenAI gives: a chat client keys its messages by it. */
let completions = 0;
const completionId = () => `chatcmpl-demo-${++completions}`;

/**
 * `stream: true`: the answer as chat.completion.chunk events, a few words per chunk (`chunkMs` apart, so that a
 * client shows it growing), then usage if asked, [DONE].
 */
async function streamAnswer(res: ServerResponse, q: ChatRequest, content: string, usage: Record<string, number>): Promise<void> {
  const base = { id: completionId(), object: "chat.completion.chunk", created: 0, model: q.model };
  res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
  const send = (chunk: unknown) => res.write(`data: ${JSON.stringify(chunk)}\n\n`);
  const pieces = content.match(/\S+\s*|\s+/g) ?? [""];
  for (const [i, piece] of pieces.entries()) {
    if (i > 0 && chunkMs > 0) await new Promise((r) => setTimeout(r, chunkMs));
    send({ ...base, choices: [{ index: 0, delta: i === 0 ? { role: "assistant", content: piece } : { content: piece }, finish_reason: null }] });
  }
  send({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] });
  if ((q.stream_options as { include_usage?: boolean } | undefined)?.include_usage) send({ ...base, choices: [], usage });
  res.end("data: [DONE]\n\n");
}

function handle(req: IncomingMessage, res: ServerResponse, body: string): void {
  const path = (req.url ?? "/").split("?")[0]!.replace(/\/+$/, "");
  if (path !== "/v1/chat/completions" && path !== "/chat/completions") {
    return sendError(res, 404, `Unknown request URL: ${req.method} ${req.url}. This demo server answers POST /v1/chat/completions only.`);
  }
  if (req.method !== "POST") return sendError(res, 405, `Method ${req.method} not allowed: use POST /v1/chat/completions.`);
  const q = chatRequestOf(body);
  if (typeof q === "string") return sendError(res, 400, q);
  const content = answer(q);
  const promptTokens = Math.round(JSON.stringify(q.messages).length / 4);
  const completionTokens = Math.round(content.length / 4);
  const usage = { prompt_tokens: promptTokens, completion_tokens: completionTokens, total_tokens: promptTokens + completionTokens };
  if (q.stream === true) {
    streamAnswer(res, q, content, usage).catch((e: unknown) => res.destroy(e instanceof Error ? e : new Error(String(e))));
    return;
  }
  // Unstreamed, the answer takes as long as its chunks would have.
  const pieces = content.match(/\S+\s*|\s+/g)?.length ?? 1;
  setTimeout(() => sendCompletion(res, q, content, usage), chunkMs * (pieces - 1));
}

function sendCompletion(res: ServerResponse, q: ChatRequest, content: string, usage: Record<string, number>): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(JSON.stringify({
    id: completionId(), object: "chat.completion", created: 0, model: q.model,
    choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
    usage,
  }));
}

const arg = process.argv[2] ?? "18080";
const port = Number(arg);
if (!/^\d+$/.test(arg) || port > 65535) {
  process.stderr.write(`demo server: the port must be a number from 0 to 65535, got "${arg}".\n`);
  process.exit(2);
}
/**
 * Optional second argument: milliseconds between an answer's chunks, a few words each (0, the default, answers at
 * once): a model that takes its time, so a client can be seen showing the run as it goes.
 */
const chunkArg = process.argv[3] ?? "0";
const chunkMs = Number(chunkArg);
if (!/^\d+$/.test(chunkArg) || chunkMs > 10_000) {
  process.stderr.write(`demo server: the chunk delay must be a number of milliseconds from 0 to 10000, got "${chunkArg}".\n`);
  process.exit(2);
}
const server = createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (c: Buffer) => chunks.push(c));
  req.on("end", () => {
    try {
      handle(req, res, Buffer.concat(chunks).toString("utf8"));
    } catch (e) {
      sendError(res, 500, `The demo server failed: ${e instanceof Error ? e.message : String(e)}`, "server_error");
    }
  });
});
server.on("error", (e: NodeJS.ErrnoException) => {
  const why = e.code === "EADDRINUSE" ? `port ${port} on 127.0.0.1 is taken: stop what runs there or give another port` : e.message;
  process.stderr.write(`demo server: cannot listen: ${why}.\n`);
  process.exit(1);
});
server.listen(port, "127.0.0.1", () => {
  const { port: bound } = server.address() as AddressInfo;
  process.stdout.write(`demo server on http://127.0.0.1:${bound}/v1 (OPENAI_BASE_URL=http://127.0.0.1:${bound}/v1)\n`);
});
