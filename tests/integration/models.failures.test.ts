/**
 * What a failed model call is, over real HTTP to loopback servers: each failure kind classified by
 * toModelCallFailure with the host named, requests the server refused as such left alone, and no API key in anything
 * that comes back when a server echoes it in its errors.
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import { HumanMessage } from "@langchain/core/messages";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { inspect } from "node:util";
import { z } from "zod";
import { askOnce } from "../../models/ask.js";
import { toModelCallFailure } from "../../models/failures.js";
import { openaiModel } from "../../models/openai.js";
import type { ModelOptions } from "../../models/types.js";
import { startFakeOpenAI, type Handler } from "../helpers/openaiServer.js";

const KEY = "test-key-0f1e2d3c4b5a69788796";
const saved = { ...process.env };
const toClose: (() => Promise<void>)[] = [];

afterEach(async () => {
  for (const c of toClose.splice(0)) await c();
  process.env = { ...saved };
});

/** A model on `baseURL` with the test key, quick backoff, and a fresh client each time. */
function modelAt(baseURL: string, options: ModelOptions = {}) {
  process.env.OPENAI_BASE_URL = baseURL;
  process.env.OPENAI_API_KEY = KEY;
  process.env.INSIDEOUT_BACKOFF_MS = "1";
  return openaiModel(`m-${Math.random()}`, { maxRetries: 1, ...options });
}

async function fake(handler: Handler) {
  const s = await startFakeOpenAI(handler);
  toClose.push(s.close);
  return s;
}

