/**
 * Agreement between two raters on the same items: quadratic-weighted Cohen's κ and Spearman's ρ.
 *
 * κ's categories are the distinct values that occur in either rating, to two decimals, in order, and a disagreement
 * between the i-th and j-th of them weighs (i − j)² (scikit-learn's `cohen_kappa_score(weights="quadratic")` and
 * statsmodels' `cohens_kappa(wt="quadratic")` on the contingency table, which Kumar et al. 2025 used after rounding
 * ratings ×100 to integers): κ = 1 − Σ w·O / Σ w·E, with O the observed and E the chance (product of margins)
 * proportions. Averaged ratings (3.5, 2.67) are categories of their own, between their neighbours.
 */

import { chiSquare1Sf } from "./stats.js";

/** One rater's ratings of the paired items, in item order: an array, or a typed array for a large file. */
export type RatingValues = ArrayLike<number>;

/** numpy's round(x × 100): half to even, so 2.125 → 212 as in the study's `(series * 100).round()`. */
function hundredths(x: number): number {
  const y = x * 100;
  const f = Math.floor(y);
  const d = y - f;
  return d > 0.5 || (d === 0.5 && f % 2 !== 0) ? f + 1 : f;
}

/**
 * The most categories κ is computed over: a 1-5 scale averaged over raters has at most 401; the table and the sums
 * grow with the square of the count (20 000 distinct values took 2.8 GB).
 */
export const MAX_KAPPA_CATEGORIES = 2000;

/**
 * The contingency table of two ratings over their categories: counts[i][j] items rated i by a and j by b. Ratings are
 * read in place (no copy per item): a rating file may hold a million rows.
 */
function contingency(a: RatingValues, b: RatingValues): number[][] {
  if (a.length !== b.length) throw new Error(`κ needs paired ratings: ${a.length} against ${b.length}.`);
  const distinct = new Set<number>();
  for (let t = 0; t < a.length; t++) distinct.add(hundredths(a[t]!)).add(hundredths(b[t]!));
  if (distinct.size > MAX_KAPPA_CATEGORIES) {
    throw new Error(`κ needs ratings on a scale: these hold ${distinct.size} distinct values (to two decimals), more than ${MAX_KAPPA_CATEGORIES}.`);
  }
  const categories = [...distinct].sort((x, y) => x - y);
  const index = new Map(categories.map((c, i) => [c, i]));
  const counts = categories.map(() => categories.map(() => 0));
  for (let t = 0; t < a.length; t++) counts[index.get(hundredths(a[t]!))!]![index.get(hundredths(b[t]!))!]!++;
  return counts;
}

export interface KappaTest {
  kappa: number;
  /** Large-sample standard error and two-sided p-value of κ ≠ 0 (statsmodels' `var_kappa`, as the study's table). */
  se: number;
  p: number;
}

/**
 * Quadratic-weighted κ with its standard error and p-value. The variance is statsmodels' for weighted κ (Fleiss,
 * Cohen and Everitt 1969, with agreement weights 1 − (i − j)²/(k − 1)²), z = κ / se, p = 2(1 − Φ(|z|)): what Kumar et
 * al. 2025 report beside κ. NaN throughout when chance disagreement is zero (one category only), as the references give.
 */
export function quadraticKappaTest(a: RatingValues, b: RatingValues): KappaTest {
  const table = contingency(a, b);
  const n = a.length;
  const k = table.length;
  const none = { kappa: Number.NaN, se: Number.NaN, p: Number.NaN };
  if (n === 0 || k < 2) return none;
  const rows = table.map((r) => r.reduce((s, c) => s + c, 0) / n);
  const cols = table[0]!.map((_, j) => table.reduce((s, r) => s + r[j]!, 0) / n);
  // Agreement weights w = 1 − d, d = (i − j)² / (k − 1)²: κ is the same for any scale of d; the variance needs this one.
  const w = (i: number, j: number): number => 1 - (i - j) ** 2 / (k - 1) ** 2;
  let observedD = 0;
  let expectedD = 0;
  let agreeExp = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      observedD += (1 - w(i, j)) * table[i]![j]! / n;
      expectedD += (1 - w(i, j)) * rows[i]! * cols[j]!;
      agreeExp += w(i, j) * rows[i]! * cols[j]!;
    }
  }
  if (expectedD === 0) return none;
  const kappa = 1 - observedD / expectedD;
  const wRow = rows.map((_, i) => cols.reduce((s, c, j) => s + c * w(i, j), 0));
  const wCol = cols.map((_, j) => rows.reduce((s, r, i) => s + r * w(i, j), 0));
  let termA = 0;
  for (let i = 0; i < k; i++) for (let j = 0; j < k; j++) termA += (table[i]![j]! / n) * (w(i, j) - (wCol[j]! + wRow[i]!) * (1 - kappa)) ** 2;
  const variance = (termA - (kappa - agreeExp * (1 - kappa)) ** 2) / ((1 - agreeExp) ** 2 * n);
  const se = Math.sqrt(variance);
  return { kappa, se, p: se > 0 ? chiSquare1Sf((kappa / se) ** 2) : Number.NaN };
}

/** Quadratic-weighted κ; NaN when chance disagreement is zero (one category only), as the references give. */
export function quadraticKappa(a: RatingValues, b: RatingValues): number {
  return quadraticKappaTest(a, b).kappa;
}

/** Ranks 1..n, ties given the mean of the ranks they span. */
export function averageRanks(values: RatingValues): Float64Array {
  // Indices sorted by value in a typed array: no pair object per value (a million ratings cost 4 MB, not 100).
  const order = new Uint32Array(values.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((x, y) => values[x]! - values[y]!);
  const ranks = new Float64Array(values.length);
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end + 1 < order.length && values[order[end + 1]!] === values[order[start]!]) end++;
    const rank = (start + end) / 2 + 1;
    for (let t = start; t <= end; t++) ranks[order[t]!] = rank;
    start = end + 1;
  }
  return ranks;
}

export function pearson(x: RatingValues, y: RatingValues): number {
  const n = x.length;
  if (n !== y.length) throw new Error(`correlation needs paired values: ${n} against ${y.length}.`);
  if (n < 2) return Number.NaN;
  let mx = 0;
  let my = 0;
  for (let t = 0; t < n; t++) {
    mx += x[t]!;
    my += y[t]!;
  }
  mx /= n;
  my /= n;
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
export function spearman(a: RatingValues, b: RatingValues): number {
  return pearson(averageRanks(a), averageRanks(b));
}
