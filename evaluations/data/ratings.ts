/**
 * Rating files: one row per rated item, an id column and one numeric column per rated dimension, as CSV (quoted
 * fields may span lines), TSV or JSONL (one object per line). The id is the first named column unless one is named;
 * a nameless column (the index pandas writes with `to_csv`) is neither id nor dimension. A column is a dimension when
 * most of its filled cells are numbers; its other cells (text, "NaN") count as not rated, as pandas' `to_numeric(...,
 * errors="coerce")` reads them in Kumar et al.'s analysis.
 */
import { basename, extname } from "node:path";
import { parse } from "csv-parse/sync";
import { DataFileError, readLines } from "./lines.js";
import { readTextFile } from "./text.js";

export interface RatingFile {
  /** The file name without its extension: how the rater is shown. */
  name: string;
  file: string;
  idColumn: string;
  dimensions: string[];
  /** Each item's ratings by dimension; NaN where the item is not rated on it. */
  ratings: Map<string, Map<string, number>>;
}

const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/u;

/** A cell as a rating: a number, or NaN for an empty or non-numeric cell. */
function rating(cell: unknown): number {
  if (typeof cell === "number") return Number.isFinite(cell) ? cell : Number.NaN;
  if (typeof cell !== "string") return Number.NaN;
  const t = cell.trim();
  return NUMBER.test(t) ? Number(t) : Number.NaN;
}

/** pandas' default missing-value markers (`read_csv` na_values): cells that say "not rated". */
const MISSING = new Set(["", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null"]);

function filled(cell: unknown): boolean {
  return cell !== null && cell !== undefined && !(typeof cell === "string" && MISSING.has(cell.trim()));
}

async function readTable(file: string): Promise<{ header: string[]; rows: unknown[][]; lineOf: (row: number) => number }> {
  const ext = extname(file).toLowerCase();
  if (ext === ".jsonl" || ext === ".ndjson") {
    const header: string[] = [];
    const objects: Array<{ line: number; value: Record<string, unknown> }> = [];
    for await (const { number, text } of readLines(file)) {
      if (text.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new DataFileError(`line ${number} of ${file} is not JSON`, file, number);
      }
      if (!value || typeof value !== "object" || Array.isArray(value)) throw new DataFileError(`line ${number} of ${file} is not a JSON object`, file, number);
      for (const key of Object.keys(value)) if (!header.includes(key)) header.push(key);
      objects.push({ line: number, value: value as Record<string, unknown> });
    }
    return { header, rows: objects.map((o) => header.map((h) => o.value[h])), lineOf: (r) => objects[r]!.line };
  }
  const text = await readTextFile(file);
  let records: string[][];
  try {
    records = parse(text, { delimiter: ext === ".tsv" ? "\t" : ",", skip_empty_lines: true, bom: true }) as string[][];
  } catch (e) {
    throw new DataFileError(`${file} is not ${ext === ".tsv" ? "TSV" : "CSV"}: ${(e as Error).message}`, file, 0);
  }
  const [header, ...rows] = records;
  // Data rows are numbered from 2 (the header is row 1); with quoted multi-line fields these are records, not lines.
  return { header: header ?? [], rows, lineOf: (r) => r + 2 };
}

export async function readRatingFile(file: string, idColumn?: string): Promise<RatingFile> {
  const { header, rows, lineOf } = await readTable(file);
  if (header.length === 0 || rows.length === 0) throw new DataFileError(`${file} holds no rated items (a header and at least one row are needed)`, file, 0);
  const named = header.map((h, c) => ({ h: h.trim(), c })).filter(({ h }) => h !== "");
  const id = idColumn === undefined ? named[0] : named.find(({ h }) => h === idColumn);
  if (!id) {
    throw new DataFileError(
      idColumn === undefined ? `${file} has no named column to use as the id` : `${file} has no column "${idColumn}" (its columns: ${named.map((n) => n.h).join(", ")})`,
      file,
      1,
    );
  }
  const dimensions = named.filter(({ c }) => {
    if (c === id.c) return false;
    const cells = rows.map((r) => r[c]).filter(filled);
    const numbers = cells.filter((cell) => !Number.isNaN(rating(cell))).length;
    return numbers > 0 && numbers * 2 > cells.length;
  });
  const ratings = new Map<string, Map<string, number>>();
  rows.forEach((r, i) => {
    const key = r[id.c];
    if (!filled(key)) throw new DataFileError(`row ${lineOf(i)} of ${file} has no ${id.h}`, file, lineOf(i));
    const item = String(key).trim();
    if (ratings.has(item)) throw new DataFileError(`${id.h} ${JSON.stringify(item)} occurs twice in ${file} (row ${lineOf(i)}): name a unique id column with --id`, file, lineOf(i));
    ratings.set(item, new Map(dimensions.map(({ h, c }) => [h, rating(r[c])])));
  });
  return { name: basename(file, extname(file)), file, idColumn: id.h, dimensions: dimensions.map((d) => d.h), ratings };
}
