/**
 * EQ-Bench v2 scoring, as EQ-Bench's lib/scoring.py defines it (`calculate_score_fullscale`,
 * `calculate_eq_bench_score` with fullscale): per question, each emotion's distance d from the reference intensity
 * counts 0 when exact, 6.5 / (1 + e^(−1.2 (d − 4))) up to 5, d above; the question scores 10 − 0.7477 × the sum
 * (a random answer scores about 0). A run scores the mean over parseable questions × 10; with the revision part, the
 * revised answers' score is taken when it is no lower and nearly as many (≥ 95 %) of them parse.
 */
import type { EmotionAnswers } from "../../prompts/eqbenchAnswer.js";

/** The four emotions a question asks about and their reference intensities (0–10). */
export interface EqBenchReference {
  emotions: readonly [string, string, string, string];
  scores: readonly [number, number, number, number];
}

/** EQ-Bench's constant, chosen so that random answers score zero. */
export const ADJUST_CONST = 0.7477;

function scaledDifference(d: number): number {
  if (d === 0) return 0;
  // Math.E ** x as Python's math.e ** x (not Math.exp), so per-question scores equal the reference's to the last bit.
  if (d <= 5) return 6.5 * (1 / (1 + Math.E ** (-1.2 * (d - 4))));
  return d;
}

/** One question's score (≤ 10), or null when the answer does not name exactly the four emotions. */
export function questionScore(reference: EqBenchReference, answer: EmotionAnswers): number | null {
  if (answer.size !== 4) return null;
  const named = new Set([...answer.keys()].filter((emotion) => reference.emotions.includes(emotion)));
  if (named.size !== 4) return null;
  let tally = 0;
  for (const [emotion, score] of answer) {
    reference.emotions.forEach((refEmotion, i) => {
      if (emotion === refEmotion) tally += scaledDifference(Math.abs(score - reference.scores[i]!));
    });
  }
  return 10 - tally * ADJUST_CONST;
}

export interface QuestionScores {
  firstPass: number | null;
  /** null when unparseable or when the run had no revision part. */
  revised: number | null;
}

export interface RunScore {
  firstPassScore: number;
  firstPassParseable: number;
  revisedScore: number;
  revisedParseable: number;
  /** The benchmark score (0–100) and the parseable count that goes with it. */
  score: number;
  parseable: number;
}

function mean100(scores: ReadonlyArray<number | null>): { score: number; parseable: number } {
  let sum = 0;
  let parseable = 0;
  for (const s of scores) {
    if (s === null) continue;
    sum += s;
    parseable++;
  }
  return { score: parseable ? 100 * (sum / parseable / 10) : 0, parseable };
}

/** One iteration's score from its questions' scores (EQ-Bench's `calculate_eq_bench_score`, one iteration). */
export function runScore(questions: readonly QuestionScores[]): RunScore {
  const first = mean100(questions.map((q) => q.firstPass));
  const revised = mean100(questions.map((q) => q.revised));
  const takeRevised = revised.score >= first.score && revised.parseable >= 0.95 * first.parseable;
  const final = takeRevised ? revised : first;
  return {
    firstPassScore: first.score,
    firstPassParseable: first.parseable,
    revisedScore: revised.score,
    revisedParseable: revised.parseable,
    score: final.score,
    parseable: final.parseable,
  };
}
