/**
 * Kumar et al. 2025's judge-calibration data (github.com/aakriti1kumar/replication-data-and-code-when-LLMs-reliable-
 * empathic-communication), EmpatheticDialogues part: the 50 conversations (`original_data/sample_empatheticdialogues.csv`,
 * one row per utterance, the whole conversation in `full_conversation`) and the rating files of its raters.
 */
import { join } from "node:path";
import { parse } from "csv-parse/sync";
import { cacheDir } from "../../core/settings.js";
import { developmentDataDir } from "../../store/paths.js";
import { DataFileError } from "./lines.js";
import { readRatingFile, type RatingFile } from "./ratings.js";
import { readTextFile } from "./text.js";

/** `<repo>/../shared/data/judge_calibration` if it exists, else `judge_calibration` in the cache folder. */
export function defaultCalibrationDir(): string {
  return developmentDataDir("judge_calibration") ?? join(cacheDir(), "judge_calibration");
}

export const CALIBRATION_CONVERSATIONS = join("original_data", "sample_empatheticdialogues.csv");
export const CALIBRATION_RATINGS = join("annotations", "empatheticdialogues");

/** The study's raters: their files and how they are shown. */
export const EXPERTS = ["expert1", "expert2", "expert3"] as const;
export const OTHER_RATERS = [
  { file: "crowd", name: "crowd (ED's raters, mean of two)" },
  { file: "gpt", name: "GPT-4o" },
  { file: "claude", name: "Claude 3.7 Sonnet" },
  { file: "gemini", name: "Gemini 2.5 Pro" },
] as const;

export interface CalibrationConversation {
  id: string;
  /** "Seeker: …" and "Supporter: …" lines, ED's `_comma_` written as commas. */
  conversation: string;
}

export async function loadCalibrationConversations(file: string): Promise<CalibrationConversation[]> {
  let rows: Array<Record<string, string>>;
  try {
    rows = parse(await readTextFile(file), { columns: true, skip_empty_lines: true, bom: true }) as Array<Record<string, string>>;
  } catch (e) {
    if (e instanceof DataFileError) throw e;
    throw new DataFileError(`${file} is not CSV: ${(e as Error).message}`, file, 0);
  }
  const seen = new Map<string, CalibrationConversation>();
  for (const r of rows) {
    const id = r.conv_id?.trim();
    const text = r.full_conversation;
    if (!id || text === undefined) throw new DataFileError(`${file} needs the columns conv_id and full_conversation`, file, 1);
    // One row per utterance, each carrying the whole conversation: the first row of each conv_id (pandas' drop_duplicates).
    if (!seen.has(id)) {
      const conversation = text.replace(/_comma_/g, ",").split("\n").map((l) => l.trim()).filter((l) => l !== "").join("\n");
      seen.set(id, { id, conversation });
    }
  }
  if (seen.size === 0) throw new DataFileError(`${file} holds no conversations`, file, 0);
  return [...seen.values()];
}

/** A rater's file in the data folder, shown under `name`. */
export async function readCalibrationRater(dir: string, file: string, name: string = file): Promise<RatingFile> {
  return { ...(await readRatingFile(join(dir, CALIBRATION_RATINGS, `${file}_ratings.csv`))), name };
}
