/**
 * `ollama:` over real HTTP: a server on 127.0.0.1 that speaks Ollama's /api/chat (NDJSON streaming, which is what
 * ChatOllama sends, and the single-object reply for stream:false), reached through OLLAMA_HOST.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { resolveModel } from "../../models/factory.js";
import { ModelCallFailure } from "../../core/errors.js";
import { toModelCallFailure } from "../../models/failures.js";
import { OllamaError } from "../../models/ollama.js";
import { invokeStructured, invokeText } from "../../models/structured.js";

interface ChatRequest {
  model: string;
  messages: { role: string; content: string }[];
  stream?: boolean;
  format?: unknown;
  options?: Record<string, unknown>;
}

let server: Server;
let port: number;
let requests: ChatRequest[] = [];
/** Replies for the next requests, in order; the last one repeats. */
let replies: string[] = [];
let missingModel: string | undefined;
const savedHost = process.env.OLLAMA_HOST;

async function readJson(req: IncomingMessage): Promise<ChatRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString("utf8")) as ChatRequest;
}

async function handler(req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== "POST" || req.url !== "/api/chat") {
    res.writeHead(404).end();
    return;
  }
  const body = await readJson(req);
  requests.push(body);
  if (body.model === missingModel) {
    res.writeHead(404, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ error: `model "${body.model}" not found, try pulling it first` }));
    return;
  }
  const content = replies.length > 1 ? (replies.shift() as string) : (replies[0] ?? "");
  const base = { model: body.model, created_at: new Date().toISOString() };
  const final = { ...base, done: true, done_reason: "stop", prompt_eval_count: 31, eval_count: 9 };
  if (body.stream === false) {
    res.writeHead(200, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ ...final, message: { role: "assistant", content } }));
    return;
  }
  // Streaming: one JSON object per line, the content split over several chunks, then the done record with counts.
  res.writeHead(200, { "Content-Type": "application/x-ndjson" });
  const third = Math.ceil(content.length / 3);
  for (let i = 0; i < content.length; i += third) {
    res.write(`${JSON.stringify({ ...base, message: { role: "assistant", content: content.slice(i, i + third) }, done: false })}\n`);
  }
  res.end(`${JSON.stringify({ ...final, message: { role: "assistant", content: "" } })}\n`);
}

beforeAll(async () => {
  server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  requests = [];
  replies = [];
  missingModel = undefined;
  // host:port without a scheme, as people write OLLAMA_HOST.
  process.env.OLLAMA_HOST = `127.0.0.1:${port}`;
});

afterEach(() => {
  if (savedHost === undefined) delete process.env.OLLAMA_HOST;
  else process.env.OLLAMA_HOST = savedHost;
});

const opinion = z.object({ emotion: z.enum(["sad", "joyful", "angry"]), confidence: z.number().min(0).max(1), rationale: z.string() });
const dialogue = [new SystemMessage("You embody sadness."), new HumanMessage("Speaker: my dog died yesterday.")];

