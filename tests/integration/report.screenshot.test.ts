/**
 * report.html opens in headless Chromium and shows its charts: the 32×32 heatmap and the per-emotion bars are laid
 * out with real sizes, a known cell has its colour, and the screenshot is a real picture. What a reader checks by
 * eye is checked in the DOM too: axis labels are distinct and round, headline figures have interval whiskers, no
 * text is smaller than 11 px, and each example shows the agents' opinions.
 *
 * Needs Chromium at /usr/bin/chromium (Debian: `apt-get install -y chromium`). Without it this test FAILS: a report
 * nobody has seen render is not a tested report.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { loadAndCompare, writeCompare } from "../../evaluations/compare.js";
import { writeReports } from "../../evaluations/report/index.js";
import { fullErcExperiment, fullErgExperiment, writeExperiment } from "../helpers/experiments.js";

const CHROMIUM = "/usr/bin/chromium";
let browser: BrowserContext | undefined;
let page: Page;
let root: string;
let profile: string;
const shot = path.join(os.tmpdir(), `insideout-report-${process.pid}.png`);

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is not installed at ${CHROMIUM}: run \`apt-get update && apt-get install -y chromium\` (the report screenshot test needs it)`);
  }
  root = await mkdtemp(path.join(os.tmpdir(), "insideout-shot-"));
  profile = await mkdtemp(path.join(os.tmpdir(), "insideout-chromium-profile-"));
  const { metrics, predictions } = fullErcExperiment();
  await writeExperiment(root, metrics, predictions);
  await writeReports(root);
  // A new, empty profile directory; Playwright takes it as the persistent context's user data dir (it refuses a
  // --user-data-dir argument), which it passes to Chromium as --user-data-dir.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync",
    ],
    viewport: { width: 1280, height: 900 },
  });
  page = await browser.newPage();
  await page.goto(pathToFileURL(path.join(root, "report.html")).href);
});

afterAll(async () => {
  await browser?.close();
  if (root) await rm(root, { recursive: true, force: true });
  if (profile) await rm(profile, { recursive: true, force: true });
});

// The callbacks run in the page; tsconfig has no DOM lib, so the page's few globals used here are typed here.
type PageEl = { textContent: string | null; getBoundingClientRect(): { width: number; height: number } };
type PageGlobals = {
  getComputedStyle(el: unknown): { fill: string; fontSize: string; display: string; visibility: string };
  document: { querySelectorAll(sel: string): ArrayLike<PageEl> };
};

/** Each bar chart's tick labels, as the browser has them. */
async function tickLabels(p: Page): Promise<Array<{ chart: string; ticks: string[] }>> {
  return p.locator("svg.bar-chart").evaluateAll((svgs) =>
    (svgs as unknown as Array<{ getAttribute(a: string): string | null; querySelectorAll(s: string): ArrayLike<PageEl> }>).map((svg) => ({
      chart: svg.getAttribute("aria-label") ?? "",
      ticks: Array.from(svg.querySelectorAll("text.tick")).map((t) => t.textContent ?? ""),
    })),
  );
}

/** The smallest rendered font size, in CSS pixels, of the visible text in the page's charts. */
async function smallestChartFont(p: Page): Promise<number> {
  return p.evaluate(() => {
    const g = globalThis as unknown as PageGlobals;
    const sizes = Array.from(g.document.querySelectorAll("svg text"))
      .filter((t) => t.getBoundingClientRect().width > 0)
      .map((t) => parseFloat(g.getComputedStyle(t).fontSize));
    return Math.min(...sizes);
  });
}

function expectRoundDistinctTicks(charts: Array<{ chart: string; ticks: string[] }>): void {
  expect(charts.length).toBeGreaterThan(3);
  for (const { chart, ticks } of charts) {
    expect({ chart, distinct: new Set(ticks).size }).toEqual({ chart, distinct: ticks.length });
    expect(ticks.length).toBeGreaterThanOrEqual(3);
    // Round: evenly spaced, each step 1, 2 or 5 × 10^k.
    const values = ticks.map((t) => parseFloat(t.replace(/[^\d.]/g, "")));
    const step = values[1]! - values[0]!;
    const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
    expect([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6)).toBe(true);
    values.forEach((v, i) => expect(v).toBeCloseTo(values[0]! + i * step, 6));
  }
}

