/**
 * EmoBench (Sabour et al., ACL 2024; github.com/Sahandfer/EmoBench `data/`): Emotional Understanding (`EU.jsonl`:
 * pick the emotion among 6 and its cause among the given causes) and Emotional Application (`EA.jsonl`: pick the most
 * effective action or response among 4), 200 English and 200 Chinese items each. Read line by line under the data
 * caps; a line that is not an item, or whose answer is not among its choices, is an error naming the line.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { cacheDir } from "../../core/settings.js";
import { developmentDataDir } from "../../store/paths.js";
import type { Release } from "./fetchRelease.js";
import { DataFileError, readLines } from "./lines.js";

export type EmoBenchTask = "eu" | "ea";
export const EMOBENCH_TASKS: readonly EmoBenchTask[] = ["eu", "ea"];
export type EmoBenchLanguage = "en" | "zh";
export const EMOBENCH_LANGUAGES: readonly EmoBenchLanguage[] = ["en", "zh"];
export const EMOBENCH_FILES: Readonly<Record<EmoBenchTask, string>> = { eu: "EU.jsonl", ea: "EA.jsonl" };

/** Where `insideout data fetch emobench` puts the files. */
export function fetchedEmoBenchDir(): string {
  return join(cacheDir(), "emobench");
}

/** The development copy `<repo>/../shared/data/emobench` if it exists, else the fetch folder. */
export function defaultEmoBenchDir(): string {
  return developmentDataDir("emobench") ?? fetchedEmoBenchDir();
}

interface EmoBenchBase {
  /** `<language>-<qid>`: qids repeat across the two languages. */
  id: string;
  language: EmoBenchLanguage;
  scenario: string;
  /** The person whose emotion or action is asked about. */
  subject: string;
}

export interface EuItem extends EmoBenchBase {
  task: "eu";
  emotionChoices: string[];
  emotion: string;
  causeChoices: string[];
  cause: string;
  category: string;
  subcategory: string;
}

export interface EaItem extends EmoBenchBase {
  task: "ea";
  choices: string[];
  answer: string;
  category: string;
  /** "Action" or "Response". */
  questionType: string;
}

export type EmoBenchItem = EuItem | EaItem;

const text = z.string().trim().min(1);
const choices = z.array(text).min(2);
const Base = { qid: z.union([z.string(), z.number()]).transform(String), language: z.enum(["en", "zh"]), scenario: text, subject: text };
const EuLine = z
  .object({ ...Base, emotion_choices: choices, emotion_label: text, cause_choices: choices, cause_label: text, coarse_category: text, finegrained_category: text })
  .refine((r) => r.emotion_choices.includes(r.emotion_label), "emotion_label is not among emotion_choices")
  .refine((r) => r.cause_choices.includes(r.cause_label), "cause_label is not among cause_choices");
const EaLine = z
  .object({ ...Base, choices, label: text, category: text, "question type": text })
  .refine((r) => r.choices.includes(r.label), "label is not among choices");

function toItem(task: EmoBenchTask, value: unknown): EmoBenchItem | z.ZodError {
  if (task === "eu") {
    const r = EuLine.safeParse(value);
    if (!r.success) return r.error;
    const d = r.data;
    return {
      task, id: `${d.language}-${d.qid}`, language: d.language, scenario: d.scenario, subject: d.subject,
      emotionChoices: d.emotion_choices, emotion: d.emotion_label, causeChoices: d.cause_choices, cause: d.cause_label,
      category: d.coarse_category, subcategory: d.finegrained_category,
    };
  }
  const r = EaLine.safeParse(value);
  if (!r.success) return r.error;
  const d = r.data;
  return {
    task, id: `${d.language}-${d.qid}`, language: d.language, scenario: d.scenario, subject: d.subject,
    choices: d.choices, answer: d.label, category: d.category, questionType: d["question type"],
  };
}

/** The items of `task` in `languages` (default both), in file order. */
export async function loadEmoBench(
  task: EmoBenchTask,
  opts: { file?: string; languages?: readonly EmoBenchLanguage[] } = {},
): Promise<EmoBenchItem[]> {
  const file = opts.file ?? join(defaultEmoBenchDir(), EMOBENCH_FILES[task]);
  if (!existsSync(file)) throw new DataFileError(`${file} does not exist: run \`insideout data fetch emobench\`, or name the file`, file, 0);
  const languages = new Set(opts.languages ?? EMOBENCH_LANGUAGES);
  const items: EmoBenchItem[] = [];
  const ids = new Set<string>();
  for await (const { number, text: line } of readLines(file)) {
    if (line.trim() === "") continue;
    let value: unknown;
    try {
      value = JSON.parse(line);
    } catch {
      throw new DataFileError(`line ${number} of ${file} is not JSON`, file, number);
    }
    const item = toItem(task, value);
    if (item instanceof z.ZodError) {
      const issue = item.issues[0]!;
      throw new DataFileError(`line ${number} of ${file} is not an EmoBench ${task.toUpperCase()} item: ${issue.path.length ? `${issue.path.join(".")}: ` : ""}${issue.message}`, file, number);
    }
    if (ids.has(item.id)) throw new DataFileError(`line ${number} of ${file} repeats item ${item.id}`, file, number);
    ids.add(item.id);
    if (languages.has(item.language)) items.push(item);
  }
  if (items.length === 0) throw new DataFileError(`${file} holds no EmoBench ${task.toUpperCase()} items in ${[...languages].join(", ")}`, file, 0);
  return items;
}

/** EmoBench's data at the commit these readers were tested with (Sahandfer/EmoBench 3b4f843, 2025-05-16). */
export const EMOBENCH_RELEASE: Release = {
  url: "https://raw.githubusercontent.com/Sahandfer/EmoBench/3b4f84312541f8469e909965e1fff3691ef85c62/data/",
  files: [
    { name: EMOBENCH_FILES.eu, title: "EmoBench EU file", sha256: "60140a7617779bdb496cd50dcebaf33037c39c65821ae300a6a24a72fd7c7037", check: async (file) => (await loadEmoBench("eu", { file })).length },
    { name: EMOBENCH_FILES.ea, title: "EmoBench EA file", sha256: "344c84913ed4adc9f26261a03cc4ddbecceeef4fcb8f77ab0405f8a63e8a4628", check: async (file) => (await loadEmoBench("ea", { file })).length },
  ],
  maxBytes: 16 << 20,
  licence: "MIT (EmoBench, Sahand Sabour)",
  otherwise: "use --url for a folder holding EmoBench's data/ at commit 3b4f843.",
};
