import { describe, expect, it } from "@jest/globals";
import { aggregateOpinions } from "../../nodes/strategies.js";
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
