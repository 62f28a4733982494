/**
 * Rating files: one row per rated item, an id column and one numeric column per rated dimension, as CSV (quoted
 * fields may span lines), TSV or JSONL (one object per line). The id is the first named column unless one is named;
 * a nameless column (the index pandas writes with `to_csv`) is neither id nor dimension. A column is a dimension when
 * most of its filled cells are numbers; its other cells (text, "NaN") count as not rated, as pandas' `to_numeric(...,
 * errors="coerce")` reads them in Kumar et al.'s analysis.
 */
import { basename, extname } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { parse } from "csv-parse";
import { regularFileChunks } from "../../core/regularFile.js";
import { DataFileError, lineLimits, readLines } from "./lines.js";

/**
 * Items' ratings on the dimensions, item-major in one typed array: eight bytes a rating rather than a Map per item,
 * so that a rating file of a million rows costs tens of megabytes.
 */
export class Ratings {
  private readonly columns: Map<string, number>;

  /** `rows`: each item's row in `values` (item-major, `dimensions.length` a row), handed over, not copied. */
  constructor(
    readonly dimensions: readonly string[],
    private readonly rows = new Map<string, number>(),
    private values = new Float64Array(Math.max(1, dimensions.length) * 64),
  ) {
    this.columns = new Map(dimensions.map((d, i) => [d, i]));
  }

  static from(dimensions: readonly string[], entries: Iterable<readonly [string, ArrayLike<number>]>): Ratings {
    const r = new Ratings(dimensions);
    for (const [item, values] of entries) r.set(item, values);
    return r;
  }

  get size(): number {
    return this.rows.size;
  }

  items(): IterableIterator<string> {
    return this.rows.keys();
  }

  has(item: string): boolean {
    return this.rows.has(item);
  }

  /** The item's rating on the dimension: NaN where it is not rated, undefined for an unknown item or dimension. */
  get(item: string, dimension: string): number | undefined {
    const row = this.rows.get(item);
    const column = this.columns.get(dimension);
    return row === undefined || column === undefined ? undefined : this.values[row * this.dimensions.length + column]!;
  }

  /** The item's ratings, in `dimensions` order (replacing any it had). */
  set(item: string, values: ArrayLike<number>): void {
    const width = this.dimensions.length;
    let row = this.rows.get(item);
    if (row === undefined) {
      row = this.rows.size;
      this.rows.set(item, row);
      if ((row + 1) * width > this.values.length) {
        const grown = new Float64Array(this.values.length * 2);
        grown.set(this.values);
        this.values = grown;
      }
    }
    for (let c = 0; c < width; c++) this.values[row * width + c] = values[c] ?? Number.NaN;
  }
}

export interface RatingFile {
  /** The file name without its extension: how the rater is shown. */
  name: string;
  file: string;
  idColumn: string;
  dimensions: string[];
  /** Each item's ratings by dimension; NaN where the item is not rated on it. */
  ratings: Ratings;
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

/** One column as it is read: its ratings per row so far, and how many of its cells are filled and how many numbers. */
interface Column {
  name: string;
  values: Float64Array;
  filled: number;
  numbers: number;
}

/**
 * The table, kept a row at a time as numbers: every column's ratings (a column is only known to be a dimension once
 * all its cells are seen), each row's id, and the first row whose id is missing or repeated (said once the id column
 * is settled, as it is said when the whole table is read first).
 */
class TableReader {
  readonly header: string[] = [];
  private readonly columns: Column[] = [];
  /** Each item's row, in file order. */
  private readonly rowOf = new Map<string, number>();
  private idIndex: number | undefined;
  private problem: { row: number; item?: string } | undefined;
  private rowCount = 0;

  constructor(
    private readonly file: string,
    private readonly idColumn: string | undefined,
  ) {}

  /** Adds a column (JSONL objects may bring new keys late: earlier rows have no rating in it). */
  column(name: string): number {
    this.header.push(name);
    this.columns.push({ name, values: new Float64Array(Math.max(64, this.rowCount)).fill(Number.NaN), filled: 0, numbers: 0 });
    if (this.idIndex === undefined && (this.idColumn === undefined ? name.trim() !== "" : name.trim() === this.idColumn)) this.idIndex = this.header.length - 1;
    return this.header.length - 1;
  }

  /** One data row: `cell(c)` is column c's cell; `line` is how the row is named in messages. */
  row(cell: (c: number) => unknown, line: number): void {
    const r = this.rowCount++;
    for (let c = 0; c < this.columns.length; c++) {
      const col = this.columns[c]!;
      const v = cell(c);
      if (r >= col.values.length) {
        const grown = new Float64Array(col.values.length * 2).fill(Number.NaN);
        grown.set(col.values);
        col.values = grown;
      }
      if (filled(v)) {
        col.filled++;
        const x = rating(v);
        if (!Number.isNaN(x)) col.numbers++;
        col.values[r] = x;
      }
    }
    const key = this.idIndex === undefined ? undefined : cell(this.idIndex);
    const item = filled(key) ? String(key).trim() : undefined;
    if (this.problem) return;
    if (item === undefined) this.problem = { row: line };
    else if (this.rowOf.has(item)) this.problem = { row: line, item };
    else this.rowOf.set(item, r);
  }

