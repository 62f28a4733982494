/**
 * EQ-Bench v2 (Paech 2023): 171 dialogues, each asking the intensity (0–10) of four named emotions of one character,
 * with reference answers (`reference_answer_fullscale`). Read from `$INSIDEOUT_EQBENCH_DIR`, else the development copy
 * `../shared/data/eq_bench`. Each question becomes an Example whose `benchmark.question` holds EQ-Bench's prompt
 * without its revision part (as EQ-Bench's runner sends it by default) and the dialogue, question and emotions it
 * contains; ids are EQ-Bench's own question ids.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { developmentDataDir } from "../../store/paths.js";
import { DataFileError, readLines } from "./lines.js";
import type { Example } from "./types.js";

export const EQBENCH_FILE = "eq_bench_v2_questions_171.json";

export function defaultEqBenchDir(): string | undefined {
  const env = process.env.INSIDEOUT_EQBENCH_DIR;
  return env ? resolve(env) : developmentDataDir("eq_bench");
}

const Score = z.union([z.number(), z.string().regex(/^\d+(\.\d+)?$/)]).transform(Number);
const Item = z.object({
  prompt: z.string(),
  reference_answer_fullscale: z.object({
    emotion1: z.string(), emotion2: z.string(), emotion3: z.string(), emotion4: z.string(),
    emotion1_score: Score, emotion2_score: Score, emotion3_score: Score, emotion4_score: Score,
  }),
});
const File = z.record(z.string(), Item);

const REVISION = " Then critique your answer by thinking it through step by step. Finally, give your revised scores.";

/** EQ-Bench's `remove_revision_instructions` (lib/run_bench_helper_functions.py, English). */
export function removeRevisionInstructions(prompt: string): string {
  let p = prompt.replace(REVISION, "").replace("First pass scores:\n", "");
  // Python's str.find returns -1 when absent; slicing with it keeps all but the last character, as here.
  const cut = p.indexOf("Critique: <your critique here>");
  p = p.slice(0, cut) + "\n" + p.slice(p.indexOf("[End of answer]"));
  return p + "\nYour answer:\n";
}

/** The dialogue (between the task line and "[End dialogue]") and the question with its four emotions (after it). */
function partsOf(prompt: string, file: string, id: string): { dialogue: string; ask: string; emotions: string[] } {
  const start = prompt.indexOf("in this dialogue:");
  const end = prompt.indexOf("[End dialogue]");
  const give = prompt.indexOf("Give each of these possible emotions");
  if (start < 0 || end < start || give < end) throw new DataFileError(`EQ-Bench question ${id} in ${file} is not laid out as v2's prompts are`, file, 0);
  const ask = prompt.slice(end + "[End dialogue]".length, give).trim();
  return { dialogue: prompt.slice(start + "in this dialogue:".length, end).trim(), ask, emotions: ask.split("\n").slice(-4) };
}

export async function loadEqBench(dir: string | undefined = defaultEqBenchDir()): Promise<Example[]> {
  const file = dir ? join(dir, EQBENCH_FILE) : undefined;
  if (!file || !existsSync(file)) {
    throw new Error(`EQ-Bench v2 questions not found${file ? ` (${file})` : ""}: set INSIDEOUT_EQBENCH_DIR to a folder holding ${EQBENCH_FILE}.`);
  }
  let text = "";
  for await (const line of readLines(file)) text += `${line.text}\n`;
  let parsed: z.infer<typeof File>;
  try {
    parsed = File.parse(JSON.parse(text));
  } catch (e) {
    throw new DataFileError(`${file} is not EQ-Bench v2's questions file: ${e instanceof Error ? e.message.split("\n")[0] : String(e)}`, file, 0);
  }
  return Object.entries(parsed).map(([id, item]) => {
    const r = item.reference_answer_fullscale;
    const reference = [1, 2, 3, 4].map((i) => ({ emotion: r[`emotion${i}` as "emotion1"], score: r[`emotion${i}_score` as "emotion1_score"] }));
    const parts = partsOf(item.prompt, file, id);
    if (parts.emotions.join("\n") !== reference.map((x) => x.emotion).join("\n")) {
      throw new DataFileError(`EQ-Bench question ${id} in ${file}: its prompt's emotions differ from its reference's`, file, 0);
    }
    return {
      id,
      dialogue: parts.dialogue.split("\n"),
      emotion: "",
      reference: null,
      benchmark: { question: { kind: "eqbench", prompt: removeRevisionInstructions(item.prompt), ...parts }, gold: { kind: "eqbench", reference } },
    } satisfies Example;
  });
}
