/**
 * Broken and hostile model servers on loopback, through the product's ChatOpenAI and toModelCallFailure: each gets
 * one line naming the host and what happened, within a bounded wall time and a known number of requests, with each
 * retry announced on stderr. Short timeouts come from the same environment variables a user sets.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from "@jest/globals";
import { HumanMessage } from "@langchain/core/messages";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { gzipSync } from "node:zlib";
import type { ModelCallFailure } from "../../core/errors.js";
import { toModelCallFailure } from "../../models/failures.js";
import { resilientFetch, Semaphore } from "../../models/limits.js";
import { openaiModel } from "../../models/openai.js";
import { stderrLine } from "../../core/terminalText.js";
import { RetryNotices } from "../../models/retryNotice.js";

const saved = { ...process.env };
const toClose: (() => Promise<void>)[] = [];
let stderr: string[] = [];
/** Each test's own retry notices, on stderr while its test runs: no window or late summary of another test's. */
let notices = new RetryNotices();

beforeEach(() => {
  stderr = [];
  const mine = stderr;
  notices = new RetryNotices((line) => {
    if (stderr === mine) stderrLine(line);
  });
  // Retry notices are the product's; the test reads them instead of letting them through.
  jest.spyOn(process.stderr, "write").mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
});

afterEach(async () => {
  jest.restoreAllMocks();
  for (const c of toClose.splice(0)) await c();
  process.env = { ...saved };
});

/** A loopback server whose handler gets each request once its body is in; it counts them. */
async function serve(handle: (req: IncomingMessage, res: ServerResponse, n: number) => void) {
  let count = 0;
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on("end", () => handle(req, res, ++count));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  toClose.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${port}/v1`, host: `127.0.0.1:${port}`, origin: `http://127.0.0.1:${port}`, count: () => count };
}

const completion = JSON.stringify({
  id: "c",
  object: "chat.completion",
  created: 0,
  model: "m",
  choices: [{ index: 0, message: { role: "assistant", content: "fine" }, finish_reason: "stop" }],
});

/** Fails with the ModelCallFailure the product makes of it, and how long it took. */
async function failure(url: string, env: Record<string, string> = {}): Promise<{ f: ModelCallFailure; ms: number }> {
  Object.assign(process.env, { OPENAI_BASE_URL: url, OPENAI_API_KEY: "sk-hostile-test-0123456789", INSIDEOUT_BACKOFF_MS: "1", ...env });
  const model = openaiModel(`m-${Math.random()}`, { notices });
  const t0 = performance.now();
  let error: unknown;
  try {
    await model.chat.invoke([new HumanMessage("a dialogue that must not travel")]);
  } catch (e) {
    error = e;
  }
  const ms = performance.now() - t0;
  const f = toModelCallFailure(error, model.identity.endpoint);
  if (!f) throw new Error(`not a ModelCallFailure: ${String(error)}`);
  expect(f.message).not.toContain("\n");
  return { f, ms };
}

const noticeLines = () => stderr.join("").split("\n").filter((l) => l.startsWith("insideout: "));

describe("no answer", () => {
  it("never answers: 4 attempts of 200 ms, each announced, then one line saying so", async () => {
    const s = await serve(() => {});
    const { f, ms } = await failure(s.url, { INSIDEOUT_TIMEOUT_MS: "200" });
    expect(f.kind).toBe("timeout");
    expect(f.message).toMatch(new RegExp(`^The model server at ${s.url} did not answer in time \\(no answer within 200 ms, 4 times \\(\\d+ ms in all\\)\\): .*INSIDEOUT_TIMEOUT_MS\\.$`));
    expect(s.count()).toBe(4);
    expect(ms).toBeGreaterThanOrEqual(800);
    expect(ms).toBeLessThan(3000);
    // Within one second the same cause is announced once; the rest come as one summary line after it.
    expect(noticeLines()[0]).toMatch(new RegExp(`^insideout: openai ${s.host}: no answer within 200 ms, retrying in 0\\.0 s \\(attempt 2 of 4\\)$`));
  });

  it("the retries of one request stay within INSIDEOUT_TOTAL_TIMEOUT_MS", async () => {
    const s = await serve(() => {});
    const { f, ms } = await failure(s.url, { INSIDEOUT_TIMEOUT_MS: "400", INSIDEOUT_TOTAL_TIMEOUT_MS: "1000" });
    // 400 + 400 ms, then 200 ms left: less than an attempt, so no third one.
    expect(s.count()).toBe(2);
    expect(ms).toBeLessThan(1300);
    expect(f.message).toContain("no answer within 400 ms, 2 times");
  });

  it("refused: at once, one attempt", async () => {
    const s = await serve(() => {});
    await toClose.pop()!();
    const { f, ms } = await failure(s.url, { INSIDEOUT_BACKOFF_MS: "5000" });
    expect(f.message).toBe(`Cannot reach the model server at ${s.url} (connection refused): check that it is running, or set OPENAI_BASE_URL / --model.`);
    expect(ms).toBeLessThan(1000);
    expect(noticeLines()).toEqual([]);
  });
});

