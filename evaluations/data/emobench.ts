/**
 * EmoBench (Sabour et al. 2024): EU (pick the subject's emotion among 6 and its cause among 4) and EA (pick the best
 * action or reply among 4), 200 questions each in English and in Chinese. Read from `$INSIDEOUT_EMOBENCH_DIR`, else
 * the development copy `../shared/data/emobench` (`EU.jsonl`, `EA.jsonl`). Ids are `<language>-<qid>`; the category
 * is EU's `coarse_category`, EA's `category`.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import { developmentDataDir } from "../../store/paths.js";
import { DataFileError, readLines } from "./lines.js";
import type { Example } from "./types.js";

export type EmoBenchTask = "eu" | "ea";
export type EmoBenchLanguage = "en" | "zh";

export function defaultEmoBenchDir(): string | undefined {
  const env = process.env.INSIDEOUT_EMOBENCH_DIR;
  return env ? resolve(env) : developmentDataDir("emobench");
}

const Common = { qid: z.union([z.string(), z.number()]).transform(String), language: z.enum(["en", "zh"]), scenario: z.string().min(1), subject: z.string() };
const EuRow = z.object({
  ...Common,
  coarse_category: z.string(),
  emotion_choices: z.array(z.string()).min(2),
  emotion_label: z.string(),
  cause_choices: z.array(z.string()).min(2),
  cause_label: z.string(),
});
const EaRow = z.object({ ...Common, category: z.string(), choices: z.array(z.string()).min(2), label: z.string() });

function example(task: EmoBenchTask, value: unknown, file: string, line: number): Example {
  const row = (task === "eu" ? EuRow : EaRow).safeParse(value);
  if (!row.success) {
    const issue = row.error.issues[0];
    throw new DataFileError(`line ${line} of ${file} is not an EmoBench ${task.toUpperCase()} question (${issue?.path.join(".") || "(root)"}: ${issue?.message})`, file, line);
  }
  const r = row.data as z.infer<typeof EuRow> & z.infer<typeof EaRow>;
  const options: Record<string, string[]> = task === "eu" ? { emotion: r.emotion_choices, cause: r.cause_choices } : { choice: r.choices };
  const answers: Record<string, string> = task === "eu" ? { emotion: r.emotion_label, cause: r.cause_label } : { choice: r.label };
  for (const [field, answer] of Object.entries(answers)) {
    if (!options[field]!.includes(answer)) throw new DataFileError(`line ${line} of ${file}: its ${field} answer is not one of its options`, file, line);
  }
  return {
    id: `${r.language}-${r.qid}`,
    dialogue: [r.scenario],
    emotion: "",
    reference: null,
    benchmark: {
      question: { kind: task, scenario: r.scenario, subject: r.subject, options, language: r.language },
      gold: { kind: task, answers },
      category: task === "eu" ? r.coarse_category : r.category,
    },
  };
}

/** EU or EA, in one language or both (`all`), in the file's order. */
export async function loadEmoBench(task: EmoBenchTask, language: EmoBenchLanguage | "all" = "all", dir: string | undefined = defaultEmoBenchDir()): Promise<Example[]> {
  const file = dir ? join(dir, `${task.toUpperCase()}.jsonl`) : undefined;
  if (!file || !existsSync(file)) {
    throw new Error(`EmoBench ${task.toUpperCase()} not found${file ? ` (${file})` : ""}: set INSIDEOUT_EMOBENCH_DIR to a folder holding ${task.toUpperCase()}.jsonl.`);
  }
  const out: Example[] = [];
  const seen = new Set<string>();
  for await (const { number, text } of readLines(file)) {
    if (text.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      throw new DataFileError(`malformed JSON on line ${number} of ${file}: ${(e as Error).message}`, file, number);
    }
    const ex = example(task, value, file, number);
    if (seen.has(ex.id)) throw new DataFileError(`duplicate question ${ex.id} on line ${number} of ${file}`, file, number);
    seen.add(ex.id);
    if (language === "all" || ex.id.startsWith(`${language}-`)) out.push(ex);
  }
  return out;
}

/** `--lang` applied to `--data`: `emobench:eu` + zh → `emobench:eu:zh`; refused for other data. */
export function withLanguage(data: string, lang: string | undefined): string {
  if (lang === undefined) return data;
  if (!["en", "zh", "all"].includes(lang)) throw new Error(`--lang is en, zh or all, not ${lang}.`);
  if (!/^emobench:(eu|ea)$/.test(data)) throw new Error(`--lang is for EmoBench's data (emobench:eu, emobench:ea), not ${data}.`);
  return lang === "all" ? data : `${data}:${lang}`;
}
