/**
 * Agreement between two raters on the same items: quadratic-weighted Cohen's κ and Spearman's ρ.
 *
 * κ's categories are the distinct values that occur in either rating, to two decimals, in order, and a disagreement
 * between the i-th and j-th of them weighs (i − j)² (scikit-learn's `cohen_kappa_score(weights="quadratic")` and
 * statsmodels' `cohens_kappa(wt="quadratic")` on the contingency table, which Kumar et al. 2025 used after rounding
 * ratings ×100 to integers): κ = 1 − Σ w·O / Σ w·E, with O the observed and E the chance (product of margins)
 * proportions. Averaged ratings (3.5, 2.67) are categories of their own, between their neighbours.
 */

/** numpy's round(x × 100): half to even, so 2.125 → 212 as in the study's `(series * 100).round()`. */
function hundredths(x: number): number {
  const y = x * 100;
  const f = Math.floor(y);
  const d = y - f;
  return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
}

/** Quadratic-weighted κ; NaN when chance disagreement is zero (one category only), as the references give. */
export function quadraticKappa(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length) throw new Error(`κ needs paired ratings: ${a.length} against ${b.length}.`);
  const n = a.length;
  if (n === 0) return Number.NaN;
  const ra = a.map(hundredths);
  const rb = b.map(hundredths);
  const categories = [...new Set([...ra, ...rb])].sort((x, y) => x - y);
  const index = new Map(categories.map((c, i) => [c, i]));
  const k = categories.length;
  const rows = new Float64Array(k);
  const cols = new Float64Array(k);
  let observed = 0;
  for (let t = 0; t < n; t++) {
    const i = index.get(ra[t]!)!;
    const j = index.get(rb[t]!)!;
    rows[i]!++;
    cols[j]!++;
    observed += (i - j) ** 2;
  }
  let expected = 0;
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) expected += (i - j) ** 2 * rows[i]! * cols[j]!;
  // observed / n over expected / n²
  return expected === 0 ? Number.NaN : 1 - (observed * n) / expected;
}

/** Ranks 1..n, ties given the mean of the ranks they span. */
export function averageRanks(values: readonly number[]): number[] {
  const order = values.map((v, i) => [v, i] as const).sort((x, y) => x[0] - y[0]);
  const ranks = new Array<number>(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && order[end + 1]![0] === order[start]![0]) end++;
    const rank = (start + end) / 2 + 1;
    for (let t = start; t <= end; t++) ranks[order[t]![1]] = rank;
    start = end + 1;
  }
  return ranks;
}

export function pearson(x: readonly number[], y: readonly number[]): number {
  const n = x.length;
  if (n !== y.length) throw new Error(`correlation needs paired values: ${n} against ${y.length}.`);
  if (n < 2) return Number.NaN;
  const mx = x.reduce((s, v) => s + v, 0) / n;
  const my = y.reduce((s, v) => s + v, 0) / n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let t = 0; t < n; t++) {
    const dx = x[t]! - mx;
    const dy = y[t]! - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxx === 0 || syy === 0 ? Number.NaN : sxy / Math.sqrt(sxx * syy);
}

/** Spearman's ρ: Pearson's r of the average ranks (scipy.stats.spearmanr); NaN when either rating is constant. */
export function spearman(a: readonly number[], b: readonly number[]): number {
  return pearson(averageRanks(a), averageRanks(b));
}
