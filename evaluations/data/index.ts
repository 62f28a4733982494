/**
 * The datasets' entry point: evaluation examples from the named EmpatheticDialogues splits (ed.ts), MELD's
 * (meld.ts), EQ-Bench v2's and EmoBench's questions (benchmarkExamples.ts), or any JSONL/CSV file, and a seeded
 * sample of them. `insideout data fetch|upload` live beside it
 * (fetch.ts, fetchMeld.ts, langsmith.ts), imported only by that command (cli/commands/data.ts).
 */
import { createHash } from "node:crypto";
import { existsSync, statSync } from "node:fs";
import { loadEdCsv } from "./csv.js";
import { defaultDataDir, edSplitFile, loadJsonl } from "./ed.js";
import { readLines } from "./lines.js";
import { isMeldHeader, loadMeldCsv, loadMeldSplit } from "./meld.js";
import { emoBenchExamples, eqBenchExamples } from "./benchmarkExamples.js";
import type { EmoBenchLanguage, EmoBenchTask } from "./emobench.js";
import type { BenchmarkTask } from "../../state/runOptions.js";
import { ED_SPLITS, type EdSplit, type Example, type LoadWarning } from "./types.js";

export { defaultDataDir, fetchedDataDir } from "./ed.js";
export { defaultMeldDir, fetchedMeldDir, MELD_SPLITS } from "./meld.js";
export { DEFAULT_DATASET_NAME, ED_SPLITS, type BenchmarkGold, type EdSplit, type Example, type LoadWarning } from "./types.js";

export type DatasetSource = `ed:${EdSplit}` | "meld:test" | "meld:dev" | (string & {});

export interface LoadOptions {
  /** Folder of `ed_<split>_moel_format.jsonl`; default `defaultDataDir()`. */
  dataDir?: string;
  /** Collects non-fatal problems (e.g. CSV rows with extra fields). */
  warnings?: LoadWarning[];
}

/** The label set a dataset's gold labels are written in: `meld7` for `meld:*`, else `ed32`. */
export function defaultLabelsFor(source: DatasetSource): string {
  return /^meld:/.test(source) ? "meld7" : "ed32";
}

const BENCHMARK_SOURCE = /^(eqbench):(v2)$|^emobench:(eu|ea)(?::(en|zh|all))?$/;

/** The task a benchmark's data stands for (`eqbench:v2` → eqbench, `emobench:eu[:en|zh|all]` → emobench-eu), or undefined. */
export function benchmarkTaskOf(source: DatasetSource): BenchmarkTask | undefined {
  const m = BENCHMARK_SOURCE.exec(source);
  if (m) return m[1] ? "eqbench" : (`emobench-${m[3]}` as BenchmarkTask);
  if (/^(eqbench|emobench):/.test(source)) {
    throw new Error(`Unknown dataset ${source}: use eqbench:v2, emobench:eu or emobench:ea (with --lang en, zh or all).`);
  }
  return undefined;
}

/** The first line of a file, or "" (bounded, like every read of a data file). */
async function firstLine(file: string): Promise<string> {
  for await (const { text } of readLines(file)) return text;
  return "";
}

/**
 * `ed:test`, `ed:valid` (`ed:train` after `insideout data fetch`), `meld:test`, `meld:dev`, `eqbench:v2`,
 * `emobench:eu|ea[:en|zh|all]`, or the path of a JSONL file or of a CSV in either release's format (told apart by its
 * header).
 */
export async function loadDataset(source: DatasetSource, options: LoadOptions = {}): Promise<Example[]> {
  const warnings = options.warnings ?? [];
  const bench = benchmarkTaskOf(source) ? BENCHMARK_SOURCE.exec(source) : null;
  if (bench) return bench[1] ? eqBenchExamples() : emoBenchExamples(bench[3] as EmoBenchTask, (bench[4] ?? "all") as EmoBenchLanguage | "all");
  const meld = /^meld:(.*)$/.exec(source);
  if (meld) return loadMeldSplit(source, meld[1]!);
  const named = /^ed:(.+)$/.exec(source);
  if (named) {
    const split = named[1] as EdSplit;
    if (!ED_SPLITS.includes(split)) {
      throw new Error(`Unknown dataset ${source}: use ed:test, ed:valid, ed:train, meld:test, meld:dev or a file path.`);
    }
    const dir = options.dataDir ?? defaultDataDir();
    const file = edSplitFile(split, dir);
    if (!existsSync(file)) {
      throw new Error(
        `EmpatheticDialogues ${split} split not found (${file}): run \`insideout data fetch\`, or set INSIDEOUT_DATA_DIR to a folder holding ed_${split}_moel_format.jsonl.`,
      );
    }
    return loadJsonl(file, warnings);
  }
  if (!existsSync(source)) throw new Error(`Dataset file not found: ${source}`);
  if (statSync(source).isDirectory()) throw new Error(`Dataset ${source} is a folder: give a JSONL or CSV file.`);
  if (/\.csv$/i.test(source)) return isMeldHeader(await firstLine(source)) ? loadMeldCsv(source, warnings) : loadEdCsv(source, warnings);
  return loadJsonl(source, warnings);
}

/**
 * A deterministic sample of n examples: each example is ranked by sha256(seed, id) and the n lowest are kept, in
 * their original order. It depends only on (ids, n, seed): not on the input order, nor on any earlier call (no
 * shared random state), and a larger n keeps every example of a smaller one, so `--limit` can grow a run.
 */
export function sample<T extends { id: string }>(examples: readonly T[], n: number, seed: number | string = 0): T[] {
  if (!Number.isInteger(n) || n < 0) throw new Error(`sample size must be a non-negative integer, got ${n}`);
  if (n >= examples.length) return [...examples];
  const rank = (id: string): string => createHash("sha256").update(`${String(seed)}\u0000${id}`).digest("hex");
  const ranked = examples.map((ex, i) => ({ i, key: rank(ex.id) }));
  ranked.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : a.i - b.i));
  const keep = new Set(ranked.slice(0, n).map((r) => r.i));
  return examples.filter((_, i) => keep.has(i));
}
