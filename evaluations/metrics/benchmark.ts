/**
 * The benchmark questions' metrics, from each question's gold answer and the method's final answer (pure functions).
 * EQ-Bench v2: each question scored as EQ-Bench scores it (evaluations/eqbench/: a free-text answer parsed as its runner
 * parses a first pass, a structured one taken as it is), the final score over the parseable questions, and a bootstrap
 * interval of that mean. EmoBench: accuracy per field (EU: emotion, cause and both; EA: choice), overall and per
 * category, each with a bootstrap interval.
 */
import type { BenchmarkGold } from "../data/types.js";
import { parseAnswer } from "../../prompts/eqbenchAnswer.js";
import { questionScore, runScore } from "../eqbench/score.js";
import { bootstrapCI } from "./stats.js";

/** A method's final answer to a question (state.ts FinalAnswer), or none when the example errored. */
export interface GivenAnswer {
  values: Readonly<Record<string, string | number>>;
  raw?: string | undefined;
}

/** A question's EQ-Bench score, or null when its answer is not parseable (or there is none). */
export function eqBenchScoreOf(gold: Extract<BenchmarkGold, { kind: "eqbench" }>, answer: GivenAnswer | undefined): number | null {
  if (!answer) return null;
  const user = answer.raw !== undefined ? parseAnswer(answer.raw, false).firstPass : new Map(Object.entries(answer.values).map(([k, v]) => [k, Number(v)]));
  return questionScore(gold.reference, user);
}

export interface EqBenchMetrics {
  /** EQ-Bench's final score, 0–100. */
  score: number;
  /** Questions whose answer was parseable (EQ-Bench's `n_questions_parseable`). */
  parseable: number;
  n: number;
  /** 95 % bootstrap interval of the score (over the parseable questions). */
  scoreCI95: [number, number];
}

export function eqBenchMetrics(perQuestion: ReadonlyArray<number | null>): EqBenchMetrics {
  const final = runScore(perQuestion.map((firstPass) => ({ firstPass, revised: null })));
  const ok = perQuestion.filter((s): s is number => s !== null);
  const c = ok.length ? bootstrapCI(ok, { seed: 1 }) : { low: 0, high: 0 };
  return { score: final.score, parseable: final.parseable, n: perQuestion.length, scoreCI95: [c.low * 10, c.high * 10] };
}

/** Which of a question's fields the answer got right (EU: emotion, cause, and `both`; EA: choice). */
export function emoBenchCorrect(gold: Extract<BenchmarkGold, { kind: "eu" | "ea" }>, answer: GivenAnswer | undefined): Record<string, boolean> {
  const out: Record<string, boolean> = {};
  for (const [field, right] of Object.entries(gold.answers)) out[field] = answer?.values[field] === right;
  if (gold.kind === "eu") out.both = Object.values(out).every(Boolean);
  return out;
}

export interface Accuracy {
  /** ×100. */
  accuracy: number;
  ci95: [number, number];
}

export interface EmoBenchMetrics {
  n: number;
  /** By field: EU `emotion`, `cause`, `both`; EA `choice`. */
  accuracy: Record<string, Accuracy>;
  perCategory: Record<string, { n: number; accuracy: Record<string, Accuracy> }>;
}

function accuracies(rows: ReadonlyArray<Record<string, boolean>>): Record<string, Accuracy> {
  const fields = Object.keys(rows[0] ?? {});
  return Object.fromEntries(
    fields.map((f) => {
      const hits = rows.map((r) => (r[f] ? 1 : 0));
      const c = bootstrapCI(hits, { seed: 1 });
      return [f, { accuracy: (100 * hits.reduce((a: number, b) => a + b, 0)) / Math.max(1, hits.length), ci95: [c.low * 100, c.high * 100] as [number, number] }];
    }),
  );
}

export function emoBenchMetrics(rows: ReadonlyArray<{ correct: Record<string, boolean>; category?: string | undefined }>): EmoBenchMetrics {
  const byCategory = new Map<string, Record<string, boolean>[]>();
  for (const r of rows) {
    const key = r.category ?? "(none)";
    byCategory.set(key, [...(byCategory.get(key) ?? []), r.correct]);
  }
  const perCategory = Object.fromEntries(
    [...byCategory].sort(([a], [b]) => a.localeCompare(b)).map(([cat, rs]) => [cat, { n: rs.length, accuracy: accuracies(rs) }]),
  );
  return { n: rows.length, accuracy: accuracies(rows.map((r) => r.correct)), perCategory };
}
