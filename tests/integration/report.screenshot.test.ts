/**
 * report.html opens in headless Chromium and shows its charts: the 32×32 heatmap and the per-emotion bars are laid
 * out with real sizes, a known cell has its colour, and the screenshot is a real picture.
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
import { fullErcExperiment, writeExperiment } from "../helpers/experiments.js";

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
    // The callback runs in the page; tsconfig has no DOM lib, so the page's getComputedStyle is typed here.
    type PageGlobals = { getComputedStyle(el: unknown): { fill: string } };
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
    for (const svg of await page.locator("svg").all()) {
      const b = await svg.boundingBox();
      expect(b!.width * b!.height).toBeGreaterThan(0);
    }
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
