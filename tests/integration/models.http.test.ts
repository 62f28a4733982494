/**
 * resilientFetch over real HTTP to loopback servers: what reaches the server and what comes back (genuine Responses),
 * keep-alive reuse, each fault, abort and timeout, credentials masked out of error answers, answers that are not chat
 * completions, streams passed through.
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import { HumanMessage } from "@langchain/core/messages";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Socket } from "node:net";
import { resilientFetch, TransportError } from "../../models/limits.js";
import { openaiModel } from "../../models/openai.js";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/openaiServer.js";

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage["headers"];
  body: string;
  socket: Socket;
}

/** A server whose handler sees each request whole; it records the requests and the sockets they came on. */
async function startRaw(handle: (seen: Seen, res: ServerResponse) => void) {
  const seen: Seen[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const s = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks).toString(), socket: req.socket };
      seen.push(s);
      handle(s, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return { url, seen, close, sockets: () => new Set(seen.map((s) => s.socket)).size };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) =>
  res.writeHead(status, { "content-type": "application/json", ...headers }).end(JSON.stringify(body));

const toClose: (() => Promise<void>)[] = [];

/** A server whose first answer (and the first after each `stallNext()`) comes after 1 s; the others at once. */
async function stallingServer() {
  let n = 0;
  const s = await startRaw((_seen, res) => {
    if (n++ === 0) setTimeout(() => json(res, 200, { late: true }), 1000);
    else json(res, 200, { late: false });
  });
  toClose.push(s.close);
  return { s, stallNext: () => (n = 0) };
}
const saved = { ...process.env };
afterEach(async () => {
  for (const c of toClose.splice(0)) await c();
  process.env = { ...saved };
});

const chatBody = JSON.stringify({ model: "m", messages: [{ role: "user", content: "hi" }] });
const post = (headers: RequestInit["headers"] = { "content-type": "application/json" }) => ({ method: "POST", body: chatBody, headers });

describe("what goes over the wire", () => {
  it("sends method, headers (Headers, object or pairs) and body; returns status, headers and body", async () => {
    const s = await startRaw((_seen, res) => json(res, 201, { ok: true }, { "x-request-id": "req_1", "retry-after": "3" }));
    toClose.push(s.close);
    const f = resilientFetch();
    for (const headers of [new Headers({ Authorization: "Bearer k" }), { Authorization: "Bearer k" }, [["Authorization", "Bearer k"]] as [string, string][]]) {
      const res = await f(`${s.url}/v1/things`, post(headers));
      expect(res).toBeInstanceOf(Response);
      expect(res.status).toBe(201);
      expect(res.ok).toBe(true);
      expect(res.headers.get("X-Request-Id")).toBe("req_1");
      expect([...res.headers.entries()]).toContainEqual(["retry-after", "3"]);
      expect(await res.text()).toBe('{"ok":true}');
    }
    for (const seen of s.seen) {
      expect(seen.method).toBe("POST");
      expect(seen.url).toBe("/v1/things");
      expect(seen.headers.authorization).toBe("Bearer k");
      expect(seen.headers["content-length"]).toBe(String(Buffer.byteLength(chatBody)));
      expect(seen.body).toBe(chatBody);
    }
  });

  it("sends a byte body and a bodiless GET", async () => {
    const s = await startRaw((seen, res) => json(res, 200, { got: seen.body }));
    toClose.push(s.close);
    const f = resilientFetch();
    const bytes = await f(s.url, { method: "post", body: new TextEncoder().encode("é") });
    expect(await bytes.json()).toEqual({ got: "é" });
    const get = await f(s.url);
    expect(await get.json()).toEqual({ got: "" });
    expect(s.seen.map((x) => x.method)).toEqual(["POST", "GET"]);
  });

  it("reuses kept-alive connections for sequential requests", async () => {
    const s = await startRaw((_seen, res) => json(res, 200, {}));
    toClose.push(s.close);
    const f = resilientFetch();
    for (let i = 0; i < 10; i++) expect((await f(s.url, post())).status).toBe(200);
    expect(s.seen).toHaveLength(10);
    // undici opens a second socket while the first is being handed back, then alternates between the two.
    expect(s.sockets()).toBeLessThanOrEqual(2);
  });

  it("passes a non-retryable error status through with its body, once", async () => {
    const s = await startRaw((_seen, res) => json(res, 404, { error: { message: "no such model" } }));
    toClose.push(s.close);
    const res = await resilientFetch()(s.url, post());
    expect(res.status).toBe(404);
    expect(res.ok).toBe(false);
    expect(await res.text()).toContain("no such model");
    expect(s.seen).toHaveLength(1);
  });
});

