import { describe, expect, test } from "@jest/globals";
import { mkdtempSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AIMessage, HumanMessage, SystemMessage } from "@langchain/core/messages";
import type { ChatGeneration, Generation } from "@langchain/core/outputs";
import { FakeListChatModel } from "@langchain/core/utils/testing";
import { ChatOllama } from "@langchain/ollama";
import { canonicalLlmKey, modelFingerprint, SqliteCache, splitLlmKey, withCache } from "../../store/cache.js";

function dbPath(): string {
  return join(mkdtempSync(join(tmpdir(), "io-cache-")), "cache.sqlite");
}

const KEY =
  '_model:"base_chat_model",_type:"openai",apiKey:"sk-one",baseURL:"http://127.0.0.1:4000/v1",' +
  'response_format:{"type":"json_schema","json_schema":{"name":"a,b","schema":{"enum":["x","y"]}}},' +
  'signal:{},temperature:0,timeout:5000';

describe("the llm key", () => {
  test("is split only at top-level commas", () => {
    expect(splitLlmKey(KEY).map(([k]) => k)).toEqual([
      "_model", "_type", "apiKey", "baseURL", "response_format", "signal", "temperature", "timeout",
    ]);
    expect(splitLlmKey(KEY)[4]?.[1]).toBe('{"type":"json_schema","json_schema":{"name":"a,b","schema":{"enum":["x","y"]}}}');
    // An escaped quote inside a string does not end the string.
    expect(splitLlmKey('a:"x\\",y",b:1')).toEqual([["a", '"x\\",y"'], ["b", "1"]]);
  });

  test("loses secrets and transport settings, keeps what shapes the answer", () => {
    expect(canonicalLlmKey(KEY)).toBe(
      '_model:"base_chat_model",_type:"openai",' +
        'response_format:{"type":"json_schema","json_schema":{"name":"a,b","schema":{"enum":["x","y"]}}},temperature:0',
    );
  });
});

function aiGeneration(): ChatGeneration {
  const message = new AIMessage({
    content: "",
    id: "chatcmpl-1",
    tool_calls: [{ id: "call_7", name: "answer", args: { label: "sad", confidence: 0.75 }, type: "tool_call" }],
    additional_kwargs: { refusal: null },
    response_metadata: { finish_reason: "tool_calls", model_name: "m" },
    usage_metadata: { input_tokens: 12, output_tokens: 5, total_tokens: 17 },
  });
  return { text: "", message, generationInfo: { finish_reason: "tool_calls" } };
}

describe("SqliteCache", () => {
  test("a stored generation comes back with content, tool calls, usage and metadata", async () => {
    const cache = new SqliteCache(dbPath());
    expect(await cache.lookup("Human: hi", KEY)).toBeNull();
    await cache.update("Human: hi", KEY, [aiGeneration()]);
    const back = (await cache.lookup("Human: hi", KEY)) as Generation[] | null;
    expect(back).toHaveLength(1);
    const gen = back?.[0] as ChatGeneration;
    expect(gen.generationInfo).toEqual({ finish_reason: "tool_calls" });
    expect(gen.message).toBeInstanceOf(AIMessage);
    const msg = gen.message as AIMessage;
    expect(msg.id).toBe("chatcmpl-1");
    expect(msg.tool_calls).toEqual([{ id: "call_7", name: "answer", args: { label: "sad", confidence: 0.75 }, type: "tool_call" }]);
    expect(msg.usage_metadata).toEqual({ input_tokens: 12, output_tokens: 5, total_tokens: 17 });
    expect(msg.additional_kwargs).toEqual({ refusal: null });
    expect(msg.response_metadata).toEqual({
      finish_reason: "tool_calls",
      model_name: "m",
      insideout_cache: { usage_metadata: { input_tokens: 12, output_tokens: 5, total_tokens: 17 } },
    });
    expect(cache.stats()).toEqual({ hits: 1, misses: 1, writes: 1 });
    cache.close();
  });

  test("the key covers the prompt and the request parameters, not the API key nor the server address", async () => {
    const cache = new SqliteCache(dbPath());
    await cache.update("Human: hi", KEY, [{ text: "a" }]);
    expect(await cache.lookup("Human: hi!", KEY)).toBeNull();
    expect(await cache.lookup("Human: hi", KEY.replace("temperature:0", "temperature:0.7"))).toBeNull();
    expect(await cache.lookup("Human: hi", KEY.replace('"enum":["x","y"]', '"enum":["x","z"]'))).toBeNull();
    expect(await cache.lookup("Human: hi", KEY.replace("sk-one", "sk-two").replace(":4000/", ":5000/"))).toEqual([{ text: "a" }]);
    expect(await cache.lookup("Human: hi", KEY.replace(",timeout:5000", ""))).toEqual([{ text: "a" }]);
    const other = new SqliteCache(cache.path, { namespace: "server-b" });
    expect(await other.lookup("Human: hi", KEY)).toBeNull();
    expect(cache.stats()).toEqual({ hits: 2, misses: 3, writes: 1 });
    cache.close();
    other.close();
  });

  test("the first answer stored for a request wins", async () => {
    const cache = new SqliteCache(dbPath());
    await cache.update("p", "k:1", [{ text: "first" }]);
    await cache.update("p", "k:1", [{ text: "second" }]);
    expect(await cache.lookup("p", "k:1")).toEqual([{ text: "first" }]);
    expect(cache.size()).toBe(1);
    cache.close();
  });

  test("answers of one turn are committed together: seen at once, first one wins, committed by close()", async () => {
    const path = dbPath();
    const cache = new SqliteCache(path);
    const first = cache.update("p", "k:1", [{ text: "first" }]);
    const second = cache.update("p", "k:1", [{ text: "second" }]);
    const other = new SqliteCache(path);
    // Before its commit, the answer is already a hit on its own connection.
    expect(await cache.lookup("p", "k:1")).toEqual([{ text: "first" }]);
    await Promise.all([first, second]);
    expect(await other.lookup("p", "k:1")).toEqual([{ text: "first" }]);
    void cache.update("q", "k:1", [{ text: "at close" }]);
    cache.close();
    expect(await other.lookup("q", "k:1")).toEqual([{ text: "at close" }]);
    other.close();
  });

  test("entries survive closing, and two connections in one process see each other's writes", async () => {
    const path = dbPath();
    const a = new SqliteCache(path);
    const b = new SqliteCache(path);
    await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? a : b).update(`p${i}`, "k:1", [{ text: `t${i}` }])));
    const seen = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? b : a).lookup(`p${i}`, "k:1")));
    expect(seen.map((g) => g?.[0]?.text)).toEqual(Array.from({ length: 40 }, (_, i) => `t${i}`));
    a.close();
    b.close();
    const c = new SqliteCache(path);
    expect(c.size()).toBe(40);
    expect(await c.lookup("p39", "k:1")).toEqual([{ text: "t39" }]);
    c.close();
  });
});

