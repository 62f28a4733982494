/**
 * Corpus-level BLEU exactly as NLTK's `corpus_bleu` (no smoothing, uniform weights 1/n) computes it, because the
 * ED literature reports NLTK numbers, so ours must agree with NLTK's `corpus_bleu` on any input. NLTK quirks kept on
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

/**
 * Small integer ids for the n-grams of one hypothesis and its references, built up from each (n−1)-gram prefix, so
 * that counting works on integers in flat arrays (fast, and collision-free whatever characters tokens contain).
 * Ids are local to the pair, which keeps the tables small and short-lived.
 */
function pairNgramIds(sentences: readonly Tokens[], maxN: number): { grams: number[][][]; size: number } {
  const tokenIds = new Map<string, number>();
  const seqs = sentences.map((s) =>
    s.map((t) => {
      let id = tokenIds.get(t);
      if (id === undefined) tokenIds.set(t, (id = tokenIds.size));
      return id;
    }),
  );
  const vocab = tokenIds.size;
  const table = new Map<number, number>();
  let size = vocab;
  const grams = seqs.map((seq) => {
    const orders = [seq];
    for (let n = 1; n < maxN; n++) {
      const prev = orders[n - 1]!;
      const next: number[] = [];
      for (let i = 0; i + 1 < prev.length; i++) {
        // (prefix, token) ↔ prefix·vocab + token is one-to-one because token < vocab.
        const key = prev[i]! * vocab + seq[i + n]!;
        let id = table.get(key);
        if (id === undefined) table.set(key, (id = size++));
        next.push(id);
      }
      orders.push(next);
    }
    return orders;
  });
  return { grams, size };
}

/** Per-id counters that are cleared after each sentence by undoing only what was touched. */
class Counter {
  private a = new Int32Array(1024);
  ensure(size: number): void {
    if (size > this.a.length) {
      const b = new Int32Array(Math.max(size, this.a.length * 2));
      b.set(this.a);
      this.a = b;
    }
  }
  get(id: number): number {
    return this.a[id]!;
  }
  set(id: number, v: number): void {
    this.a[id] = v;
  }
  add(id: number): void {
    this.a[id]! += 1;
  }
  clear(ids: readonly number[]): void {
    for (const id of ids) this.a[id] = 0;
  }
}

function closestRefLength(refLengths: readonly number[], hypLength: number): number {
  let best = refLengths[0] as number;
  const dist = (len: number): number => (len > hypLength ? len - hypLength : hypLength - len);
  for (const len of refLengths) {
    const d = dist(len);
    const bestD = dist(best);
    if (d < bestD || (d === bestD && len < best)) best = len;
  }
  return best;
}

/** One sentence's share of the corpus counts: the numbers `corpusBleu` adds up. */
export interface SentenceCounts {
  matches: readonly number[];
  totals: readonly number[];
  hypLength: number;
  refLength: number;
}

/**
 * Corpus BLEU counted one sentence at a time, so that a corpus need not be held in memory: `add` each hypothesis
 * with its references, then `result`.
 */
export class BleuCounter {
  private readonly hypCount = new Counter();
  private readonly refCount = new Counter();
  private readonly refMax = new Counter();
  private readonly matches: number[];
  private readonly totals: number[];
  private hypLength = 0;
  private refLength = 0;
  private readonly sentMatches: number[];
  private readonly sentTotals: number[];
  private sentences = 0;

  constructor(private readonly maxN = 4) {
    this.matches = new Array<number>(maxN).fill(0);
    this.totals = new Array<number>(maxN).fill(0);
    this.sentMatches = new Array<number>(maxN);
    this.sentTotals = new Array<number>(maxN);
  }

  /** Adds one hypothesis; returns its share of the counts (valid until the next `add`). */
  add(refs: ReadonlyArray<Tokens>, hyp: Tokens): SentenceCounts {
    const { maxN, hypCount, refCount, refMax, sentMatches, sentTotals } = this;
    this.sentences++;
    if (refs.length === 0) throw new Error(`Hypothesis ${this.sentences} has no reference`);
    const { grams, size } = pairNgramIds([hyp, ...refs], maxN);
    const hypGrams = grams[0]!;
    const refGrams = grams.slice(1);
    for (const c of [hypCount, refCount, refMax]) c.ensure(size);
    for (let n = 0; n < maxN; n++) {
      const h = hypGrams[n]!;
      for (const g of h) hypCount.add(g);
      // Clip by the largest count in any one reference, over the n-grams the hypothesis has.
      for (const r of refGrams) {
        const grams = r[n]!;
        for (const g of grams) refCount.add(g);
        for (const g of grams) if (refCount.get(g) > refMax.get(g)) refMax.set(g, refCount.get(g));
        refCount.clear(grams);
      }
      let clipped = 0;
      for (const g of h) {
        const c = hypCount.get(g);
        if (c > 0) {
          const m = refMax.get(g);
          clipped += c < m ? c : m; // no Math.min in hot loops: it is not inlined inside Jest's VM context
          hypCount.set(g, 0); // count each distinct n-gram once
        }
      }
      sentMatches[n] = clipped;
      sentTotals[n] = h.length > 0 ? h.length : 1;
      this.matches[n]! += clipped;
      this.totals[n]! += sentTotals[n]!;
      for (const r of refGrams) refMax.clear(r[n]!);
    }
    const sentRef = closestRefLength(refs.map((r) => r.length), hyp.length);
    this.hypLength += hyp.length;
    this.refLength += sentRef;
    return { matches: sentMatches, totals: sentTotals, hypLength: hyp.length, refLength: sentRef };
  }

  result(): BleuResult {
    const { matches, totals, hypLength, refLength } = this;
    return { ...bleuFromCounts(matches, totals, hypLength, refLength), matches: [...matches], totals: [...totals], hypLength, refLength };
  }
}

/**
 * @param references one or more tokenised references per hypothesis
 * @param hypotheses tokenised hypotheses, aligned with `references`
 * @param perSentence called with each sentence's counts, for resampling the corpus by sentence
 */
export function corpusBleu(
  references: ReadonlyArray<ReadonlyArray<Tokens>>,
  hypotheses: ReadonlyArray<Tokens>,
  maxN = 4,
  perSentence?: (k: number, counts: SentenceCounts) => void,
): BleuResult {
  if (references.length !== hypotheses.length) {
    throw new Error(`BLEU needs one reference set per hypothesis: ${hypotheses.length} hypotheses, ${references.length} reference sets`);
  }
  const counter = new BleuCounter(maxN);
  hypotheses.forEach((hyp, k) => {
    const counts = counter.add(references[k] ?? [], hyp);
    perSentence?.(k, counts);
  });
  return counter.result();
}

/**
 * Cumulative BLEU-1..maxN from corpus counts (the sums `corpusBleu` makes), so that a bootstrap can resample
 * examples' counts instead of re-tokenising the corpus.
 */
export function bleuFromCounts(
  matches: ArrayLike<number>,
  totals: ArrayLike<number>,
  hypLength: number,
  refLength: number,
): { bleu: number[]; brevityPenalty: number } {
  const maxN = matches.length;
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
  return { bleu, brevityPenalty };
}
