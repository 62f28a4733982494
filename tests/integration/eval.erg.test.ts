/**
 * `insideout eval --task erg` with the LLM judge on a small seeded sample, through the built CLI against a
 * loopback OpenAI-compatible server. The judge's scores are a known function of the example, so the expected means
 * are computed here; the aggregate agent always chooses the first candidate of its enum, so agreement is known too.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { answerFromSchema, requestedSchema, startFakeOpenAI, promptOf, type ChatRequest, type FakeOpenAI } from "../helpers/openaiServer.js";
import { behaviourOf, dialogueText, finishedRun, oracle, readEdTest, spawnCli, type RawExample } from "../helpers/evalOracle.js";

let server: FakeOpenAI;
let dir: string;
let examples: RawExample[];

const CRITERIA = ["fluency", "identification", "empathy", "suggestion", "overall"] as const;
/** The judge's score of an example on a criterion: 1..10 from a hash of id and criterion. */
function judgeScore(id: string, criterion: string): number {
  return (createHash("sha256").update(`${id}/${criterion}`).digest()[0]! % 10) + 1;
}

beforeAll(async () => {
  examples = readEdTest();
  const base = oracle(examples).handler;
  const byText = new Map(examples.map((e) => [dialogueText(e.dialogue), e]));
  const handler = (req: ChatRequest): string => {
    if (!promptOf(req).startsWith("You are an impartial judge")) return base(req);
    const user = req.messages.find((m) => m.role === "user")?.content ?? "";
    const text = user.slice(user.indexOf("Speaker: ")).split("\n\nCandidate reply")[0]!.trim();
    const ex = byText.get(text);
    if (!ex) throw new Error(`judge asked about an unknown dialogue: ${text.slice(0, 80)}`);
    return JSON.stringify(answerFromSchema(requestedSchema(req)!), (k: string, v: unknown) =>
      (CRITERIA as readonly string[]).includes(k) ? judgeScore(ex.id, k) : v,
    );
  };
  server = await startFakeOpenAI(handler);
  dir = mkdtempSync(path.join(tmpdir(), "insideout-eval-erg-"));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("eval --task erg --method erc+insideout with the judge", () => {
  it(
    "writes one record per example with judge scores and the judge means of those scores",
    async () => {
      const out = path.join(dir, "erg");
      const r = await spawnCli(
        ["eval", "--task", "erg", "--method", "erc+insideout", "--model", "openai:oracle", "--judge-model", "openai:judge", "--limit", "12", "--seed", "3", "--concurrency", "4", "--out", out, "--json"],
        { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "sk-test", INSIDEOUT_CACHE_DIR: path.join(dir, "cache") },
      ).done;
      const m = finishedRun(r) as unknown as {
        n: number; errors: number; judgeModel: string; scored: number;
        erg: Record<string, number> & { judge: Record<string, number> & { n: number; ci95: Record<string, [number, number]> } };
        agents: { agreement: Record<string, number> };
        cost: { llmCalls: number };
      };
      const preds = readFileSync(path.join(out, "predictions.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as {
        id: string; error?: string; judge?: Record<string, number>; prediction: { reply?: string; author?: string }; candidates: Record<string, unknown>; usage: { llmCalls: number };
      });
      expect(m.n).toBe(12);
      expect(preds).toHaveLength(12);
      expect(m.judgeModel).toBe("openai:judge");
      // The recogniser's "no JSON" examples fail the whole ERG pipeline: they are errors, without a judge score.
      const failing = preds.filter((p) => behaviourOf(p.id) === "garbage").map((p) => p.id);
      expect(preds.filter((p) => p.error).map((p) => p.id)).toEqual(failing);
      expect(m.errors).toBe(failing.length);
      const judged = preds.filter((p) => behaviourOf(p.id) !== "garbage");
      expect(judged.length).toBeGreaterThan(0);
      expect(m.erg.judge.n).toBe(judged.length);
      for (const c of CRITERIA) {
        const mean = judged.reduce((a, p) => a + judgeScore(p.id, c), 0) / judged.length;
        expect(m.erg.judge[c]).toBeCloseTo(mean, 10);
        expect(m.erg.judge.ci95[c]![0]).toBeLessThanOrEqual(mean);
        expect(m.erg.judge.ci95[c]![1]).toBeGreaterThanOrEqual(mean);
      }
      for (const p of judged) {
        expect(p.judge).toEqual(Object.fromEntries(CRITERIA.map((c) => [c, judgeScore(p.id, c)])));
        expect(Object.keys(p.candidates).sort()).toEqual(["anger", "disgust", "fear", "happiness", "sadness"]);
        // The aggregate agent's answer is the first name of its enum; every reply came from that agent.
        expect(p.prediction.author).toBe(preds.find((q) => q.prediction.author)!.prediction.author);
        // recognise + five agents + aggregate + judge
        expect(p.usage.llmCalls).toBe(8);
      }
      const author = judged[0]!.prediction.author!;
      expect(m.agents.agreement[author]).toBe(100);
      for (const [agent, share] of Object.entries(m.agents.agreement)) if (agent !== author) expect(share).toBe(0);
      for (const k of ["bleu1", "bleu2", "bleu3", "bleu4", "rouge1", "rouge2", "rougeL", "distinct1", "distinct2"]) {
        expect(Number.isFinite(m.erg[k])).toBe(true);
      }
      const judgeRequests = server.requests.filter((q) => promptOf(q).startsWith("You are an impartial judge"));
      expect(judgeRequests).toHaveLength(judged.length);
      expect(new Set(judgeRequests.map((q) => q.model))).toEqual(new Set(["judge"]));
    },
    600_000,
  );
});