describe("dropped connections", () => {
  it("before any answer", async () => {
    const s = await serve((req) => req.socket.destroy());
    const { f } = await failure(s.url);
    expect(f.kind).toBe("connection");
    expect(f.message).toMatch(new RegExp(`^The model server at ${s.url} closed the connection before answering, 4 times `));
    expect(s.count()).toBe(4);
  });

  it("mid-body: the headers and half an answer, then the connection closes", async () => {
    const s = await serve((req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(completion.length) });
      res.write(completion.slice(0, 40), () => setTimeout(() => req.socket.destroy(), 20));
    });
    const { f } = await failure(s.url);
    expect(f.kind).toBe("connection");
    expect(f.message).toMatch(new RegExp(`^The model server at ${s.url} closed the connection before the answer ended, 4 times `));
    expect(s.count()).toBe(4);
    expect(noticeLines()[0]).toContain("the connection closed before the answer ended, retrying in");
  });
});

describe("redirects", () => {
  it("to another host: refused without following, and the other host never sees the dialogue", async () => {
    const other = await serve((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(completion));
    const s = await serve((_req, res) => res.writeHead(307, { location: `${other.url}/chat/completions` }).end());
    const { f } = await failure(s.url);
    expect(f.message).toBe(
      `The model server at ${s.url} redirected (HTTP 307) to another host, ${other.origin}, which was not followed so that the request is not sent there: set OPENAI_BASE_URL to the address that answers, if you trust it.`,
    );
    expect(s.count()).toBe(1);
    expect(other.count()).toBe(0);
  });

  it("a loop on the same host stops after 5 hops", async () => {
    const s = await serve((req, res) => res.writeHead(308, { location: req.url === "/v1/chat/completions" ? "/v1/b" : "/v1/chat/completions" }).end());
    const { f, ms } = await failure(s.url);
    expect(f.kind).toBe("protocol");
    expect(f.message).toMatch(new RegExp(`^The model server at ${s.url} redirected 5 times without answering \\(a redirect loop`));
    expect(s.count()).toBe(6);
    expect(ms).toBeLessThan(2000);
  });
});

describe("rate limits", () => {
  it("429 forever with Retry-After: retried as asked, then one line with the server's hint", async () => {
    const s = await serve((_req, res) =>
      res.writeHead(429, { "content-type": "application/json", "retry-after-ms": "150" }).end(JSON.stringify({ error: { message: "Rate limit reached" } })),
    );
    const { f, ms } = await failure(s.url);
    expect(f.kind).toBe("rate-limit");
    expect(f.message).toBe(
      `The model server at ${s.url} kept rate-limiting after 4 attempts (HTTP 429: Rate limit reached; it asks to wait 150 ms): lower --concurrency or check the account's limits, then run again.`,
    );
    expect(s.count()).toBe(4);
    expect(ms).toBeGreaterThanOrEqual(450);
    expect(ms).toBeLessThan(2500);
    expect(noticeLines()[0]).toMatch(new RegExp(`^insideout: openai ${s.host}: HTTP 429, retrying in 0\\.[12] s \\(attempt 2 of 4\\)$`));
  });

  it("a server asking to wait an hour is not waited for", async () => {
    const s = await serve((_req, res) => res.writeHead(429, { "content-type": "application/json", "retry-after": "3600" }).end("{}"));
    const { f, ms } = await failure(s.url);
    expect(f.message).toContain("kept rate-limiting after 1 attempt (HTTP 429; it asked to wait 60.0 min (Retry-After: 3600), longer than a request may wait (INSIDEOUT_MAX_WAIT_MS))");
    expect(s.count()).toBe(1);
    expect(ms).toBeLessThan(1000);
  });

  it("a 429 whose exhausted limit resets in days is not waited for, the header named", async () => {
    const s = await serve((_req, res) =>
      res.writeHead(429, { "content-type": "application/json", "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "72h" }).end("{}"),
    );
    const { f, ms } = await failure(s.url);
    expect(f.message).toContain("it asked to wait 4320.0 min (x-ratelimit-reset-requests: 72h), longer than a request may wait (INSIDEOUT_MAX_WAIT_MS)");
    expect(s.count()).toBe(1);
    expect(ms).toBeLessThan(1000);
  });

  it("OpenAI's reset header is the hint when there is no Retry-After", async () => {
    const s = await serve((_req, res) => res.writeHead(429, { "content-type": "application/json", "x-ratelimit-reset-requests": "6m0s" }).end("{}"));
    const { f } = await failure(s.url, { INSIDEOUT_MAX_RETRIES: "1" });
    expect(f.message).toContain("after 2 attempts (HTTP 429; its limit resets in 6m0s)");
  });

  it("hundreds of parallel requests failing together print a few lines, not a thousand", async () => {
    const s = await serve((_req, res) => res.writeHead(429, { "content-type": "application/json", "retry-after-ms": "20" }).end("{}"));
    const f = resilientFetch({ maxRetries: 2, limiter: new Semaphore(100), provider: "openai", notices });
    const body = JSON.stringify({ model: "m", messages: [] });
    const t0 = performance.now();
    const results = await Promise.all(Array.from({ length: 300 }, () => f(`${s.url}/chat/completions`, { method: "POST", body })));
    const seconds = (performance.now() - t0) / 1000;
    expect(results.every((r) => r.status === 429)).toBe(true);
    expect(s.count()).toBe(900);
    // At most a line and a summary per second of retrying.
    const lines = noticeLines();
    expect(lines.length).toBeGreaterThanOrEqual(1);
    expect(lines.length).toBeLessThanOrEqual(2 * Math.ceil(seconds));
    // Each write is one whole line.
    expect(stderr.every((chunk) => chunk.endsWith("\n") && chunk.indexOf("\n") === chunk.length - 1)).toBe(true);
    // The held-back ones are summed up at the end of the second.
    await new Promise((r) => setTimeout(r, 1100));
    const total = noticeLines().reduce((n, l) => n + Number(/on (\d+) more request/.exec(l)?.[1] ?? /\(\+(\d+) more like it\)/.exec(l)?.[1] ?? 0) + (/retrying in/.test(l) ? 1 : 0), 0);
    expect(total).toBe(600);
  });
});

describe("answers bounded before parsing", () => {
  it("a gzip bomb that expands to 2 GB: one line, one request, and memory stays small", async () => {
    const member = gzipSync(Buffer.alloc(64 * 1024 * 1024, " "));
    const s = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-encoding": "gzip" });
      let sent = 0;
      const more = () => {
        while (sent < 32 && !res.destroyed) {
          sent++;
          if (!res.write(member)) return void res.once("drain", more);
        }
        res.end();
      };
      more();
    });
    global.gc?.();
    const before = process.memoryUsage().rss;
    const { f, ms } = await failure(s.url);
    const grown = process.memoryUsage().rss - before;
    expect(f.kind).toBe("protocol");
    expect(f.message).toBe(`The model server at ${s.url} sent an answer larger than 4 MB: check the server, or raise INSIDEOUT_MAX_ANSWER_BYTES.`);
    expect(s.count()).toBe(1);
    expect(grown).toBeLessThan(200 * 1024 * 1024);
    expect(ms).toBeLessThan(5000);
  });

  it("INSIDEOUT_MAX_ANSWER_BYTES sets the cap", async () => {
    const s = await serve((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end(completion));
    const { f } = await failure(s.url, { INSIDEOUT_MAX_ANSWER_BYTES: "100" });
    expect(f.message).toContain(`at ${s.url} sent an answer larger than 100 bytes: `);
    expect(completion.length).toBeGreaterThan(100);
    delete process.env.INSIDEOUT_MAX_ANSWER_BYTES;
    const model = openaiModel(`ok-${Math.random()}`, { notices });
    expect((await model.chat.invoke([new HumanMessage("hi")])).content).toBe("fine");
  });

  it("a streamed answer over the cap stops there", async () => {
    const chunk = `data: ${JSON.stringify({ id: "c", object: "chat.completion.chunk", created: 0, model: "m", choices: [{ index: 0, delta: { content: "x".repeat(1000) }, finish_reason: null }] })}\n\n`;
    let written = 0;
    const s = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "text/event-stream" });
      const timer = setInterval(() => {
        if (res.destroyed || written > 50_000_000) return clearInterval(timer);
        for (let i = 0; i < 100; i++) {
          written += chunk.length;
          res.write(chunk);
        }
      }, 1);
      res.on("close", () => clearInterval(timer));
    });
    Object.assign(process.env, { OPENAI_BASE_URL: s.url, OPENAI_API_KEY: "sk-hostile-test-0123456789", INSIDEOUT_MAX_ANSWER_BYTES: "200000" });
    const model = openaiModel(`stream-${Math.random()}`, { notices });
    let text = "";
    const error = await (async () => {
      for await (const c of await model.chat.stream([new HumanMessage("hi")])) text += String(c.content);
    })().catch((e: unknown) => e);
    expect(toModelCallFailure(error, model.identity.endpoint)?.message).toBe(
      `The model server at ${s.url} sent an answer larger than 195.3 KB: check the server, or raise INSIDEOUT_MAX_ANSWER_BYTES.`,
    );
    expect(text.length).toBeLessThanOrEqual(200_000);
    expect(written).toBeLessThan(10_000_000);
  });
});

describe("not an OpenAI-compatible answer", () => {
  it.each([
    ["an HTML page", "text/html", "<html>Welcome to nginx!</html>", "a text/html answer instead of JSON"],
    ["choices: []", "application/json", JSON.stringify({ id: "x", choices: [] }), "no choices in the answer"],
  ])("a 200 with %s: one attempt, one line", async (_what, type, body, detail) => {
    const s = await serve((_req, res) => res.writeHead(200, { "content-type": type }).end(body));
    const { f } = await failure(s.url);
    expect(f.message).toBe(`The model server at ${s.url} did not answer as an OpenAI-compatible server (${detail}): check that OPENAI_BASE_URL is its API root (…/v1).`);
    expect(s.count()).toBe(1);
  });
});
