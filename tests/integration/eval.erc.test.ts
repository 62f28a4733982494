/**
 * `insideout eval --task erc` over the whole 5255-example test split, through the built CLI, against an
 * OpenAI-compatible server on 127.0.0.1 whose answers are a known function of each example (helpers/evalOracle.ts):
 * right for about half, right but written "Sad." for a quarter of those, wrong for the rest, and no JSON at all for
 * about a tenth (an error, which must count as wrong and be reported). The expected accuracy is computed here from
 * the data file and that function. Then: a finished experiment re-run into a new --out makes zero requests, and a
 * different configuration in an existing --out is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/openaiServer.js";
import { behaviourOf, dialogueText, oracle, readEdTest, spawnCli, type Oracle, type RawExample } from "../helpers/evalOracle.js";

let server: FakeOpenAI;
let examples: RawExample[];
let orc: Oracle;
let dir: string;

beforeAll(async () => {
  examples = readEdTest();
  orc = oracle(examples);
  server = await startFakeOpenAI(orc.handler);
  dir = mkdtempSync(path.join(tmpdir(), "insideout-eval-erc-"));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = () => ({
  OPENAI_BASE_URL: server.url,
  OPENAI_API_KEY: "sk-test-not-a-real-key",
  INSIDEOUT_CACHE_DIR: path.join(dir, "cache"),
});

interface Metrics {
  n: number;
  errors: number;
  scored: number;
  labels: string;
  erc: { accuracy: number; confusion: { labels: string[]; matrix: number[][] }; perLabel: Record<string, { support: number; correct: number }> };
  cost: { llmCalls: number; promptTokens: number };
  run: { ran: number; resumed: number; examplesPerSecond: number };
}

function readPredictions(out: string): Array<{ id: string; error?: string; prediction: { emotion?: string } }> {
  return readFileSync(path.join(out, "predictions.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l) as { id: string; error?: string; prediction: { emotion?: string } });
}

async function evalErc(labels: "ed32" | "ed18", out: string, extra: string[] = []) {
  const started = performance.now();
  const { done } = spawnCli(
    ["eval", "--task", "erc", "--method", "baseline", "--model", "openai:oracle", "--labels", labels, "--concurrency", "32", "--out", out, "--json", ...extra],
    env(),
  );
  const r = await done;
  const seconds = (performance.now() - started) / 1000;
  const metrics = JSON.parse(r.stdout || "null") as Metrics | null;
  // Examples that errored on the model's answers are results (counted as wrong), and make the exit code 1.
  const expected = metrics && metrics.errors > 0 ? 1 : 0;
  if (!metrics || r.code !== expected) throw new Error(`eval exited ${r.code}, expected ${expected}: ${r.stderr.slice(-2000)}`);
  if (metrics.errors > 0) expect(r.stderr).toContain(`${metrics.errors} of ${metrics.n} examples errored on the model's answers`);
  return { metrics, seconds, stderr: r.stderr };
}

describe.each(["ed32", "ed18"] as const)("eval --task erc --method baseline, whole test split, %s", (labels) => {
  it(
    "reports exactly the accuracy implied by the server's answers, errors counted as wrong",
    async () => {
      const out = path.join(dir, `full-${labels}`);
      const before = server.requests.length;
      const { metrics, seconds, stderr } = await evalErc(labels, out);
      const expected = orc.expected(examples, labels);
      process.stdout.write(
        `[eval ${labels}] ${examples.length} examples in ${seconds.toFixed(1)} s: ${(examples.length / seconds).toFixed(1)} examples/s end to end ` +
          `(${metrics.run.examplesPerSecond.toFixed(1)}/s inside eval); ${server.requests.length - before} requests; max in flight ${server.maxConcurrent}\n`,
      );
      expect(metrics.n).toBe(5255);
      expect(metrics.labels).toBe(labels);
      expect(metrics.errors).toBe(expected.errors);
      expect(metrics.errors).toBeGreaterThan(0);
      expect(metrics.erc.accuracy).toBeCloseTo(expected.accuracy, 10);
      const perLabelCorrect = Object.values(metrics.erc.perLabel).reduce((a, s) => a + s.correct, 0);
      expect(perLabelCorrect).toBe(expected.correct);
      const matrixTotal = metrics.erc.confusion.matrix.flat().reduce((a, b) => a + b, 0);
      expect(matrixTotal).toBe(5255);
      expect(metrics.erc.confusion.labels).toHaveLength(labels === "ed32" ? 32 : 18);
      // One request per distinct dialogue (a few contexts occur twice in the split: the second is a cache hit),
      // plus one repair retry for each example whose answer was not JSON; an answer the client could not read is not
      // cached (the cache holds what the model said, or nothing), so a repeated context of those is asked again.
      const distinct = new Set(examples.map((e) => dialogueText(e.dialogue))).size;
      expect(server.requests.length - before).toBeGreaterThanOrEqual(distinct);
      expect(server.requests.length - before).toBeLessThanOrEqual(distinct + 2 * expected.errors);
      // predictions.jsonl: every example once, in dataset order.
      const preds = readPredictions(out);
      expect(preds.map((p) => p.id)).toEqual(examples.map((e) => e.id));
      expect(preds.filter((p) => p.error).length).toBe(expected.errors);
      expect(stderr).toMatch(/5255\/5255/);
    },
    900_000,
  );
});

describe("re-running a finished experiment", () => {
  it(
    "into a new --out asks again only for the examples that failed (answers come from the LLM cache), same metrics",
    async () => {
      const first = JSON.parse(readFileSync(path.join(dir, "full-ed32", "metrics.json"), "utf8")) as Metrics & Record<string, unknown>;
      const before = server.requests.length;
      // Again: same records from the cache.
      const { metrics } = await evalErc("ed32", path.join(dir, "again-ed32"));
      // A non-JSON answer makes ChatOpenAI's structured call throw away its text, so nothing is cached for it: those
      // examples (and only those) are asked again, the answer and its repair retry; every successful answer is a hit.
      const asked = server.requests.slice(before);
      const failedTexts = new Set(
        examples.filter((e) => behaviourOf(e.id) === "garbage").map((e) => dialogueText(e.dialogue)),
      );
      expect(asked.length).toBe(2 * first.errors);
      for (const q of asked) {
        const user = q.messages.find((m) => m.role === "user")?.content ?? "";
        expect(failedTexts.has(user.slice(user.indexOf("Speaker: ")).trim())).toBe(true);
      }
      expect(metrics.run.ran).toBe(5255);
      expect(metrics.erc).toEqual(first.erc);
      expect(metrics.errors).toBe(first.errors);
      // Cost is what the answers cost when they were made, not zero: the cache keeps their token counts.
      expect(metrics.cost.promptTokens).toBe(first.cost.promptTokens);
      expect(metrics.cost.llmCalls).toBe(first.cost.llmCalls);
    },
    900_000,
  );

  it(
    "in the same --out runs nothing again",
    async () => {
      const before = server.requests.length;
      const { metrics } = await evalErc("ed32", path.join(dir, "full-ed32"), ["--no-cache"]);
      expect(server.requests.length).toBe(before);
      expect(metrics.run.resumed).toBe(5255);
      expect(metrics.run.ran).toBe(0);
    },
    900_000,
  );

  it("with a different configuration in the same --out is refused, suggesting a new --out", async () => {
    const { done } = spawnCli(
      ["eval", "--task", "erc", "--method", "baseline", "--model", "openai:oracle", "--labels", "ed18", "--out", path.join(dir, "full-ed32")],
      env(),
    );
    const r = await done;
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/labels: stored "ed32", now "ed18"/);
    expect(r.stderr).toMatch(/new --out/);
  });
});
