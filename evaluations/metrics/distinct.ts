/**
 * Distinct-n (Li et al. 2016) at corpus level: distinct n-grams over all generated n-grams, pooled over every
 * hypothesis (the "micro" variant that EmpDG, CEM and KEMP report). A text shorter than n contributes no n-gram.
 */

/** Distinct-n counted one text at a time: memory grows with the distinct n-grams, not with the texts. */
export class DistinctCounter {
  private readonly seen = new Set<string>();
  private readonly ids = new Map<string, number>();
  private total = 0;

  constructor(private readonly n: number) {}

  add(tokens: readonly string[]): void {
    const { n, ids, seen } = this;
    // Interned ids keep keys collision-free whatever characters the tokens hold.
    const t = tokens.map((tok) => {
      let id = ids.get(tok);
      if (id === undefined) ids.set(tok, (id = ids.size));
      return id;
    });
    for (let i = 0; i + n <= t.length; i++) {
      seen.add(t.slice(i, i + n).join(" "));
      this.total++;
    }
  }

  value(): number {
    return this.total === 0 ? 0 : this.seen.size / this.total;
  }
}

export function distinctN(texts: ReadonlyArray<readonly string[]>, n: number): number {
  const counter = new DistinctCounter(n);
  for (const tokens of texts) counter.add(tokens);
  return counter.value();
}
