/**
 * The paper's Table 3 (BLEU, ROUGE, Distinct) and Table 4 (judge) as `compare` and `reproduce` print them, on two
 * hand-made two-example ERG experiments whose every figure and interval is worked out below.
 *
 * References: r1 "i am so sorry", r2 "that is great news".
 * erc+insideout replies: h1 = r1 (4 tokens), h2 "that is great" (3 tokens). baseline replies: "ok", "ok".
 *
 * insideout, corpus BLEU (NLTK): n-gram matches/totals 1-gram 7/7, 2-gram 5/5, 3-gram 3/3, 4-gram 1/2 (h2 has no
 * 4-gram but counts 1); lengths hyp 7, ref 8, so BP = exp(1 − 8/7). BLEU-1..3 = 100·BP = 86.69,
 * BLEU-4 = 100·BP·(1/2)^(1/4) = 72.90. ROUGE F per pair: h1 1, 1, 1; h2 R-1 = R-L = 2·1·¾/(1+¾) = 6/7, R-2 =
 * 2·1·⅔/(1+⅔) = 0.8; means 92.86, 90.00, 92.86. Distinct-1 = 7/7, Distinct-2 = 5/5 = 100.
 *
 * Intervals: with two examples a resample is {1,1}, {1,2} or {2,2}, each with probability ≥ ¼, so in 1000
 * resamples both tails of the percentile interval are the extreme values of the three. {1,1} is r1 twice: BLEU 100.
 * {2,2}: BLEU-1..3 = 100·exp(1 − 8/6) = 71.65, BLEU-4 0. So BLEU-1 [71.65, 100], BLEU-4 [0, 100], ROUGE-1
 * [85.71, 100], ROUGE-2 [80, 100]. Distinct gets no interval: {1,1} would give Distinct-1 4/8 = 50, below the 100
 * it should surround, only because the resample repeats a reply.
 *
 * baseline: nothing matches, so BLEU and ROUGE are 0 [0, 0]; Distinct-1 = 1/2 = 50; no bigram, Distinct-2 = 0.
 * Improv. = insideout − baseline: BLEU-1 +86.69, BLEU-4 +72.90, Distinct-1 +50.00.
 *
 * Judge (every criterion the same score): baseline 6 and 8 → 7.00 [6.00, 8.00]; insideout 8 and 9 → 8.50
 * [8.00, 9.00]; Improv. +1.50.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import { compareText, loadAndCompare, writeCompare, type Comparison } from "../../evaluations/compare.js";
import { classificationStatistic } from "../../evaluations/metrics/resample.js";
import { readExperiment } from "../../evaluations/report/schema.js";
import { costTable, runTotalsTable } from "../../evaluations/report/tables.js";
import type { Experiment } from "../../evaluations/report/schema.js";
import { ercMetrics, ercPrediction, ergMetricsFile, ergPrediction, tmpDir, writeExperiment } from "../helpers/experiments.js";

const BP = Math.exp(1 - 8 / 7);
const R1 = "i am so sorry";
const R2 = "that is great news";
const judgeBlock = (m: number) => ({ fluency: m, identification: m, empathy: m, suggestion: m, overall: m, n: 2 });

let root: string;
let c: Comparison;
let exps: Experiment[];
beforeAll(async () => {
  root = await tmpDir("insideout-tables-");
  const base = await writeExperiment(
    path.join(root, "baseline"),
    ergMetricsFile("baseline", 2, { bleu1: 0, bleu2: 0, bleu3: 0, bleu4: 0, rouge1: 0, rouge2: 0, rougeL: 0, distinct1: 50, distinct2: 0, judge: judgeBlock(7) }),
    [ergPrediction({ id: "1", reply: "ok", reference: R1, judge: 6 }, "baseline"), ergPrediction({ id: "2", reply: "ok", reference: R2, judge: 8 }, "baseline")],
  );
  const io = await writeExperiment(
    path.join(root, "insideout"),
    ergMetricsFile("erc+insideout", 2, {
      bleu1: 100 * BP, bleu2: 100 * BP, bleu3: 100 * BP, bleu4: 100 * BP * 0.5 ** 0.25,
      rouge1: 100 * (1 + 6 / 7) / 2, rouge2: 90, rougeL: 100 * (1 + 6 / 7) / 2, distinct1: 100, distinct2: 100,
      judge: judgeBlock(8.5),
    }),
    [
      ergPrediction({ id: "1", reply: R1, reference: R1, judge: 8, candidates: { joy: R1, sadness: "oh no" } }, "erc+insideout"),
      ergPrediction({ id: "2", reply: "that is great", reference: R2, judge: 9 }, "erc+insideout"),
    ],
  );
  ({ comparison: c, experiments: exps } = await loadAndCompare([base, io]));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe("Table 3: automatic metrics", () => {
  it("recomputes every figure from the predictions as metrics.json reports it (no warning)", () => {
    expect(c.warnings).toEqual([]);
    const io = c.experiments[1]!;
    expect(io.ergCI95!.bleu1![0]).toBeCloseTo(100 * Math.exp(1 - 8 / 6), 6);
    expect(io.ergCI95!.bleu1![1]).toBeCloseTo(100, 6);
  });

  it("prints metric rows with the paper's names, 95% intervals and Improv., and nothing of the judge", () => {
    const out = compareText(c, exps, "automatic");
    expect(out.startsWith("Table 3: ERG automatic metrics (×100) with 95% intervals\n")).toBe(true);
    const row = (name: string) => out.split("\n").find((l) => l.startsWith(`${name} `))?.split(/\s{2,}/);
    expect(out.split("\n")[1]!.split(/\s{2,}/)).toEqual(["Metric", "baseline", "erc+insideout", "Improv."]);
    expect(row("BLEU-1")).toEqual(["BLEU-1", "0.00 [0.00, 0.00]", "86.69 [71.65, 100.00]", "+86.69"]);
    expect(row("BLEU-3")).toEqual(["BLEU-3", "0.00 [0.00, 0.00]", "86.69 [71.65, 100.00]", "+86.69"]);
    expect(row("BLEU-4")).toEqual(["BLEU-4", "0.00 [0.00, 0.00]", "72.90 [0.00, 100.00]", "+72.90"]);
    expect(row("ROUGE-1")).toEqual(["ROUGE-1", "0.00 [0.00, 0.00]", "92.86 [85.71, 100.00]", "+92.86"]);
    expect(row("ROUGE-2")).toEqual(["ROUGE-2", "0.00 [0.00, 0.00]", "90.00 [80.00, 100.00]", "+90.00"]);
    expect(row("ROUGE-L")).toEqual(["ROUGE-L", "0.00 [0.00, 0.00]", "92.86 [85.71, 100.00]", "+92.86"]);
    expect(row("Distinct-1")).toEqual(["Distinct-1", "50.00", "100.00", "+50.00"]);
    expect(row("Distinct-2")).toEqual(["Distinct-2", "0.00", "100.00", "+100.00"]);
    expect(out).toContain("Improv.: erc+insideout minus baseline, in points.");
    expect(out).not.toMatch(/bleu1|Fluency|judge/);
  });
});

describe("Table 4: the judge", () => {
  it("prints criterion rows with intervals and Improv., names the judge, and adds the paired test", () => {
    const out = compareText(c, exps, "judge");
    expect(out.startsWith("Table 4: LLM judge scores (1–10) with 95% intervals — judge openai:judge-model\n")).toBe(true);
    const row = (name: string) => out.split("\n").find((l) => l.startsWith(`${name} `))?.split(/\s{2,}/);
    expect(row("Fluency")).toEqual(["Fluency", "7.00 [6.00, 8.00]", "8.50 [8.00, 9.00]", "+1.50"]);
    expect(row("Overall")).toEqual(["Overall", "7.00 [6.00, 8.00]", "8.50 [8.00, 9.00]", "+1.50"]);
    expect(row("Judged replies")).toEqual(["Judged replies", "2", "2"]);
    expect(out).toContain("Paired bootstrap test of judge scores on the shared examples — judge openai:judge-model");
    expect(out).not.toMatch(/BLEU|ROUGE|Distinct/);
  });

  it("compare.md has Table 3 before Table 4 and names the judge model of each experiment", async () => {
    const out = path.join(root, "cmp");
    await writeCompare(out, c, exps);
    const md = await readFile(path.join(out, "compare.md"), "utf8");
    expect(md).toContain(`- \`${path.join(root, "insideout")}\`: erc+insideout · test-model (ERG, n=2, judge openai:judge-model)`);
    expect(md.indexOf("## Table 3: ERG automatic metrics")).toBeGreaterThan(0);
    expect(md.indexOf("## Table 3: ERG automatic metrics")).toBeLessThan(md.indexOf("## Table 4: LLM judge scores"));
    expect(md).toContain("| BLEU-1 | 0.00 [0.00, 0.00] | 86.69 [71.65, 100.00] | +86.69 |");
    expect(md).toContain("| Overall | 7.00 [6.00, 8.00] | 8.50 [8.00, 9.00] | +1.50 |");
    expect(md).toContain("| Judge model | openai:judge-model | openai:judge-model |");
    const html = await readFile(path.join(out, "compare.html"), "utf8");
    expect(html).toContain("Judge scores (1–10) with 95% intervals — judge openai:judge-model");
  });
});

describe("ERC headline figures", () => {
  /*
   * gold   sad joyful afraid angry;  pred  sad joyful afraid furious.
   * F1: sad, joyful, afraid 1; angry 0 (support 1, never predicted); furious 0 (predicted, no support).
   * accuracy 3/4 = 75; macro-F1 over the 5 labels present = 3/5 = 60; weighted-F1 = (1+1+1+0)/4 = 75.
   * With "none" (−1) for the last answer instead: furious is absent, macro-F1 = 3/4 = 75.
   */
  it("accuracy, macro-F1 and weighted-F1 of a hand-worked sample", () => {
    const labels = ["sad", "joyful", "afraid", "angry", "furious"];
    const ix = (xs: string[]) => Int32Array.from(xs.map((x) => labels.indexOf(x)));
    const gold = ix(["sad", "joyful", "afraid", "angry"]);
    const all = Int32Array.from([0, 1, 2, 3]);
    const [acc, macro, weighted] = classificationStatistic(gold, ix(["sad", "joyful", "afraid", "furious"]), 5)(all);
    expect(acc).toBeCloseTo(75, 10);
    expect(macro).toBeCloseTo(60, 10);
    expect(weighted).toBeCloseTo(75, 10);
    const none = Int32Array.from([0, 1, 2, -1]);
    expect(classificationStatistic(gold, none, 5)(all)[1]).toBeCloseTo(75, 10);
    // A resample that repeats example 1 (sad, right) four times: every label but sad is absent.
    expect(classificationStatistic(gold, none, 5)(Int32Array.from([0, 0, 0, 0]))).toEqual([100, 100, 100]);
  });

  it("shows weighted-F1 beside accuracy and macro-F1 when metrics.json has it", async () => {
    const dir = await writeExperiment(
      path.join(root, "meld"),
      ercMetrics("insideout", 4, { accuracy: 75, macroF1: 60, weightedF1: 75, perLabel: {}, perValence: {} }),
      [["sad", "sad"], ["joyful", "joyful"], ["afraid", "afraid"], ["angry", "furious"]].map(([gold, pred], i) => ercPrediction({ id: `m${i}`, gold: gold!, pred: pred! }, "insideout")),
    );
    const { comparison, experiments } = await loadAndCompare([dir]);
    expect(comparison.warnings).toEqual([]);
    expect(comparison.experiments[0]!.weightedF1).toBe(75);
    const out = compareText(comparison, experiments);
    expect(out).toMatch(/Experiment\s+Accuracy\s+95% CI\s+Macro-F1\s+95% CI\s+Weighted-F1\s+95% CI\s+Improv\.\s+n/);
    expect(out).toMatch(/insideout · test-model · ed32\s+75\.00\s+\[[\d.]+, 100\.00\]\s+60\.00\s+\[[\d.]+, 100\.00\]\s+75\.00\s+\[[\d.]+, 100\.00\]/);
    const cmp = path.join(root, "meld-cmp");
    await writeCompare(cmp, comparison, experiments);
    const html = await readFile(path.join(cmp, "compare.html"), "utf8");
    expect(html).toMatch(/<rect class="bar"[^>]*data-category="Weighted-F1"[^>]*data-value="75"/);
  });
});