describe("report.html in headless Chromium", () => {
  it("renders the confusion heatmap: 32×32 visible cells, the known cell in the darkest colour", async () => {
    const heat = page.locator("svg.heatmap");
    await expect(heat.count()).resolves.toBe(1);
    const box = await heat.boundingBox();
    expect(box!.width).toBeGreaterThan(500);
    expect(box!.height).toBeGreaterThan(500);
    const cells = page.locator("svg.heatmap rect.cell");
    await expect(cells.count()).resolves.toBe(32 * 32);
    // In the fixture every "afraid" example was answered "angry": a full row share, the end of the scale.
    const known = page.locator('svg.heatmap rect.cell[data-gold="afraid"][data-pred="angry"]');
    const fill = await known.evaluate((el) => (globalThis as unknown as PageGlobals).getComputedStyle(el).fill);
    expect(fill).toBe("rgb(8, 48, 107)"); // #08306b
    const cellBox = await known.boundingBox();
    expect(cellBox!.width).toBeGreaterThan(10);
    await expect(page.locator("svg.heatmap text.row-label").count()).resolves.toBe(32);
    await expect(page.locator("svg.heatmap text.col-label").count()).resolves.toBe(32);
    await expect(page.locator("svg.heatmap .colour-scale").count()).resolves.toBe(1);
  });

  it("renders one bar per emotion, with lengths proportional to accuracy", async () => {
    const bars = page.locator("svg.per-emotion rect.bar");
    await expect(bars.count()).resolves.toBe(32);
    // devastated: 10/10 = 100 %; apprehensive: 5/10 = 50 %; afraid: 0 %.
    const width = async (label: string) => (await page.locator(`svg.per-emotion rect.bar[data-category="${label}"]`).boundingBox())?.width ?? 0;
    const full = await width("devastated");
    const half = await width("apprehensive");
    expect(full).toBeGreaterThan(100);
    expect(half / full).toBeCloseTo(0.5, 2);
    expect(await width("afraid")).toBe(0);
  });

  it("renders agent agreement and cost charts", async () => {
    await expect(page.locator("svg.agents rect.bar").count()).resolves.toBe(2);
    await expect(page.locator('svg.agents rect.bar[data-category="anger"]').getAttribute("data-value")).resolves.toBe("100");
    await expect(page.locator("svg.cost").count()).resolves.toBe(3);
    // Per example, not run totals: 100 + 20 tokens and 0.25 s per example in the fixture.
    await expect(page.locator('svg.cost rect.bar[data-category]').first().getAttribute("data-value")).resolves.toBe("120");
    const costRow = page.locator("section.cost tbody tr").first();
    await expect(costRow.locator("td").allTextContents()).resolves.toEqual(["100 / 100", "20 / 20", "1.0 / 1.0", "0.25 / 0.25"]);
    for (const svg of await page.locator("svg").all()) {
      const b = await svg.boundingBox();
      expect(b!.width * b!.height).toBeGreaterThan(0);
    }
  });

  it("headline accuracy and macro-F1 as bars with 95% whiskers that surround them", async () => {
    await expect(page.locator("svg.headline rect.bar").count()).resolves.toBe(2);
    const whiskers = page.locator("svg.headline g.whisker");
    await expect(whiskers.count()).resolves.toBe(2);
    const acc = page.locator('svg.headline g.whisker[data-category="Accuracy"]');
    const [low, high] = [Number(await acc.getAttribute("data-low")), Number(await acc.getAttribute("data-high"))];
    // 155 of 320 right (sum of i mod 11 over 32 labels) = 48.44 %.
    expect(low).toBeLessThan(48.44);
    expect(high).toBeGreaterThan(48.44);
    expect((await acc.boundingBox())!.width).toBeGreaterThan(10);
  });

  it("axis ticks are distinct round numbers, and no chart text is under 11 px", async () => {
    expectRoundDistinctTicks(await tickLabels(page));
    const latency = (await tickLabels(page)).find((c) => c.chart.startsWith("Latency"))!;
    expect(latency.ticks).toEqual(["0.00 s", "0.05 s", "0.10 s", "0.15 s", "0.20 s", "0.25 s"]);
    expect(await smallestChartFont(page)).toBeGreaterThanOrEqual(11);
  });

  it("the first examples are open and show each agent's opinion", async () => {
    const first = page.locator("details.example").first();
    const opinions = first.locator("table.opinions");
    await expect(opinions.isVisible()).resolves.toBe(true);
    await expect(opinions.locator("tbody tr").count()).resolves.toBe(2);
    // Example afraid-0: every answer "angry"; anger said angry, sadness (k = 0, even) said "sad".
    await expect(opinions.locator("tbody tr", { hasText: "anger" }).locator("td").first().textContent()).resolves.toBe("angry");
    await expect(opinions.locator("tbody tr", { hasText: "sadness" }).locator("td").first().textContent()).resolves.toBe("sad");
  });

  it("takes a non-trivial full-page screenshot", async () => {
    await page.screenshot({ path: shot, fullPage: true });
    const png = await readFile(shot);
    expect(png.subarray(1, 4).toString("latin1")).toBe("PNG");
    expect((await stat(shot)).size).toBeGreaterThan(50_000);
    // Width and height from the IHDR chunk: a full page, not an empty viewport.
    expect(png.readUInt32BE(16)).toBeGreaterThanOrEqual(1280);
    expect(png.readUInt32BE(20)).toBeGreaterThan(1500);
    // The heatmap alone at full resolution, for a person checking that 32 labels stay legible.
    const heatShot = shot.replace(/\.png$/, "-heatmap.png");
    await page.locator("svg.heatmap").screenshot({ path: heatShot });
    await page.locator("svg.headline").screenshot({ path: shot.replace(/\.png$/, "-headline.png") });
    await page.locator("section.cost").screenshot({ path: shot.replace(/\.png$/, "-cost.png") });
    await page.locator("details.example").first().screenshot({ path: shot.replace(/\.png$/, "-example.png") });
    await page.locator("svg.cost").last().screenshot({ path: shot.replace(/\.png$/, "-latency.png") });
    expect((await stat(heatShot)).size).toBeGreaterThan(10_000);
    process.stderr.write(`report screenshots: ${shot}, ${heatShot}\n`);
  });
});

