/**
 * Transport faults on the OpenAI-compatible path, over real HTTP to a loopback server: each fault once, then success;
 * and the process-wide concurrency limit, counted on the server side.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { HumanMessage } from "@langchain/core/messages";
import { openaiModel } from "../../models/openai.js";
import { backoffMs, defaultLimits, globalLimiter, resilientFetch, retryAfterMs, Semaphore } from "../../models/limits.js";
import { startFakeOpenAI, type Answer, type FakeOpenAI } from "../helpers/openaiServer.js";

/** Each request's first `faults.length` arrivals misbehave in turn, then it is answered. */
function scriptedServer(faults: (Answer | { stallMs: number })[]) {
  let n = 0;
  return startFakeOpenAI(async () => {
    const f = faults[n++];
    if (f && typeof f === "object" && "stallMs" in f) {
      await new Promise((r) => setTimeout(r, f.stallMs));
      return "late";
    }
    return f ?? "hello";
  });
}

const saved = { ...process.env };
let current: FakeOpenAI | undefined;

async function ask(server: FakeOpenAI, opts: { timeoutMs?: number; maxRetries?: number } = {}): Promise<{ text: string; ms: number }> {
  current = server;
  process.env.OPENAI_BASE_URL = server.url;
  process.env.OPENAI_API_KEY = "sk-test";
  // Short backoff so the tests are quick; Retry-After is honoured regardless.
  process.env.INSIDEOUT_BACKOFF_MS = "20";
  const model = openaiModel(`m-${Math.random()}`, opts);
  const t0 = performance.now();
  const out = await model.chat.invoke([new HumanMessage("hi")]);
  return { text: String(out.content), ms: performance.now() - t0 };
}

afterEach(async () => {
  await current?.close();
  current = undefined;
  process.env = { ...saved };
});

describe("Retry-After and backoff arithmetic", () => {
  it("reads retry-after-ms, seconds and HTTP dates", () => {
    expect(retryAfterMs(new Headers({ "retry-after-ms": "250" }))).toBe(250);
    expect(retryAfterMs(new Headers({ "retry-after": "2" }))).toBe(2000);
    const now = Date.parse("Wed, 21 Oct 2015 07:28:00 GMT");
    expect(retryAfterMs(new Headers({ "retry-after": "Wed, 21 Oct 2015 07:28:03 GMT" }), now)).toBe(3000);
    expect(retryAfterMs(new Headers({}))).toBeUndefined();
    expect(retryAfterMs(new Headers({ "retry-after": "soon" }))).toBeUndefined();
  });

  it("backs off exponentially with jitter, capped", () => {
    const l = { ...defaultLimits(), baseBackoffMs: 100, maxBackoffMs: 1000 };
    expect(backoffMs(1, l, () => 0.5)).toBe(100);
    expect(backoffMs(3, l, () => 0.5)).toBe(400);
    expect(backoffMs(10, l, () => 0.5)).toBe(1000);
    expect(backoffMs(1, l, () => 0)).toBe(50);
    expect(backoffMs(1, l, () => 0.999)).toBeCloseTo(149.9, 0);
  });
});