describe("cost per example", () => {
  /*
   * Three examples: prompt tokens 100, 200, 600 (mean 300, median 200); completion 10, 20, 60 (mean 30, median 20);
   * calls 1, 1, 4 (mean 2.0, median 1.0); latency 0.1, 0.2, 0.9 s (mean 0.40, median 0.20). Run totals: 900
   * prompt and 90 completion tokens, 6 calls, as metrics.json says.
   */
  it("gives the mean and the median per example, and the run totals in a table of their own", async () => {
    const usage = [[100, 10, 1, 100], [200, 20, 1, 200], [600, 60, 4, 900]] as const;
    const preds = usage.map(([p, c, calls, ms], i) => ({
      ...(ercPrediction({ id: `c${i}`, gold: "sad", pred: "sad" }, "baseline") as object),
      usage: { promptTokens: p, completionTokens: c, llmCalls: calls },
      latencyMs: ms,
    }));
    const metrics = { ...(ercMetrics("baseline", 3, { accuracy: 100, macroF1: 100, perLabel: {}, perValence: {} }) as object),
      cost: { promptTokens: 900, completionTokens: 90, llmCalls: 6, perExample: { promptTokens: 300, completionTokens: 30, llmCalls: 2, latencyMs: 400 }, wallMs: 1500 } };
    const exp = await readExperiment(await writeExperiment(path.join(root, "cost"), metrics, preds));
    const t = costTable([exp]);
    expect(t.head).toEqual(["Experiment", "Prompt tokens, mean / median", "Completion tokens, mean / median", "LLM calls, mean / median", "Latency (s), mean / median"]);
    expect(t.rows).toEqual([["baseline · test-model · ed32", "300 / 200", "30 / 20", "2.0 / 1.0", "0.40 / 0.20"]]);
    expect(runTotalsTable([exp]).rows).toEqual([["baseline · test-model · ed32", "3", "6", "900", "90", "1.5"]]);
  });
});