describe("compare.html in headless Chromium", () => {
  it("shows both methods side by side: two heatmaps, two bars per emotion, the McNemar table", async () => {
    const base = fullErcExperiment("baseline", 3);
    const io = fullErcExperiment("insideout");
    const a = await writeExperiment(path.join(root, "cmp-a"), base.metrics, base.predictions);
    const b = await writeExperiment(path.join(root, "cmp-b"), io.metrics, io.predictions);
    const { comparison, experiments } = await loadAndCompare([a, b]);
    const out = path.join(root, "cmp-out");
    await writeCompare(out, comparison, experiments);
    const p = await browser!.newPage();
    await p.goto(pathToFileURL(path.join(out, "compare.html")).href);
    await expect(p.locator("svg.heatmap").count()).resolves.toBe(2);
    await expect(p.locator("svg.per-emotion rect.bar").count()).resolves.toBe(64);
    await expect(p.locator("table").filter({ hasText: "A only right" }).count()).resolves.toBe(1);
    const cmpShot = shot.replace(/\.png$/, "-compare.png");
    await p.screenshot({ path: cmpShot, fullPage: true });
    expect((await stat(cmpShot)).size).toBeGreaterThan(50_000);
    process.stderr.write(`compare screenshot: ${cmpShot}\n`);
    await p.close();
  });
});

