/** metrics.json from records, on a hand-worked example. */
import { describe, expect, it } from "@jest/globals";
import { experimentMetrics } from "../../evaluations/experimentMetrics.js";
import type { PredictionRecord } from "../../evaluations/record.js";
import { loadLabelSet } from "../../taxonomy/labelSets.js";

function rec(id: string, gold: string, label: string, pred?: string, extra: Partial<PredictionRecord> = {}): PredictionRecord {
  return {
    id, task: "erc", method: "insideout", inputs: { dialogue: ["x"] }, gold: { emotion: gold, label }, reference: "r",
    prediction: pred ? { emotion: pred } : {}, opinions: {}, candidates: {}, failures: {},
    usage: { promptTokens: 10, completionTokens: 2, llmCalls: 6 }, latencyMs: 100, ...extra,
  };
}
const meta = { task: "erc" as const, method: "insideout", model: "m", labels: "ed18", split: "ed:test", limit: null, seed: 0, startedAt: "s", finishedAt: "f", wallMs: 5 };

describe("experimentMetrics (ERC, ed18)", () => {
  const ed18 = loadLabelSet("ed18");
  const records = [
    // gold devastated → sad; predicted "Sad." is normalised and right
    rec("1", "devastated", "sad", "Sad.", { opinions: { anger: { emotion: "angry", confidence: 1, rationale: "" }, sadness: { emotion: "sad", confidence: 1, rationale: "" } } }),
    // wrong, and across valence (negative gold, positive prediction)
    rec("2", "angry", "angry", "joyful", { opinions: { anger: { emotion: "angry", confidence: 1, rationale: "" }, sadness: { emotion: "joyful", confidence: 1, rationale: "" } } }),
    // an error: wrong, and counted
    rec("3", "proud", "confident", undefined, { error: "boom" }),
    // right
    rec("4", "proud", "confident", "confident"),
  ];
  const m = experimentMetrics(records, meta, ed18);

  it("counts an errored example as wrong and says how many errored", () => {
    expect(m.n).toBe(4);
    expect(m.errors).toBe(1);
    expect(m.scored).toBe(3);
    expect(m.erc!.accuracy).toBe(50);
    expect(m.erc!.perLabel.confident).toEqual({ support: 2, correct: 1, accuracy: 50 });
    expect(m.erc!.perLabel.sad).toEqual({ support: 1, correct: 1, accuracy: 100 });
    expect(m.erc!.crossValenceErrorRate).toBe(25);
    expect(m.erc!.perValence.negative).toEqual({ support: 2, accuracy: 50 });
    expect(m.erc!.perValence.positive).toEqual({ support: 2, accuracy: 50 });
    expect(m.erc!.accuracyCI95[0]).toBeLessThanOrEqual(50);
    expect(m.erc!.accuracyCI95[1]).toBeGreaterThanOrEqual(50);
  });

  it("reports agent agreement with the final label, and cost", () => {
    // Final labels: sad (1), joyful (2). anger said angry both times: never agreed; sadness said sad, then joyful.
    expect(m.agents!.agreement).toEqual({ anger: 0, sadness: 100 });
    expect(m.cost).toEqual({
      promptTokens: 40, completionTokens: 8, llmCalls: 24,
      perExample: { promptTokens: 10, completionTokens: 2, llmCalls: 6, latencyMs: 100 }, wallMs: 5,
    });
  });
});
