/**
 * Quadratic-weighted κ and Spearman's ρ: worked by hand (in the comments), Spearman against scipy.stats.spearmanr run
 * by python3 on random ratings with many ties, and κ against the figures Kumar et al. 2025 published for their
 * EmpatheticDialogues raters (../shared/data/judge_calibration/annotations/table_kappa.csv).
 */
import { join, resolve } from "node:path";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "@jest/globals";
import { parse } from "csv-parse/sync";
import { agreement, medianRater } from "../../evaluations/agreement.js";
import { readRatingFile, type RatingFile } from "../../evaluations/data/ratings.js";
import { averageRanks, quadraticKappa, quadraticKappaTest, spearman } from "../../evaluations/metrics/agreement.js";
import { mulberry32 } from "../../evaluations/metrics/stats.js";
import { REPO } from "../helpers/cli.js";
import { runPython } from "../helpers/nltk.js";

describe("quadraticKappa, worked by hand", () => {
  it("weighs disagreements by the squared distance of category indices", () => {
    // a = 1 2 3 3, b = 1 3 3 2; categories 1,2,3 → 0,1,2; pairs (0,0) (1,2) (2,2) (2,1): observed Σw/n = 2/4
    // margins a = b = (¼, ¼, ½); expected Σ w p q = 2·(¼·¼·1 + ¼·½·4 + ¼·½·1) = 1.375; κ = 1 − 0.5/1.375 = 7/11
    expect(quadraticKappa([1, 2, 3, 3], [1, 3, 3, 2])).toBeCloseTo(7 / 11, 12);
  });

  it("makes an averaged rating a category of its own, one step from each neighbour", () => {
    // a = 1 1.5 2, b = 1 2 2: categories 1,1.5,2 → 0,1,2; pairs (0,0) (1,2) (2,2): observed 1/3
    // margins a = (⅓,⅓,⅓), b = (⅓,0,⅔): expected = ⅓·(⅔·4) + ⅓·(⅓·1 + ⅔·1) + ⅓·(⅓·4) = 5/3; κ = 1 − (1/3)/(5/3) = 0.8
    expect(quadraticKappa([1, 1.5, 2], [1, 2, 2])).toBeCloseTo(0.8, 12);
  });

  it("takes ratings to two decimals, as the study did: means computed two ways are one category", () => {
    // 7/3 written two ways (2.3333333333333335, 2.333333333333333) and 2.33: one category (233); with 3, the ratings
    // a = 7/3, 3 and b = 2.33, 3 agree perfectly: κ = 1. Half to even, as numpy: 2.125 × 100 = 212.5 → 212 = 2.12.
    expect(quadraticKappa([2.3333333333333335, 3, 2.333333333333333], [2.33, 3, 2.3333333333333335])).toBe(1);
    expect(quadraticKappa([2.125, 2.12, 3], [2.12, 2.125, 3])).toBe(1);
  });

  it("is 1 for identical ratings, −1 for reversed ones over two categories, NaN with one category", () => {
    expect(quadraticKappa([1, 2, 3, 4, 5], [1, 2, 3, 4, 5])).toBe(1);
    // a = 1 2, b = 2 1: observed 2·1/2 = 1; expected Σ w p q = 2·(½·½·1) = ½; κ = 1 − 1/½ = −1
    expect(quadraticKappa([1, 2], [2, 1])).toBeCloseTo(-1, 12);
    expect(quadraticKappa([3, 3, 3], [3, 3, 3])).toBeNaN();
  });
});

describe("spearman", () => {
  it("worked by hand: ρ = 1 − 6Σd²/(n(n²−1)) without ties", () => {
    // ranks 1 2 3 4 against 1 3 2 4: Σd² = 2; ρ = 1 − 12/60 = 0.8
    expect(spearman([1, 2, 3, 4], [10, 30, 20, 40])).toBeCloseTo(0.8, 12);
    expect(Array.from(averageRanks([2, 1, 2, 3]))).toEqual([2.5, 1, 2.5, 4]);
  });

  it("equals scipy.stats.spearmanr on ratings with ties", () => {
    const random = mulberry32(22);
    const cases = Array.from({ length: 30 }, (_, t) => {
      const n = 5 + t * 3;
      const x = Array.from({ length: n }, () => 1 + Math.floor(random() * 5));
      const y = x.map((v) => Math.min(5, Math.max(1, v + Math.floor(random() * 3) - 1 + (random() < 0.3 ? 0.5 : 0))));
      return { x, y };
    });
    const ref = runPython<number[]>(
      "import json, sys\nfrom scipy.stats import spearmanr\nprint(json.dumps([float(spearmanr(c['x'], c['y'])[0]) for c in json.load(sys.stdin)]))",
      cases,
      "scipy",
    );
    cases.forEach((c, i) => expect(spearman(c.x, c.y)).toBeCloseTo(ref[i]!, 12));
  });
});

describe("Kumar et al. 2025's κ table, EmpatheticDialogues", () => {
  const dir = resolve(REPO, "../shared/data/judge_calibration/annotations");
  const table = parse(readFileSync(join(dir, "table_kappa.csv"), "utf8"), { columns: true }) as Array<Record<string, string>>;
  const published = table.filter((r) => r.Dataset === "Empathetic Dialogues");

  it("reproduces every published κ and its p-value (the study's 'llm' is Gemini's file, 'experts' the experts' median)", async () => {
    const ed = join(dir, "empatheticdialogues");
    const read = (name: string): Promise<RatingFile> => readRatingFile(join(ed, `${name}_ratings.csv`));
    const experts = await Promise.all(["expert1", "expert2", "expert3"].map(read));
    const raters: Record<string, RatingFile> = {
      expert1: experts[0]!,
      expert2: experts[1]!,
      expert3: experts[2]!,
      experts: medianRater("experts", experts),
      llm: await read("gemini"),
      crowd: await read("crowd"),
    };
    expect(published.length).toBe(18);
    for (const row of published) {
      const [a, b] = [...row["Annotator Pair"]!.matchAll(/'(\w+)'/g)].map((m) => m[1]!);
      const ours = agreement(raters[a!]!, raters[b!]!, row.Dimension!);
      expect(ours.n).toBe(50);
      // Published to two decimals, the p-value to three.
      expect(Math.abs(ours.kappa - Number(row["Weighted Cohen's Kappa"]))).toBeLessThanOrEqual(0.005);
      expect(Math.abs(ours.kappaP - Number(row["Kappa P-value"]))).toBeLessThanOrEqual(0.0005);
    }
  });
});

describe("κ over too many categories", () => {
  it("is one line past MAX_KAPPA_CATEGORIES distinct ratings, not a table the square of them (20 000: 2.8 GB before)", () => {
    const many = Array.from({ length: 2001 }, (_, i) => i / 100);
    expect(() => quadraticKappaTest(many, many)).toThrow("κ needs ratings on a scale: these hold 2001 distinct values (to two decimals), more than 2000.");
    // At the bound it is computed: identical ratings agree perfectly.
    expect(quadraticKappaTest(many.slice(1), many.slice(1)).kappa).toBeCloseTo(1, 12);
  });
});
