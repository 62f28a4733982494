/**
 * EQ-Bench v2's scoring, as its reference code (lib/scoring.py) defines it: a raw answer's "Emotion: score" pairs
 * (`parse_answers`), a question's score from the four emotions' differences to the reference (`calculate_score_fullscale`:
 * a difference up to 5 is scaled on an S-curve, a larger one counts as it is; 10 − 0.7477 × the tally), and the final
 * score (`calculate_eq_bench_score`: the mean over parseable questions × 10, first pass vs revised).
 * Pure functions; an unparseable answer is `null`, which the final score leaves out and `parseable` does not count.
 */

/** The four emotions of a question and their reference intensities (0–10), in the question's order. */
export type EqBenchReference = ReadonlyArray<{ emotion: string; score: number }>;
/** An answer's emotions and their intensities, in the order they were given (a Map keeps Python dict order). */
export type EqBenchAnswer = ReadonlyMap<string, number>;

// Python's `(\w+):\s+(\d+)` with Unicode word characters and digits, as `re` matches on str.
const PAIR = /([\p{L}\p{N}_\p{Mn}]+):\s+(\p{Nd}+)/gu;

function pairs(text: string): Map<string, number> {
  const out = new Map<string, number>();
  // dict(findall): a repeated name keeps its first position and its last value.
  for (const m of text.matchAll(PAIR)) out.set(m[1]!, Number(toAsciiDigits(m[2]!)));
  return out;
}

/** Python's float() of a str of Unicode decimal digits: each digit's value is its distance from its block's zero. */
function toAsciiDigits(s: string): string {
  return [...s]
    .map((c) => {
      const cp = c.codePointAt(0)!;
      let zero = cp;
      while (cp - zero < 9 && /\p{Nd}/u.test(String.fromCodePoint(zero - 1))) zero--;
      return String(cp - zero);
    })
    .join("");
}

/**
 * `parse_answers(text, REVISE)`: without revision, every pair of the text is a first-pass answer; with revision, the
 * pairs between "First pass scores:" and "Revised scores:", and those after "Revised scores:".
 */
export function parseEqBenchAnswer(text: string, revise = false): { firstPass: Map<string, number>; revised: Map<string, number> } {
  if (!revise) return { firstPass: pairs(text), revised: new Map() };
  const first = /First pass scores:([\s\S]*?)Revised scores:/.exec(text);
  const revised = /Revised scores:([\s\S]*)$/.exec(text);
  return { firstPass: first ? pairs(first[1]!) : new Map(), revised: revised ? pairs(revised[1]!) : new Map() };
}

/** `calculate_score_fullscale`: a question's score (at most 10), or null unless the answer names exactly its four emotions. */
export function eqBenchQuestionScore(reference: EqBenchReference, answer: EqBenchAnswer): number | null {
  if (answer.size !== 4) return null;
  const matched = [...answer.keys()].filter((e) => reference.some((r) => r.emotion === e));
  if (matched.length !== 4) return null;
  let tally = 0;
  for (const [emotion, value] of answer) {
    for (const r of reference) {
      if (r.emotion !== emotion) continue;
      const d = Math.abs(value - r.score);
      tally += d === 0 ? 0 : d <= 5 ? 6.5 * (1 / (1 + Math.E ** (-1.2 * (d - 4)))) : d;
    }
  }
  return 10 - tally * 0.7477;
}

export interface EqBenchScore {
  /** 0–100 (rounded to 2 decimals by EQ-Bench's runner; unrounded here). */
  score: number;
  parseable: number;
}

/** One pass's score: 100 × mean of the parseable questions' scores / 10, and how many were parseable (0 if none). */
export function eqBenchPassScore(scores: ReadonlyArray<number | null>): EqBenchScore {
  const ok = scores.filter((s): s is number => s !== null);
  return { score: ok.length ? (100 * (ok.reduce((a, b) => a + b, 0) / ok.length)) / 10 : 0, parseable: ok.length };
}

/** `calculate_eq_bench_score`'s rule: the revised pass when it scores no lower and has at least 95 % of the first pass's parseable answers. */
export function eqBenchFinalScore(firstPass: ReadonlyArray<number | null>, revised: ReadonlyArray<number | null> = []): EqBenchScore {
  const a = eqBenchPassScore(firstPass);
  const b = eqBenchPassScore(revised);
  return b.score >= a.score && b.parseable >= 0.95 * a.parseable ? b : a;
}
