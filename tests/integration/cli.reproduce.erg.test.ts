/**
 * `insideout reproduce --table 3` and `--table 4`: the same ERG runs (the second command reuses them and makes no
 * call), each printing its own table of the paper. The judge gives every reply 7 on every criterion, so Table 4 is
 * 7.00 [7.00, 7.00] for each method with an Improv. of ±0.00; the figures of Table 3 are checked by hand in
 * tests/unit/report.tables.test.ts, here only its layout.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { answerFromSchema, promptOf, requestedSchema, startFakeOpenAI, type FakeOpenAI } from "../helpers/openaiServer.js";
import { runCli } from "../helpers/cli.js";

let server: FakeOpenAI;
const dir = mkdtempSync(path.join(tmpdir(), "reproduce-erg-"));
const data = path.join(dir, "four.jsonl");
const env = () => ({ OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "sk-test", INSIDEOUT_CACHE_DIR: path.join(dir, "cache") });

beforeAll(async () => {
  server = await startFakeOpenAI((req) => {
    const schema = requestedSchema(req);
    if (!schema) return "I am so sorry to hear that.";
    const judge = promptOf(req).includes("You are an impartial judge");
    return JSON.stringify(answerFromSchema(schema, (p, o) => (p === "emotion" ? "sad" : o[0])), (_k, v: unknown) => (judge && typeof v === "number" ? 7 : v));
  });
  const examples = [
    { id: "a", dialogue: ["My dog died."], emotion: "sad", reference: "I am so sorry to hear that." },
    { id: "b", dialogue: ["I miss my old house."], emotion: "sad", reference: "Me too, it was lovely." },
    { id: "c", dialogue: ["Someone keyed my car!"], emotion: "furious", reference: "That is awful." },
    { id: "d", dialogue: ["I won the lottery!"], emotion: "joyful", reference: "Wow, congratulations!" },
  ];
  writeFileSync(data, examples.map((e) => JSON.stringify(e)).join("\n") + "\n");
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const rowOf = (out: string, name: string) => out.split("\n").find((l) => l.startsWith(`${name} `))?.split(/\s{2,}/);

describe("insideout reproduce --table 3 and --table 4", () => {
  const out = path.join(dir, "erg");
  const args = (table: string) => ["reproduce", "--table", table, "--model", "openai:m", "--judge-model", "openai:judge-m", "--data", data, "--out", out, "--no-progress"];

  it("table 3 prints the automatic metrics with intervals and Improv., and nothing of the judge", async () => {
    const r = await runCli(args("3"), env());
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Table 3: ERG automatic metrics\nTable 3: ERG automatic metrics \(×100\) with 95% intervals\n/);
    expect(rowOf(r.stdout, "Metric")).toEqual(["Metric", "baseline", "erc+baseline", "erc+insideout", "Improv."]);
    for (const m of ["BLEU-1", "BLEU-2", "BLEU-3", "BLEU-4", "ROUGE-1", "ROUGE-2", "ROUGE-L"]) {
      expect(rowOf(r.stdout, m)).toEqual([m, ...Array(3).fill(expect.stringMatching(/^\d+\.\d\d \[\d+\.\d\d, \d+\.\d\d\]$/)), expect.stringMatching(/^[+−±]\d+\.\d\d$/)]);
    }
    expect(r.stdout).not.toMatch(/bleu1|Fluency|Overall/);
  });

  it("table 4 reuses the same runs (no call) and prints the judge's table, naming the judge", async () => {
    const before = server.requests.length;
    const r = await runCli(args("4"), env());
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(server.requests.length).toBe(before);
    expect(r.stdout).toMatch(/^Table 4: ERG, LLM judge\nTable 4: LLM judge scores \(1–10\) with 95% intervals — judge openai:judge-m\n/);
    for (const c of ["Fluency", "Identification", "Empathy", "Suggestion", "Overall"]) {
      expect(rowOf(r.stdout, c)).toEqual([c, "7.00 [7.00, 7.00]", "7.00 [7.00, 7.00]", "7.00 [7.00, 7.00]", "±0.00"]);
    }
    expect(r.stdout).toContain("Paired bootstrap test of judge scores on the shared examples — judge openai:judge-m");
    expect(r.stdout).not.toMatch(/BLEU|ROUGE|Distinct/);
    expect(r.stdout).toContain("Judge openai:judge-m is not checked against human experts: run insideout judge calibrate --judge-model openai:judge-m.\n");
    const md = readFileSync(path.join(out, "compare.md"), "utf8");
    expect(md).toContain("erc+insideout · m (ERG, n=4, judge openai:judge-m)");
    expect(md.indexOf("## Table 3:")).toBeLessThan(md.indexOf("## Table 4:"));
  });

  it("table 4 says how far its judge agreed with human experts once judge calibrate has checked it", async () => {
    // As `insideout judge calibrate` records it (tests/integration/judge.calibrate.test.ts): hand-written figures.
    const record = { "openai:judge-m": { date: "2026-12-01", conversations: 50, kappa: { empathy: 0.6149, relevance: 0.4, fluency: 0.2049 } } };
    mkdirSync(path.join(dir, "cache"), { recursive: true });
    writeFileSync(path.join(dir, "cache", "judge-calibration.json"), JSON.stringify(record));
    const before = server.requests.length;
    const r = await runCli(args("4"), env());
    expect(r.code).toBe(0);
    expect(server.requests.length).toBe(before);
    expect(r.stdout).toContain(
      "Judge openai:judge-m against human experts (insideout judge calibrate, 50 EmpatheticDialogues conversations, 2026-12-01): " +
        "quadratic-weighted κ with the experts' median empathy 0.61, relevance 0.40, fluency 0.20.\n",
    );
  });
});
