/**
 * Corpus-level BLEU exactly as NLTK's `corpus_bleu` (no smoothing, uniform weights 1/n) computes it, because the
 * ED literature reports NLTK numbers and DESIGN §6 requires agreement with it on any input. NLTK quirks kept on
 * purpose:
 *  - a hypothesis shorter than n still adds 1 to the n-gram denominator (`max(1, count)` per sentence);
 *  - the reference length is the closest one to the hypothesis length, ties going to the shorter reference;
 *  - brevity penalty is 1 when the corpus hypothesis length exceeds the reference length, 0 when it is 0;
 *  - any n-gram order with no match makes that cumulative BLEU 0 (NLTK's float-min trick, rounded to 0).
 */

export type Tokens = readonly string[];

export interface BleuResult {
  /** Cumulative BLEU-1..maxN in [0, 1]; index 0 is BLEU-1. */
  bleu: number[];
  /** Clipped n-gram matches and n-gram counts per order, summed over the corpus (NLTK's numerators/denominators). */
  matches: number[];
  totals: number[];
  brevityPenalty: number;
  hypLength: number;
  refLength: number;
}

/** Token → small integer, so that n-gram keys are short and cannot collide whatever characters tokens contain. */
class Interner {
  private readonly ids = new Map<string, number>();
  id(token: string): number {
    let id = this.ids.get(token);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(token, id);
    }
    return id;
  }
}

function ngramCounts(ids: readonly number[], n: number): Map<string, number> {
  const counts = new Map<string, number>();
  for (let i = 0; i + n <= ids.length; i++) {
    const key = ids.slice(i, i + n).join(" ");
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

function closestRefLength(refLengths: readonly number[], hypLength: number): number {
  let best = refLengths[0] as number;
  for (const len of refLengths) {
    const d = Math.abs(len - hypLength);
    const bestD = Math.abs(best - hypLength);
    if (d < bestD || (d === bestD && len < best)) best = len;
  }
  return best;
}

/**
 * @param references one or more tokenised references per hypothesis
 * @param hypotheses tokenised hypotheses, aligned with `references`
 */
export function corpusBleu(references: ReadonlyArray<ReadonlyArray<Tokens>>, hypotheses: ReadonlyArray<Tokens>, maxN = 4): BleuResult {
  if (references.length !== hypotheses.length) {
    throw new Error(`BLEU needs one reference set per hypothesis: ${hypotheses.length} hypotheses, ${references.length} reference sets`);
  }
  const interner = new Interner();
  const matches = new Array<number>(maxN).fill(0);
  const totals = new Array<number>(maxN).fill(0);
  let hypLength = 0;
  let refLength = 0;

  hypotheses.forEach((hyp, k) => {
    const refs = references[k] ?? [];
    if (refs.length === 0) throw new Error(`Hypothesis ${k + 1} has no reference`);
    const hypIds = hyp.map((t) => interner.id(t));
    const refIds = refs.map((r) => r.map((t) => interner.id(t)));
    for (let n = 1; n <= maxN; n++) {
      const hypCounts = ngramCounts(hypIds, n);
      const maxRef = new Map<string, number>();
      for (const r of refIds) {
        for (const [key, c] of ngramCounts(r, n)) {
          if (hypCounts.has(key) && c > (maxRef.get(key) ?? 0)) maxRef.set(key, c);
        }
      }
      let clipped = 0;
      let total = 0;
      for (const [key, c] of hypCounts) {
        clipped += Math.min(c, maxRef.get(key) ?? 0);
        total += c;
      }
      matches[n - 1]! += clipped;
      totals[n - 1]! += Math.max(1, total);
    }
    hypLength += hyp.length;
    refLength += closestRefLength(refs.map((r) => r.length), hyp.length);
  });

  const brevityPenalty = hypLength > refLength ? 1 : hypLength === 0 ? 0 : Math.exp(1 - refLength / hypLength);
  const bleu: number[] = [];
  for (let n = 1; n <= maxN; n++) {
    let logSum = 0;
    let zero = false;
    for (let i = 0; i < n; i++) {
      const m = matches[i]!;
      if (m === 0) zero = true;
      else logSum += Math.log(m / totals[i]!) / n;
    }
    bleu.push(zero ? 0 : brevityPenalty * Math.exp(logSum));
  }
  return { bleu, matches, totals, brevityPenalty, hypLength, refLength };
}