describe("ERG compare.html in headless Chromium", () => {
  it("Table 3 and 4 with intervals, the judge chart with whiskers and readable labels, the agents' replies", async () => {
    const base = fullErgExperiment("baseline", false);
    const io = fullErgExperiment("erc+insideout", true);
    const a = await writeExperiment(path.join(root, "erg-a"), base.metrics, base.predictions);
    const b = await writeExperiment(path.join(root, "erg-b"), io.metrics, io.predictions);
    await writeReports(b);
    const { comparison, experiments } = await loadAndCompare([a, b]);
    expect(comparison.warnings).toEqual([]);
    const out = path.join(root, "erg-cmp");
    await writeCompare(out, comparison, experiments);
    const p = await browser!.newPage();
    await p.goto(pathToFileURL(path.join(out, "compare.html")).href);
    await expect(p.locator("h2", { hasText: "Table 3: ERG automatic metrics" }).count()).resolves.toBe(1);
    await expect(p.locator("h2", { hasText: "Table 4: LLM judge scores (1–10) with 95% intervals — judge openai:judge-model" }).count()).resolves.toBe(1);
    // Judge chart: 5 criteria × 2 experiments, each bar with its whisker.
    await expect(p.locator("svg.judge rect.bar").count()).resolves.toBe(10);
    await expect(p.locator("svg.judge g.whisker").count()).resolves.toBe(10);
    // BLEU and ROUGE have whiskers, Distinct none (a resample lowers it by construction): 7 × 2.
    await expect(p.locator("svg.erg-text g.whisker").count()).resolves.toBe(14);
    expectRoundDistinctTicks(await tickLabels(p));
    const tokens = (await tickLabels(p)).find((c) => c.chart.startsWith("Tokens"))!;
    expect(tokens.ticks.every((t) => Number(t) % 500 === 0)).toBe(true);
    expect(await smallestChartFont(p)).toBeGreaterThanOrEqual(11);
    // Every section starts at the same left edge (a class meant for one element once shifted Table 4).
    const lefts = await p.locator("body > section").evaluateAll((els) =>
      (els as unknown as PageEl[]).map((e) => Math.round((e as unknown as { getBoundingClientRect(): { left: number } }).getBoundingClientRect().left)),
    );
    expect(new Set(lefts).size).toBe(1);
    const cmpShot = shot.replace(/\.png$/, "-erg-compare.png");
    await p.screenshot({ path: cmpShot, fullPage: true });
    await p.locator("svg.judge").screenshot({ path: cmpShot.replace(/\.png$/, "-judge.png") });
    await p.locator("section.erg-metrics").screenshot({ path: cmpShot.replace(/\.png$/, "-table3.png") });
    await p.locator("section.judge").screenshot({ path: cmpShot.replace(/\.png$/, "-table4.png") });
    await p.locator("svg.erg-text").screenshot({ path: cmpShot.replace(/\.png$/, "-metrics-chart.png") });
    expect((await stat(cmpShot)).size).toBeGreaterThan(50_000);

    // The erc+insideout report shows, per example, each agent's proposed reply and which one was chosen.
    await p.goto(pathToFileURL(path.join(b, "report.html")).href);
    const opinions = p.locator("details.example").first().locator("table.opinions");
    await expect(opinions.isVisible()).resolves.toBe(true);
    await expect(opinions.locator("tbody tr").count()).resolves.toBe(5);
    await expect(opinions.locator("tr.chosen th").textContent()).resolves.toBe("joy (chosen)");
    await expect(opinions.locator("tr", { hasText: "sadness" }).locator("td").first().textContent()).resolves.toBe("i am sorry");
    const reportShot = shot.replace(/\.png$/, "-erg-report.png");
    await p.screenshot({ path: reportShot, fullPage: true });
    await p.locator("details.example").first().screenshot({ path: reportShot.replace(/\.png$/, "-example.png") });
    process.stderr.write(`ERG screenshots: ${cmpShot}, ${reportShot}\n`);
    await p.close();
  });
});
