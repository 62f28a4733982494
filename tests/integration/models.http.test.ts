/**
 * The lean node:http transport under resilientFetch, over real HTTP to loopback servers: what reaches the server and
 * what comes back, keep-alive reuse, each fault, abort and timeout, and the fallbacks to the global fetch.
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import { HumanMessage } from "@langchain/core/messages";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Socket } from "node:net";
import { leanFetch, TimeoutError } from "../../models/http.js";
import { resilientFetch } from "../../models/limits.js";
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
      const res = await f(`${s.url}/v1/chat/completions`, post(headers));
      expect(res.status).toBe(201);
      expect(res.ok).toBe(true);
      expect(res.url).toBe(`${s.url}/v1/chat/completions`);
      expect(res.headers.get("X-Request-Id")).toBe("req_1");
      expect([...res.headers.entries()]).toContainEqual(["retry-after", "3"]);
      expect(await res.json()).toEqual({ ok: true });
      expect(await res.text()).toBe('{"ok":true}');
    }
    for (const seen of s.seen) {
      expect(seen.method).toBe("POST");
      expect(seen.url).toBe("/v1/chat/completions");
      expect(seen.headers.authorization).toBe("Bearer k");
      expect(seen.headers["content-length"]).toBe(String(Buffer.byteLength(chatBody)));
      expect(seen.body).toBe(chatBody);
    }
  });

  it("sends a byte body and a bodiless GET", async () => {
    const s = await startRaw((seen, res) => json(res, 200, { got: seen.body }));
    toClose.push(s.close);
    const bytes = await leanFetch(s.url, { method: "post", body: new TextEncoder().encode("é") }, 1000);
    expect(await bytes.json()).toEqual({ got: "é" });
    const get = await leanFetch(s.url, undefined, 1000);
    expect(await get.json()).toEqual({ got: "" });
    expect(s.seen.map((x) => x.method)).toEqual(["POST", "GET"]);
  });

  it("reuses one kept-alive connection for sequential requests", async () => {
    const s = await startRaw((_seen, res) => json(res, 200, {}));
    toClose.push(s.close);
    const f = resilientFetch();
    for (let i = 0; i < 5; i++) expect((await f(s.url, post())).status).toBe(200);
    expect(s.seen).toHaveLength(5);
    expect(s.sockets()).toBe(1);
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
    await expect(resilientFetch({ maxRetries: 2, baseBackoffMs: 1 })(s.url, post())).rejects.toThrow(
      /failed 3 times; last: a dropped connection/,
    );
    expect(s.seen).toHaveLength(3);
  });

  it("retries a 2xx whose JSON is malformed", async () => {
    let n = 0;
    const s = await startRaw((_seen, res) => (n++ === 0 ? res.writeHead(200, { "content-type": "application/json" }).end("{") : json(res, 200, { fine: 1 })));
    toClose.push(s.close);
    const res = await resilientFetch({ baseBackoffMs: 1 })(s.url, post());
    expect(await res.json()).toEqual({ fine: 1 });
    expect(s.seen).toHaveLength(2);
  });

  it("times out a stalled answer, then retries", async () => {
    const { s, stallNext } = await stallingServer();
    await expect(leanFetch(s.url, post(), 100)).rejects.toBeInstanceOf(TimeoutError);
    stallNext();
    const t0 = performance.now();
    const res = await resilientFetch({ timeoutMs: 100, baseBackoffMs: 1 })(s.url, post());
    expect(await res.json()).toEqual({ late: false });
    expect(performance.now() - t0).toBeLessThan(800);
    stallNext();
    await expect(resilientFetch({ timeoutMs: 100, maxRetries: 0 })(s.url, post())).rejects.toThrow(/last: no answer within 100 ms/);
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
    await expect(resilientFetch({ baseBackoffMs: 5000 })(s.url, post())).rejects.toMatchObject({ code: "ECONNREFUSED" });
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
    await expect(leanFetch(s.url, { ...post(), signal: controller.signal }, 1000)).rejects.toBe(reason);
    expect(s.seen).toHaveLength(1);
  });

  it("resends at once, on a fresh socket, a request whose kept-alive socket the server closed", async () => {
    const s = await startRaw((seen, res) => {
      // The second request on the first socket finds it closing.
      if (s.seen.filter((x) => x.socket === seen.socket).length === 2) seen.socket.destroy();
      else json(res, 200, {});
    });
    toClose.push(s.close);
    const f = resilientFetch({ maxRetries: 0 });
    expect((await f(s.url, post())).status).toBe(200);
    expect((await f(s.url, post())).status).toBe(200);
    expect(s.seen).toHaveLength(3);
    expect(s.sockets()).toBe(2);
  });

  it("uses TLS for https: URLs (here against a plain-HTTP port, so the handshake fails as an error)", async () => {
    const s = await startRaw((_seen, res) => json(res, 200, {}));
    toClose.push(s.close);
    await expect(leanFetch(s.url.replace("http:", "https:"), post(), 2000)).rejects.toThrow(/SSL|EPROTO|TLS|wrong version/i);
  });
});

describe("fallbacks to the global fetch", () => {
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

  it("keeps the timeout and retries for a fetch passed in", async () => {
    const { s } = await stallingServer();
    const res = await resilientFetch({ timeoutMs: 100, baseBackoffMs: 1 }, fetch)(s.url, post());
    expect(await res.json()).toEqual({ late: false });
    expect(s.seen).toHaveLength(2);
  });
});
