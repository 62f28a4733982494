/**
 * Statistics. Reference numbers were computed once with Python's standard library only (no scipy here), from the
 * formulas written next to each; they do not come from the code under test.
 */
import { describe, expect, it } from "@jest/globals";
import {
  binomialHalfCdf,
  bootstrapCI,
  chiSquare1Sf,
  mcnemar,
  mulberry32,
  pairedBootstrap,
  quantileSorted,
} from "../../evaluations/metrics/stats.js";

/** Paired correctness with b "A right, B wrong" and c "A wrong, B right" discordant pairs, plus agreements. */
function paired(b: number, c: number, bothRight = 10, bothWrong = 5): [boolean[], boolean[]] {
  const a: boolean[] = [];
  const z: boolean[] = [];
  const push = (x: boolean, y: boolean, k: number): void => {
    for (let i = 0; i < k; i++) {
      a.push(x);
      z.push(y);
    }
  };
  push(true, false, b);
  push(false, true, c);
  push(true, true, bothRight);
  push(false, false, bothWrong);
  return [a, z];
}

describe("mulberry32", () => {
  it("produces the reference stream", () => {
    // Python transcription of mulberry32 (32-bit unsigned arithmetic, masks of 0xffffffff), seed 1:
    // 0.6270739405881613, 0.002735721180215478, 0.5274470399599522; seed 42: 0.6011037519201636, ...
    const r = mulberry32(1);
    expect([r(), r(), r()]).toEqual([0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
    expect(mulberry32(42)()).toBe(0.6011037519201636);
  });
});

describe("McNemar", () => {
  it("uses the exact two-sided binomial test for few discordant pairs", () => {
    // b = 1, c = 5, n = 6: p = 2·P(X ≤ 1), X ~ Bin(6, 1/2) = 2·(C(6,0) + C(6,1))/2^6 = 2·7/64 = 0.21875
    const r = mcnemar(...paired(1, 5));
    expect(r).toMatchObject({ b: 1, c: 5, statistic: 1, method: "exact" });
    expect(r.pValue).toBeCloseTo(0.21875, 14);
    // b = 3, c = 17, n = 20: p = 2·(1 + 20 + 190 + 1140)/2^20 = 2702/1048576 = 0.0025768280029296875
    expect(mcnemar(...paired(3, 17)).pValue).toBeCloseTo(0.0025768280029296875, 14);
    // b = c = 12: 2·P(X ≤ 12) > 1 → capped at 1
    expect(mcnemar(...paired(12, 12)).pValue).toBe(1);
    // no discordant pair: nothing to test → p = 1
    expect(mcnemar(...paired(0, 0)).pValue).toBe(1);
  });

  it("uses chi-square with continuity correction from 25 discordant pairs on", () => {
    // χ² = (|b − c| − 1)²/(b + c); p = P(χ²₁ > x) = erfc(sqrt(x/2)) (Python math.erfc):
    // b=30, c=12: 17²/42 = 6.880952380952381 → p = 0.008711912962379598
    // b=100, c=60: 39²/160 = 9.50625 → p = 0.0020477321536687596
    // b=500, c=430: 69²/930 = 5.119354838709677 → p = 0.02366041160273556
    // b=13, c=12: 0²/25 = 0 → p = 1
    const cases: Array<[number, number, number, number]> = [
      [30, 12, 6.880952380952381, 0.008711912962379598],
      [100, 60, 9.50625, 0.0020477321536687596],
      [500, 430, 5.119354838709677, 0.02366041160273556],
      [13, 12, 0, 1],
    ];
    for (const [b, c, stat, p] of cases) {
      const r = mcnemar(...paired(b, c));
      expect(r.method).toBe("chi2-cc");
      expect(r.statistic).toBeCloseTo(stat, 12);
      expect(r.pValue).toBeCloseTo(p, 12);
    }
  });

  it("has accurate distribution functions", () => {
    // the 95% critical value of χ²₁ is 3.841458820694124: erfc(sqrt(3.8414588/2)) = 0.05000000000000008
    expect(chiSquare1Sf(3.841458820694124)).toBeCloseTo(0.05, 13);
    // P(X ≤ 900), X ~ Bin(2000, 1/2) = sum C(2000, i) / 2^2000 (exact integers in Python) = 4.228544767751963e-06
    expect(binomialHalfCdf(900, 2000) / 4.228544767751963e-6).toBeCloseTo(1, 9);
  });
});

describe("bootstrap", () => {
  it("interpolates quantiles linearly between order statistics (numpy's default)", () => {
    // [1, 2, 3, 4]: position (4 − 1)·0.25 = 0.75 → 1 + 0.75·(2 − 1) = 1.75
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBeCloseTo(1.75, 14);
    expect(quantileSorted([1, 2, 3, 4], 1)).toBe(4);
  });

  it("gives a 95% interval close to the normal-theory interval for a large sample, reproducibly", () => {
    // 700 ones in 2000: p = 0.35, se = sqrt(p(1 − p)/n) = 0.01066536450385077,
    // p ± 1.959963984540054·se = [0.3290962696904606, 0.3709037303095394]. Monte-Carlo error of the 2.5% quantile
    // with 2000 resamples is about 0.0007, so 0.004 is a generous band.
    const values = Array.from({ length: 2000 }, (_, i) => (i < 700 ? 1 : 0));
    const ci = bootstrapCI(values, { resamples: 2000, seed: 3 });
    expect(ci.mean).toBeCloseTo(0.35, 14);
    expect(Math.abs(ci.low - 0.3290962696904606)).toBeLessThan(0.004);
    expect(Math.abs(ci.high - 0.3709037303095394)).toBeLessThan(0.004);
    expect(bootstrapCI(values, { resamples: 2000, seed: 3 })).toEqual(ci);
    expect(bootstrapCI([5, 5, 5])).toMatchObject({ mean: 5, low: 5, high: 5 });
  });

  it("paired bootstrap p-value matches the normal approximation and is 1 for identical systems", () => {
    // differences: 60 × (+1), 40 × (−1), 900 × 0 → mean δ = 0.02, variance 0.0996, se = 0.009979979959899686,
    // z = 2.0040120401405126, two-sided normal p = erfc(z/√2) = 0.045068770689747115.
    // Monte-Carlo error with 4000 resamples ≈ sqrt(0.045·0.955/4000) ≈ 0.0033; band 0.015.
    const a = new Array<number>(1000).fill(0);
    const b = Array.from({ length: 1000 }, (_, i) => (i < 60 ? 1 : i < 100 ? -1 : 0));
    const r = pairedBootstrap(a, b, { resamples: 4000, seed: 11 });
    expect(r.delta).toBeCloseTo(0.02, 14);
    expect(Math.abs(r.pValue - 0.045068770689747115)).toBeLessThan(0.015);
    expect(pairedBootstrap(b, b).pValue).toBe(1);
    // a large, consistent improvement is significant at the resolution 1/(resamples + 1)
    const better = pairedBootstrap(new Array<number>(200).fill(5), new Array<number>(200).fill(8), { resamples: 999 });
    expect(better.pValue).toBeCloseTo(1 / 1000, 14);
  });
});