describe("withCache on a chat model", () => {
  test("a repeated request is answered from the cache, a different one is not", async () => {
    const cache = new SqliteCache(dbPath());
    // The fake model hands out its responses in turn: a second real call would answer "two".
    const chat = withCache(new FakeListChatModel({ responses: ["one", "two", "three"] }), cache);
    const ask = [new SystemMessage("be brief"), new HumanMessage("hello")];
    expect((await chat.invoke(ask)).content).toBe("one");
    expect((await chat.invoke(ask)).content).toBe("one");
    expect((await chat.invoke([new HumanMessage("something else")])).content).toBe("two");
    expect(cache.stats()).toEqual({ hits: 1, misses: 2, writes: 2 });
    cache.close();
  });
});

describe("withCache scopes the cache to the model", () => {
  test("ChatOllama leaves its model out of LangChain's key, and withCache puts it back", async () => {
    const served: string[] = [];
    // Just enough of Ollama's /api/chat (NDJSON stream) for ChatOllama: it answers with the model's name.
    const server = createServer((req, res) => {
      let raw = "";
      req.on("data", (c: Buffer) => (raw += c.toString()));
      req.on("end", () => {
        const body = JSON.parse(raw) as { model: string };
        served.push(body.model);
        res.setHeader("content-type", "application/x-ndjson");
        res.end(
          JSON.stringify({
            model: body.model,
            created_at: new Date().toISOString(),
            message: { role: "assistant", content: `answer from ${body.model}` },
            done: true,
            done_reason: "stop",
            prompt_eval_count: 3,
            eval_count: 4,
          }) + "\n",
        );
      });
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    try {
      const cache = new SqliteCache(dbPath());
      const llama = withCache(new ChatOllama({ model: "llama3.2", baseUrl: `http://127.0.0.1:${port}` }), cache);
      const qwen = withCache(new ChatOllama({ model: "qwen2.5", baseUrl: `http://127.0.0.1:${port}` }), cache);
      expect((await llama.invoke("hi")).content).toBe("answer from llama3.2");
      expect((await qwen.invoke("hi")).content).toBe("answer from qwen2.5");
      expect((await llama.invoke("hi")).content).toBe("answer from llama3.2");
      expect(served).toEqual(["llama3.2", "qwen2.5"]);
      expect(cache.stats()).toEqual({ hits: 1, misses: 2, writes: 2 });

      // Why: attached bare, the two models share one key and qwen gets llama's answer.
      const bare = new SqliteCache(dbPath());
      const llamaBare = new ChatOllama({ model: "llama3.2", baseUrl: `http://127.0.0.1:${port}`, cache: bare });
      const qwenBare = new ChatOllama({ model: "qwen2.5", baseUrl: `http://127.0.0.1:${port}`, cache: bare });
      await llamaBare.invoke("hi");
      expect((await qwenBare.invoke("hi")).content).toBe("answer from llama3.2");
      cache.close();
      bare.close();
    } finally {
      await new Promise<void>((r) => server.close(() => r()));
    }
  });

  test("the model scope covers name and temperature, not the server address", () => {
    const at = (model: string, temperature: number, baseUrl = "http://127.0.0.1:11434"): string =>
      modelFingerprint(new ChatOllama({ model, temperature, baseUrl }));
    expect(at("m", 0)).toBe(at("m", 0));
    expect(at("m", 0)).not.toBe(at("m", 0.7));
    expect(at("m", 0)).not.toBe(at("n", 0));
    expect(at("m", 0, "http://10.0.0.2:11434")).toBe(at("m", 0));
  });
});
