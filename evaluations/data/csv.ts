/**
 * The official EmpatheticDialogues release CSVs (`train/valid/test.csv`, columns conv_id, utterance_idx, context,
 * prompt, speaker_idx, utterance, selfeval, tags) turned into the examples of MoEL's split.
 *
 * The official files are NOT quoted CSV: commas inside text are written `_comma_`, and a `"` is an ordinary
 * character. We therefore read them the way the dataset authors' own loaders do (ParlAI's
 * `empathetic_dialogues` teacher and the `empchat` code in facebookresearch/EmpatheticDialogues, which MoEL's
 * preprocessing follows): one row per line, `line.strip().split(",")`, fields taken by position, `_comma_` → `,`.
 * The lines come from `readLines` (its caps, UTF-8 check and line numbers); csv-parse splits each one, with quoting
 * off (a leading `"` in an utterance, read as a quote, would merge rows: why the HF loader reports fewer rows than
 * the files have) and "\n" as the only record delimiter (a stray "\r" stays inside its row, as in `split`).
 * Some rows have more than 8 fields (users report it, e.g. facebookresearch/EmpatheticDialogues#40, and ParlAI's
 * loader accepts a 9th "label candidates" field); like those loaders, and like the Hugging Face loader (whose
 * csv.DictReader also assigns fields by position and sets extra ones aside), we keep fields 0–5 by position and
 * ignore the rest, with a warning naming the line. (We could not check the release itself here: no download.)
 *
 * Conversations are runs of consecutive rows with the same conv_id (as in ParlAI). Each listener turn, i.e. each
 * odd 0-based position k, gives one example: dialogue = the k utterances before it, reference = utterance k,
 * emotion = the conversation's `context` column, situation = its `prompt`. Unlike ParlAI's loop we do not drop the
 * file's last conversation (an off-by-one there, not a property of the data).
 *
 * Utterance text is made to look like MoEL's (`moelText`, the default): surrounding whitespace trimmed and double
 * quotes removed. MoEL's split (the one every published ED result uses) has neither: no utterance in the contexts of
 * its 10,989 test and valid examples contains a `"` or untrimmed text, while the release text does (its Kaggle copy
 * has e.g. `It is actually "Scream." `).
 * With this, converting the release gives MoEL's contexts exactly except for 6 test / 10 valid examples that MoEL's
 * own preprocessing altered. `{ moelText: false }` keeps the utterances as written (only `_comma_` replaced).
 */
import { parse } from "csv-parse/sync";
import { ED32_LABELS } from "../../taxonomy/labelSets.js";
import { checkedExample } from "./checkExample.js";
import { prefixExample } from "./prefix.js";
import { DataFileError, readLines } from "./lines.js";
import { exampleId, type Example, type LoadWarning } from "./types.js";

export const ED_CSV_COLUMNS = [
  "conv_id", "utterance_idx", "context", "prompt", "speaker_idx", "utterance", "selfeval", "tags",
] as const;

const KNOWN_EMOTIONS: ReadonlySet<string> = new Set(ED32_LABELS);

export interface EdCsvRow {
  line: number;
  convId: string;
  utteranceIdx: number;
  emotion: string;
  situation: string;
  speakerIdx: number;
  utterance: string;
}

export interface EdConversation {
  convId: string;
  emotion: string;
  situation: string;
  utterances: string[];
  /** Line of the conversation's first row, for messages. */
  line: number;
}

export function unescapeEd(text: string): string {
  return text.replaceAll("_comma_", ",");
}

export interface EdCsvOptions {
  /** Trim utterances and drop double quotes, as in MoEL's texts (default true). */
  moelText?: boolean;
}

function utteranceText(field: string, options: EdCsvOptions): string {
  const text = unescapeEd(field);
  return options.moelText === false ? text : text.replaceAll('"', "").trim();
}

