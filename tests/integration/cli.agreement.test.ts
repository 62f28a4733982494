/**
 * `insideout agreement` and `insideout score --eqbench` through the built CLI on the shared files: Kumar et al.'s
 * published κ table (EmpatheticDialogues) and EQ-Bench's published scores; bad input is one line and exit 1.
 */
import { describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse } from "csv-parse/sync";
import { CLI, REPO, runCli } from "../helpers/cli.js";
import { peakRssMb, RSS_PROBE, withoutRss } from "../helpers/rssProbe.js";

const ANNOTATIONS = path.resolve(REPO, "../shared/data/judge_calibration/annotations");
const ED = path.join(ANNOTATIONS, "empatheticdialogues");
const RESULTS = path.resolve(REPO, "../shared/data/eq_bench/results");

describe("insideout agreement", () => {
  it("reproduces the published κ of every EmpatheticDialogues pair (experts = median of the three, llm = Gemini)", async () => {
    const f = (n: string): string => path.join(ED, `${n}_ratings.csv`);
    const r = await runCli(["agreement", f("expert1"), f("expert2"), f("expert3"), f("gemini"), f("crowd"), "--median", `experts=${f("expert1")},${f("expert2")},${f("expert3")}`, "--json"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const rows = JSON.parse(r.stdout) as Array<{ dimension: string; a: string; b: string; n: number; kappa: number }>;
    const name: Record<string, string> = { expert1: "expert1_ratings", expert2: "expert2_ratings", expert3: "expert3_ratings", llm: "gemini_ratings", crowd: "crowd_ratings", experts: "experts" };
    const published = (parse(readFileSync(path.join(ANNOTATIONS, "table_kappa.csv"), "utf8"), { columns: true }) as Array<Record<string, string>>).filter(
      (p) => p.Dataset === "Empathetic Dialogues",
    );
    for (const p of published) {
      const [a, b] = [...p["Annotator Pair"]!.matchAll(/'(\w+)'/g)].map((m) => name[m[1]!]!);
      const row = rows.find((x) => x.dimension === p.Dimension && ((x.a === a && x.b === b) || (x.a === b && x.b === a)))!;
      expect(row.n).toBe(50);
      expect(Math.abs(row.kappa - Number(p["Weighted Cohen's Kappa"]))).toBeLessThanOrEqual(0.005);
    }
  });

  it("reads a rating file a row at a time: 600 000 rows and a repeated id at the end cost little memory (470 MB before)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "insideout-agreement-"));
    const big = path.join(dir, "big.csv");
    const rows = Array.from({ length: 600_000 }, (_, i) => `item${i},${(i % 5) + 1},${(i % 3) + 1},${(i % 4) + 1}`);
    writeFileSync(big, `id,empathy,fluency,relevance\n${rows.join("\n")}\nitem7,1,2,3\n`);
    const small = path.join(dir, "small.csv");
    writeFileSync(small, "id,empathy,fluency,relevance\nitem1,1,2,3\n");
    const agreement = (a: string, b: string) =>
      spawnSync(process.execPath, [CLI, "agreement", a, b], { cwd: REPO, env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_OPTIONS: RSS_PROBE }, encoding: "utf8", timeout: 60_000 });
    // The reference: the same command on a one-row file, in this run.
    const baseMb = peakRssMb(agreement(small, small).stderr);
    const r = agreement(big, small);
    const rssMb = peakRssMb(r.stderr);
    process.stderr.write(`agreement over 600 000 rows: peak RSS ${rssMb.toFixed(0)} MB (${baseMb.toFixed(0)} MB on one row)\n`);
    expect(r.status).toBe(1);
    expect(withoutRss(r.stderr).trim()).toBe(`insideout: id "item7" occurs twice in ${big} (row 600002): name a unique id column with --id`);
    // Every row kept as objects took 470 MB in all.
    expect(rssMb - baseMb).toBeLessThan(300);
  }, 90_000);

  it("two files of 900 000 rows: κ and ρ paired by id, peak RSS under 500 MB (686 MB before the paired ratings were typed arrays read in place)", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "insideout-agreement-"));
    const rows = Array.from({ length: 900_000 }, (_, i) => `item${i},${(i % 5) + 1},${(i % 3) + 1},${(i % 4) + 1}`);
    const a = path.join(dir, "a.csv");
    const b = path.join(dir, "b.csv");
    writeFileSync(a, `id,empathy,fluency,relevance\n${rows.join("\n")}\n`);
    // The same ratings in the opposite row order: matched by id, the raters agree on every item.
    writeFileSync(b, `id,empathy,fluency,relevance\n${rows.reverse().join("\n")}\n`);
    const r = spawnSync(process.execPath, [CLI, "agreement", a, b, "--json"], { cwd: REPO, env: { PATH: process.env.PATH, HOME: process.env.HOME, NODE_OPTIONS: RSS_PROBE }, encoding: "utf8", timeout: 120_000 });
    const rssMb = peakRssMb(r.stderr);
    process.stderr.write(`agreement of two 900 000-row files: peak RSS ${rssMb.toFixed(0)} MB\n`);
    expect(withoutRss(r.stderr).trim()).toBe("");
    expect(r.status).toBe(0);
    const table = JSON.parse(r.stdout) as Array<{ dimension: string; n: number; kappa: number; spearman: number }>;
    expect(table.map((t) => [t.dimension, t.n, t.kappa, t.spearman])).toEqual([
      ["empathy", 900_000, 1, 1],
      ["fluency", 900_000, 1, 1],
      ["relevance", 900_000, 1, 1],
    ]);
    expect(rssMb).toBeLessThan(500);
  }, 180_000);

  it("names the missing id column in one line and exits 1", async () => {
    const r = await runCli(["agreement", path.join(ED, "expert1_ratings.csv"), path.join(ED, "expert2_ratings.csv"), "--id", "item"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain('no column "item"');
  });
});

