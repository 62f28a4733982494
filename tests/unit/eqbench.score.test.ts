/**
 * EQ-Bench v2 scoring against EQ-Bench's own lib/scoring.py (../shared/data/eq_bench/reference), run by python3 on the
 * same inputs: every question of every results file held in ../shared/data/eq_bench/results, both with and without
 * the revision part, and answers written to trip a parser; plus each file's published score within 0.02.
 */
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { loadEqBenchQuestions, loadEqBenchResults, type EqBenchRun } from "../../evaluations/data/eqbench.js";
import { parseAnswer } from "../../prompts/eqbenchAnswer.js";
import { rescoreRun } from "../../evaluations/eqbench/rescore.js";
import { REPO } from "../helpers/cli.js";
import { runPython } from "../helpers/nltk.js";

const EQ = resolve(REPO, "../shared/data/eq_bench");
const QUESTIONS = join(EQ, "eq_bench_v2_questions_171.json");
const RESULTS = join(EQ, "results");
const resultFiles = readdirSync(RESULTS).filter((f) => f.endsWith(".json")).sort();

// The reference module imported from its file, its functions called as EQ-Bench's runner calls them.
const REFERENCE = `
import json, sys, importlib.util
args = json.load(sys.stdin)
spec = importlib.util.spec_from_file_location("scoring", args["module"])
scoring = importlib.util.module_from_spec(spec); spec.loader.exec_module(scoring)
`;

interface ReferenceRun {
  perQuestion: Record<string, { first: number | null; revised: number | null }>;
  score: number;
  detail: { first_pass_score: number; first_pass_parseable: number; revised_score: number; revised_parseable: number; final_score: number; final_parseable: number };
}

/** The reference's scores of one iteration's raw answers, and calculate_eq_bench_score's unrounded final score. */
function referenceScores(answers: Record<string, string>, revise: boolean): ReferenceRun {
  return runPython<ReferenceRun>(
    REFERENCE +
      `
import io, contextlib, os, tempfile
qs = json.load(open(args["questions"]))
per, scores = {}, {}
with contextlib.redirect_stdout(io.StringIO()):  # the reference prints its complaints
    for qid, text in args["answers"].items():
        fp, rv = scoring.parse_answers(text, args["revise"])
        ref = qs[qid]["reference_answer_fullscale"]
        a = scoring.calculate_score_fullscale(ref, fp)
        b = scoring.calculate_score_fullscale(ref, rv) if args["revise"] else None
        per[qid] = {"first": a, "revised": b}
        scores[qid] = {"first_pass_score": a, "revised_score": b}
    results = {"r": {"iterations": {"1": {"individual_scores_fullscale": scores}}}}
    fd, path = tempfile.mkstemp(); os.close(fd)
    score = scoring.calculate_eq_bench_score("r", results, path, fullscale=True)
    os.unlink(path)
detail = results["r"]["iterations"]["1"]["benchmark_results_fullscale"]
print(json.dumps({"perQuestion": per, "score": score[0], "detail": detail}))
`,
    { module: join(EQ, "reference/scoring.py"), questions: QUESTIONS, answers, revise },
    "json",
  );
}

describe("EQ-Bench v2 scores equal the reference implementation's", () => {
  it.each(resultFiles)("%s: every question, both parsings, and the run's score", async (file) => {
    const questions = await loadEqBenchQuestions(QUESTIONS);
    const [run] = await loadEqBenchResults(join(RESULTS, file));
    const answers = run!.iterations[0]!.answers;
    for (const revise of [false, true]) {
      const ref = referenceScores(Object.fromEntries(answers), revise);
      const ours = rescoreRun(questions, run!, revise ? "on" : "off").iterations[0]!;
      expect(ours.questions.length).toBe(Object.keys(ref.perQuestion).length);
      for (const q of ours.questions) {
        const r = ref.perQuestion[q.id]!;
        if (r.first === null) expect(q.firstPass).toBeNull();
        else expect(q.firstPass).toBe(r.first);
        if (r.revised === null) expect(q.revised).toBeNull();
        else expect(q.revised).toBe(r.revised);
      }
      expect(ours.firstPassParseable).toBe(ref.detail.first_pass_parseable);
      expect(ours.revisedParseable).toBe(ref.detail.revised_parseable);
      expect(ours.parseable).toBe(ref.detail.final_parseable);
      expect(ours.score).toBeCloseTo(ref.detail.final_score, 10);
    }
  });

  it.each(resultFiles)("%s: the published score within 0.02 and its parseable count, revision as the run was made", async (file) => {
    const questions = await loadEqBenchQuestions(QUESTIONS);
    const runs: EqBenchRun[] = await loadEqBenchResults(join(RESULTS, file));
    for (const run of runs) {
      expect(run.published).toBeDefined();
      const ours = rescoreRun(questions, run);
      expect(Math.abs(ours.score - run.published!.score)).toBeLessThanOrEqual(0.02);
      expect(ours.parseable).toBe(run.published!.parseable);
    }
  });
});

