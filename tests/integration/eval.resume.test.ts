/**
 * Kill -9 midway, run the same command again: the experiment finishes with the same metrics.json as an
 * uninterrupted run, no example lost, none counted twice, and the examples finished before the kill are not asked
 * again. Runs the built CLI against a loopback OpenAI-compatible server with a small delay, so the kill lands
 * while examples are in flight.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/openaiServer.js";
import { oracle, readEdTest, finishedRun, spawnCli } from "../helpers/evalOracle.js";
import { storedRows } from "../helpers/store.js";

const LIMIT = 600;
let server: FakeOpenAI;
let dir: string;

beforeAll(async () => {
  server = await startFakeOpenAI(oracle(readEdTest()).handler, { delayMs: 15 });
  dir = mkdtempSync(path.join(tmpdir(), "insideout-eval-resume-"));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const args = (out: string) => [
  "eval", "--task", "erc", "--method", "baseline", "--model", "openai:oracle", "--labels", "ed18",
  "--limit", String(LIMIT), "--seed", "7", "--concurrency", "8", "--out", out, "--json", "--no-progress",
];
const env = (cache: string) => ({ OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "sk-test", INSIDEOUT_CACHE_DIR: cache });


/** metrics.json without what legitimately differs between two runs: timestamps and wall-clock times. */
function stable(file: string): Record<string, unknown> {
  const m = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown> & { cost: Record<string, unknown> & { perExample: Record<string, unknown> } };
  delete m.startedAt;
  delete m.finishedAt;
  delete m.cost.wallMs;
  delete m.cost.perExample.latencyMs;
  return m;
}

function predictions(out: string): Array<Record<string, unknown> & { id: string }> {
  return readFileSync(path.join(out, "predictions.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => {
      const r = JSON.parse(l) as Record<string, unknown> & { id: string };
      delete r.latencyMs;
      return r;
    });
}

describe("eval: kill -9 and resume", () => {
  it(
    "finishes with the same metrics.json as an uninterrupted run",
    async () => {
      const whole = path.join(dir, "uninterrupted");
      const r0 = await spawnCli(args(whole), env(path.join(dir, "cache-a"))).done;
      finishedRun(r0);
      // --concurrency 8 holds (one request per example in the baseline), and is used in full.
      expect(server.maxConcurrent).toBe(8);

      const killed = path.join(dir, "killed");
      const cache = path.join(dir, "cache-b");
      const first = spawnCli(args(killed), env(cache));
      // Wait until some examples are stored, then SIGKILL: no chance to clean up.
      const deadline = Date.now() + 120_000;
      while (storedRows(killed) < 100 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      first.child.kill("SIGKILL");
      const k = await first.done;
      expect(k.signal).toBe("SIGKILL");
      const atKill = storedRows(killed);
      expect(atKill).toBeGreaterThanOrEqual(100);
      expect(atKill).toBeLessThan(LIMIT);
      expect(existsSync(path.join(killed, "metrics.json"))).toBe(false);

      const before = server.requests.length;
      const r1 = await spawnCli(args(killed), env(cache)).done;
      const resumed = finishedRun(r1) as unknown as { n: number; run: { resumed: number; ran: number } };
      expect(resumed.n).toBe(LIMIT);
      expect(resumed.run.resumed).toBeGreaterThanOrEqual(atKill);
      expect(resumed.run.resumed + resumed.run.ran).toBe(LIMIT);
      // Finished examples are not asked again: at most one request (two with the repair retry) per remaining one.
      expect(server.requests.length - before).toBeLessThanOrEqual(2 * (LIMIT - atKill));

      expect(stable(path.join(killed, "metrics.json"))).toEqual(stable(path.join(whole, "metrics.json")));
      const a = predictions(killed);
      const b = predictions(whole);
      expect(new Set(a.map((p) => p.id)).size).toBe(LIMIT);
      expect(a).toEqual(b);
    },
    900_000,
  );
});