  finish(): RatingFile {
    const { file } = this;
    if (this.header.length === 0 || this.rowCount === 0) throw new DataFileError(`${file} holds no rated items (a header and at least one row are needed)`, file, 0);
    const named = this.header.map((h, c) => ({ h: h.trim(), c })).filter(({ h }) => h !== "");
    const id = this.idIndex === undefined ? undefined : named.find(({ c }) => c === this.idIndex);
    if (!id) {
      throw new DataFileError(
        this.idColumn === undefined ? `${file} has no named column to use as the id` : `${file} has no column "${this.idColumn}" (its columns: ${named.map((n) => n.h).join(", ")})`,
        file,
        1,
      );
    }
    if (this.problem) {
      const { row, item } = this.problem;
      if (item === undefined) throw new DataFileError(`row ${row} of ${file} has no ${id.h}`, file, row);
      throw new DataFileError(`${id.h} ${JSON.stringify(item)} occurs twice in ${file} (row ${row}): name a unique id column with --id`, file, row);
    }
    const dimensions = named.filter(({ c }) => {
      if (c === id.c) return false;
      const col = this.columns[c]!;
      return col.numbers > 0 && col.numbers * 2 > col.filled;
    });
    // No problem: every row has its own item, so rows are 0..n-1 in order.
    const width = dimensions.length;
    const values = new Float64Array(Math.max(1, this.rowCount * width));
    for (let k = 0; k < width; k++) {
      const column = this.columns[dimensions[k]!.c]!.values;
      for (let r = 0; r < this.rowCount; r++) values[r * width + k] = column[r]!;
    }
    const ratings = new Ratings(dimensions.map((d) => d.h), this.rowOf, values);
    return { name: basename(file, extname(file)), file, idColumn: id.h, dimensions: dimensions.map((d) => d.h), ratings };
  }
}

/** The file's text, decoded strictly a chunk at a time (invalid UTF-8 is one line naming the file). */
async function* decodedText(file: string): AsyncGenerator<string> {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const limit = lineLimits().fileBytes;
  const chunks = regularFileChunks(file, "The data file", limit, "INSIDEOUT_MAX_DATA_BYTES");
  try {
    for await (const chunk of chunks) yield decoder.decode(chunk, { stream: true });
    yield decoder.decode();
  } catch (e) {
    if (e instanceof TypeError) throw new DataFileError(`${file} is not valid UTF-8 text`, file, 0);
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataFileError(code ? `cannot read ${file}: ${code}` : (e as Error).message, file, 0);
  }
}

async function readTable(file: string, idColumn: string | undefined): Promise<RatingFile> {
  const ext = extname(file).toLowerCase();
  const table = new TableReader(file, idColumn);
  if (ext === ".jsonl" || ext === ".ndjson") {
    const index = new Map<string, number>();
    for await (const { number, text } of readLines(file)) {
      if (text.trim() === "") continue;
      let value: unknown;
      try {
        value = JSON.parse(text);
      } catch {
        throw new DataFileError(`line ${number} of ${file} is not JSON`, file, number);
      }
      if (!value || typeof value !== "object" || Array.isArray(value)) throw new DataFileError(`line ${number} of ${file} is not a JSON object`, file, number);
      for (const key of Object.keys(value)) if (!index.has(key)) index.set(key, table.column(key));
      const object = value as Record<string, unknown>;
      table.row((c) => object[table.header[c]!], number);
    }
    return table.finish();
  }
  // Data rows are numbered from 2 (the header is row 1); with quoted multi-line fields these are records, not lines.
  let record = 0;
  try {
    await pipeline(Readable.from(decodedText(file)), parse({ delimiter: ext === ".tsv" ? "\t" : ",", skip_empty_lines: true, bom: true }), async (records: AsyncIterable<string[]>) => {
      for await (const cells of records) {
        record++;
        if (record === 1) for (const h of cells) table.column(h);
        else table.row((c) => cells[c], record);
      }
    });
  } catch (e) {
    if (e instanceof DataFileError) throw e;
    throw new DataFileError(`${file} is not ${ext === ".tsv" ? "TSV" : "CSV"}: ${(e as Error).message}`, file, 0);
  }
  return table.finish();
}

/** A rating file, read a row at a time. */
export async function readRatingFile(file: string, idColumn?: string): Promise<RatingFile> {
  return readTable(file, idColumn);
}
