/**
 * Every wait bounded and said: a Retry-After longer than a server may ask for (models/limits.ts maxRetryAfterMs,
 * INSIDEOUT_MAX_WAIT_MS, 60 s) stops `eval` in seconds with the wait named, as `recognize` does, instead of holding
 * every request for hours; so do rate-limit headers whose one request's share is that long (models/pacing.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { writeEdSlice, spawnCli } from "../helpers/evalOracle.js";
import { answerFromSchema, requestedSchema, startFakeOpenAI, type FakeOpenAI } from "../helpers/openaiServer.js";

const N = 6;
let dir: string;
let data: string;
const servers: FakeOpenAI[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "insideout-waits-"));
  data = path.join(dir, "first.jsonl");
  writeEdSlice(data, N);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

const args = (out: string) => ["eval", "--task", "erc", "--method", "baseline", "--model", "openai:m", "--data", data, "--out", out, "--concurrency", "2", "--no-progress", "--no-cache", "--json"];
const env = (url: string) => ({ OPENAI_BASE_URL: url, OPENAI_API_KEY: "sk-test-waits-0123456789" });

describe("waits longer than a server may ask for", () => {
  it("Retry-After of a day: eval stops in seconds, the wait named, no metrics", async () => {
    const s = await startFakeOpenAI(() => ({ status: 429, headers: { "retry-after": "86400" }, body: JSON.stringify({ error: { message: "slow down" } }) }));
    servers.push(s);
    const out = path.join(dir, "retry-after");
    const r = await spawnCli(args(out), env(s.url)).done;
    expect(r.code).toBe(1);
    expect(r.ms).toBeLessThan(20_000);
    expect(r.stderr).toMatch(/asked to wait 1440\.0 min \(Retry-After: 86400\), longer than a request may wait \(INSIDEOUT_MAX_WAIT_MS\)/);
    expect(existsSync(path.join(out, "metrics.json"))).toBe(false);
  }, 60_000);

  // A well-formed answer, with the rate-limit headers a test gives.
  const answering = (headers: Record<string, string>) =>
    startFakeOpenAI((req) => JSON.stringify(answerFromSchema(requestedSchema(req)!, (p, o) => (p === "emotion" ? "sad" : o[0]))), {
      gate: () => ({ ok: true, headers }),
    });

  it("x-ratelimit-limit-requests: 1 (one request a minute): eval stops in seconds, the header and its value named, no metrics", async () => {
    const s = await answering({ "x-ratelimit-limit-requests": "1", "x-ratelimit-remaining-requests": "0", "x-ratelimit-reset-requests": "86400s" });
    servers.push(s);
    const out = path.join(dir, "one-a-minute");
    const r = await spawnCli(args(out), env(s.url)).done;
    expect(r.code).toBe(1);
    expect(r.ms).toBeLessThan(20_000);
    expect(r.stderr).toContain("sends x-ratelimit-limit-requests: 1: one request every 60 s, longer than a request may wait (INSIDEOUT_MAX_WAIT_MS, 60 s): if the account allows more, give its limit with --rpm");
    expect(r.stderr).not.toMatch(/waiting on the rate limit/);
    // The first requests (--concurrency 2) went before the limit was known; no later one was sent.
    expect(s.requests.length).toBeLessThanOrEqual(2);
    expect(existsSync(path.join(out, "metrics.json"))).toBe(false);
  }, 60_000);

  it("the same server with --rpm: the flag's limit paces, every example is answered", async () => {
    const s = await answering({ "x-ratelimit-limit-requests": "1", "x-ratelimit-remaining-requests": "0" });
    servers.push(s);
    const r = await spawnCli([...args(path.join(dir, "flag")), "--rpm", "600"], env(s.url)).done;
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { n: number }).n).toBe(N);
    expect(s.requests.length).toBe(N);
  }, 60_000);
});
