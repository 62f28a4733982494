/**
 * Uncertainty for comparing methods, which the paper does not report: bootstrap confidence intervals, McNemar's
 * test for paired ERC correctness, and a paired bootstrap test for paired scores (e.g. judge ratings).
 * Resampling is seeded so that a report is reproducible to the digit.
 */

/**
 * 32-bit integer multiplication. Math.imul would do, but called from inside Jest's VM context it is ~40× slower
 * (not inlined across contexts), which made resampling tests take tens of seconds.
 */
function imul(a: number, b: number): number {
  const ah = (a >>> 16) & 0xffff;
  const al = a & 0xffff;
  const bh = (b >>> 16) & 0xffff;
  const bl = b & 0xffff;
  return (al * bl + (((ah * bl + al * bh) << 16) >>> 0)) | 0;
}

/** mulberry32: a tiny, well-mixed 32-bit PRNG; uniform in [0, 1). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = imul(t ^ (t >>> 15), t | 1);
    t ^= t + imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) return 0;
  let s = 0;
  for (const v of values) s += v;
  return s / values.length;
}

/** Quantile with linear interpolation between order statistics (numpy's default), on sorted input. */
export function quantileSorted(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

export interface BootstrapOptions {
  resamples?: number;
  seed?: number;
  /** Confidence level of the interval, 0.95 by default. */
  level?: number;
}

export interface ConfidenceInterval {
  mean: number;
  low: number;
  high: number;
  level: number;
}

/** Percentile bootstrap interval of the mean. */
export function bootstrapCI(values: readonly number[], opts: BootstrapOptions = {}): ConfidenceInterval {
  const { resamples = 1000, seed = 1, level = 0.95 } = opts;
  const n = values.length;
  const m = mean(values);
  if (n === 0) return { mean: 0, low: 0, high: 0, level };
  const rand = mulberry32(seed);
  const means = new Float64Array(resamples);
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += values[(rand() * n) | 0]!; // | 0 floors (n < 2^31)
    means[r] = s / n;
  }
  means.sort();
  const sorted = Array.from(means);
  const alpha = (1 - level) / 2;
  return { mean: m, low: quantileSorted(sorted, alpha), high: quantileSorted(sorted, 1 - alpha), level };
}

const LOG_SQRT_PI = 0.5723649429247001; // ln Γ(1/2)

/** Regularised upper incomplete gamma Q(a, x), by series or continued fraction (Numerical Recipes §6.2). */
function gammaQ(a: number, x: number, logGammaA: number): number {
  if (x <= 0) return 1;
  const eps = 1e-16;
  const front = Math.exp(-x + a * Math.log(x) - logGammaA);
  if (x < a + 1) {
    let ap = a;
    let del = 1 / a;
    let sum = del;
    for (let i = 0; i < 10000 && Math.abs(del) > Math.abs(sum) * eps; i++) {
      ap += 1;
      del *= x / ap;
      sum += del;
    }
    return 1 - sum * front;
  }
  const tiny = 1e-300;
  let b = x + 1 - a;
  let c = 1 / tiny;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < tiny) d = tiny;
    c = b + an / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < eps) break;
  }
  return front * h;
}

/** Survival function of the chi-square distribution with one degree of freedom. */
export function chiSquare1Sf(x: number): number {
  return gammaQ(0.5, x / 2, LOG_SQRT_PI);
}

/** P(X ≤ k) for X ~ Binomial(n, 1/2), summed in log space so that large n does not underflow. */
export function binomialHalfCdf(k: number, n: number): number {
  let logTerm = -n * Math.LN2;
  let sum = Math.exp(logTerm);
  for (let i = 0; i < k; i++) {
    logTerm += Math.log((n - i) / (i + 1));
    sum += Math.exp(logTerm);
  }
  return Math.min(1, sum);
}

export interface McNemarResult {
  /** Examples that A got right and B got wrong. */
  b: number;
  /** Examples that A got wrong and B got right. */
  c: number;
  /** min(b, c) for the exact test; the continuity-corrected chi-square otherwise. */
  statistic: number;
  pValue: number;
  method: "exact" | "chi2-cc";
}

/**
 * McNemar's test on paired correctness. With fewer than `exactBelow` discordant pairs (25 by default) the exact
 * two-sided binomial test is used, since the chi-square approximation is poor there; otherwise
 * (|b − c| − 1)² / (b + c) against chi-square with 1 degree of freedom.
 */
export function mcnemar(aCorrect: readonly boolean[], bCorrect: readonly boolean[], exactBelow = 25): McNemarResult {
  if (aCorrect.length !== bCorrect.length) {
    throw new Error(`McNemar needs paired results: ${aCorrect.length} vs ${bCorrect.length} examples`);
  }
  let b = 0;
  let c = 0;
  aCorrect.forEach((a, i) => {
    if (a && !bCorrect[i]) b++;
    else if (!a && bCorrect[i]) c++;
  });
  const n = b + c;
  if (n < exactBelow) {
    const k = Math.min(b, c);
    return { b, c, statistic: k, pValue: n === 0 ? 1 : Math.min(1, 2 * binomialHalfCdf(k, n)), method: "exact" };
  }
  const statistic = (Math.abs(b - c) - 1) ** 2 / n;
  return { b, c, statistic, pValue: chiSquare1Sf(statistic), method: "chi2-cc" };
}

export interface PairedBootstrapResult {
  meanA: number;
  meanB: number;
  /** meanB − meanA. */
  delta: number;
  pValue: number;
  resamples: number;
}

/**
 * Two-sided paired bootstrap test of "B and A have the same mean" (Efron & Tibshirani, shifted-distribution form):
 * resample example indices, and count how often the resampled difference strays from the observed one by at least
 * the observed difference. p = (1 + count) / (1 + resamples), so it is never exactly 0.
 */
export function pairedBootstrap(a: readonly number[], b: readonly number[], opts: BootstrapOptions = {}): PairedBootstrapResult {
  if (a.length !== b.length) throw new Error(`Paired bootstrap needs paired scores: ${a.length} vs ${b.length}`);
  const { resamples = 1000, seed = 1 } = opts;
  const n = a.length;
  const diffs = a.map((x, i) => b[i]! - x);
  const delta = mean(diffs);
  const result = { meanA: mean(a), meanB: mean(b), delta, resamples };
  if (n === 0) return { ...result, pValue: 1 };
  const rand = mulberry32(seed);
  let extreme = 0;
  for (let r = 0; r < resamples; r++) {
    let s = 0;
    for (let i = 0; i < n; i++) s += diffs[(rand() * n) | 0]!;
    if (Math.abs(s / n - delta) >= Math.abs(delta)) extreme++;
  }
  return { ...result, pValue: (1 + extreme) / (1 + resamples) };
}
