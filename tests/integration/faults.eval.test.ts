/**
 * Reliability of `insideout eval` end to end (built CLI, loopback server):
 *  - 20 % of requests fail once, in every way a real server fails (500/503, 429 with and without Retry-After, a stall
 *    past the timeout, a dropped connection, a malformed JSON body, a label outside the set), chosen by a hash of the
 *    request; the run must end with the same metrics and predictions as a fault-free run.
 *  - SIGKILL at seeded random points, several times, resuming each time: the uninterrupted result, no example lost,
 *    none counted twice.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startFakeOpenAI, type Answer, type ChatRequest, type FakeOpenAI } from "../helpers/openaiServer.js";
import { finishedRun, oracle, readEdTest, spawnCli } from "../helpers/evalOracle.js";
import { mulberry32 } from "../../evaluations/metrics/stats.js";
import { storedRows } from "../helpers/store.js";

const FAULTS = ["500", "503", "429-retry-after-0", "429-retry-after-1", "429-bare", "timeout", "drop", "garbage", "bad-label"] as const;
type Fault = (typeof FAULTS)[number];

const TIMEOUT_MS = 800;
let clean: FakeOpenAI;
let faulty: FakeOpenAI;
let dir: string;
const injected = new Map<Fault, number>();

/** The fault for a request, if it is one of the 20 %: a function of the request's bytes only. */
function faultOf(req: ChatRequest): Fault | undefined {
  const h = createHash("sha256").update(JSON.stringify(req.messages)).digest();
  if (h[0]! % 5 !== 0) return undefined;
  const fault = FAULTS[h[1]! % FAULTS.length]!;
  // A repair retry (the model is shown its invalid answer) gets transport faults only: a second invalid label would
  // exhaust the structured retries, and that is a different test (models/structured.ts).
  const isRepair = req.messages.some((m) => (m.content ?? "").startsWith("That answer was invalid"));
  return fault === "bad-label" && isRepair ? "500" : fault;
}

function withFaults(handler: (req: ChatRequest) => string) {
  // Each faulty request fails on its first arrival only, as a transient fault does; its retry is answered.
  const seen = new Set<string>();
  return async (req: ChatRequest): Promise<Answer> => {
    const key = JSON.stringify(req.messages) + JSON.stringify(req.response_format ?? null);
    const fault = seen.has(key) ? undefined : faultOf(req);
    seen.add(key);
    if (!fault) return handler(req);
    injected.set(fault, (injected.get(fault) ?? 0) + 1);
    switch (fault) {
      case "500":
      case "503":
        return { status: Number(fault) };
      case "429-retry-after-0":
        return { status: 429, headers: { "retry-after": "0" } };
      case "429-retry-after-1":
        return { status: 429, headers: { "retry-after": "1" } };
      case "429-bare":
        return { status: 429 };
      case "timeout":
        await new Promise((r) => setTimeout(r, TIMEOUT_MS + 700));
        return handler(req);
      case "drop":
        return { drop: true };
      case "garbage":
        return { garbage: '{"id":"chatcmpl-x","choices":[{"message":{"content":"{\\"emotion' };
      case "bad-label":
        return JSON.stringify({ emotion: "bewildered", confidence: 0.5, rationale: "A label outside the set." });
    }
  };
}

beforeAll(async () => {
  const o = oracle(readEdTest());
  clean = await startFakeOpenAI(o.handler, { delayMs: 5 });
  faulty = await startFakeOpenAI(withFaults(o.handler), { delayMs: 5 });
  dir = mkdtempSync(path.join(tmpdir(), "insideout-faults-"));
});
afterAll(async () => {
  await clean.close();
  await faulty.close();
  rmSync(dir, { recursive: true, force: true });
});

const evalArgs = (out: string, limit: number) => [
  "eval", "--task", "erc", "--method", "baseline", "--model", "openai:oracle", "--labels", "ed32",
  "--limit", String(limit), "--seed", "11", "--concurrency", "16", "--out", out, "--json", "--no-progress",
];
const env = (server: FakeOpenAI, cache: string) => ({
  OPENAI_BASE_URL: server.url,
  OPENAI_API_KEY: "sk-test",
  INSIDEOUT_CACHE_DIR: cache,
  INSIDEOUT_TIMEOUT_MS: String(TIMEOUT_MS),
  INSIDEOUT_BACKOFF_MS: "50",
});

