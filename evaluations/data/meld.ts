/**
 * MELD (Poria et al. 2019): multi-party dialogues from the TV series Friends, one emotion per utterance (Ekman's six
 * plus neutral). The release's `<split>_sent_emo.csv` files are quoted CSV with a header (Sr No., Utterance, Speaker,
 * Emotion, Sentiment, Dialogue_ID, Utterance_ID, …); the rows of one Dialogue_ID, in file order, are a conversation.
 *
 * Each utterance is one example, as in the usual ERC setting: the conversation up to and including it (its turns shared
 * with the dialogue's other examples: prefix.ts), with each turn's speaker name (`speakers`), and its gold emotion.
 * Ids are MELD's own clip names (`dia<D>_utt<U>`). Lines come from `readLines` (its caps, UTF-8 check, line numbers);
 * csv-parse splits them a batch at a time. The release has no line break inside a field; one would be reported as an
 * unclosed quote on its line.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { CsvError, parse } from "csv-parse/sync";
import { MELD7_LABELS } from "../../taxonomy/labelSets.js";
import { cacheDir, setting } from "../../core/settings.js";
import { controlCharAt, controlCharName, isBlankTurn, turnProblem } from "../../core/turnText.js";
import { developmentDataDir } from "../../store/paths.js";
import { DataFileError, readLines, type Line } from "./lines.js";
import { checkDialogueSize } from "./checkExample.js";
import { prefixExample } from "./prefix.js";
import type { Example, LoadWarning } from "./types.js";

export type MeldSplit = "test" | "dev";
export const MELD_SPLITS: readonly MeldSplit[] = ["test", "dev"];

/** The columns an example needs; the release has more (Sentiment, Season, Episode, StartTime, …), which are ignored. */
export const MELD_COLUMNS = ["Utterance", "Speaker", "Emotion", "Dialogue_ID", "Utterance_ID"] as const;
type Column = (typeof MELD_COLUMNS)[number];

const KNOWN_EMOTIONS: ReadonlySet<string> = new Set(MELD7_LABELS);

export function meldFileName(split: MeldSplit): string {
  return `${split}_sent_emo.csv`;
}

/** Where `insideout data fetch meld` puts the files. */
export function fetchedMeldDir(): string {
  return join(cacheDir(), "meld");
}

/** `$INSIDEOUT_MELD_DIR`; else the development copy `<repo>/../shared/data/meld` if it exists; else the fetch folder. */
export function defaultMeldDir(): string {
  const set = setting("INSIDEOUT_MELD_DIR");
  if (set) return resolve(set);
  return developmentDataDir("meld") ?? fetchedMeldDir();
}

export function meldSplitFile(split: MeldSplit, dir: string = defaultMeldDir()): string {
  return join(dir, meldFileName(split));
}

/**
 * Whether a CSV header line is meant as MELD's (used to read a MELD file given by path): it names one of MELD's own
 * columns, so that a MELD file missing another one is told so, not read as EmpatheticDialogues.
 */
export function isMeldHeader(text: string): boolean {
  const names = new Set(text.split(",").map((c) => c.trim()));
  return names.has("Dialogue_ID") || names.has("Utterance_ID");
}

/** Lines per csv-parse call: one call per line costs far more than the parsing (option set-up). */
const BATCH_LINES = 1000;
// relax_quotes: a `"` inside an unquoted field is text, as Python's csv module (MELD's own loaders) reads it.
const CSV_FORMAT = { record_delimiter: "\n", relax_column_count: true, relax_quotes: true, info: true } as const;

interface Row {
  line: number;
  fields: string[];
}

function parseBatch(batch: readonly Line[], file: string): Row[] {
  if (batch.length === 0) return [];
  let records: Array<{ record: string[]; info: { lines: number } }>;
  try {
    records = parse(batch.map((b) => b.text).join("\n"), CSV_FORMAT) as unknown as typeof records;
  } catch (e) {
    if (!(e instanceof CsvError)) throw e;
    const at = batch[Math.min(batch.length, Math.max(1, (e as CsvError & { lines?: number }).lines ?? 1)) - 1]!.number;
    throw new DataFileError(`line ${at} of ${file} is not CSV that MELD's reader accepts: ${e.message.replace(/^.*?: /, "").replace(/,? at line \d+/g, "")}`, file, at);
  }
  if (records.length !== batch.length) {
    // A quoted field spanning lines: not in the release, and it would shift every line number after it.
    const spanning = records.find((r, i) => batch[i] && r.info.lines !== i + 1);
    const at = spanning ? batch[records.indexOf(spanning)]!.number : batch[0]!.number;
    throw new DataFileError(`line ${at} of ${file} has a line break inside a quoted field: MELD rows are one line each`, file, at);
  }
  return records.map((r, i) => ({ line: batch[i]!.number, fields: r.record }));
}

/** The rows of `file`, a batch at a time; the first problem in file order is the one reported. */
async function* readRows(file: string): AsyncGenerator<Row> {
  let batch: Line[] = [];
  let readError: unknown;
  try {
    for await (const line of readLines(file)) {
      if (line.text.trim() !== "") batch.push(line);
      if (batch.length < BATCH_LINES) continue;
      yield* parseBatch(batch, file);
      batch = [];
    }
  } catch (e) {
    readError = e;
  }
  yield* parseBatch(batch, file);
  if (readError !== undefined) throw readError;
}

/**
 * A whole number as its digits without leading zeros, kept as a string (and compared as a BigInt): an id beyond
 * 2^53 must not become another id's number and merge two conversations.
 */
