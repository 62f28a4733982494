/**
 * Pacing by the provider's rate limits (models/pacing.ts), end to end: the built CLI's `insideout eval` at
 * --concurrency 16, against a loopback OpenAI-compatible server that enforces a requests and a
 * tokens bucket as OpenAI describes them (bench/buckets.ts: full at the start, refilled continuously, rejected requests
 * counted). Learnt from the headers alone, and with --rpm against a server that sends no rate-limit headers. Few
 * requests are answered 429, the run takes about the buckets' ideal time (generous bound), and the results are exact:
 * every agent says one label and the aggregator "devastated", so accuracy is the share of gold "devastated".
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { RateLimitBuckets, type BucketLimits } from "../../bench/buckets.js";
import { writeEdSlice, readEdTest, spawnCli } from "../helpers/evalOracle.js";
import { roleHandler, startFakeOpenAI, type FakeOpenAI } from "../helpers/openaiServer.js";

const N = 30;
const LATENCY_MS = 50;
let server: FakeOpenAI | undefined;
let dir: string | undefined;

afterEach(async () => {
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function run(limits: BucketLimits, withHeaders: boolean, extra: string[]) {
  const buckets = new RateLimitBuckets(limits);
  server = await startFakeOpenAI(
    roleHandler({ emotion: (role) => (role.kind === "agent" ? "sad" : "devastated"), choice: (o) => o[0], text: () => "I hear you." }),
    {
      delayMs: LATENCY_MS,
      gate: (req) => {
        const v = buckets.admit(req);
        // Counted as sent: the handler's delay is the answer's latency.
        if (v.ok) setTimeout(() => buckets.answered(), LATENCY_MS);
        const headers = withHeaders ? v.headers : {};
        return v.ok ? { ok: true, headers } : { ok: false, status: 429, headers, body: v.body };
      },
    },
  );
  dir = mkdtempSync(path.join(tmpdir(), "insideout-pacing-"));
  const data = path.join(dir, "slice.jsonl");
  writeEdSlice(data, N);
  const { done } = spawnCli(
    ["eval", "--task", "erc", "--method", "insideout", "--model", "openai:paced", "--data", data, "--concurrency", "16", "--no-cache", "--out", path.join(dir, "out"), "--json", ...extra],
    { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "sk-test-not-a-real-key", INSIDEOUT_CACHE_DIR: path.join(dir, "cache") },
  );
  const r = await done;
  if (r.code !== 0) throw new Error(`eval exited ${r.code}: ${r.stderr.slice(-2000)}`);
  const metrics = JSON.parse(r.stdout) as { n: number; errors: number; erc: { accuracy: number } };
  const s = buckets.stats;
  process.stdout.write(`[pacing] ${s.accepted} accepted, ${s.rejected} answered 429, span ${s.lastAt - s.firstAt} ms vs ideal ${Math.round(buckets.idealMs(LATENCY_MS))} ms\n`);
  return { metrics, ...s, spanMs: s.lastAt - s.firstAt, idealMs: buckets.idealMs(LATENCY_MS) };
}

function expectExact(metrics: { n: number; errors: number; erc: { accuracy: number } }): void {
  const gold = readEdTest().slice(0, N).map((e) => e.emotion);
  expect(metrics.n).toBe(N);
  expect(metrics.errors).toBe(0);
  expect(metrics.erc.accuracy).toBeCloseTo(gold.filter((g) => g === "devastated").length / N, 10);
}

describe("eval paced by the server's rate limits", () => {
  it(
    "learns the limits from x-ratelimit-* headers: tokens the tighter, 429 bodies without Retry-After",
    async () => {
      // ~2,900 tokens an example as this server counts them: about 12k tokens past the full bucket, ~10 s (well
      // above the client's CPU time on a busy machine).
      const r = await run({ rpm: 100_000, tpm: 76_000, retryAfter: false }, true, []);
      expectExact(r.metrics);
      expect(r.accepted).toBe(N * 6);
      expect(r.rejected / (r.accepted + r.rejected)).toBeLessThanOrEqual(0.02);
      // The buckets did bind (the run is longer than one answer), and the client kept close to them.
      expect(r.idealMs).toBeGreaterThan(5_000);
      expect(r.spanMs).toBeLessThan(1.5 * r.idealMs + 3_000);
    },
    120_000,
  );

  it(
    "paces by --rpm when the server states no limits (requests the tighter, Retry-After on its 429s)",
    async () => {
      const r = await run({ rpm: 150, tpm: 10_000_000, retryAfter: true }, false, ["--rpm", "150"]);
      expectExact(r.metrics);
      // 180 requests, 150 in the full bucket (~12 s for the rest): unpaced, about 30 of them would be refused.
      expect(r.rejected / (r.accepted + r.rejected)).toBeLessThanOrEqual(0.02);
      expect(r.idealMs).toBeGreaterThan(5_000);
      expect(r.spanMs).toBeLessThan(1.5 * r.idealMs + 3_000);
    },
    120_000,
  );
});