/** A server that answers every request with `status`, `type` and `body`, whatever was asked. */
async function fixed(status: number, type: string, body: string) {
  let count = 0;
  const server: Server = createServer((req, res: ServerResponse) => {
    count++;
    req.resume();
    req.on("end", () => res.writeHead(status, { "content-type": type }).end(body));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  toClose.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, count: () => count };
}

async function thrownBy(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected the call to fail");
}

const hi = [new HumanMessage("hi")];

async function failureOf(baseURL: string, options: ModelOptions = {}) {
  const model = modelAt(baseURL, options);
  const error = await thrownBy(model.chat.invoke(hi));
  return { error, failure: toModelCallFailure(error, model.identity.endpoint) };
}

describe("each kind, with the host named", () => {
  it("connection refused", async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/v1`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const { failure } = await failureOf(`${url}/`);
    expect(failure?.kind).toBe("connection");
    expect(failure?.message).toBe(`Cannot reach the model server at ${url} (connection refused): check that it is running, or set OPENAI_BASE_URL / --model.`);
  });

  it("a connection dropped on every attempt", async () => {
    const s = await fake(() => ({ drop: true }));
    const { failure } = await failureOf(s.url);
    expect(failure?.kind).toBe("connection");
    expect(failure?.message).toMatch(new RegExp(`^The model server at ${s.url} closed the connection before answering, 2 times \\(\\d+ ms in all\\): `));
    expect(s.requests).toHaveLength(2);
  });

  it("no answer in time", async () => {
    const s = await fake(async () => {
      await new Promise((r) => setTimeout(r, 1500));
      return "late";
    });
    const { failure } = await failureOf(s.url, { timeoutMs: 200, maxRetries: 0 });
    expect(failure?.kind).toBe("timeout");
    expect(failure?.message).toMatch(new RegExp(`^The model server at ${s.url} did not answer in time.*INSIDEOUT_TIMEOUT_MS\\.$`));
  });

  it.each([
    [401, "auth", "rejected the API key (HTTP 401: Incorrect API key provided.): check OPENAI_API_KEY."],
    [403, "auth", "refused access (HTTP 403: Incorrect API key provided.)"],
    [404, "not-found", "has no such model or route (HTTP 404: Incorrect API key provided.)"],
  ])("HTTP %i is %s, without a retry", async (status, kind, words) => {
    const s = await fake(() => ({ status, body: JSON.stringify({ error: { message: "Incorrect API key provided.", code: "x" } }) }));
    const { failure } = await failureOf(s.url);
    expect(failure?.kind).toBe(kind);
    expect(failure?.message).toContain(`The model server at ${s.url} ${words}`);
    expect(s.requests).toHaveLength(1);
  });

  it.each([
    [429, "rate-limit", "kept rate-limiting after 3 attempts (HTTP 429"],
    [500, "server", "kept failing after 3 attempts (HTTP 500"],
    [503, "server", "kept failing after 3 attempts (HTTP 503"],
  ])("HTTP %i after the retries is %s", async (status, kind, words) => {
    const s = await fake(() => ({ status }));
    const { failure } = await failureOf(s.url, { maxRetries: 2 });
    expect(failure?.kind).toBe(kind);
    expect(failure?.message).toContain(`The model server at ${s.url} ${words}`);
    expect(s.requests).toHaveLength(3);
  });

  it.each([
    ["an HTML page", "text/html", "<html><body>Welcome to nginx!</body></html>", 1, "a text/html answer instead of JSON"],
    ["no choices", "application/json", JSON.stringify({ id: "x", object: "chat.completion", choices: [] }), 1, "no choices in the answer"],
    ["JSON of something else", "application/json", JSON.stringify({ status: "ok" }), 1, "JSON without `choices`"],
    ["unparseable JSON, retried first", "application/json", '{"id": "x", "choices": [', 2, "malformed JSON 2 times"],
  ])("a 200 with %s is a protocol failure", async (_what, type, body, requests, detail) => {
    const s = await fixed(200, type, body);
    const { failure } = await failureOf(s.url);
    expect(failure?.kind).toBe("protocol");
    expect(failure?.message).toContain(`The model server at ${s.url} did not answer as an OpenAI-compatible server (`);
    expect(failure?.message).toContain(detail);
    expect(s.count()).toBe(requests);
  });

  it("a 200 that is not JSON, to the structured request, is a protocol failure", async () => {
    const s = await fixed(200, "text/html", "<html>login</html>");
    const model = modelAt(s.url);
    expect(model.structuredMethod).toBe("responseFormat");
    const error = await thrownBy(askOnce(model, hi, z.object({ a: z.string() }), { runName: "t" }));
    const failure = toModelCallFailure(error, model.identity.endpoint);
    expect(failure?.kind).toBe("protocol");
    expect(failure?.message).toContain("a text/html answer instead of JSON");
  });
});

describe("requests the server refused as such are no answer of the model (issue 23: as a refused batch line)", () => {
  it.each([400, 422])("HTTP %i is a ModelCallFailure of kind request, not retried", async (status) => {
    const s = await fake(() => ({ status }));
    const { failure } = await failureOf(s.url);
    expect(failure?.kind).toBe("request");
    expect(failure?.message).toContain(`refused the request (HTTP ${status}`);
    expect(s.requests).toHaveLength(1);
  });
});

/** Everything an error carries that could reach a user, a trace or a file: messages, fields and causes. */
function everythingIn(error: unknown): string {
  const parts: string[] = [];
  for (let e = error, depth = 0; e && typeof e === "object" && depth < 10; e = (e as { cause?: unknown }).cause, depth++) {
    parts.push(String(e), inspect(e, { depth: 8, showHidden: true }));
    try {
      parts.push(JSON.stringify(e));
    } catch {
      // Circular: inspect has it already.
    }
  }
  return parts.join("\n");
}

describe("a server that echoes the API key in its errors", () => {
  it.each([401, 500])("HTTP %i: no key in the error, its message or its causes", async (status) => {
    let seenAuth = "";
    // The echo is exactly the header as sent.
    const server: Server = createServer((req, res) => {
      seenAuth = req.headers.authorization ?? "";
      req.resume();
      req.on("end", () =>
        res
          .writeHead(status, { "content-type": "application/json" })
          .end(JSON.stringify({ error: { message: `Bad credentials: ${seenAuth} (key ${KEY})`, type: "invalid_request_error" } })),
      );
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    toClose.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    const { error, failure } = await failureOf(url, { maxRetries: 0 });
    expect(seenAuth).toBe(`Bearer ${KEY}`);
    expect(failure?.kind).toBe(status === 401 ? "auth" : "server");
    expect((error as Error).message).toContain("[secret]");
    expect(everythingIn(error)).not.toContain(KEY);
    expect(everythingIn(failure)).not.toContain(KEY);
    // And the masking did not swallow the rest of the server's words.
    expect(failure?.message).toContain("Bad credentials: Bearer [secret]");
  });
});
