/**
 * `insideout judge calibrate` through the built CLI against a loopback OpenAI-compatible server whose judge answers
 * expert 1's ratings of the conversation it is shown: its κ with expert 1 must be 1, and with experts 2 and 3 the
 * experts' own κ that Kumar et al. 2025 published (table_kappa.csv). A second run is answered from the LLM cache.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { REPO, runCli } from "../helpers/cli.js";
import { answerFromSchema, promptOf, requestedSchema, startFakeOpenAI, type ChatRequest, type FakeOpenAI } from "../helpers/openaiServer.js";

const DATA = path.resolve(REPO, "../shared/data/judge_calibration");
const csv = (file: string): Array<Record<string, string>> => parse(readFileSync(path.join(DATA, file), "utf8"), { columns: true }) as Array<Record<string, string>>;

let server: FakeOpenAI;
let dir: string;
let expert1: Map<string, Record<string, string>>;
/** Each conversation's Seeker and Supporter lines, ED's `_comma_` as commas, by conv_id. */
let lines: Map<string, string[]>;

beforeAll(async () => {
  expert1 = new Map(csv("annotations/empatheticdialogues/expert1_ratings.csv").map((r) => [r.conv_id!, r]));
  lines = new Map();
  for (const r of csv("original_data/sample_empatheticdialogues.csv")) {
    if (!lines.has(r.conv_id!)) lines.set(r.conv_id!, r.full_conversation!.replace(/_comma_/g, ",").split("\n").map((l) => l.trim()).filter(Boolean));
  }
  server = await startFakeOpenAI((req: ChatRequest) => {
    const prompt = promptOf(req);
    const ids = [...lines].filter(([, ls]) => ls.every((l) => prompt.includes(l))).map(([id]) => id);
    if (ids.length !== 1) throw new Error(`the judge was shown ${ids.length} known conversations`);
    const rating = expert1.get(ids[0]!)!;
    return JSON.stringify(answerFromSchema(requestedSchema(req)!), (k: string, v: unknown) => (k in rating && k !== "conv_id" ? Math.round(Number(rating[k])) : v));
  });
  dir = mkdtempSync(path.join(tmpdir(), "insideout-calibrate-"));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Calibration {
  judge: string;
  conversations: number;
  rows: Array<{ dimension: string; rater: string; kappa: Record<string, number>; n: number }>;
  cache: { hits: number; misses: number };
}

describe("judge calibrate", () => {
  it("gives κ = 1 with the expert the judge copies and the published expert κ with the others; a rerun costs no call", async () => {
    const env = { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "sk-test", INSIDEOUT_CACHE_DIR: path.join(dir, "cache") };
    const args = ["judge", "calibrate", "--judge-model", "openai:judge", "--json", "--out", path.join(dir, "judge.csv")];
    const first = await runCli(args, env);
    expect(first.stderr).toBe("");
    expect(first.code).toBe(0);
    const m = JSON.parse(first.stdout) as Calibration;
    expect(m.conversations).toBe(50);
    expect(server.requests.length).toBe(50);

    const published = csv("annotations/table_kappa.csv").filter((r) => r.Dataset === "Empathetic Dialogues");
    const kappaOf = (pair: string, dimension: string): number =>
      Number(published.find((r) => r["Annotator Pair"] === pair && r.Dimension === dimension)!["Weighted Cohen's Kappa"]);
    for (const dimension of ["empathy", "relevance", "fluency"]) {
      const judge = m.rows.find((r) => r.dimension === dimension && r.rater === "judge openai:judge")!;
      expect(judge.n).toBe(50);
      expect(judge.kappa.expert1).toBe(1);
      expect(Math.abs(judge.kappa.expert2! - kappaOf("('expert1', 'expert2')", dimension))).toBeLessThanOrEqual(0.005);
      expect(Math.abs(judge.kappa.expert3! - kappaOf("('expert3', 'expert1')", dimension))).toBeLessThanOrEqual(0.005);
      // The study's 'llm' is Gemini: its κ with the experts' median is published too.
      const gemini = m.rows.find((r) => r.dimension === dimension && r.rater === "Gemini 2.5 Pro")!;
      expect(Math.abs(gemini.kappa["experts (median)"]! - kappaOf("('experts', 'llm')", dimension))).toBeLessThanOrEqual(0.005);
    }
    // The ratings file holds what the judge answered: expert 1's ratings.
    const written = parse(readFileSync(path.join(dir, "judge.csv"), "utf8"), { columns: true }) as Array<Record<string, string>>;
    expect(written.length).toBe(50);
    for (const r of written) expect(Number(r.fluency)).toBe(Number(expert1.get(r.conv_id!)!.fluency));

    // Kept for Table 4 (cli.reproduce.erg shows it printed): the judge's κ with the experts' median, per criterion.
    const record = JSON.parse(readFileSync(path.join(dir, "cache", "judge-calibration.json"), "utf8")) as Record<string, { conversations: number; kappa: Record<string, number> }>;
    expect(Object.keys(record)).toEqual(["openai:judge"]);
    expect(record["openai:judge"]!.conversations).toBe(50);
    const judgeRow = (dimension: string) => m.rows.find((r) => r.dimension === dimension && r.rater === "judge openai:judge")!;
    expect(record["openai:judge"]!.kappa).toEqual({
      empathy: judgeRow("empathy").kappa["experts (median)"],
      relevance: judgeRow("relevance").kappa["experts (median)"],
      fluency: judgeRow("fluency").kappa["experts (median)"],
    });

    const again = await runCli(args, env);
    expect(again.code).toBe(0);
    expect(server.requests.length).toBe(50);
    const m2 = JSON.parse(again.stdout) as Calibration;
    expect(m2.cache.hits).toBe(50);
    expect(m2.rows).toEqual(m.rows);
  });
});