function integerField(value: string, column: Column, file: string, line: number): string {
  if (!/^\s*\d+\s*$/.test(value)) {
    throw new DataFileError(`${column} is not a whole number on line ${line} of ${file}: ${JSON.stringify(value)}`, file, line);
  }
  return value.trim().replace(/^0+(?=\d)/, "");
}

/** Streams the examples of a MELD CSV file, one per utterance, in file order. */
export async function* readMeldExamples(file: string, _warnings: LoadWarning[] = []): AsyncGenerator<Example> {
  let index: Record<Column, number> | undefined;
  let dialogue: { id: string; line: number; turns: string[]; speakers: string[]; bytes: number; lastUtterance: bigint } | undefined;
  const seen = new Map<string, number>();
  for await (const { line, fields } of readRows(file)) {
    if (!index) {
      const names = fields.map((f) => f.trim());
      const missing = MELD_COLUMNS.filter((c) => !names.includes(c));
      if (missing.length > 0) {
        throw new DataFileError(`line ${line} of ${file} is not a MELD header: no ${missing.join(", ")} column (expected ${MELD_COLUMNS.join(", ")}, …)`, file, line);
      }
      index = Object.fromEntries(MELD_COLUMNS.map((c) => [c, names.indexOf(c)])) as Record<Column, number>;
      continue;
    }
    const field = (c: Column): string => {
      const v = fields[index![c]];
      if (v === undefined) throw new DataFileError(`line ${line} of ${file} has ${fields.length} fields: no ${c}`, file, line);
      return v;
    };
    const dialogueId = integerField(field("Dialogue_ID"), "Dialogue_ID", file, line);
    const utteranceId = integerField(field("Utterance_ID"), "Utterance_ID", file, line);
    const emotion = field("Emotion").trim().toLowerCase();
    if (!KNOWN_EMOTIONS.has(emotion)) {
      throw new DataFileError(`unknown emotion label ${JSON.stringify(field("Emotion"))} on line ${line} of ${file} (MELD's are ${MELD7_LABELS.join(", ")})`, file, line);
    }
    const text = field("Utterance").trim();
    const speaker = field("Speaker").trim();
    // The utterance is the last turn of its example, checked as every turn is (core/turnText.ts); the speaker's name
    // goes into the prompt beside it.
    const where = `of example dia${dialogueId}_utt${utteranceId} on line ${line} of ${file}`;
    if (isBlankTurn(text)) throw new DataFileError(`empty Utterance on line ${line} of ${file}`, file, line);
    const problem = turnProblem(text);
    if (problem) throw new DataFileError(`the Utterance (a turn) ${where} ${problem}`, file, line);
    if (isBlankTurn(speaker)) throw new DataFileError(`empty Speaker on line ${line} of ${file}`, file, line);
    const control = controlCharAt(speaker);
    if (control >= 0) throw new DataFileError(`the Speaker ${where} holds the control character ${controlCharName(speaker.charCodeAt(control))}: remove it`, file, line);

    if (dialogue?.id !== dialogueId) {
      const earlier = seen.get(dialogueId);
      if (earlier !== undefined) {
        // Examples are conversations so far: a dialogue split in two would give the second part no history.
        throw new DataFileError(
          `dialogue ${dialogueId} on line ${line} of ${file} already appeared on line ${earlier}; rows of a dialogue must be consecutive`,
          file,
          line,
        );
      }
      seen.set(dialogueId, line);
      dialogue = { id: dialogueId, line, turns: [], speakers: [], bytes: 0, lastUtterance: -1n };
    } else if (BigInt(utteranceId) <= dialogue.lastUtterance) {
      // MELD skips some ids (clips it dropped), but never goes back: a smaller one means the rows are out of order.
      throw new DataFileError(
        `Utterance_ID ${utteranceId} on line ${line} of ${file} follows ${dialogue.lastUtterance} in dialogue ${dialogueId}: rows must be in utterance order`,
        file,
        line,
      );
    }
    dialogue.turns.push(text);
    dialogue.speakers.push(speaker);
    dialogue.bytes += Buffer.byteLength(text) + 1;
    dialogue.lastUtterance = BigInt(utteranceId);
    // Every example holds its conversation so far: one beyond a dialogue's limits is refused here, at its line.
    checkDialogueSize(dialogue.turns.length, dialogue.bytes, `dialogue ${dialogueId} on line ${line} of ${file}`, file, line);
    // The dialogue's turns so far, shared with its other examples.
    yield prefixExample({ id: `dia${dialogueId}_utt${utteranceId}`, emotion, reference: null, convId: `dia${dialogueId}` }, dialogue.turns, dialogue.turns.length, dialogue.speakers);
  }
  if (!index) throw new DataFileError(`${file} is empty: expected MELD's header (${MELD_COLUMNS.join(", ")}, …)`, file, 0);
}

export async function loadMeldCsv(file: string, warnings: LoadWarning[] = []): Promise<Example[]> {
  const out: Example[] = [];
  for await (const ex of readMeldExamples(file, warnings)) out.push(ex);
  return out;
}

/** The examples of `meld:<split>`, with a line that says how to get the file when it is not there. */
export async function loadMeldSplit(source: string, split: string, dir: string = defaultMeldDir()): Promise<Example[]> {
  if (!(MELD_SPLITS as readonly string[]).includes(split)) throw new Error(`Unknown dataset ${source}: use meld:test or meld:dev.`);
  const file = meldSplitFile(split as MeldSplit, dir);
  if (!existsSync(file)) {
    throw new Error(
      `MELD ${split} split not found (${file}): run \`insideout data fetch meld\`, or set INSIDEOUT_MELD_DIR to a folder holding ${meldFileName(split as MeldSplit)}.`,
    );
  }
  return loadMeldCsv(file);
}
