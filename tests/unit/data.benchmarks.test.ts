/**
 * Readers of the benchmark files: EmoBench (EU, EA), EQ-Bench's questions, and rating files (CSV with a pandas index,
 * TSV, JSONL). Expected values are read off the shared files' raw lines, or written into small files here.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "@jest/globals";
import { loadEmoBench } from "../../evaluations/data/emobench.js";
import { loadEqBenchQuestions } from "../../evaluations/data/eqbench.js";
import { readRatingFile } from "../../evaluations/data/ratings.js";
import { REPO } from "../helpers/cli.js";

const SHARED = join(REPO, "..", "shared", "data");
const tmp = mkdtempSync(join(tmpdir(), "insideout-bench-data-"));
const write = (name: string, text: string): string => {
  const file = join(tmp, name);
  writeFileSync(file, text);
  return file;
};

describe("EmoBench", () => {
  it("reads every EU item with its choices and answers, per language", async () => {
    const raw = readFileSync(join(SHARED, "emobench", "EU.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
    const all = await loadEmoBench("eu");
    expect(all).toHaveLength(raw.length);
    expect((await loadEmoBench("eu", { languages: ["en"] })).length).toBe(raw.filter((r) => r.language === "en").length);
    const first = all[0]!;
    expect(first).toMatchObject({
      task: "eu",
      id: `${raw[0]!.language as string}-${raw[0]!.qid as string}`,
      emotionChoices: raw[0]!.emotion_choices,
      emotion: raw[0]!.emotion_label,
      causeChoices: raw[0]!.cause_choices,
      cause: raw[0]!.cause_label,
      category: raw[0]!.coarse_category,
    });
  });

  it("reads EA's question type and refuses an answer that is not among the choices, naming the line", async () => {
    const ea = await loadEmoBench("ea", { languages: ["zh"] });
    expect(ea.every((i) => i.task === "ea" && i.language === "zh" && i.choices.includes(i.answer))).toBe(true);
    const good = readFileSync(join(SHARED, "emobench", "EA.jsonl"), "utf8").split("\n")[0]!;
    const bad = JSON.stringify({ ...(JSON.parse(good) as object), qid: "x", label: "none of them" });
    await expect(loadEmoBench("ea", { file: write("ea.jsonl", `${good}\n${bad}\n`) })).rejects.toThrow(/line 2 of .*ea\.jsonl is not an EmoBench EA item: label is not among choices/);
  });
});

describe("EQ-Bench questions", () => {
  it("reads the v2 reference (emotions and intensities, numeric strings as numbers)", async () => {
    const raw = JSON.parse(readFileSync(join(SHARED, "eq_bench", "eq_bench_v2_questions_171.json"), "utf8")) as Record<string, { reference_answer_fullscale: Record<string, string | number> }>;
    const questions = await loadEqBenchQuestions();
    expect(questions.map((q) => q.id)).toEqual(Object.keys(raw));
    for (const q of questions) {
      const r = raw[q.id]!.reference_answer_fullscale;
      expect(q.reference.emotions).toEqual([r.emotion1, r.emotion2, r.emotion3, r.emotion4]);
      expect(q.reference.scores).toEqual([r.emotion1_score, r.emotion2_score, r.emotion3_score, r.emotion4_score].map(Number));
    }
  });

  it("refuses a question without its four intensities in one line", async () => {
    const file = write("q.json", JSON.stringify({ "1": { prompt: "p", reference_answer_fullscale: { emotion1: "a", emotion2: "b", emotion3: "c", emotion4: "d", emotion1_score: 1, emotion2_score: 2, emotion3_score: 3 } } }));
    await expect(loadEqBenchQuestions(file)).rejects.toThrow(/is not an EQ-Bench file: 1\.reference_answer_fullscale\.emotion4_score/);
  });
});

describe("rating files", () => {
  it("skips a nameless index column, takes the first named column as id, and only numeric columns as dimensions", async () => {
    const r = await readRatingFile(write("llm_ratings.csv", ',conv_id,note,empathy,fluency\n0,a,"text, with\nnewline",2.0,4\n1,b,more,NaN,5\n'));
    expect(r.name).toBe("llm_ratings");
    expect(r.idColumn).toBe("conv_id");
    expect(r.dimensions).toEqual(["empathy", "fluency"]);
    expect([...r.ratings.items()]).toEqual(["a", "b"]);
    expect(r.ratings.get("a", "empathy")).toBe(2);
    expect(r.ratings.get("b", "empathy")).toBeNaN();
  });

  it("reads TSV and JSONL, and --id names another column", async () => {
    const tsv = await readRatingFile(write("r.tsv", "row\titem\tscore\n1\tx\t3\n2\ty\t4\n"), "item");
    expect([...tsv.ratings.items()]).toEqual(["x", "y"]);
    expect(tsv.dimensions).toEqual(["row", "score"]);
    const jsonl = await readRatingFile(write("r.jsonl", '{"id": "x", "score": 3}\n{"id": "y", "score": "4", "extra": 1}\n'));
    expect(jsonl.dimensions).toEqual(["score", "extra"]);
    expect(jsonl.ratings.get("y", "score")).toBe(4);
    expect(jsonl.ratings.get("x", "extra")).toBeNaN();
  });

  it("refuses an id that occurs twice, naming it", async () => {
    await expect(readRatingFile(write("dup.csv", "id,score\na,1\na,2\n"))).rejects.toThrow(/id "a" occurs twice in .*dup\.csv \(row 3\)/);
  });
});
