/**
 * Agreement between raters, per dimension: each pair's items rated by both (matched by id), quadratic-weighted κ and
 * Spearman's ρ. The experts' consensus is their median per item and dimension, as Kumar et al. 2025 define
 * "experts" (np.median of the three experts' ratings; an item one of them did not rate has none).
 */
import { Ratings, type RatingFile } from "./data/ratings.js";
import { quadraticKappaTest, spearman } from "./metrics/agreement.js";

export interface AgreementRow {
  dimension: string;
  a: string;
  b: string;
  /** Items both rated on this dimension. */
  n: number;
  kappa: number;
  /** Two-sided p-value of κ ≠ 0 (large-sample, statsmodels' variance). */
  kappaP: number;
  spearman: number;
}

function median(values: readonly number[]): number {
  const s = [...values].sort((x, y) => x - y);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A rater whose rating of each item is the median of `raters`' (items and dimensions all of them have). */
export function medianRater(name: string, raters: readonly RatingFile[]): RatingFile {
  if (raters.length === 0) throw new Error(`the consensus ${name} needs at least one rating file.`);
  const [first, ...rest] = raters;
  const dimensions = first!.dimensions.filter((d) => rest.every((r) => r.dimensions.includes(d)));
  const ratings = new Ratings(dimensions);
  for (const item of first!.ratings.items()) {
    if (!rest.every((r) => r.ratings.has(item))) continue;
    ratings.set(item, dimensions.map((d) => {
      const values = raters.map((r) => r.ratings.get(item, d)!);
      return values.some(Number.isNaN) ? Number.NaN : median(values);
    }));
  }
  return { name, file: raters.map((r) => r.file).join(","), idColumn: first!.idColumn, dimensions, ratings };
}

/** Both raters' ratings of the items both rated on `dimension`, in `a`'s item order (typed: a file may be large). */
export function pairedRatings(a: RatingFile, b: RatingFile, dimension: string): { x: Float64Array; y: Float64Array } {
  const x = new Float64Array(a.ratings.size);
  const y = new Float64Array(a.ratings.size);
  let n = 0;
  for (const item of a.ratings.items()) {
    const va = a.ratings.get(item, dimension);
    const vb = b.ratings.get(item, dimension);
    if (va === undefined || vb === undefined || Number.isNaN(va) || Number.isNaN(vb)) continue;
    x[n] = va;
    y[n++] = vb;
  }
  return { x: x.subarray(0, n), y: y.subarray(0, n) };
}

export function agreement(a: RatingFile, b: RatingFile, dimension: string): AgreementRow {
  const { x, y } = pairedRatings(a, b, dimension);
  let test: ReturnType<typeof quadraticKappaTest>;
  try {
    test = quadraticKappaTest(x, y);
  } catch (e) {
    throw new Error(`${a.name} and ${b.name} on ${dimension}: ${(e as Error).message}`);
  }
  const { kappa, p } = test;
  return { dimension, a: a.name, b: b.name, n: x.length, kappa, kappaP: p, spearman: spearman(x, y) };
}

/** Every pair of `raters` (in the order given) on every dimension both have, dimensions in first-seen order. */
export function agreementTable(raters: readonly RatingFile[]): AgreementRow[] {
  const dimensions = [...new Set(raters.flatMap((r) => r.dimensions))];
  const rows: AgreementRow[] = [];
  for (const d of dimensions) {
    for (let i = 0; i < raters.length; i++) {
      for (let j = i + 1; j < raters.length; j++) {
        const a = raters[i]!;
        const b = raters[j]!;
        if (a.dimensions.includes(d) && b.dimensions.includes(d)) rows.push(agreement(a, b, d));
      }
    }
  }
  return rows;
}
