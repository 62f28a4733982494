/**
 * ROUGE-1/2/L F-measure as Google's `rouge-score` computes it for one prediction and one target (no stemming),
 * averaged over pairs. Degenerate cases follow rouge-score: precision and recall divide by max(count, 1), an empty
 * side gives ROUGE-L 0, and F is 0 when precision + recall is 0.
 */
import { tokenizeRouge } from "./tokenize.js";

export interface PRF {
  precision: number;
  recall: number;
  f: number;
}

export interface RougeScores {
  rouge1: number;
  rouge2: number;
  rougeL: number;
}

function fmeasure(precision: number, recall: number): PRF {
  return { precision, recall, f: precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0 };
}

function ngramCounts(tokens: readonly string[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  // rouge-score tokens are [a-z0-9]+, so a space cannot occur inside one and is a safe joiner.
  for (let i = 0; i + n <= tokens.length; i++) {
    const key = tokens.slice(i, i + n).join(" ");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

export function rougeN(hyp: readonly string[], ref: readonly string[], n: number): PRF {
  const h = ngramCounts(hyp, n);
  const r = ngramCounts(ref, n);
  let overlap = 0;
  for (const [key, c] of r) {
    const m = h.get(key) ?? 0;
    overlap += c < m ? c : m;
  }
  const hypTotal = Math.max(0, hyp.length - n + 1);
  const refTotal = Math.max(0, ref.length - n + 1);
  return fmeasure(overlap / Math.max(hypTotal, 1), overlap / Math.max(refTotal, 1));
}

export function lcsLength(a: readonly string[], b: readonly string[]): number {
  let prev = new Int32Array(b.length + 1);
  let cur = new Int32Array(b.length + 1);
  for (let i = 1; i <= a.length; i++) {
    const ai = a[i - 1];
    for (let j = 1; j <= b.length; j++) {
      // A ternary rather than Math.max: Math builtins are not inlined when run inside Jest's VM context.
      const up = prev[j]!;
      const left = cur[j - 1]!;
      cur[j] = ai === b[j - 1] ? prev[j - 1]! + 1 : up > left ? up : left;
    }
    [prev, cur] = [cur, prev];
  }
  return prev[b.length]!;
}

export function rougeL(hyp: readonly string[], ref: readonly string[]): PRF {
  if (hyp.length === 0 || ref.length === 0) return { precision: 0, recall: 0, f: 0 };
  const lcs = lcsLength(ref, hyp);
  return fmeasure(lcs / hyp.length, lcs / ref.length);
}

/** Mean F-measures over aligned (hypothesis, reference) texts; raw strings, tokenised as rouge-score does. */
export function corpusRouge(hyps: readonly string[], refs: readonly string[]): RougeScores {
  if (hyps.length !== refs.length) {
    throw new Error(`ROUGE needs one reference per hypothesis: ${hyps.length} hypotheses, ${refs.length} references`);
  }
  const sum = { rouge1: 0, rouge2: 0, rougeL: 0 };
  hyps.forEach((hText, i) => {
    const h = tokenizeRouge(hText);
    const r = tokenizeRouge(refs[i] ?? "");
    sum.rouge1 += rougeN(h, r, 1).f;
    sum.rouge2 += rougeN(h, r, 2).f;
    sum.rougeL += rougeL(h, r).f;
  });
  const n = Math.max(hyps.length, 1);
  return { rouge1: sum.rouge1 / n, rouge2: sum.rouge2 / n, rougeL: sum.rougeL / n };
}
