/**
 * The benchmarks' items (data/eqbench.ts, data/emobench.ts) as eval Examples whose `benchmark.question` is what the
 * benchmark graphs answer (state/question.ts) and whose gold answer stays with the example. EQ-Bench's question holds
 * its prompt without the revision part, as EQ-Bench's runner sends it by default, and the dialogue, question and four
 * emotions that prompt contains; ids are EQ-Bench's question ids and EmoBench's `<language>-<qid>`.
 */
import { loadEmoBench, type EmoBenchLanguage, type EmoBenchTask } from "./emobench.js";
import { loadEqBenchQuestions, type EqBenchQuestion } from "./eqbench.js";
import { DataFileError } from "./lines.js";
import type { Example } from "./types.js";

const REVISION = " Then critique your answer by thinking it through step by step. Finally, give your revised scores.";

/** EQ-Bench's `remove_revision_instructions` (lib/run_bench_helper_functions.py, English). */
export function removeRevisionInstructions(prompt: string): string {
  const p = prompt.replace(REVISION, "").replace("First pass scores:\n", "");
  // Python's p[:p.find(...)] keeps all but the last character when the text is absent (find gives -1); slice(0, -1) too.
  return `${p.slice(0, p.indexOf("Critique: <your critique here>"))}\n${p.slice(p.indexOf("[End of answer]"))}\nYour answer:\n`;
}

/** The dialogue (between the task line and "[End dialogue]") and the question with its four emotions (after it). */
function partsOf(q: EqBenchQuestion): { dialogue: string; ask: string; emotions: string[] } {
  const p = q.prompt;
  const start = p.indexOf("in this dialogue:");
  const end = p.indexOf("[End dialogue]");
  const give = p.indexOf("Give each of these possible emotions");
  if (start < 0 || end < start || give < end) throw new DataFileError(`EQ-Bench question ${q.id} is not laid out as v2's prompts are`, "", 0);
  const ask = p.slice(end + "[End dialogue]".length, give).trim();
  const emotions = ask.split("\n").slice(-4);
  if (emotions.join("\n") !== q.reference.emotions.join("\n")) throw new DataFileError(`EQ-Bench question ${q.id}: its prompt's emotions differ from its reference's`, "", 0);
  return { dialogue: p.slice(start + "in this dialogue:".length, end).trim(), ask, emotions };
}

export async function eqBenchExamples(): Promise<Example[]> {
  return (await loadEqBenchQuestions()).map((q): Example => {
    const parts = partsOf(q);
    return {
      id: q.id,
      dialogue: parts.dialogue.split("\n"),
      emotion: "",
      reference: null,
      benchmark: { question: { kind: "eqbench", prompt: removeRevisionInstructions(q.prompt), ...parts }, gold: { kind: "eqbench", reference: q.reference } },
    };
  });
}

export async function emoBenchExamples(task: EmoBenchTask, language: EmoBenchLanguage | "all"): Promise<Example[]> {
  const items = await loadEmoBench(task, language === "all" ? {} : { languages: [language] });
  return items.map((item): Example => {
    const options: Record<string, string[]> = item.task === "eu" ? { emotion: item.emotionChoices, cause: item.causeChoices } : { choice: item.choices };
    const answers: Record<string, string> = item.task === "eu" ? { emotion: item.emotion, cause: item.cause } : { choice: item.answer };
    return {
      id: item.id,
      dialogue: [item.scenario],
      emotion: "",
      reference: null,
      benchmark: {
        question: { kind: item.task, scenario: item.scenario, subject: item.subject, options, language: item.language },
        gold: { kind: item.task, answers },
        category: item.category,
      },
    };
  });
}

/** `--lang` applied to `--data`: `emobench:eu` + zh → `emobench:eu:zh`; refused for other data. */
export function withLanguage(data: string, lang: string | undefined): string {
  if (lang === undefined) return data;
  if (!["en", "zh", "all"].includes(lang)) throw new Error(`--lang is en, zh or all, not ${lang}.`);
  if (!/^emobench:(eu|ea)$/.test(data)) throw new Error(`--lang is for EmoBench's data (emobench:eu, emobench:ea), not ${data}.`);
  return lang === "all" ? data : `${data}:${lang}`;
}