/** One ED row: unquoted, comma-separated, one line (`line.strip().split(",")` in the official loaders). */
const ED_ROW_FORMAT = { delimiter: ",", record_delimiter: "\n", quote: false, relax_column_count: true } as const;

/** Lines split per call of csv-parse: one call per line would cost ~10x the time of `split` (option set-up). */
const BATCH_LINES = 1000;

interface RowFields {
  line: number;
  fields: string[];
}

/** Non-blank, stripped lines → their fields, one record per line (no line holds "\n", the only record delimiter). */
function* splitRows(batch: Array<{ line: number; text: string }>): Generator<RowFields> {
  if (batch.length === 0) return;
  const records = parse(batch.map((b) => b.text).join("\n"), ED_ROW_FORMAT);
  for (const [i, { line }] of batch.entries()) yield { line, fields: records[i] ?? [] };
}

/**
 * The rows of `file` with their line numbers: readLines' lines (its caps and UTF-8 check), split a batch at a time.
 * A read error (a line over the cap, invalid UTF-8) comes after the rows before it, so the first problem in the file
 * is the one reported.
 */
async function* readRows(file: string): AsyncGenerator<RowFields> {
  let batch: Array<{ line: number; text: string }> = [];
  let readError: unknown;
  try {
    for await (const { number, text } of readLines(file)) {
      const stripped = text.trim();
      if (stripped !== "") batch.push({ line: number, text: stripped });
      if (batch.length < BATCH_LINES) continue;
      yield* splitRows(batch);
      batch = [];
    }
  } catch (e) {
    readError = e;
  }
  yield* splitRows(batch);
  if (readError !== undefined) throw readError;
}

function isHeader(fields: string[]): boolean {
  return ED_CSV_COLUMNS.slice(0, 6).every((c, i) => fields[i] === c);
}

function parseInteger(value: string | undefined, column: string, file: string, line: number): number {
  if (value === undefined || !/^\s*-?\d+\s*$/.test(value)) {
    throw new DataFileError(`${column} is not an integer on line ${line} of ${file}: ${JSON.stringify(value ?? "")}`, file, line);
  }
  return Number.parseInt(value, 10);
}

function edRow({ line, fields }: RowFields, file: string, warnings: LoadWarning[], options: EdCsvOptions): EdCsvRow {
  if (fields.length < 6) {
    throw new DataFileError(
      `line ${line} of ${file} has ${fields.length} comma-separated fields; an EmpatheticDialogues row has 8 (${ED_CSV_COLUMNS.join(",")})`,
      file,
      line,
    );
  }
  if (fields.length !== ED_CSV_COLUMNS.length) {
    warnings.push({
      file,
      line,
      message: `${fields.length} fields instead of ${ED_CSV_COLUMNS.length}; columns 1-6 taken by position, as the official loaders do`,
    });
  }
  const [convId, idx, emotionField, prompt, speaker, utterance] = fields as [string, string, string, string, string, string];
  const emotion = emotionField.trim().toLowerCase();
  if (!KNOWN_EMOTIONS.has(emotion)) {
    throw new DataFileError(`unknown emotion label ${JSON.stringify(emotionField)} on line ${line} of ${file}`, file, line);
  }
  if (convId === "") throw new DataFileError(`empty conv_id on line ${line} of ${file}`, file, line);
  return {
    line,
    convId,
    utteranceIdx: parseInteger(idx, "utterance_idx", file, line),
    emotion,
    situation: unescapeEd(prompt).trim(),
    speakerIdx: parseInteger(speaker, "speaker_idx", file, line),
    utterance: utteranceText(utterance, options),
  };
}

/** Groups rows into conversations (consecutive rows sharing a conv_id), checking the order of utterance_idx. */
export class ConversationGrouper {
  private current: EdConversation | undefined;
  private lastIdx = 0;
  private readonly seen = new Map<string, number>();

  constructor(
    private readonly file: string,
    private readonly warnings: LoadWarning[],
  ) {}