/** metrics.json without what legitimately differs: times, and the cost (a fault can cost a repair call). */
function outcome(out: string): Record<string, unknown> {
  const m = JSON.parse(readFileSync(path.join(out, "metrics.json"), "utf8")) as Record<string, unknown>;
  delete m.startedAt;
  delete m.finishedAt;
  delete m.cost;
  return m;
}

/** Per example: what was predicted, and whether it failed (not how long it took or what it cost). */
function predictions(out: string): Map<string, unknown> {
  const rows = readFileSync(path.join(out, "predictions.jsonl"), "utf8").trim().split("\n");
  const byId = new Map<string, unknown>();
  for (const line of rows) {
    const r = JSON.parse(line) as { id: string; prediction?: { emotion?: string }; error?: string; gold?: unknown };
    expect(byId.has(r.id)).toBe(false);
    byId.set(r.id, { gold: r.gold, emotion: r.prediction?.emotion ?? null, failed: Boolean(r.error) });
  }
  return byId;
}



describe("eval under faults", () => {
  it(
    "500 examples with 20 % of requests failing once end with the fault-free metrics",
    async () => {
      const LIMIT = 500;
      const ref = path.join(dir, "clean");
      const r0 = await spawnCli(evalArgs(ref, LIMIT), env(clean, path.join(dir, "cache-clean"))).done;
      finishedRun(r0);

      const out = path.join(dir, "faulty");
      const r1 = await spawnCli(evalArgs(out, LIMIT), env(faulty, path.join(dir, "cache-faulty"))).done;
      finishedRun(r1);
      // Every kind of fault happened, and about a fifth of the requests failed once.
      for (const f of FAULTS) expect(injected.get(f) ?? 0).toBeGreaterThan(0);
      const total = [...injected.values()].reduce((a, b) => a + b, 0);
      expect(total).toBeGreaterThan(0.12 * LIMIT);

      expect(outcome(out)).toEqual(outcome(ref));
      const a = predictions(out);
      const b = predictions(ref);
      expect(a.size).toBe(LIMIT);
      expect(a).toEqual(b);
    },
    600_000,
  );

  it(
    "SIGKILL at seeded random points, resumed each time, gives the uninterrupted result",
    async () => {
      const LIMIT = 300;
      const KILLS = 3;
      const ref = path.join(dir, "whole");
      finishedRun(await spawnCli(evalArgs(ref, LIMIT), env(clean, path.join(dir, "cache-whole"))).done);

      const out = path.join(dir, "killed");
      const cache = path.join(dir, "cache-killed");
      const random = mulberry32(20240607);
      let stored = 0;
      for (let k = 0; k < KILLS; k++) {
        // Kill somewhere between what is stored now and the end, leaving room for the next kill.
        const target = stored + Math.max(5, Math.floor(random() * ((LIMIT - stored) / 2)));
        const run = spawnCli(evalArgs(out, LIMIT), env(faulty, cache));
        const deadline = Date.now() + 120_000;
        while (storedRows(out) < target && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
        run.child.kill("SIGKILL");
        const done = await run.done;
        expect(done.signal).toBe("SIGKILL");
        const now = storedRows(out);
        expect(now).toBeGreaterThanOrEqual(stored);
        expect(now).toBeLessThan(LIMIT);
        expect(existsSync(path.join(out, "metrics.json"))).toBe(false);
        stored = now;
      }
      const last = await spawnCli(evalArgs(out, LIMIT), env(faulty, cache)).done;
      const summary = finishedRun(last) as unknown as { n: number; run: { resumed: number; ran: number } };
      expect(summary.n).toBe(LIMIT);
      expect(summary.run.resumed).toBe(stored);
      expect(summary.run.resumed + summary.run.ran).toBe(LIMIT);

      expect(outcome(out)).toEqual(outcome(ref));
      const a = predictions(out);
      expect(a.size).toBe(LIMIT);
      expect(a).toEqual(predictions(ref));
      // No stray temporary files from the killed runs' atomic writes under the final names.
      expect(readFileSync(path.join(out, "predictions.jsonl"), "utf8").trim().split("\n")).toHaveLength(LIMIT);
    },
    600_000,
  );
});
