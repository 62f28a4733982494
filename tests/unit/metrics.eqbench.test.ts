/**
 * EQ-Bench v2 scoring (evaluations/metrics/eqbench.ts) against EQ-Bench's own reference code (lib/scoring.py, in
 * ../shared/data/eq_bench/reference), run with python3 on the same inputs: every question's first-pass and revised
 * score of the four published results files, and each file's final score; plus the figures SOURCE.md measured with it.
 */
import { describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { REPO } from "../helpers/cli.js";
import { eqBenchFinalScore, eqBenchQuestionScore, parseEqBenchAnswer, type EqBenchReference } from "../../evaluations/metrics/eqbench.js";

const EQ = path.resolve(REPO, "../shared/data/eq_bench");
const FILES = readdirSync(path.join(EQ, "results")).filter((f) => f.endsWith(".json")).sort();

// The reference, as EQ-Bench's runner calls it: parse_answers with REVISE when the answer has a revised section.
const PYTHON = `
import json, sys, io, contextlib
sys.path.insert(0, sys.argv[1] + "/reference")
from scoring import parse_answers, calculate_score_fullscale
questions = json.load(open(sys.argv[1] + "/eq_bench_v2_questions_171.json"))
out = {}
for f in sys.argv[2:]:
    raw = json.load(open(sys.argv[1] + "/results/" + f))["raw_results"]["1"]["raw_inference"]
    revise = any("Revised scores:" in t for t in raw.values())
    per = {}
    for qid, text in raw.items():
        ref = questions[qid]["reference_answer_fullscale"]
        first, revised = parse_answers(text, revise)
        with contextlib.redirect_stdout(io.StringIO()):
            per[qid] = [calculate_score_fullscale(ref, first), calculate_score_fullscale(ref, revised) if revise else None]
    out[f] = {"revise": revise, "per": per}
print(json.dumps(out))
`;

const reference = JSON.parse(execFileSync("python3", ["-c", PYTHON, EQ, ...FILES], { encoding: "utf8" })) as Record<
  string,
  { revise: boolean; per: Record<string, [number | null, number | null]> }
>;
const questions = JSON.parse(readFileSync(path.join(EQ, "eq_bench_v2_questions_171.json"), "utf8")) as Record<string, { reference_answer_fullscale: Record<string, string | number> }>;
const refOf = (qid: string): EqBenchReference => {
  const r = questions[qid]!.reference_answer_fullscale;
  return [1, 2, 3, 4].map((i) => ({ emotion: String(r[`emotion${i}`]), score: Number(r[`emotion${i}_score`]) }));
};

describe("EQ-Bench v2 scoring equals the reference code", () => {
  it.each(FILES)("%s: every question's first-pass and revised score", (file) => {
    const raw = (JSON.parse(readFileSync(path.join(EQ, "results", file), "utf8")) as { raw_results: { "1": { raw_inference: Record<string, string> } } }).raw_results["1"].raw_inference;
    const { revise, per } = reference[file]!;
    expect(Object.keys(raw)).toHaveLength(171);
    for (const [qid, text] of Object.entries(raw)) {
      const { firstPass, revised } = parseEqBenchAnswer(text, revise);
      const [pyFirst, pyRevised] = per[qid]!;
      const first = eqBenchQuestionScore(refOf(qid), firstPass);
      if (pyFirst === null) expect(first).toBeNull();
      else expect(first).toBeCloseTo(pyFirst, 10);
      if (revise) {
        const rev = eqBenchQuestionScore(refOf(qid), revised);
        if (pyRevised === null) expect(rev).toBeNull();
        else expect(rev).toBeCloseTo(pyRevised, 10);
      }
    }
  });

  // SOURCE.md: measured with reference/scoring.py (published: 83.87, 84.79, 69.35, 68.18), parseable 171 each.
  const MEASURED: Record<string, number> = {
    "gpt-4-0125-preview_eqbench_v2_results.json": 83.8758,
    "gpt-4-0613_eqbench_v2_results.json": 84.7873,
    "gpt-3.5-turbo-0613_eqbench_v2_results.json": 69.3564,
    "TheBloke__Mistral-7B-Instruct-v0.2-GGUF_eqbench_v2_results.json": 68.186,
  };
  it.each(FILES)("%s: the final score and parseable count", (file) => {
    const raw = (JSON.parse(readFileSync(path.join(EQ, "results", file), "utf8")) as { raw_results: { "1": { raw_inference: Record<string, string> } } }).raw_results["1"].raw_inference;
    const { revise } = reference[file]!;
    const first: (number | null)[] = [];
    const revised: (number | null)[] = [];
    for (const [qid, text] of Object.entries(raw)) {
      const p = parseEqBenchAnswer(text, revise);
      first.push(eqBenchQuestionScore(refOf(qid), p.firstPass));
      if (revise) revised.push(eqBenchQuestionScore(refOf(qid), p.revised));
    }
    const final = eqBenchFinalScore(first, revised);
    expect(final.score).toBeCloseTo(MEASURED[file]!, 3);
    expect(final.parseable).toBe(171);
  });

  it("a hand-worked question: differences 0, 1, 3 and 6", () => {
    // d=1: 6.5/(1+e^3.6) = 0.17288…; d=3: 6.5/(1+e^1.2) = 1.50460…; d=6 counts as 6. 10 − 0.7477 × 7.67748… = 4.25956…
    const ref = [{ emotion: "A", score: 5 }, { emotion: "B", score: 5 }, { emotion: "C", score: 5 }, { emotion: "D", score: 0 }];
    const s = eqBenchQuestionScore(ref, new Map([["A", 5], ["B", 6], ["C", 2], ["D", 6]]));
    expect(s).toBeCloseTo(10 - 0.7477 * (6.5 / (1 + Math.exp(3.6)) + 6.5 / (1 + Math.exp(1.2)) + 6), 12);
    expect(s).toBeCloseTo(4.2596, 3);
    // Three emotions, or a name not asked for: not parseable.
    expect(eqBenchQuestionScore(ref, new Map([["A", 5], ["B", 6], ["C", 2]]))).toBeNull();
    expect(eqBenchQuestionScore(ref, new Map([["A", 5], ["B", 6], ["C", 2], ["E", 1]]))).toBeNull();
  });
});