describe("faults, each once, then success", () => {
  it("429 with Retry-After: 1 waits about a second", async () => {
    const s = await scriptedServer([{ status: 429, headers: { "retry-after": "1" } }]);
    const r = await ask(s);
    expect(r.text).toBe("hello");
    expect(s.requests).toHaveLength(2);
    expect(r.ms).toBeGreaterThanOrEqual(950);
    expect(r.ms).toBeLessThan(4000);
  });

  it("429 with retry-after-ms is honoured too, and 429 without it backs off", async () => {
    const s = await scriptedServer([{ status: 429, headers: { "retry-after-ms": "300" } }, { status: 429 }]);
    const r = await ask(s);
    expect(r.text).toBe("hello");
    expect(s.requests).toHaveLength(3);
    expect(r.ms).toBeGreaterThanOrEqual(290);
  });

  it("429 without Retry-After waits what its body says (OpenAI's 'Please try again in 1.2s'), or until its limit resets", async () => {
    const body = JSON.stringify({
      error: {
        message: "Rate limit reached for m in organization org-x on tokens per min (TPM): Limit 1000, Used 990, Requested 50. Please try again in 1.2s. Visit https://platform.openai.com/account/rate-limits to learn more.",
        type: "tokens",
        code: "rate_limit_exceeded",
      },
    });
    const reset = { "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "700ms" };
    const s = await scriptedServer([{ status: 429, body }, { status: 429, headers: reset }]);
    const r = await ask(s);
    expect(r.text).toBe("hello");
    expect(s.requests).toHaveLength(3);
    // Backoff alone (20 ms here) would have retried at once.
    expect(r.ms).toBeGreaterThanOrEqual(1850);
    expect(r.ms).toBeLessThan(6000);
  });

  it("500 then success", async () => {
    const s = await scriptedServer([{ status: 500 }, { status: 503 }]);
    expect((await ask(s)).text).toBe("hello");
    expect(s.requests).toHaveLength(3);
  });

  it("a dropped connection then success", async () => {
    const s = await scriptedServer([{ drop: true }]);
    expect((await ask(s)).text).toBe("hello");
    expect(s.requests).toHaveLength(2);
  });

  it("a timeout then success", async () => {
    const s = await scriptedServer([{ stallMs: 1500 }]);
    const r = await ask(s, { timeoutMs: 300 });
    expect(r.text).toBe("hello");
    expect(s.requests).toHaveLength(2);
    expect(r.ms).toBeLessThan(2500);
  });

  it("a malformed JSON body then success", async () => {
    const s = await scriptedServer([{ garbage: '{"id": "x", "choices": [' }]);
    expect((await ask(s)).text).toBe("hello");
    expect(s.requests).toHaveLength(2);
  });

  it("gives up after maxRetries with the server's error", async () => {
    const s = await scriptedServer([{ status: 500 }, { status: 500 }, { status: 500 }]);
    await expect(ask(s, { maxRetries: 1 })).rejects.toThrow(/500/);
    expect(s.requests).toHaveLength(2);
  });

  it("does not retry a 400", async () => {
    const s = await scriptedServer([{ status: 400 }]);
    await expect(ask(s)).rejects.toThrow(/400/);
    expect(s.requests).toHaveLength(1);
  });
});

describe("the process-wide concurrency limit", () => {
  let slow: FakeOpenAI;
  beforeAll(async () => {
    slow = await startFakeOpenAI(() => "ok", { delayMs: 40 });
  });
  afterAll(async () => {
    await slow.close();
    delete process.env.INSIDEOUT_MAX_CONCURRENCY;
  });

  it("is never exceeded across many parallel calls from many model instances", async () => {
    process.env.INSIDEOUT_MAX_CONCURRENCY = "5";
    process.env.OPENAI_BASE_URL = slow.url;
    process.env.OPENAI_API_KEY = "sk-test";
    // Ten distinct models (as ten examples' agents would be), sixty calls at once.
    const models = Array.from({ length: 10 }, (_, i) => openaiModel(`limit-${i}`, {}));
    const outs = await Promise.all(
      Array.from({ length: 60 }, (_, i) => models[i % 10]!.chat.invoke([new HumanMessage(`q${i}`)])),
    );
    expect(outs.every((o) => o.content === "ok")).toBe(true);
    expect(slow.requests).toHaveLength(60);
    expect(slow.maxConcurrent).toBeLessThanOrEqual(5);
    // And it is actually used, not serialised.
    expect(slow.maxConcurrent).toBeGreaterThanOrEqual(3);
    expect(globalLimiter().inUse).toBe(0);
  });

  it("plain resilientFetch shares the same limiter", async () => {
    process.env.INSIDEOUT_MAX_CONCURRENCY = "2";
    const f = resilientFetch();
    const other = await startFakeOpenAI(() => "ok", { delayMs: 40 });
    const body = JSON.stringify({ model: "m", messages: [{ role: "user", content: "x" }] });
    const res = await Promise.all(
      Array.from({ length: 8 }, () => f(`${other.url}/chat/completions`, { method: "POST", body, headers: { "content-type": "application/json" } })),
    );
    expect(res.every((r) => r.status === 200)).toBe(true);
    expect(other.requests).toHaveLength(8);
    expect(other.maxConcurrent).toBe(2);
    await other.close();
  });

  it("a limiter given to the models is held instead of the process-wide one", async () => {
    // The process-wide limit is 1 and the given one 3: a server seeing exactly 3 at once proves which one held.
    process.env.INSIDEOUT_MAX_CONCURRENCY = "1";
    const server = await startFakeOpenAI(() => "ok", { delayMs: 40 });
    process.env.OPENAI_BASE_URL = server.url;
    process.env.OPENAI_API_KEY = "sk-test";
    const given = new Semaphore(3);
    const models = Array.from({ length: 4 }, (_, i) => openaiModel(`given-${i}`, { limiter: given }));
    const outs = await Promise.all(Array.from({ length: 24 }, (_, i) => models[i % 4]!.chat.invoke([new HumanMessage(`q${i}`)])));
    expect(outs.every((o) => o.content === "ok")).toBe(true);
    expect(server.requests).toHaveLength(24);
    expect(server.maxConcurrent).toBe(3);
    expect(given.inUse).toBe(0);
    await server.close();
  });
});

describe("the ChatOpenAI instances", () => {
  afterEach(() => {
    process.env = { ...saved };
  });

  it("are shared per limiter and options, and say what defines their answers", () => {
    process.env.OPENAI_BASE_URL = "http://127.0.0.1:1/v1//";
    process.env.OPENAI_API_KEY = "sk-test";
    const a = new Semaphore(2);
    const b = new Semaphore(2);
    const m = openaiModel("reuse", { limiter: a, seed: 7, temperature: 0.5 });
    expect(openaiModel("reuse", { limiter: a, seed: 7, temperature: 0.5 }).chat).toBe(m.chat);
    expect(openaiModel("reuse", { limiter: b, seed: 7, temperature: 0.5 }).chat).not.toBe(m.chat);
    expect(openaiModel("reuse", { limiter: a, seed: 8, temperature: 0.5 }).chat).not.toBe(m.chat);
    expect(openaiModel("reuse", { limiter: a }).chat).not.toBe(m.chat);
    expect(m.identity).toEqual({ provider: "openai", endpoint: "http://127.0.0.1:1/v1", model: "reuse", params: { temperature: 0.5, seed: 7 } });
    delete process.env.OPENAI_BASE_URL;
    expect(openaiModel("gpt-4o-mini", {}).identity).toEqual({
      provider: "openai",
      endpoint: "https://api.openai.com/v1",
      model: "gpt-4o-mini",
      params: { temperature: 0, seed: null },
    });
  });

  it("need a key or a base URL, said in one line", () => {
    delete process.env.OPENAI_BASE_URL;
    delete process.env.OPENAI_API_KEY;
    expect(() => openaiModel("gpt-4o-mini", {})).toThrow(/^OPENAI_API_KEY is not set: export it, or set OPENAI_BASE_URL .*--model\.$/);
  });
});

describe("retry notices", () => {
  const n = { where: "openai 127.0.0.1:8080", cause: "HTTP 429", waitMs: 2000, attempt: 2, of: 4 };
  it("print one whole line per second per cause, and count the rest into the next one", async () => {
    const { RetryNotices } = await import("../../models/retryNotice.js");
    delete process.env.INSIDEOUT_RETRY_NOTICES;
    const lines: string[] = [];
    const notices = new RetryNotices((l) => lines.push(l));
    notices.announce(n, 10_000);
    for (let i = 0; i < 5; i++) notices.announce(n, 10_100 + i);
    notices.announce({ ...n, cause: "HTTP 500" }, 10_200);
    notices.announce(n, 11_000);
    expect(lines).toEqual([
      "insideout: openai 127.0.0.1:8080: HTTP 429, retrying in 2.0 s (attempt 2 of 4)",
      "insideout: openai 127.0.0.1:8080: HTTP 500, retrying in 2.0 s (attempt 2 of 4)",
      "insideout: openai 127.0.0.1:8080: HTTP 429, retrying in 2.0 s (attempt 2 of 4) (+5 more like it)",
    ]);
    process.env.INSIDEOUT_RETRY_NOTICES = "0";
    notices.announce(n, 20_000);
    expect(lines).toHaveLength(3);
  });
});
