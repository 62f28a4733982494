/** Classification metrics on small examples worked by hand (expected values derived in the comments). */
import { describe, expect, it } from "@jest/globals";
import { classificationReport, weightedF1 } from "../../evaluations/metrics/classification.js";
import { scoreLabels } from "../../evaluations/score.js";
import { BUILTIN_LABEL_SETS } from "../../taxonomy/labelSets.js";

describe("classificationReport, worked by hand", () => {
  // labels (in set order): joyful, sad, angry, proud
  // gold: joyful joyful sad sad sad angry
  // pred: joyful sad    sad angry null joyful
  // correct: #1 (joyful), #3 (sad) → accuracy 2/6
  // joyful: tp 1, predicted 2 (#1, #6), support 2 → P 1/2, R 1/2, F1 1/2
  // sad:    tp 1, predicted 2 (#2, #3), support 3 → P 1/2, R 1/3, F1 2·(1/2)(1/3)/(5/6) = 2/5
  // angry:  tp 0, predicted 1 (#4), support 1 → F1 0
  // proud:  never in gold or predictions → left out of macro-F1
  // macro-F1 over {joyful, sad, angry} = (1/2 + 2/5 + 0)/3 = 0.3
  const labels = ["joyful", "sad", "angry", "proud"];
  const gold = ["joyful", "joyful", "sad", "sad", "sad", "angry"];
  const pred = ["joyful", "sad", "sad", "angry", null, "joyful"];
  const r = classificationReport(gold, pred, labels);

  it("computes accuracy, per-label precision/recall/F1 and macro-F1 over labels present in gold ∪ pred", () => {
    expect(r.n).toBe(6);
    expect(r.correct).toBe(2);
    expect(r.accuracy).toBeCloseTo(2 / 6, 12);
    expect(r.perLabel.joyful).toMatchObject({ support: 2, predicted: 2, correct: 1, precision: 0.5, recall: 0.5, f1: 0.5 });
    expect(r.perLabel.sad!.recall).toBeCloseTo(1 / 3, 12);
    expect(r.perLabel.sad!.f1).toBeCloseTo(2 / 5, 12);
    expect(r.perLabel.angry!.f1).toBe(0);
    expect(r.perLabel.proud).toMatchObject({ support: 0, predicted: 0, f1: 0 });
    expect(r.macroF1).toBeCloseTo(0.3, 12);
    expect(r.unparseable).toBe(1);
  });

  it("builds the confusion matrix gold × pred with unparseable predictions in a last column", () => {
    expect(r.confusion).toEqual([
      [1, 1, 0, 0, 0], // joyful → joyful, sad
      [0, 1, 1, 0, 1], // sad → sad, angry, (none)
      [1, 0, 0, 0, 0], // angry → joyful
      [0, 0, 0, 0, 0], // proud
    ]);
  });

  it("groups accuracy by the gold label's valence and counts cross-valence errors", () => {
    // positive gold (joyful ×2): 1 correct of 2; negative gold (sad ×3, angry): 1 correct (#3) of 4
    // cross-valence: #2 joyful→sad (pos→neg), #4 sad→angry (neg→neg, no), #5 none (no), #6 angry→joyful (neg→pos)
    // → 2 of 6 examples
    expect(r.perValence.positive).toEqual({ n: 2, correct: 1, accuracy: 0.5 });
    expect(r.perValence.negative).toEqual({ n: 4, correct: 1, accuracy: 0.25 });
    expect(r.perValence.ambiguous).toEqual({ n: 0, correct: 0, accuracy: 0 });
    expect(r.crossValence.errors).toBe(2);
    expect(r.crossValence.rate).toBeCloseTo(2 / 6, 12);
  });

  it("does not count an ambiguous label as a cross-valence error", () => {
    // surprised is ambiguous: surprised→joyful and sad→surprised are errors but not cross-valence
    const a = classificationReport(["surprised", "sad"], ["joyful", "surprised"], ["joyful", "sad", "surprised"]);
    expect(a.crossValence.errors).toBe(0);
    expect(a.perValence.ambiguous).toEqual({ n: 1, correct: 0, accuracy: 0 });
  });

  it("weights each label's F1 by its gold support (weighted-F1, MELD's metric)", () => {
    // (2 · 1/2 + 3 · 2/5 + 1 · 0 + 0 · 0) / 6 = (1 + 6/5) / 6 = 11/30; the unparseable #5 still counts in sad's support
    expect(r.weightedF1).toBeCloseTo(11 / 30, 12);
  });

  it("gives a label that is only predicted no weight in weighted-F1, though it counts in macro-F1", () => {
    // gold a a b, pred a c b: a P 1 R 1/2 F1 2/3 (support 2); b F1 1 (support 1); c predicted once, support 0, F1 0
    // weighted = (2 · 2/3 + 1 · 1) / 3 = 7/9; macro over {a, b, c} = (2/3 + 1 + 0) / 3 = 5/9
    const w = classificationReport(["a", "a", "b"], ["a", "c", "b"], ["a", "b", "c"]);
    expect(w.weightedF1).toBeCloseTo(7 / 9, 12);
    expect(w.macroF1).toBeCloseTo(5 / 9, 12);
    expect(weightedF1({})).toBe(0);
  });

  it("rejects labels outside the set and misaligned input", () => {
    expect(() => classificationReport(["sad"], ["happy"], labels)).toThrow(/"happy".*not in the label set/);
    expect(() => classificationReport(["sad"], [], labels)).toThrow(/1 gold, 0 predictions/);
  });
});

describe("scoreLabels", () => {
  it("maps gold onto ed18 groups and normalises predictions before scoring (×100)", () => {
    // ed18: devastated → sad, terrified → afraid, content → joyful.
    // gold groups: sad, afraid, joyful, nostalgic; predictions normalise to sad, afraid ("Fear" → afraid),
    // sad ("Sad." wrong), none ("banana") → 2 of 4 correct = 50; cross-valence: joyful read as sad → 1 of 4 = 25
    const s = scoreLabels({
      gold: ["devastated", "terrified", "content", "sentimental"],
      pred: ["Sad", "Fear", "Sad.", "banana"],
      labelSet: BUILTIN_LABEL_SETS.ed18!,
    });
    expect(s.accuracy).toBeCloseTo(50, 10);
    expect(s.unparseable).toBe(1);
    expect(s.crossValence).toEqual({ errors: 1, rate: 25 });
    expect(s.labelSet).toBe("ed18");
  });

  it("names the file and line of a gold label that is not in the set, and both counts on a length mismatch", () => {
    const ed32 = BUILTIN_LABEL_SETS.ed32!;
    expect(() => scoreLabels({ gold: ["sad", "happy"], pred: ["sad", "sad"], labelSet: ed32, goldName: "g.txt" })).toThrow(
      'g.txt line 2: "happy" is not a label of ed32.',
    );
    expect(() => scoreLabels({ gold: ["sad"], pred: ["sad", "sad"], labelSet: ed32 })).toThrow(
      "--gold has 1 lines but --pred has 2",
    );
  });
});
