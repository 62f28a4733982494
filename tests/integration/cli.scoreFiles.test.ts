/**
 * score reads its files a line at a time and counts as it goes: memory does not grow with the number of lines, a
 * text too long to score (ROUGE-L is quadratic in a pair's lengths) is one line, and lines end as Python reads them.
 * Figures are worked by hand; peak RSS is the CLI process's own.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "@jest/globals";
import { CLI, REPO } from "../helpers/cli.js";
import { peakRssMb, RSS_PROBE, withoutRss } from "../helpers/rssProbe.js";

const dir = mkdtempSync(join(tmpdir(), "insideout-score-files-"));


interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
  rssMb: number;
}

function score(args: string[], env: Record<string, string> = {}): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, "score", ...args], {
      cwd: REPO,
      stdio: ["ignore", "pipe", "pipe"],
      env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_OPTIONS: RSS_PROBE, ...env },
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 90_000);
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("close", (code) => {
      clearTimeout(timer);
            resolve({ code, stdout, stderr: withoutRss(stderr).trim(), ms: performance.now() - started, rssMb: peakRssMb(stderr) });
    });
  });
}

function file(name: string, content: string): string {
  const f = join(dir, name);
  writeFileSync(f, content);
  return f;
}

// The CLI's own footprint, scoring one line, measured in this run: the bounds below are growth over it.
let baseMb = Infinity;
beforeAll(async () => {
  baseMb = (await score(["--hyp", file("base.txt", "a b c\n"), "--ref", file("base.txt", "a b c\n")])).rssMb;
}, 60_000);

describe("score --hyp/--ref", () => {
  it("lines end at \\n, \\r\\n and \\r, after a byte-order mark: the hand-worked figures", async () => {
    // Texts "the cat sat", "the cat", "sat on" on both sides: unigrams and bigrams all match; 3-grams 1 of 3 (each
    // sentence counts at least one), no 4-gram: BLEU-3 = (1 · 1 · 1/3)^(1/3), BLEU-4 0. Distinct-1: 4 of 7 tokens;
    // Distinct-2: 3 of 4 bigrams.
    const hyp = file("hyp.txt", "\uFEFFthe cat sat\r\nthe cat\rsat on\n");
    const ref = file("ref.txt", "the cat sat\nthe cat\nsat on");
    const r = await score(["--hyp", hyp, "--ref", ref, "--tokenized", "--json"]);
    expect(r.stderr).toBe("");
    const s = JSON.parse(r.stdout) as Record<string, number>;
    expect(s.n).toBe(3);
    expect(s.bleu1).toBeCloseTo(100, 10);
    expect(s.bleu2).toBeCloseTo(100, 10);
    expect(s.bleu3).toBeCloseTo(100 * Math.cbrt(1 / 3), 10);
    expect(s.bleu4).toBe(0);
    expect(s.rouge1).toBeCloseTo(100, 10);
    expect(s.rougeL).toBeCloseTo(100, 10);
    expect(s.distinct1).toBeCloseTo((100 * 4) / 7, 10);
    expect(s.distinct2).toBeCloseTo(75, 10);
  }, 30_000);

  it("300 000 lines: the figures, in flat memory (254 MB peak before, when every line was kept)", async () => {
    const abc = file("abc.txt", "a b c\n".repeat(300_000));
    const r = await score(["--hyp", abc, "--ref", abc, "--tokenized", "--json"]);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as Record<string, number>;
    expect(s.n).toBe(300_000);
    expect(s.bleu3).toBeCloseTo(100, 10);
    expect(s.bleu4).toBe(0);
    expect(s.distinct1).toBeCloseTo((100 * 3) / 900_000, 10);
    expect(s.distinct2).toBeCloseTo((100 * 2) / 600_000, 10);
    expect(r.rssMb - baseMb).toBeLessThan(70);
  }, 120_000);

  it("a text of more words than INSIDEOUT_MAX_TEXT_WORDS is one line, at once", async () => {
    // 500 000 words on one line (4 MB): before, every n-gram of the pair was tabled (6 M words: 2.7 GB, then
    // "Map maximum size exceeded") and ROUGE-L's table grows with the square of it.
    const long = file("long.txt", `${Array.from({ length: 500_000 }, (_, i) => `w${i}`).join(" ")}\n`);
    const r = await score(["--hyp", long, "--ref", long]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^insideout: Line 1 of \S+long\.txt holds more than 5000 words: give one text per line, or raise INSIDEOUT_MAX_TEXT_WORDS \(now 5000\)\.$/);
    expect(r.ms).toBeLessThan(15_000);
    expect(r.rssMb - baseMb).toBeLessThan(100);
    const small = await score(["--hyp", file("two.txt", "a b\n"), "--ref", file("three.txt", "a b c\n")], { INSIDEOUT_MAX_TEXT_WORDS: "2" });
    expect(small.stderr).toMatch(/Line 1 of \S+three\.txt holds more than 2 words/);
  }, 60_000);

  it("files of different lengths: both counts, as before", async () => {
    const r = await score(["--hyp", file("h2.txt", "a\nb\n"), "--ref", file("r3.txt", "a\nb\nc\n")]);
    expect(r.stderr).toMatch(/^insideout: \S+h2\.txt has 2 lines but \S+r3\.txt has 3; they must be aligned line by line\.$/);
  }, 30_000);
});

describe("score --gold/--pred", () => {
  it("a gold label outside the set stops at its line, without reading the rest first", async () => {
    const gold = file("gold.txt", `banana\n${"sad\n".repeat(1_000_000)}`);
    const r = await score(["--gold", gold, "--pred", gold]);
    expect(r.stderr).toMatch(/^insideout: \S+gold\.txt line 1: "banana" is not a label of ed32\.$/);
    expect(r.rssMb - baseMb).toBeLessThan(50);
  }, 60_000);
});
