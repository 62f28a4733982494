import { describe, expect, it } from "@jest/globals";
import { aggregateOpinions, combineChoices, combineRatings } from "../../nodes/strategies.js";
import { ED32_LABELS } from "../../taxonomy/labelSets.js";

const o = (emotion: string, confidence: number) => ({ emotion, confidence, rationale: "" });

describe("vote", () => {
  it("takes the majority label; confidence is its share of the votes", () => {
    const r = aggregateOpinions("vote", [o("sad", 0.2), o("sad", 0.3), o("angry", 0.9), o("sad", 0.1), o("angry", 0.95)], ED32_LABELS);
    expect(r.emotion).toBe("sad");
    expect(r.confidence).toBeCloseTo(3 / 5);
  });

  it("breaks a tie in votes by summed confidence", () => {
    // sad: 2 votes, 0.5 + 0.5 = 1.0; angry: 2 votes, 0.9 + 0.9 = 1.8 → angry.
    const r = aggregateOpinions("vote", [o("sad", 0.5), o("sad", 0.5), o("angry", 0.9), o("angry", 0.9), o("lonely", 1)], ED32_LABELS);
    expect(r.emotion).toBe("angry");
  });

  it("breaks a full tie by label-set order", () => {
    // Both 1 vote with confidence 0.5: "angry" comes before "sad" in ed32.
    expect(aggregateOpinions("vote", [o("sad", 0.5), o("angry", 0.5)], ED32_LABELS).emotion).toBe("angry");
    expect(aggregateOpinions("vote", [o("angry", 0.5), o("sad", 0.5)], ED32_LABELS).emotion).toBe("angry");
  });
});

describe("weighted", () => {
  it("takes the largest summed confidence even against more votes", () => {
    // sad: 0.2 + 0.3 + 0.1 = 0.6; angry: 0.9 + 0.95 = 1.85 → angry, with 1.85 / 2.45 of the weight.
    const r = aggregateOpinions("weighted", [o("sad", 0.2), o("sad", 0.3), o("angry", 0.9), o("sad", 0.1), o("angry", 0.95)], ED32_LABELS);
    expect(r.emotion).toBe("angry");
    expect(r.confidence).toBeCloseTo(1.85 / 2.45);
  });

  it("breaks a weight tie by number of agents, then label order", () => {
    // proud: 0.4 + 0.4 = 0.8 (2 agents); afraid: 0.8 (1 agent) → proud.
    expect(aggregateOpinions("weighted", [o("afraid", 0.8), o("proud", 0.4), o("proud", 0.4)], ED32_LABELS).emotion).toBe("proud");
    expect(aggregateOpinions("weighted", [o("sad", 0.7), o("afraid", 0.7)], ED32_LABELS).emotion).toBe("afraid");
  });

  it("refuses to aggregate nothing", () => {
    expect(() => aggregateOpinions("weighted", [], ED32_LABELS)).toThrow(/no opinions/);
  });
});

describe("benchmark answers: EQ-Bench ratings and EmoBench choices (hand-worked)", () => {
  it("mean and median per emotion; the median of an even count is the mean of the middle two", () => {
    const ratings = [{ A: 2, B: 9 }, { A: 4, B: 0 }, { A: 9, B: 1 }, { A: 3, B: 1 }];
    expect(combineRatings("mean", ratings, ["A", "B"])).toEqual({ A: 4.5, B: 2.75 });
    expect(combineRatings("median", ratings, ["A", "B"])).toEqual({ A: 3.5, B: 1 });
    expect(combineRatings("median", ratings.slice(0, 3), ["A", "B"])).toEqual({ A: 4, B: 1 });
  });

  it("each field decided on its own: vote by count, weighted by summed confidence", () => {
    const options = { emotion: ["joy", "anger", "fear"], cause: ["c1", "c2"] };
    const answers = [
      { values: { emotion: "anger", cause: "c1" }, confidence: 0.9 },
      { values: { emotion: "anger", cause: "c2" }, confidence: 0.2 },
      { values: { emotion: "fear", cause: "c2" }, confidence: 0.3 },
      { values: { emotion: "joy", cause: "c1" }, confidence: 0.95 },
      { values: { emotion: "joy", cause: "c2" }, confidence: 0.1 },
    ];
    // vote: emotion anger 2 (1.1) vs joy 2 (1.05) vs fear 1 → anger by confidence; cause c2 3 votes vs c1 2.
    expect(combineChoices("vote", answers, options).values).toEqual({ emotion: "anger", cause: "c2" });
    // weighted: anger 1.1, joy 1.05, fear 0.3 → anger; cause c1 1.85 vs c2 0.6 → c1.
    expect(combineChoices("weighted", answers, options).values).toEqual({ emotion: "anger", cause: "c1" });
  });
});
