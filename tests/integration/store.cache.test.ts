/**
 * The SQLite LLM cache with a real ChatOpenAI over HTTP: a loopback OpenAI-compatible server counts the requests that
 * actually reach it. Also: a second process reading the same file, and a writer killed with SIGKILL.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import Database from "better-sqlite3";
import type { AIMessage, BaseMessage } from "@langchain/core/messages";
import { ChatOpenAI } from "@langchain/openai";
import { transformFileSync } from "@swc/core";
import { z } from "zod";
import { SqliteCache, withCache } from "../../store/cache.js";

interface Seen {
  body: { model: string; temperature?: number; tools?: unknown[]; response_format?: unknown };
}

const requests: Seen[] = [];
let server: Server;
let baseURL = "";

/** Answers every request differently (the request number is in the answer), so a replay is told from a new call. */
function handle(req: IncomingMessage, res: ServerResponse): void {
  let raw = "";
  req.on("data", (c: Buffer) => (raw += c.toString("utf8")));
  req.on("end", () => {
    const body = JSON.parse(raw) as Seen["body"];
    requests.push({ body });
    const n = requests.length;
    const answer = JSON.stringify({ label: "sad", confidence: n / 100 });
    const tools = body.tools as Array<{ function: { name: string } }> | undefined;
    const message = tools?.length
      ? {
          role: "assistant",
          content: null,
          tool_calls: [{ id: `call_${n}`, type: "function", function: { name: tools[0]!.function.name, arguments: answer } }],
        }
      : { role: "assistant", content: answer };
    res.setHeader("content-type", "application/json");
    res.end(
      JSON.stringify({
        id: `chatcmpl-${n}`,
        object: "chat.completion",
        created: 1700000000,
        model: body.model,
        choices: [{ index: 0, message, finish_reason: tools?.length ? "tool_calls" : "stop" }],
        usage: { prompt_tokens: 20 + n, completion_tokens: 7, total_tokens: 27 + n },
      }),
    );
  });
}

