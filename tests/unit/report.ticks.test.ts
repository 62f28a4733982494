/**
 * Axis ticks of the report's bar charts: steps of 1, 2 or 5 × 10^k, worked out by hand below (raw step = range /
 * 5, rounded up to the next nice number), and labels that never repeat.
 */
import { describe, expect, it } from "@jest/globals";
import { barChart, niceTicks } from "../../evaluations/report/svg.js";

describe("niceTicks", () => {
  it.each([
    // [min, max, step, values]
    // 100 / 5 = 20 → 2 × 10.
    [0, 100, 20, [0, 20, 40, 60, 80, 100]],
    // 10 / 5 = 2 → 2 × 1 (the judge's 1–10 axis).
    [0, 10, 2, [0, 2, 4, 6, 8, 10]],
    // 0.23 / 5 = 0.046 → 5 × 0.01; the axis ends at the first multiple at or above 0.23.
    [0, 0.23, 0.05, [0, 0.05, 0.1, 0.15, 0.2, 0.25]],
    // 2278 / 5 = 455.6 → 5 × 100 (not 570, 1139, 1709).
    [0, 2278, 500, [0, 500, 1000, 1500, 2000, 2500]],
    // 6 / 5 = 1.2 → 2 × 1.
    [0, 6, 2, [0, 2, 4, 6]],
    // 1 / 5 = 0.2 exactly → 2 × 0.1, despite 0.2 / 0.1 being 2.0000000000000004 in floating point.
    [0, 1, 0.2, [0, 0.2, 0.4, 0.6, 0.8, 1]],
    // 7 / 5 = 1.4 → 2; starts below the minimum at a multiple of the step.
    [3, 10, 2, [2, 4, 6, 8, 10]],
    // 0.5 / 5 = 0.1 → 1 × 0.1.
    [0, 0.5, 0.1, [0, 0.1, 0.2, 0.3, 0.4, 0.5]],
  ])("[%p, %p] steps by %p", (min, max, step, values) => {
    const t = niceTicks(min, max);
    expect(t.step).toBeCloseTo(step, 12);
    expect(t.values).toEqual(values);
  });

  it("gives just enough decimals: 0 for whole steps, 2 for 0.05, 1 for 0.2", () => {
    expect(niceTicks(0, 2278).digits).toBe(0);
    expect(niceTicks(0, 0.23).digits).toBe(2);
    expect(niceTicks(0, 1).digits).toBe(1);
    expect(niceTicks(0, 100).digits).toBe(0);
  });

  it("an empty range (every value 0) still gives an axis 0–1", () => {
    expect(niceTicks(0, 0).values).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
  });
});

describe("bar chart axis", () => {
  const tickLabels = (svg: string) => [...svg.matchAll(/<text class="tick"[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]);

  it("latency 0.05–0.23 s: distinct labels 0.00 s … 0.25 s, the longest bar at 0.23 / 0.25 of the axis", () => {
    const svg = barChart({ title: "Latency", categories: ["a", "b"], series: [{ name: "s", values: [0.05, 0.23] }], digits: 2, unit: " s" });
    expect(tickLabels(svg)).toEqual(["0.00 s", "0.05 s", "0.10 s", "0.15 s", "0.20 s", "0.25 s"]);
    const widths = [...svg.matchAll(/<rect class="bar"[^>]*width="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(widths[1]! / 380).toBeCloseTo(0.23 / 0.25, 3);
  });

  it("tokens up to 2278: 0, 500, … 2500", () => {
    const svg = barChart({ title: "Tokens", categories: ["a"], series: [{ name: "s", values: [2278] }], digits: 0 });
    expect(tickLabels(svg)).toEqual(["0", "500", "1000", "1500", "2000", "2500"]);
  });

  it("a fixed 0–100 % axis: 0 % … 100 % in steps of 20", () => {
    const svg = barChart({ title: "Acc", categories: ["a"], series: [{ name: "s", values: [40] }], max: 100, unit: "%" });
    expect(tickLabels(svg)).toEqual(["0%", "20%", "40%", "60%", "80%", "100%"]);
  });

  it("draws an interval as a whisker from low to high, and the axis reaches the interval's end", () => {
    const svg = barChart({ title: "F", categories: ["a"], series: [{ name: "s", values: [8], intervals: [[6, 11]] }] });
    expect(svg).toMatch(/<g class="whisker"[^>]*data-low="6" data-high="11"/);
    // 11 / 5 = 2.2 → step 5: the axis is 0–15, so the whisker ends at 11/15 of the 380 px plot.
    expect(tickLabels(svg)).toEqual(["0", "5", "10", "15"]);
    const [, x1, x2] = /<g class="whisker".*?<line x1="([\d.]+)" y1="[\d.]+" x2="([\d.]+)"/.exec(svg)!;
    expect(Number(x2) - Number(x1)).toBeCloseTo((5 / 15) * 380, 1);
  });

  it("every text in a chart is at least 11 px, even with several series per group", () => {
    const svg = barChart({ title: "Judge", categories: ["Fluency", "Overall"], series: ["a", "b", "c", "d"].map((name) => ({ name, values: [7.5, 8] })), max: 10, digits: 2 });
    const sizes = [...svg.matchAll(/font-size="(\d+(?:\.\d+)?)"/g)].map((m) => Number(m[1]));
    expect(sizes.length).toBeGreaterThan(10);
    expect(Math.min(...sizes)).toBeGreaterThanOrEqual(11);
  });
});
