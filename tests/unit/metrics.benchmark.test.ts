/** The benchmark questions' metrics (evaluations/metrics/benchmark.ts) on hand-worked examples. */
import { describe, expect, it } from "@jest/globals";
import { emoBenchCorrect, emoBenchMetrics, eqBenchMetrics, eqBenchScoreOf } from "../../evaluations/metrics/benchmark.js";

describe("benchmark metrics", () => {
  it("EmoBench EU: emotion, cause and both, overall and per category", () => {
    const gold = { kind: "eu" as const, answers: { emotion: "Joy", cause: "c1" } };
    const rows = [
      { correct: emoBenchCorrect(gold, { values: { emotion: "Joy", cause: "c1" } }), category: "x" },
      { correct: emoBenchCorrect(gold, { values: { emotion: "Joy", cause: "c2" } }), category: "x" },
      { correct: emoBenchCorrect(gold, { values: { emotion: "Fear", cause: "c1" } }), category: "y" },
      { correct: emoBenchCorrect(gold, undefined), category: "y" },
    ];
    expect(rows[1]!.correct).toEqual({ emotion: true, cause: false, both: false });
    const m = emoBenchMetrics(rows);
    expect(m.accuracy.emotion!.accuracy).toBe(50);
    expect(m.accuracy.cause!.accuracy).toBe(50);
    expect(m.accuracy.both!.accuracy).toBe(25);
    expect(m.perCategory.x).toMatchObject({ n: 2, accuracy: { emotion: { accuracy: 100 }, cause: { accuracy: 50 }, both: { accuracy: 50 } } });
    expect(m.perCategory.y).toMatchObject({ n: 2, accuracy: { emotion: { accuracy: 0 }, cause: { accuracy: 50 }, both: { accuracy: 0 } } });
  });

  it("EQ-Bench: a free-text answer parsed as EQ-Bench parses it, a structured one as given; the score over parseable questions", () => {
    const gold = { kind: "eqbench" as const, reference: { emotions: ["A", "B", "C", "D"] as const, scores: [5, 5, 0, 0] as const } };
    // Exact: 10. One emotion off by 6 (counts as 6): 10 − 0.7477 × 6 = 5.5138.
    expect(eqBenchScoreOf(gold, { values: {}, raw: "A: 5\nB: 5\nC: 0\nD: 0" })).toBe(10);
    expect(eqBenchScoreOf(gold, { values: { A: 5, B: 5, C: 0, D: 6 } })).toBeCloseTo(10 - 0.7477 * 6, 12);
    expect(eqBenchScoreOf(gold, { values: {}, raw: "I cannot tell." })).toBeNull();
    const m = eqBenchMetrics([10, 10 - 0.7477 * 6, null]);
    expect(m.parseable).toBe(2);
    expect(m.n).toBe(3);
    expect(m.score).toBeCloseTo(((10 + 10 - 0.7477 * 6) / 2) * 10, 10);
  });
});
