/**
 * Distinct-n (Li et al. 2016) at corpus level: distinct n-grams over all generated n-grams, pooled over every
 * hypothesis (the "micro" variant that EmpDG, CEM and KEMP report). A text shorter than n contributes no n-gram.
 */

export function distinctN(texts: ReadonlyArray<readonly string[]>, n: number): number {
  const seen = new Set<string>();
  const ids = new Map<string, number>();
  let total = 0;
  for (const tokens of texts) {
    // Interned ids keep keys collision-free whatever characters the tokens hold.
    const t = tokens.map((tok) => {
      let id = ids.get(tok);
      if (id === undefined) ids.set(tok, (id = ids.size));
      return id;
    });
    for (let i = 0; i + n <= t.length; i++) {
      seen.add(t.slice(i, i + n).join(" "));
      total++;
    }
  }
  return total === 0 ? 0 : seen.size / total;
}
