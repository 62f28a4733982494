/**
 * EmpatheticDialogues: where its splits are (`ed:test`, `ed:valid`, `ed:train`), and the JSONL reader for them and
 * for any examples file (loaded through index.ts, the datasets' entry point).
 *
 * JSONL lines may be in any of three shapes: MoEL's split as in `derived/ed_*_moel_format.jsonl` (context, target,
 * emotion, situation, conv_id), our own Example (id, dialogue, emotion, reference), or a whole conversation as in
 * `derived/ed_*_conversations.jsonl` (utterances, emotion), which gives one example per listener turn.
 */
import { basename, join, resolve } from "node:path";
import { z } from "zod";
import { ED32_LABELS } from "../../taxonomy/labelSets.js";
import { cacheDir, setting } from "../../core/settings.js";
import { developmentDataDir } from "../../store/paths.js";
import { conversationExamples } from "./csv.js";
import { DataFileError, readLines } from "./lines.js";
import { exampleId, type EdSplit, type Example, type LoadWarning } from "./types.js";

const KNOWN_EMOTIONS: ReadonlySet<string> = new Set(ED32_LABELS);

/** Where `insideout data fetch` puts the converted files. */
export function fetchedDataDir(): string {
  return join(cacheDir(), "empathetic_dialogues");
}

/**
 * `$INSIDEOUT_DATA_DIR`; else the development copy `<repo>/../shared/data/empathetic_dialogues/derived` if it
 * exists; else the folder `insideout data fetch` writes to.
 */
export function defaultDataDir(): string {
  const set = setting("INSIDEOUT_DATA_DIR");
  if (set) return resolve(set);
  return developmentDataDir("empathetic_dialogues", "derived") ?? fetchedDataDir();
}

export function edSplitFile(split: EdSplit, dir: string = defaultDataDir()): string {
  return join(dir, `ed_${split}_moel_format.jsonl`);
}

const MoelRecord = z.object({
  context: z.array(z.string()).min(1),
  target: z.string().nullable(),
  emotion: z.string(),
  situation: z.string().optional(),
  conv_id: z.string().optional(),
});
const ExampleRecord = z.object({
  id: z.union([z.string(), z.number()]).optional(),
  dialogue: z.array(z.string()).min(1),
  emotion: z.string(),
  reference: z.string().nullable().optional(),
  situation: z.string().optional(),
  convId: z.string().optional(),
  /** Multi-party dialogues: each turn's speaker. */
  speakers: z.array(z.string().trim().min(1)).optional(),
});
const ConversationRecord = z.object({
  conv_id: z.string(),
  utterances: z.array(z.string()).min(1),
  emotion: z.string().nullable(),
  situation: z.string().optional(),
});

function checkEmotion(value: string, file: string, line: number): string {
  const e = value.trim().toLowerCase();
  if (!KNOWN_EMOTIONS.has(e)) {
    throw new DataFileError(`unknown emotion label ${JSON.stringify(value)} on line ${line} of ${file}`, file, line);
  }
  return e;
}

/** The examples one JSONL line stands for (several for a whole conversation). */
function examplesOfRecord(value: unknown, file: string, line: number, warnings: LoadWarning[]): Example[] {
  const moel = MoelRecord.safeParse(value);
  if (moel.success) {
    const r = moel.data;
    const ex: Example = {
      id: r.conv_id ? exampleId(r.conv_id, r.context.length) : `${basename(file)}:${line}`,
      dialogue: r.context,
      emotion: checkEmotion(r.emotion, file, line),
      reference: r.target,
    };
    if (r.situation !== undefined) ex.situation = r.situation;
    if (r.conv_id !== undefined) ex.convId = r.conv_id;
    return [ex];
  }
  const own = ExampleRecord.safeParse(value);
  if (own.success) {
    const r = own.data;
    const ex: Example = {
      id: r.id !== undefined ? String(r.id) : r.convId ? exampleId(r.convId, r.dialogue.length) : `${basename(file)}:${line}`,
      dialogue: r.dialogue,
      emotion: checkEmotion(r.emotion, file, line),
      reference: r.reference ?? null,
    };
    if (r.situation !== undefined) ex.situation = r.situation;
    if (r.convId !== undefined) ex.convId = r.convId;
    if (r.speakers !== undefined) {
      if (r.speakers.length !== r.dialogue.length) {
        throw new DataFileError(`line ${line} of ${file} has ${r.speakers.length} speakers for ${r.dialogue.length} dialogue turns: give one per turn`, file, line);
      }
      ex.speakers = r.speakers;
    }
    return [ex];
  }
  const conv = ConversationRecord.safeParse(value);
  if (conv.success) {
    const r = conv.data;
    if (r.emotion === null) {
      warnings.push({ file, line, message: `conversation ${r.conv_id} has no emotion label; skipped` });
      return [];
    }
    return conversationExamples({
      convId: r.conv_id,
      emotion: checkEmotion(r.emotion, file, line),
      situation: r.situation,
      utterances: r.utterances,
    });
  }
  const issue = own.error.issues[0];
  throw new DataFileError(
    `line ${line} of ${file} is not an example: expected {context, target, emotion} (MoEL), {dialogue, emotion, reference} or {conv_id, utterances, emotion}` +
      (issue ? ` (${issue.path.join(".") || "(root)"}: ${issue.message})` : ""),
    file,
    line,
  );
}

/** Streams the examples of a JSONL file; errors name the line. */
export async function* readJsonlExamples(file: string, warnings: LoadWarning[] = []): AsyncGenerator<Example> {
  for await (const { number, text } of readLines(file)) {
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new DataFileError(`malformed JSON on line ${number} of ${file}: ${(e as Error).message}`, file, number);
    }
    yield* examplesOfRecord(value, file, number, warnings);
  }
}

export async function loadJsonl(file: string, warnings: LoadWarning[] = []): Promise<Example[]> {
  const out: Example[] = [];
  const lineOf = new Map<string, number>();
  let n = 0;
  for await (const ex of readJsonlExamples(file, warnings)) {
    n++;
    const earlier = lineOf.get(ex.id);
    if (earlier !== undefined) {
      throw new DataFileError(`duplicate example id ${ex.id} in ${file} (examples ${earlier} and ${n})`, file, 0);
    }
    lineOf.set(ex.id, n);
    out.push(ex);
  }
  return out;
}