  /** Adds a row; returns the conversation that the row closed, if any. */
  add(row: EdCsvRow): EdConversation | undefined {
    if (this.current && this.current.convId === row.convId) {
      if (row.utteranceIdx !== this.lastIdx + 1) {
        this.warnings.push({
          file: this.file,
          line: row.line,
          message: `utterance_idx ${row.utteranceIdx} follows ${this.lastIdx} in ${row.convId}; file order kept`,
        });
      }
      if (row.emotion !== this.current.emotion) {
        this.warnings.push({
          file: this.file,
          line: row.line,
          message: `emotion ${row.emotion} differs from the conversation's ${this.current.emotion} (line ${this.current.line}); the first row's label kept`,
        });
      }
      this.current.utterances.push(row.utterance);
      this.lastIdx = row.utteranceIdx;
      return undefined;
    }
    const earlier = this.seen.get(row.convId);
    if (earlier !== undefined) {
      // Ids are derived from conv_id, so a split conversation would give two examples the same id.
      throw new DataFileError(
        `conversation ${row.convId} on line ${row.line} of ${this.file} already appeared on line ${earlier}; rows of a conversation must be consecutive`,
        this.file,
        row.line,
      );
    }
    this.seen.set(row.convId, row.line);
    if (row.utteranceIdx !== 1) {
      this.warnings.push({ file: this.file, line: row.line, message: `${row.convId} starts at utterance_idx ${row.utteranceIdx}, not 1` });
    }
    const closed = this.current;
    this.current = { convId: row.convId, emotion: row.emotion, situation: row.situation, utterances: [row.utterance], line: row.line };
    this.lastIdx = row.utteranceIdx;
    return closed;
  }

  finish(): EdConversation | undefined {
    const closed = this.current;
    this.current = undefined;
    return closed;
  }
}

/** One example per listener turn (odd 0-based position): the turns before it, and the turn as the reference. */
export function conversationExamples(conv: {
  convId: string;
  emotion: string;
  situation?: string;
  utterances: readonly string[];
}): Example[] {
  const out: Example[] = [];
  for (let k = 1; k < conv.utterances.length; k += 2) {
    const fields = { id: exampleId(conv.convId, k), emotion: conv.emotion, reference: conv.utterances[k] ?? null, convId: conv.convId };
    // The conversation's turns, shared by its examples (prefix.ts).
    out.push(prefixExample(conv.situation !== undefined ? { ...fields, situation: conv.situation } : fields, conv.utterances, k));
  }
  return out;
}

/** Streams the conversations of an official ED CSV file. */
export async function* readEdCsvConversations(
  file: string,
  warnings: LoadWarning[] = [],
  options: EdCsvOptions = {},
): AsyncGenerator<EdConversation> {
  const grouper = new ConversationGrouper(file, warnings);
  let sawHeader = false;
  for await (const row of readRows(file)) {
    if (!sawHeader) {
      if (!isHeader(row.fields)) {
        throw new DataFileError(
          `line ${row.line} of ${file} is not the EmpatheticDialogues header (${ED_CSV_COLUMNS.join(",")})`,
          file,
          row.line,
        );
      }
      sawHeader = true;
      continue;
    }
    const closed = grouper.add(edRow(row, file, warnings, options));
    if (closed) yield closed;
  }
  if (!sawHeader) throw new DataFileError(`${file} is empty: expected the EmpatheticDialogues header`, file, 0);
  const last = grouper.finish();
  if (last) yield last;
}

/** All examples of an official ED CSV file, in file order. */
export async function loadEdCsv(file: string, warnings: LoadWarning[] = [], options: EdCsvOptions = {}): Promise<Example[]> {
  const out: Example[] = [];
  for await (const conv of readEdCsvConversations(file, warnings, options)) {
    for (const ex of conversationExamples(conv)) out.push(checkedExample(ex, file, conv.line));
  }
  return out;
}