describe("faults", () => {
  it("retries a dropped connection, and says so when out of retries", async () => {
    const s = await startRaw((seen) => seen.socket.destroy());
    toClose.push(s.close);
    const error = await resilientFetch({ maxRetries: 2, baseBackoffMs: 1 })(s.url, post()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TransportError);
    expect(error).toMatchObject({ kind: "connection", message: expect.stringMatching(/failed 3 times; last: the connection closed before an answer/) });
    expect(s.seen).toHaveLength(3);
  });

  it("retries a 2xx whose JSON is malformed, and calls it a protocol error when out of retries", async () => {
    let n = 0;
    const s = await startRaw((_seen, res) => (n++ === 0 ? res.writeHead(200, { "content-type": "application/json" }).end("{") : json(res, 200, { fine: 1 })));
    toClose.push(s.close);
    const res = await resilientFetch({ baseBackoffMs: 1 })(s.url, post());
    expect(await res.json()).toEqual({ fine: 1 });
    expect(s.seen).toHaveLength(2);
    n = 0;
    await expect(resilientFetch({ maxRetries: 0 })(s.url, post())).rejects.toMatchObject({ kind: "protocol", message: "The model server answered with malformed JSON 1 time." });
  });

  it("times out a stalled answer, then retries", async () => {
    const { s, stallNext } = await stallingServer();
    const t0 = performance.now();
    const res = await resilientFetch({ timeoutMs: 100, baseBackoffMs: 1 })(s.url, post());
    expect(await res.json()).toEqual({ late: false });
    expect(performance.now() - t0).toBeLessThan(800);
    stallNext();
    await expect(resilientFetch({ timeoutMs: 100, maxRetries: 0 })(s.url, post())).rejects.toMatchObject({
      kind: "timeout",
      message: "The model server failed 1 time; last: no answer within 100 ms.",
    });
  });

  it("times out a body that stalls after the headers", async () => {
    const s = await startRaw((_seen, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write('{"partial":');
    });
    toClose.push(s.close);
    await expect(resilientFetch({ timeoutMs: 150, maxRetries: 0 })(s.url, post())).rejects.toThrow(/no answer within 150 ms/);
  });

  it("does not retry a refused connection", async () => {
    const s = await startRaw(() => {});
    await s.close();
    const t0 = performance.now();
    await expect(resilientFetch({ baseBackoffMs: 5000 })(s.url, post())).rejects.toMatchObject({ cause: { code: "ECONNREFUSED" } });
    expect(performance.now() - t0).toBeLessThan(1000);
  });

  it("throws the caller's abort reason at once, without a retry", async () => {
    const s = await startRaw(() => {});
    toClose.push(s.close);
    const controller = new AbortController();
    const reason = new Error("user cancelled");
    setTimeout(() => controller.abort(reason), 100);
    await expect(resilientFetch({ baseBackoffMs: 1 })(s.url, { ...post(), signal: controller.signal })).rejects.toBe(reason);
    expect(s.seen).toHaveLength(1);
    await expect(resilientFetch()(s.url, { ...post(), signal: controller.signal })).rejects.toBe(reason);
    expect(s.seen).toHaveLength(1);
  });

  it("does not retry a port that fetch refuses outright", async () => {
    await expect(resilientFetch({ baseBackoffMs: 5000 })("http://127.0.0.1:9/v1", post())).rejects.toMatchObject({ cause: { message: "bad port" } });
  });
});

