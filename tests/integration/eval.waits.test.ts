/**
 * Every wait bounded and said: a Retry-After longer than a server may ask for (models/limits.ts maxRetryAfterMs,
 * 60 s) stops `eval` in seconds with the wait named, as `recognize` does, instead of holding every request for hours.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { writeEdSlice, spawnCli } from "../helpers/evalOracle.js";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/openaiServer.js";

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
    expect(r.stderr).toMatch(/asked to wait 1440\.0 min, longer than a request may take/);
    expect(existsSync(path.join(out, "metrics.json"))).toBe(false);
  }, 60_000);
});
