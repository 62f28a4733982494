/**
 * SIGTERM and SIGINT stop an eval at once, in every phase where it waits: requests in flight, a rate-limit wait, a
 * LangGraph server's runs, a batch being polled, and start-up. The built CLI in a child process against loopback
 * servers: exit 143 / 130 within 2 s with the one-line notice, the store consistent, and the same command resumed
 * finishes with the records an uninterrupted run gives (the servers answer a known function of the dialogue:
 * tests/helpers/evalOracle.ts), no batch submitted twice.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startFakeBatchApi, type FakeBatchApi } from "../helpers/batchServer.js";
import { finishedRun, oracle, readEdTest, spawnCli, writeEdSlice, type Spawned } from "../helpers/evalOracle.js";
import { startFakeLangGraph, type FakeLangGraph } from "../helpers/fakeLangGraph.js";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/openaiServer.js";

const N = 12;
const rule = oracle(readEdTest());
let dir: string;
let data: string;
let clean: Map<string, unknown>;
const closers: (() => Promise<void>)[] = [];

const args = (out: string, extra: string[] = []) => ["eval", "--task", "erc", "--method", "baseline", "--model", "openai:oracle", "--labels", "ed32", "--data", data, "--out", out, "--json", "--no-progress", ...extra];
const env = (url: string) => ({ OPENAI_BASE_URL: url, OPENAI_API_KEY: "sk-test-signals-0123456789", INSIDEOUT_CACHE_DIR: path.join(dir, "cache"), INSIDEOUT_BATCH_POLL_MS: "100" });

/** Each example's record, without what differs between two runs (timings). */
function records(out: string): Map<string, unknown> {
  const lines = readFileSync(path.join(out, "predictions.jsonl"), "utf8").trim().split("\n");
  return new Map(
    lines.map((l) => {
      const r = JSON.parse(l) as Record<string, unknown> & { id: string };
      delete r.latencyMs;
      return [r.id, r];
    }),
  );
}

async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out waiting for the phase");
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** Sends `signal` and resolves with the exit and how long it took from the signal. */
async function stop(run: Spawned, signal: NodeJS.Signals) {
  const t0 = performance.now();
  run.child.kill(signal);
  const r = await run.done;
  return { ...r, afterSignal: performance.now() - t0 };
}

const NOTICE = /insideout: (stopped|interrupted); every finished example is saved\. Run the same command again to resume\./;

async function openai(delayMs: number): Promise<FakeOpenAI> {
  const s = await startFakeOpenAI(rule.handler, { delayMs });
  closers.push(() => s.close());
  return s;
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "insideout-signals-"));
  data = path.join(dir, "first.jsonl");
  writeEdSlice(data, N);
  const s = await openai(0);
  const r = await spawnCli(args(path.join(dir, "clean")), env(s.url)).done;
  expect(finishedRun(r).n).toBe(N);
  clean = records(path.join(dir, "clean"));
}, 60_000);

afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
  rmSync(dir, { recursive: true, force: true });
});

/** The same command (same server: the endpoint is the experiment's) finishes every example with the clean run's records. */
async function resumes(out: string, s: FakeOpenAI, extra: string[] = []): Promise<void> {
  const r = await spawnCli(args(out, extra), env(s.url)).done;
  expect(finishedRun(r).n).toBe(N);
  expect(records(out)).toEqual(clean);
}

describe("a signal stops an eval at once, and the same command resumes it", () => {
  it("SIGTERM with requests in flight (some examples finished): 143 within 2 s, then the clean run's records", async () => {
    const s = await openai(400);
    const out = path.join(dir, "in-flight");
    const run = spawnCli(args(out, ["--concurrency", "2"]), env(s.url));
    await until(() => s.requests.length >= 5);
    const r = await stop(run, "SIGTERM");
    expect(r.code).toBe(143);
    expect(r.afterSignal).toBeLessThan(2000);
    expect(r.stderr).toMatch(NOTICE);
    await resumes(out, s, ["--concurrency", "4"]);
  }, 60_000);

  it("SIGINT while requests wait on the rate limit (--rpm 2: 30 s each): 130 within 2 s", async () => {
    const s = await openai(0);
    const out = path.join(dir, "pacing");
    const run = spawnCli(args(out, ["--concurrency", "4", "--rpm", "2"]), env(s.url));
    // The bucket of 2 lets one through (one stays as the margin); the others wait their 30 s.
    await until(() => s.requests.length >= 1);
    await new Promise((r) => setTimeout(r, 300));
    const r = await stop(run, "SIGINT");
    expect(r.code).toBe(130);
    expect(r.afterSignal).toBeLessThan(2000);
    expect(r.stderr).toMatch(NOTICE);
    // Without --rpm (not part of what defines an answer), so as not to wait a minute.
    await resumes(out, s);
  }, 60_000);

  it("SIGTERM during --server runs that never end: 143 within 2 s", async () => {
    const server: FakeLangGraph = await startFakeLangGraph(() => "hang");
    closers.push(() => server.close());
    const out = path.join(dir, "server");
    const run = spawnCli(args(out, ["--server", server.url, "--model", "openai:m"]), {});
    await until(() => server.runs.length >= 1);
    const r = await stop(run, "SIGTERM");
    expect(r.code).toBe(143);
    expect(r.afterSignal).toBeLessThan(2000);
    expect(r.stderr).toMatch(NOTICE);
  }, 60_000);

  it("SIGTERM while a batch is polled: 143 within 2 s; the resume collects that batch, submits none again", async () => {
    const api: FakeBatchApi = await startFakeBatchApi(rule.handler);
    closers.push(() => api.close());
    api.hold = true;
    const out = path.join(dir, "batch");
    const run = spawnCli(args(out, ["--batch"]), env(api.url));
    await until(() => api.polls >= 2);
    const r = await stop(run, "SIGTERM");
    expect(r.code).toBe(143);
    expect(r.afterSignal).toBeLessThan(2000);
    expect(r.stderr).toMatch(NOTICE);
    const submitted = api.created.map((b) => b.customIds).flat();
    expect(submitted.length).toBe(N);
    api.hold = false;
    const resumed = await spawnCli(args(out, ["--batch"]), env(api.url)).done;
    expect(finishedRun(resumed).n).toBe(N);
    // Later batches (the repair retries of invalid answers) hold none of the requests sent before the signal.
    const later = api.created.slice(1).flatMap((b) => b.customIds);
    expect(later.filter((id) => submitted.includes(id))).toEqual([]);
    expect(api.chatCalls).toBe(0);
    expect(records(out)).toEqual(clean);
  }, 60_000);

  it("SIGTERM at start-up (before the first request): gone within 2 s, and the same command then runs whole", async () => {
    const s = await openai(0);
    const out = path.join(dir, "start-up");
    const run = spawnCli(args(out), env(s.url));
    await new Promise((r) => setTimeout(r, 150));
    const r = await stop(run, "SIGTERM");
    // Before the eval's handler is set, the default action ends it (killed by the signal); after, 143.
    expect(r.code === 143 || r.signal === "SIGTERM").toBe(true);
    expect(r.afterSignal).toBeLessThan(2000);
    await resumes(out, s);
  }, 60_000);
});