describe("credentials in error answers", () => {
  it("masks the request's own key and the environment's out of an error answer's body, status text and headers", async () => {
    process.env.SOME_SERVICE_TOKEN = "env-token-abcdef123456";
    const s = await startRaw((seen, res) => {
      const auth = String(seen.headers.authorization);
      res.writeHead(500, "Bad " + auth, { "content-type": "application/json", "x-echo": auth });
      res.end(JSON.stringify({ error: { message: `you sent ${auth}; also env-token-abcdef123456` } }));
    });
    toClose.push(s.close);
    const res = await resilientFetch({ maxRetries: 0 })(s.url, post({ Authorization: "Bearer code-given-key-987654" }));
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { message: "you sent Bearer [secret]; also [secret]" } });
    expect(res.statusText).toBe("Bad Bearer [secret]");
    expect(res.headers.get("x-echo")).toBe("Bearer [secret]");
  });

  it("leaves a 2xx answer as it came", async () => {
    const s = await startRaw((seen, res) => json(res, 200, { echo: seen.headers.authorization }));
    toClose.push(s.close);
    const res = await resilientFetch()(s.url, post({ Authorization: "Bearer code-given-key-987654" }));
    expect(await res.json()).toEqual({ echo: "Bearer code-given-key-987654" });
  });
});

describe("answers to chat completions that are not chat completions", () => {
  it("an HTML 200 fails at once as a protocol error; the same at another path is left alone", async () => {
    const s = await startRaw((_seen, res) => res.writeHead(200, { "content-type": "text/html" }).end("<html>hello</html>"));
    toClose.push(s.close);
    await expect(resilientFetch({ baseBackoffMs: 1 })(`${s.url}/v1/chat/completions`, post())).rejects.toMatchObject({
      kind: "protocol",
      message: "The model server's answer is not a chat completion: a text/html answer instead of JSON.",
    });
    expect(s.seen).toHaveLength(1);
    expect(await (await resilientFetch()(`${s.url}/v1/models`, post())).text()).toBe("<html>hello</html>");
  });
});

describe("through ChatOpenAI and the global fetch", () => {
  it("follows a redirect", async () => {
    const s = await startRaw((seen, res) => {
      if (seen.url === "/old") res.writeHead(307, { location: "/new" }).end();
      else json(res, 200, { at: seen.url, body: seen.body });
    });
    toClose.push(s.close);
    const res = await resilientFetch()(`${s.url}/old`, post());
    expect(await res.json()).toEqual({ at: "/new", body: chatBody });
  });

  it("streams a streamed request, through ChatOpenAI", async () => {
    const server: FakeOpenAI = await startFakeOpenAI(() => "hello there");
    toClose.push(server.close);
    process.env.OPENAI_BASE_URL = server.url;
    process.env.OPENAI_API_KEY = "sk-test";
    const chat = openaiModel(`stream-${Math.random()}`, {}).chat;
    let text = "";
    for await (const chunk of await chat.stream([new HumanMessage("hi")])) text += String(chunk.content);
    expect(text).toBe("hello there");
    expect(server.requests[0]!.stream).toBe(true);
  });

  it("uses the fetch passed in, with the timeout and retries", async () => {
    const { s } = await stallingServer();
    let calls = 0;
    const counted = (input: string | URL | Request, init?: RequestInit) => {
      calls++;
      return fetch(input, init);
    };
    const res = await resilientFetch({ timeoutMs: 100, baseBackoffMs: 1 }, counted)(s.url, post());
    expect(await res.json()).toEqual({ late: false });
    expect(s.seen).toHaveLength(2);
    expect(calls).toBe(2);
  });
});
