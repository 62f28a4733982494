/**
 * The lean chat-completions path (models/openaiCompletions.ts) against the OpenAI SDK's own, over real HTTP to the
 * same loopback server: the SDK is the oracle. The same request must reach the server, the same message come back,
 * and every failure must surface as the same error (class, name, message, status, LangChain error code).
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { HumanMessage, SystemMessage, type AIMessage } from "@langchain/core/messages";
import { ChatOpenAI, type ChatOpenAIFields } from "@langchain/openai";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { resilientFetch } from "../../models/limits.js";
import { LeanCompletions } from "../../models/openaiCompletions.js";
import { startFakeOpenAI, type Answer, type FakeOpenAI } from "../helpers/openaiServer.js";

let server: FakeOpenAI;
let next: Answer = "{}";

beforeAll(async () => {
  server = await startFakeOpenAI(() => next);
});
afterAll(async () => {
  await server.close();
});

function pair(baseURL: string, extra: Partial<ChatOpenAIFields> = {}, timeoutMs = 5000) {
  const fields: ChatOpenAIFields = {
    model: "gpt-test",
    apiKey: "sk-lean-test",
    configuration: { baseURL, fetch: resilientFetch({ timeoutMs, maxRetries: 0 }), organization: "org-1", project: "proj-1" },
    temperature: 0,
    maxRetries: 0,
    ...extra,
  };
  return { sdk: new ChatOpenAI(fields), lean: new ChatOpenAI({ ...fields, completions: new LeanCompletions(fields) }) };
}

const messages = [new SystemMessage("You are an expert in emotions."), new HumanMessage("My cat died.")];
const RESPONSE_FORMAT = {
  type: "json_schema",
  json_schema: { name: "answer", strict: true, schema: { type: "object", properties: { emotion: { type: "string" } }, required: ["emotion"], additionalProperties: false } },
};

/** What a caller can observe of an error. */
function describeError(e: unknown) {
  const err = e as Error & { status?: number; lc_error_code?: string };
  return { class: err.constructor.name, name: err.name, message: err.message, status: err.status, code: err.lc_error_code };
}

async function errorOf(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    return describeError(e);
  }
  throw new Error("expected the call to fail");
}

describe("lean chat completions, with the OpenAI SDK as the oracle", () => {
  it("sends the same request body and credentials, and returns the same message", async () => {
    const { sdk, lean } = pair(server.url, { modelKwargs: { seed: 7 } });
    next = JSON.stringify({ emotion: "sad" });
    const options = { response_format: RESPONSE_FORMAT } as Record<string, unknown>;
    const fromSdk = (await sdk.invoke(messages, options)) as AIMessage;
    const fromLean = (await lean.invoke(messages, options)) as AIMessage;
    const [viaSdk, viaLean] = server.requests.slice(-2);
    expect(viaLean).toEqual(viaSdk);
    expect(viaLean!.response_format).toEqual(RESPONSE_FORMAT);
    expect(viaLean!.seed).toBe(7);
    const [hSdk, hLean] = server.headers.slice(-2);
    for (const h of ["authorization", "content-type", "openai-organization", "openai-project", "user-agent"]) {
      expect(hLean![h]).toBe(hSdk![h]);
    }
    expect(hLean!.authorization).toBe("Bearer sk-lean-test");
    expect(fromLean.content).toBe(fromSdk.content);
    expect(fromLean.usage_metadata).toEqual(fromSdk.usage_metadata);
    expect(fromLean.response_metadata).toEqual(fromSdk.response_metadata);
  });

  it("returns tool calls as the SDK path does", async () => {
    const { sdk, lean } = pair(server.url);
    next = { toolCall: { name: "answer", arguments: JSON.stringify({ emotion: "joyful" }) } };
    const tool = { type: "function", function: { name: "answer", description: "d", parameters: RESPONSE_FORMAT.json_schema.schema } };
    const fromSdk = (await sdk.bindTools([tool]).invoke(messages)) as AIMessage;
    const fromLean = (await lean.bindTools([tool]).invoke(messages)) as AIMessage;
    expect(server.requests.at(-1)).toEqual(server.requests.at(-2));
    expect(fromLean.tool_calls).toEqual(fromSdk.tool_calls);
    expect(fromLean.tool_calls?.[0]?.args).toEqual({ emotion: "joyful" });
  });

  it.each<[string, Answer]>([
    ["400 with an OpenAI error body", { status: 400, body: JSON.stringify({ error: { message: "bad schema", type: "invalid_request_error" } }) }],
    ["401", { status: 401, body: JSON.stringify({ error: { message: "Incorrect API key provided", code: "invalid_api_key" } }) }],
    ["404", { status: 404, body: JSON.stringify({ error: { message: "The model does not exist" } }) }],
    ["429", { status: 429, body: JSON.stringify({ error: { message: "slow down" } }) }],
    ["500 with a body that is not JSON", { status: 500, body: "upstream exploded" }],
    ["a dropped connection", { drop: true }],
  ])("fails with the SDK's error on %s", async (_what, answer) => {
    const { sdk, lean } = pair(server.url);
    next = answer;
    const expected = await errorOf(sdk.invoke(messages));
    expect(await errorOf(lean.invoke(messages))).toEqual(expected);
  });

  it("fails with the SDK's error when nobody listens", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const { port } = closed.address() as AddressInfo;
    await new Promise<void>((r) => closed.close(() => r()));
    const { sdk, lean } = pair(`http://127.0.0.1:${port}/v1`);
    const expected = await errorOf(sdk.invoke(messages));
    expect(expected.class).toBe("APIConnectionError");
    expect(await errorOf(lean.invoke(messages))).toEqual(expected);
  });

  describe("against a server that never answers", () => {
    let silent: Server;
    let url: string;
    beforeAll(async () => {
      silent = createServer(() => {});
      await new Promise<void>((r) => silent.listen(0, "127.0.0.1", r));
      url = `http://127.0.0.1:${(silent.address() as AddressInfo).port}/v1`;
    });
    afterAll(async () => {
      silent.closeAllConnections();
      await new Promise<void>((r) => silent.close(() => r()));
    });

    it("times out with the SDK's error", async () => {
      const { sdk, lean } = pair(url, {}, 150);
      const expected = await errorOf(sdk.invoke(messages));
      expect(expected.name).toBe("TimeoutError");
      expect(await errorOf(lean.invoke(messages))).toEqual(expected);
    });

    it("is aborted by the caller's signal with the SDK's error", async () => {
      const { sdk, lean } = pair(url);
      const run = async (chat: ChatOpenAI) => {
        const controller = new AbortController();
        setTimeout(() => controller.abort(), 100);
        return errorOf(chat.invoke(messages, { signal: controller.signal }));
      };
      const expected = await run(sdk);
      expect(await run(lean)).toEqual(expected);
    });
  });

  it("leaves streamed requests to the SDK", async () => {
    const { lean } = pair(server.url);
    next = "I'm so sorry.";
    let text = "";
    for await (const chunk of await lean.stream(messages)) text += String(chunk.content);
    expect(text).toBe("I'm so sorry.");
    expect(server.requests.at(-1)!.stream).toBe(true);
  });
});
