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

/**
 * Gives every distinct n-gram of the corpus a small integer id, built up from its (n−1)-gram prefix, so that counting
 * works on integers in flat arrays (fast) and ids cannot collide whatever characters the tokens contain.
 */
class NgramIds {
  private readonly tokens = new Map<string, number>();
  private readonly children = new Map<number, Map<number, number>>();
  size = 0;

  tokenIds(tokens: Tokens): number[] {
    return tokens.map((t) => {
      let id = this.tokens.get(t);
      if (id === undefined) this.tokens.set(t, (id = this.size++));
      return id;
    });
  }

  /** Ids of the (n+1)-grams, given the ids of the n-grams and of the tokens of one sentence. */
  extend(grams: readonly number[], tokenIds: readonly number[], n: number): number[] {
    const out: number[] = [];
    for (let i = 0; i + 1 < grams.length; i++) {
      const prefix = grams[i]!;
      let next = this.children.get(prefix);
      if (next === undefined) this.children.set(prefix, (next = new Map()));
      const token = tokenIds[i + n]!;
      let id = next.get(token);
      if (id === undefined) next.set(token, (id = this.size++));
      out.push(id);
    }
    return out;
  }
}

/** Ids of all 1..maxN-grams of a sentence, by order. */
function ngramsByOrder(ids: NgramIds, tokens: Tokens, maxN: number): number[][] {
  const tokenIds = ids.tokenIds(tokens);
  const orders = [tokenIds];
  for (let n = 1; n < maxN; n++) orders.push(ids.extend(orders[n - 1]!, tokenIds, n));
  return orders;
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
  const ids = new NgramIds();
  const hypCount = new Counter();
  const refCount = new Counter();
  const refMax = new Counter();
  const matches = new Array<number>(maxN).fill(0);
  const totals = new Array<number>(maxN).fill(0);
  let hypLength = 0;
  let refLength = 0;

  hypotheses.forEach((hyp, k) => {
    const refs = references[k] ?? [];
    if (refs.length === 0) throw new Error(`Hypothesis ${k + 1} has no reference`);
    const hypGrams = ngramsByOrder(ids, hyp, maxN);
    const refGrams = refs.map((r) => ngramsByOrder(ids, r, maxN));
    for (const c of [hypCount, refCount, refMax]) c.ensure(ids.size);
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
          clipped += Math.min(c, refMax.get(g));
          hypCount.set(g, 0); // count each distinct n-gram once
        }
      }
      matches[n]! += clipped;
      totals[n]! += Math.max(1, h.length);
      for (const r of refGrams) refMax.clear(r[n]!);
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
