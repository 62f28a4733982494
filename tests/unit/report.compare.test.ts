/**
 * `insideout compare` on small hand-made experiments whose numbers are worked out by hand in the comments.
 */
import { afterEach, beforeEach, describe, expect, it, jest } from "@jest/globals";
import { readFile, readdir, rm } from "node:fs/promises";
import path from "node:path";
import { compareCommand } from "../../cli/commands/compare.js";
import { loadAndCompare, type Comparison } from "../../evaluations/compare.js";
import { ercMetrics, ercPrediction, tmpDir, writeExperiment, type ErcCase } from "../helpers/experiments.js";

let root: string;
beforeEach(async () => {
  root = await tmpDir();
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/*
 * Four examples, ed32.
 *   id  gold    baseline   insideout
 *   e1  sad     sad ✓      sad ✓
 *   e2  joyful  joyful ✓   joyful ✓
 *   e3  afraid  sad ✗      afraid ✓
 *   e4  angry   joyful ✗   furious ✗
 * baseline 2/4 = 50 %, insideout 3/4 = 75 %, Improv. = +25.00 points.
 * McNemar: A = baseline, B = insideout; A-only-right b = 0, B-only-right c = 1 (e3). One discordant pair < 25, so
 * the exact test: p = min(1, 2·P(X ≤ 0 | n = 1, ½)) = min(1, 2·0.5) = 1.
 */
const GOLD = { e1: "sad", e2: "joyful", e3: "afraid", e4: "angry" };
const cases = (preds: Record<keyof typeof GOLD, string>): ErcCase[] =>
  (Object.keys(GOLD) as (keyof typeof GOLD)[]).map((id) => ({ id, gold: GOLD[id], pred: preds[id] }));
const baseline = cases({ e1: "sad", e2: "joyful", e3: "sad", e4: "joyful" });
const insideout = cases({ e1: "sad", e2: "joyful", e3: "afraid", e4: "furious" });
const ercBlock = (accuracy: number) => ({ accuracy, macroF1: 0, perLabel: {}, perValence: {} });

async function fourExampleDirs(): Promise<[string, string]> {
  const a = await writeExperiment(path.join(root, "base"), ercMetrics("baseline", 4, ercBlock(50)), baseline.map((c) => ercPrediction(c, "baseline")));
  const b = await writeExperiment(path.join(root, "io"), ercMetrics("insideout", 4, ercBlock(75)), insideout.map((c) => ercPrediction(c, "insideout")));
  return [a, b];
}

describe("compare: ERC", () => {
  it("gives the paper's Improv. column and McNemar on the four hand-worked examples", async () => {
    const [a, b] = await fourExampleDirs();
    const { comparison: c } = await loadAndCompare([a, b]);
    expect(c.warnings).toEqual([]);
    const [base, io] = c.experiments;
    expect(base!.reference).toBeUndefined();
    expect(io!.reference).toBe(a);
    expect(io!.improv).toBeCloseTo(25, 10);
    expect(c.pairs).toHaveLength(1);
    const p = c.pairs[0]!;
    expect(p.shared).toBe(4);
    expect(p.erc!.accuracyA).toBe(50);
    expect(p.erc!.accuracyB).toBe(75);
    expect(p.erc!.mcnemar).toMatchObject({ b: 0, c: 1, method: "exact", pValue: 1 });
    // Bootstrap intervals of a 0/100 variable stay in [0, 100] and contain the observed accuracy.
    const [lo, hi] = io!.accuracyCI95!;
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThanOrEqual(100);
    expect(lo).toBeLessThanOrEqual(75);
    expect(hi).toBeGreaterThanOrEqual(75);
  });

  it("pairs examples by id and ignores the ones only one experiment has", async () => {
    /*
     * A and B share x1..x10; A also has onlyA (right), B has onlyB (wrong).
     * x1..x8: A wrong, B right; x9, x10: both right. On the shared ten: A 2/10 = 20 %, B 10/10 = 100 %, Δ = +80.
     * McNemar: b = 0, c = 8 (< 25, exact): p = 2·P(X ≤ 0 | n = 8) = 2·(1/2)^8 = 0.0078125.
     */
    const ids = Array.from({ length: 10 }, (_, i) => `x${i + 1}`);
    const aCases: ErcCase[] = [...ids.map((id, i) => ({ id, gold: "sad", pred: i < 8 ? "joyful" : "sad" })), { id: "onlyA", gold: "sad", pred: "sad" }];
    const bCases: ErcCase[] = [...ids.map((id) => ({ id, gold: "sad", pred: "sad" })), { id: "onlyB", gold: "sad", pred: "angry" }];
    // In file order B's lines are reversed, to show pairing is by id and not by line.
    const a = await writeExperiment(path.join(root, "a"), ercMetrics("baseline", 11, ercBlock((100 * 3) / 11)), aCases.map((x) => ercPrediction(x, "baseline")));
    const b = await writeExperiment(path.join(root, "b"), ercMetrics("insideout", 11, ercBlock((100 * 10) / 11)), [...bCases].reverse().map((x) => ercPrediction(x, "insideout")));
    const { comparison: c } = await loadAndCompare([a, b]);
    const p = c.pairs[0]!;
    expect(p.shared).toBe(10);
    expect(p.erc!.accuracyA).toBe(20);
    expect(p.erc!.accuracyB).toBe(100);
    expect(p.erc!.delta).toBe(80);
    expect(p.erc!.mcnemar).toMatchObject({ b: 0, c: 8, method: "exact" });
    expect(p.erc!.mcnemar.pValue).toBeCloseTo(0.0078125, 12);
  });

  it("counts an ed32 answer by its group in an ed18 experiment, and a failed example as wrong", async () => {
    // gold devastated → group sad; predicted "devastated" is in group sad: right. gold lonely → sad; no label: wrong.
    const preds = [
      ercPrediction({ id: "d1", gold: "devastated", pred: "devastated" }, "baseline"),
      ercPrediction({ id: "d2", gold: "lonely", pred: null }, "baseline"),
    ];
    const metrics = { ...ercMetrics("baseline", 2, ercBlock(50)), labels: "ed18" };
    const dir = await writeExperiment(path.join(root, "ed18"), metrics, preds);
    const { comparison: c } = await loadAndCompare([dir]);
    expect(c.warnings).toEqual([]); // 1 of 2 right = 50 %, as metrics.json says
  });

  it("warns when metrics.json disagrees with the predictions on file", async () => {
    const dir = await writeExperiment(path.join(root, "x"), ercMetrics("baseline", 4, ercBlock(60)), baseline.map((c) => ercPrediction(c, "baseline")));
    const { comparison: c } = await loadAndCompare([dir]);
    expect(c.warnings.join("\n")).toMatch(/reports accuracy 60\.00 but predictions\.jsonl gives 50\.00 over 4 examples/);
  });

  it("an experiment that got everything right has the interval [100, 100]", async () => {
    const dir = await writeExperiment(path.join(root, "all"), ercMetrics("insideout", 2, ercBlock(100)), [
      ercPrediction({ id: "1", gold: "sad", pred: "sad" }, "insideout"),
      ercPrediction({ id: "2", gold: "proud", pred: "proud" }, "insideout"),
    ]);
    const { comparison: c } = await loadAndCompare([dir]);
    expect(c.experiments[0]!.accuracyCI95).toEqual([100, 100]);
  });
});

describe("compare: experiments on different data", () => {
  it("same ids holding other gold: no Improv. or paired test, even when the pair is named; rows name the data", async () => {
    // The baseline's e1..e4 as above; "other" holds e1..e4 with e3's gold changed (afraid → sad): not the same examples.
    // It answers "sad" everywhere: e1 and e3 right, 2/4 = 50 %.
    const other = baseline.map((c) => (c.id === "e3" ? { ...c, gold: "sad" } : c));
    const [a] = await fourExampleDirs();
    const b = await writeExperiment(path.join(root, "other"), { ...(ercMetrics("insideout", 4, ercBlock(50)) as object), split: "other.jsonl" }, other.map((c) => ercPrediction({ ...c, pred: "sad" }, "insideout")));
    for (const pairs of [undefined, [[a, b]] as const]) {
      const { comparison: c } = await loadAndCompare([a, b], pairs ? { pairs } : {});
      expect(c.pairs).toEqual([]);
      expect(c.experiments[1]!.reference).toBeUndefined();
      expect(c.experiments[1]!.improv).toBeUndefined();
      expect(c.experiments.map((e) => e.name)).toEqual(["baseline · test-model · ed32 · data ed:test (limit 4, seed 1)", "insideout · test-model · ed32 · data other.jsonl (limit 4, seed 1)"]);
      expect(c.warnings).toEqual([`${a} and ${b} ran on different data (example "e3" is not the same in both): no Improv. or paired test between them`]);
    }
  });
});

describe("compare: ERG judge scores", () => {
  it("paired bootstrap: a constant +2 difference has p = 1/(1+resamples) and zero-width intervals", async () => {
    /*
     * Overall: A scores 6 on every example, B scores 8. Every resampled mean difference is exactly 2, which never
     * strays from the observed 2 by |2| or more, so no resample is "extreme": p = (1 + 0)/(1 + 1000) ≈ 0.000999.
     * Improv. (Overall) = 8 − 6 = +2.
     */
    const erg = (method: string, score: number) =>
      ["g1", "g2", "g3", "g4"].map((id) => ({
        id, task: "erg", method, inputs: { dialogue: ["I lost my job."] }, gold: { emotion: "sad", label: "sad" }, reference: "Sorry.",
        prediction: { reply: "That is hard." }, opinions: {}, candidates: {}, failures: {},
        judge: { fluency: score, identification: score, empathy: score, suggestion: score, overall: score },
        usage: { promptTokens: 1, completionTokens: 1, llmCalls: 1 }, latencyMs: 1,
      }));
    const ergMetrics = (method: string, score: number) => ({
      ...ercMetrics(method, 4, {}), task: "erg", erc: undefined, judgeModel: "openai:judge",
      erg: { bleu1: 10, bleu2: 5, bleu3: 2, bleu4: 1, rouge1: 12, rouge2: 3, rougeL: 11, distinct1: 40, distinct2: 70,
        judge: { fluency: score, identification: score, empathy: score, suggestion: score, overall: score } },
    });
    const a = await writeExperiment(path.join(root, "ga"), ergMetrics("baseline", 6), erg("baseline", 6));
    const b = await writeExperiment(path.join(root, "gb"), ergMetrics("erc+insideout", 8), erg("erc+insideout", 8));
    const { comparison: c } = await loadAndCompare([a, b]);
    expect(c.experiments[1]!.improv).toBe(2);
    expect(c.experiments[1]!.judge!.overall).toEqual({ mean: 8, ci95: [8, 8] });
    const t = c.pairs[0]!.judge!.overall!;
    expect(t).toMatchObject({ n: 4, meanA: 6, meanB: 8, delta: 2, resamples: 1000 });
    expect(t.pValue).toBeCloseTo(1 / 1001, 12);
  });
});

describe("insideout compare (command)", () => {
  async function run(args: string[]): Promise<string> {
    const chunks: string[] = [];
    const spy = jest.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => {
      chunks.push(String(s));
      return true;
    });
    try {
      await compareCommand().exitOverride().parseAsync(args, { from: "user" });
    } finally {
      spy.mockRestore();
    }
    return chunks.join("");
  }

  it("prints a readable table with Improv. and the McNemar p-value", async () => {
    const [a, b] = await fourExampleDirs();
    const out = await run([a, b]);
    expect(out).toMatch(/ERC accuracy \(%\), side by side/);
    expect(out).toMatch(/insideout · test-model · ed32\s+75\.00\s+\[[\d.]+, [\d.]+\]\s+0\.00\s+\[[\d.]+, [\d.]+\]\s+\+25\.00\s+4/);
    expect(out).not.toMatch(/judge/i);
    expect(out).toMatch(/baseline · test-model · ed32\s+insideout · test-model · ed32\s+4\s+50\.00\s+75\.00\s+\+25\.00\s+0\s+1\s+exact\s+1\.000/);
  });

  it("--json gives the comparison; --out writes compare.md and compare.html atomically", async () => {
    const [a, b] = await fourExampleDirs();
    const out = path.join(root, "cmp");
    const json = JSON.parse(await run([a, b, "--json", "--out", out])) as Comparison;
    expect(json.pairs[0]!.erc!.mcnemar.c).toBe(1);
    expect((await readdir(out)).sort()).toEqual(["compare.html", "compare.md"]);
    const md = await readFile(path.join(out, "compare.md"), "utf8");
    expect(md).toContain("| Experiment | Accuracy | 95% CI | Macro-F1 | 95% CI | Improv. | n |");
    expect(md).toMatch(/\| insideout · test-model · ed32 \| 75\.00 \| \[.*\] \| 0\.00 \| \[.*\] \| \+25\.00 \| 4 \|/);
    expect(md).toContain("The paper's published ERC accuracy");
    const html = await readFile(path.join(out, "compare.html"), "utf8");
    expect(html).toContain("Paired test of ERC accuracy (McNemar)");
  });

  it("fails with a clear message for a directory that is not an experiment", async () => {
    await expect(run([root])).rejects.toThrow(/is not an experiment directory: it has no metrics\.json/);
  });
});