describe("ollama provider", () => {
  test("a text call streams from OLLAMA_HOST with temperature 0 and the given seed", async () => {
    replies = ["I am so sorry about your dog."];
    const model = await resolveModel("ollama:llama3.2", { seed: 42 });
    const { text, usage } = await invokeText(model, dialogue, { runName: "respond" });
    expect(text).toBe("I am so sorry about your dog.");
    expect(usage).toMatchObject({ promptTokens: 31, completionTokens: 9, calls: 1 });
    expect(requests).toHaveLength(1);
    const sent = requests[0]!;
    expect(sent.model).toBe("llama3.2");
    expect(sent.stream).toBe(true);
    expect(sent.options).toMatchObject({ temperature: 0, seed: 42 });
    expect(sent.messages).toEqual([
      { role: "system", content: "You embody sadness." },
      { role: "user", content: "Speaker: my dog died yesterday." },
    ]);
    expect(sent.format).toBeUndefined();
  });

  test("a structured call sends the zod schema as Ollama's JSON-schema format and parses the answer", async () => {
    replies = [JSON.stringify({ emotion: "sad", confidence: 0.8, rationale: "a loss" })];
    const model = await resolveModel("ollama:qwen2.5:0.5b");
    expect(model.structuredMethod).toBe("jsonSchema");
    const { value, usage } = await invokeStructured(model, dialogue, opinion, { runName: "agent:sadness" });
    expect(value).toEqual({ emotion: "sad", confidence: 0.8, rationale: "a loss" });
    expect(usage.calls).toBe(1);
    const format = requests[0]!.format as { type: string; properties: Record<string, unknown>; required: string[] };
    expect(format.type).toBe("object");
    expect(format.properties.emotion).toMatchObject({ enum: ["sad", "joyful", "angry"] });
    expect(format.properties.confidence).toMatchObject({ type: "number", minimum: 0, maximum: 1 });
    expect(format.required).toEqual(["emotion", "confidence", "rationale"]);
  });

  test("an answer outside the schema is retried once with the validation error shown to the model", async () => {
    replies = [JSON.stringify({ emotion: "melancholic", confidence: 0.5, rationale: "?" }), JSON.stringify({ emotion: "sad", confidence: 0.6, rationale: "loss" })];
    const model = await resolveModel("ollama:llama3.2");
    const { value, usage } = await invokeStructured(model, dialogue, opinion, { runName: "agent:sadness" });
    expect(value.emotion).toBe("sad");
    expect(usage.calls).toBe(2);
    const retry = requests[1]!.messages.at(-1)!;
    expect(retry.role).toBe("user");
    expect(retry.content).toMatch(/That answer was invalid \(emotion: .*\)/);
  });

  test("a model the server lacks: a not-found failure, one line naming `ollama pull`", async () => {
    missingModel = "llama9";
    const model = await resolveModel("ollama:llama9");
    expect(model.identity).toEqual({ provider: "ollama", endpoint: `http://127.0.0.1:${port}`, model: "llama9", params: { temperature: 0, seed: null } });
    const thrown = await model.around!(() => model.chat.invoke(dialogue)).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(OllamaError);
    expect(toModelCallFailure(thrown, model.identity.endpoint)?.kind).toBe("not-found");
    const err = (await invokeText(model, dialogue, { runName: "respond" }).catch((e: unknown) => e)) as ModelCallFailure;
    expect(err).toBeInstanceOf(ModelCallFailure);
    expect(err.kind).toBe("not-found");
    expect(err.message).toBe(`Ollama at http://127.0.0.1:${port} has no model "llama9": run \`ollama pull llama9\` or pick another --model.`);
  });

  test("an unreachable server: a connection failure, one line saying to start it or set OLLAMA_HOST", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const deadPort = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    process.env.OLLAMA_HOST = `http://127.0.0.1:${deadPort}`;
    const model = await resolveModel("ollama:llama3.2");
    const thrown = await model.around!(() => model.chat.invoke(dialogue)).catch((e: unknown) => e);
    expect(thrown).toBeInstanceOf(OllamaError);
    expect(toModelCallFailure(thrown, model.identity.endpoint)?.kind).toBe("connection");
    const err = (await invokeText(model, dialogue, { runName: "respond" }).catch((e: unknown) => e)) as ModelCallFailure;
    expect(err).toBeInstanceOf(ModelCallFailure);
    expect(err.kind).toBe("connection");
    expect(err.message).toBe(
      `Cannot reach Ollama at http://127.0.0.1:${deadPort} (ECONNREFUSED): start it with \`ollama serve\`, or set OLLAMA_HOST to where it runs.`,
    );
  });
});

describe("the loopback server itself", () => {
  test("also answers stream:false with one JSON object, as Ollama does", async () => {
    replies = ["plain"];
    const res = await fetch(`http://127.0.0.1:${port}/api/chat`, {
      method: "POST",
      body: JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }], stream: false }),
    });
    const json = (await res.json()) as { message: { content: string }; done: boolean };
    expect(json.message.content).toBe("plain");
    expect(json.done).toBe(true);
  });
});