beforeAll(async () => {
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

const Answer = z.object({ label: z.enum(["sad", "joyful"]), confidence: z.number() });
const MESSAGES: Array<[string, string]> = [
  ["system", "You label the speaker's emotion."],
  ["human", "I lost my keys again."],
];

function chat(cache: SqliteCache, temperature = 0): ChatOpenAI {
  return withCache(new ChatOpenAI({ model: "gpt-4o-mini", apiKey: "sk-test", configuration: { baseURL }, temperature, maxRetries: 0 }), cache);
}

function dbPath(): string {
  return join(mkdtempSync(join(tmpdir(), "io-cache-it-")), "llm.sqlite");
}

type Structured = { raw: BaseMessage; parsed: z.infer<typeof Answer> };

describe("SqliteCache with ChatOpenAI over HTTP", () => {
  test("a structured call made twice reaches the server once and replays exactly", async () => {
    const cache = new SqliteCache(dbPath());
    const before = requests.length;
    const model = chat(cache).withStructuredOutput(Answer, { name: "answer", includeRaw: true });
    const first = (await model.invoke(MESSAGES)) as Structured;
    const second = (await model.invoke(MESSAGES)) as Structured;
    expect(requests.length - before).toBe(1);
    expect(first.parsed).toEqual({ label: "sad", confidence: (before + 1) / 100 });
    expect(second.parsed).toEqual(first.parsed);
    expect(second.raw.content).toBe(first.raw.content);
    expect(second.raw.id).toBe(first.raw.id);
    // LangChain zeroes usage on a hit; the original is kept alongside.
    expect((second.raw as AIMessage).usage_metadata).toEqual({ input_tokens: 0, output_tokens: 0, total_tokens: 0 });
    expect((second.raw.response_metadata as Record<string, unknown>).insideout_cache).toEqual({
      usage_metadata: expect.objectContaining({ input_tokens: 20 + before + 1, output_tokens: 7 }),
    });
    expect(cache.stats()).toEqual({ hits: 1, misses: 1, writes: 1 });

    // Cache-hit latency, for the report.
    const t0 = performance.now();
    for (let i = 0; i < 50; i++) await model.invoke(MESSAGES);
    console.log(`cached structured invoke: ${((performance.now() - t0) / 50).toFixed(2)} ms per call`);
    await cache.update("System: x\nHuman: y", "k:1", [{ text: "z".repeat(300) }]);
    const t1 = performance.now();
    for (let i = 0; i < 1000; i++) await cache.lookup("System: x\nHuman: y", "k:1");
    const t2 = performance.now();
    for (let i = 0; i < 1000; i++) await cache.lookup("System: x\nHuman: absent", "k:1");
    console.log(
      `SqliteCache.lookup: hit ${((t2 - t1) / 1000).toFixed(3)} ms, miss ${((performance.now() - t2) / 1000).toFixed(3)} ms`,
    );
    expect(requests.length - before).toBe(1);
    cache.close();
  });

  test("different request parameters are a miss: temperature, schema, structured-output method", async () => {
    const cache = new SqliteCache(dbPath());
    const before = requests.length;
    await chat(cache, 0).withStructuredOutput(Answer, { name: "answer" }).invoke(MESSAGES);
    await chat(cache, 0.5).withStructuredOutput(Answer, { name: "answer" }).invoke(MESSAGES);
    expect(requests.length - before).toBe(2);
    expect(requests.at(-1)?.body.temperature).toBe(0.5);
    const Wider = z.object({ label: z.enum(["sad", "joyful", "proud"]), confidence: z.number() });
    await chat(cache, 0).withStructuredOutput(Wider, { name: "answer" }).invoke(MESSAGES);
    expect(requests.length - before).toBe(3);
    const viaTools = chat(cache, 0).withStructuredOutput(Answer, { name: "answer", method: "functionCalling", includeRaw: true });
    const t1 = (await viaTools.invoke(MESSAGES)) as Structured;
    expect(requests.length - before).toBe(4);
    expect(requests.at(-1)?.body.tools).toHaveLength(1);
    // ... and the tool-call answer replays with its tool calls intact.
    const t2 = (await viaTools.invoke(MESSAGES)) as Structured;
    expect(requests.length - before).toBe(4);
    expect((t2.raw as AIMessage).tool_calls).toEqual((t1.raw as AIMessage).tool_calls);
    expect((t2.raw as AIMessage).tool_calls?.[0]?.id).toBe(`call_${before + 4}`);
    expect(t2.parsed).toEqual({ label: "sad", confidence: (before + 4) / 100 });
    expect(cache.stats()).toEqual({ hits: 1, misses: 4, writes: 4 });
    cache.close();
  });
});

/**
 * Child processes run the real store/cache.ts, transpiled by SWC (as jest does) into a scratch folder inside
 * node_modules so that its package imports resolve.
 */
describe("SqliteCache across processes", () => {
  const scratch = resolve("node_modules", ".cache", "insideout-tests", `cache-${process.pid}`);

  beforeAll(() => {
    mkdirSync(scratch, { recursive: true });
    const { code } = transformFileSync(resolve("store", "cache.ts"), {
      jsc: { target: "es2022", parser: { syntax: "typescript" } },
      module: { type: "es6" },
    });
    writeFileSync(join(scratch, "cache.mjs"), code);
    writeFileSync(
      join(scratch, "child.mjs"),
      `
import { ChatOpenAI } from "@langchain/openai";
import { z } from "zod";
import { SqliteCache, withCache } from "./cache.mjs";
const [mode, path, baseURL] = process.argv.slice(2);
const cache = new SqliteCache(path);
if (mode === "replay") {
  const Answer = z.object({ label: z.enum(["sad", "joyful"]), confidence: z.number() });
  const chat = withCache(new ChatOpenAI({ model: "gpt-4o-mini", apiKey: "sk-other", configuration: { baseURL }, temperature: 0, maxRetries: 0 }), cache);
  const out = await chat.withStructuredOutput(Answer, { name: "answer" }).invoke(${JSON.stringify(MESSAGES)});
  console.log(JSON.stringify({ parsed: out, stats: cache.stats() }));
} else {
  const big = "x".repeat(20000);
  for (let i = 0; ; i++) {
    await cache.update("prompt " + i, "k:1", [{ text: big + i }]);
    console.log("wrote " + i);
  }
}
`,
    );
  });

  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  test("a second process reading the same file gets hits and makes no request", async () => {
    const path = dbPath();
    const cache = new SqliteCache(path);
    const before = requests.length;
    const first = await chat(cache).withStructuredOutput(Answer, { name: "answer" }).invoke(MESSAGES);
    expect(requests.length - before).toBe(1);
    // The parent keeps its connection open: the child reads while another connection has the file.
    const child = spawn(process.execPath, [join(scratch, "child.mjs"), "replay", path, baseURL], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    const code = await new Promise<number | null>((r) => child.on("close", r));
    expect(err).toBe("");
    expect(code).toBe(0);
    const result = JSON.parse(out) as { parsed: unknown; stats: { hits: number; misses: number } };
    expect(result.parsed).toEqual(first);
    expect(result.stats).toEqual({ hits: 1, misses: 0, writes: 0 });
    expect(requests.length - before).toBe(1);
    cache.close();
  });

  test("a writer killed with SIGKILL leaves a usable file with every write it reported", async () => {
    const path = dbPath();
    const child = spawn(process.execPath, [join(scratch, "child.mjs"), "write", path], { stdio: ["ignore", "pipe", "inherit"] });
    let lastReported = -1;
    let buffer = "";
    await new Promise<void>((resolveKill) => {
      child.stdout.on("data", (c: Buffer) => {
        buffer += c.toString();
        const lines = buffer.split("\n");
        buffer = lines.pop() ?? "";
        for (const l of lines) {
          const m = /^wrote (\d+)$/.exec(l);
          if (m) lastReported = Number(m[1]);
        }
        if (lastReported >= 200 && child.exitCode === null && !child.killed) {
          child.kill("SIGKILL");
          resolveKill();
        }
      });
    });
    const signal = await new Promise<NodeJS.Signals | null>((r) => child.on("close", (_code, s) => r(s)));
    expect(signal).toBe("SIGKILL");

    const db = new Database(path);
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    db.close();
    const cache = new SqliteCache(path);
    // Everything the writer said it committed is there (it may have committed one or two more before dying).
    expect(cache.size()).toBeGreaterThanOrEqual(lastReported + 1);
    for (const i of [0, Math.floor(lastReported / 2), lastReported]) {
      const g = await cache.lookup(`prompt ${i}`, "k:1");
      expect(g?.[0]?.text.endsWith(String(i))).toBe(true);
      expect(g?.[0]?.text.length).toBe(20000 + String(i).length);
    }
    await cache.update("after the crash", "k:1", [{ text: "fine" }]);
    expect(await cache.lookup("after the crash", "k:1")).toEqual([{ text: "fine" }]);
    cache.close();
  });
});