describe("insideout score --eqbench", () => {
  it("rescores every held results file to its published score within 0.02 and its parseable count", async () => {
    const files = readdirSync(RESULTS).filter((f) => f.endsWith(".json"));
    const r = await runCli(["score", "--eqbench", ...files.map((f) => path.join(RESULTS, f)), "--json"]);
    expect(r.code).toBe(0);
    const runs = JSON.parse(r.stdout) as Array<{ file: string; run: { score: number; parseable: number } }>;
    expect(runs).toHaveLength(files.length);
    for (const { file, run } of runs) {
      const published = JSON.parse(readFileSync(path.join(RESULTS, file), "utf8")) as { benchmark_score: number; n_questions_parseable: number };
      expect(Math.abs(run.score - published.benchmark_score)).toBeLessThanOrEqual(0.02);
      expect(run.parseable).toBe(published.n_questions_parseable);
    }
  });

  it("refuses a file that is not an EQ-Bench results file in one line", async () => {
    const r = await runCli(["score", "--eqbench", path.join(ED, "expert1_ratings.csv")]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("is not JSON");
  });

  it("refuses a file over INSIDEOUT_MAX_PARSED_FILE_BYTES before parsing it, in one line", async () => {
    // 9 MB of empty objects: parsed whole (the cap was 256 MiB) it took ~380 MB, and 64 MB of them several GB.
    const dir = mkdtempSync(path.join(tmpdir(), "insideout-eqbench-"));
    const big = path.join(dir, "objects.json");
    writeFileSync(big, `[${Array(3_000_000).fill("{}").join(",")}]`);
    const r = await runCli(["score", "--eqbench", big, "--json"], { NODE_OPTIONS: RSS_PROBE });
    expect(r.code).toBe(1);
    expect(withoutRss(r.stderr).trim()).toBe(`insideout: The data file ${big} holds 9000001 bytes, more than 8 MiB: is it the right file, or raise INSIDEOUT_MAX_PARSED_FILE_BYTES (now 8388608)?`);
    expect(peakRssMb(r.stderr)).toBeLessThan(150);
    const raised = await runCli(["score", "--eqbench", big], { INSIDEOUT_MAX_PARSED_FILE_BYTES: String(16 << 20) });
    expect(raised.stderr.trim()).toBe(`insideout: ${big} is not an EQ-Bench results file (expected raw_results with each question's raw_inference, or runs with iterations)`);
  }, 60_000);
});