describe("a runner's raw_results.json (runs by id, several iterations)", () => {
  it("averages its iterations as calculate_eq_bench_score does", async () => {
    const questions = await loadEqBenchQuestions(QUESTIONS);
    // Two iterations of one run, made of two published runs' answers (both with the revision part).
    const answers = await Promise.all(
      ["gpt-4-0613_eqbench_v2_results.json", "gpt-3.5-turbo-0613_eqbench_v2_results.json"].map(async (f) => Object.fromEntries((await loadEqBenchResults(join(RESULTS, f)))[0]!.iterations[0]!.answers)),
    );
    const file = join(mkdtempSync(join(tmpdir(), "insideout-eqbench-")), "raw_results.json");
    writeFileSync(file, JSON.stringify({ myrun: { run_metadata: { model_path: "m" }, iterations: { "1": { raw_inference: answers[0] }, "2": { raw_inference: answers[1] } } } }));
    const [run] = await loadEqBenchResults(file);
    expect(run!.iterations.map((it) => it.iteration)).toEqual(["1", "2"]);
    const ours = rescoreRun(questions, run!);
    const ref = runPython<[number, number]>(
      REFERENCE +
        `
import io, contextlib, os, tempfile
qs = json.load(open(args["questions"]))
iterations = {}
with contextlib.redirect_stdout(io.StringIO()):
    for i, answers in enumerate(args["iterations"]):
        scores = {}
        for qid, text in answers.items():
            fp, rv = scoring.parse_answers(text, True)
            ref = qs[qid]["reference_answer_fullscale"]
            scores[qid] = {"first_pass_score": scoring.calculate_score_fullscale(ref, fp), "revised_score": scoring.calculate_score_fullscale(ref, rv)}
        iterations[str(i + 1)] = {"individual_scores_fullscale": scores}
    fd, path = tempfile.mkstemp(); os.close(fd)
    score = scoring.calculate_eq_bench_score("r", {"r": {"iterations": iterations}}, path, fullscale=True)
    os.unlink(path)
print(json.dumps(score))
`,
      { module: join(EQ, "reference/scoring.py"), questions: QUESTIONS, iterations: answers },
      "json",
    );
    // The reference rounds its average to two decimals.
    expect(Math.abs(ours.score - ref[0])).toBeLessThanOrEqual(0.005);
    expect(ours.parseable).toBe(ref[1]);
  });
});

describe("parsing answers as EQ-Bench's parse_answers", () => {
  // Answers that trip a parser: Unicode digits and letters, Python-only spaces (U+001C, U+0085), a JS-only one
  // (U+FEFF), repeated emotions, decimals, missing headings, three or five emotions, headings twice.
  const tricky = [
    "Remorseful: 2\nIndifferent: 6\nAffectionate: 1\nAnnoyed: 5",
    "First pass scores:\nRemorseful: 2\nIndifferent: 6\nAffectionate: 1\nAnnoyed: 5\nCritique: fine\nRevised scores:\nRemorseful: 1\nIndifferent: 7\nAffectionate: 0\nAnnoyed: 6\n",
    "Remorseful: ٣\nIndifferent: ６\nAffectionate: 𝟗\nAnnoyed: ०",
    "Remorseful:\u001c2\nIndifferent:\u00856\nAffectionate:\ufeff1\nAnnoyed:\u30005",
    "Remorseful: 2.5\nIndifferent: 6\nRemorseful: 4\nAffectionate: 1\nAnnoyed: 5\nAnnoyed:7",
    "Émotion_1: 3\nколера: 4\n情绪: 5\nmood2: 006",
    "Revised scores:\nA: 1\nFirst pass scores:\nB: 2\nRevised scores:\nC: 3",
    "First pass scores: Remorseful: 2 Indifferent: 6 Affectionate: 1 Annoyed: 5 Revised scores: Remorseful: 3 Indifferent: 6 Affectionate: 1",
    "no scores at all",
    "Remorseful : 2\nIndifferent:6\n**Annoyed**: 5\nAffectionate: -1",
  ];

  it("gives the same emotions and intensities, in both modes", () => {
    const ref = runPython<Array<[Array<[string, string]>, Array<[string, string]>]>>(
      REFERENCE +
        `
out = []
for text in args["texts"]:
    for revise in (False, True):
        fp, rv = scoring.parse_answers(text, revise)
        out.append([[[k, float(v)] for k, v in fp.items()], [[k, float(v)] for k, v in rv.items()]])
print(json.dumps(out))
`,
      { module: join(EQ, "reference/scoring.py"), texts: tricky },
      "json",
    );
    let i = 0;
    for (const text of tricky) {
      for (const revise of [false, true]) {
        const ours = parseAnswer(text, revise);
        const [first, revised] = ref[i++]!;
        expect([...ours.firstPass]).toEqual(first);
        expect([...ours.revised]).toEqual(revised);
      }
    }
  });
});
