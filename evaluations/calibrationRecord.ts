/**
 * What `judge calibrate` found, kept per judge model in the cache folder, so that Table 4 can say how far its judge
 * agreed with human experts: the quadratic-weighted κ with the experts' median per criterion, on how many
 * conversations, and when.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { readRegularFile } from "../core/regularFile.js";
import { cacheDir } from "../core/settings.js";
import { writeFileAtomic } from "./files.js";

const Calibration = z.object({
  date: z.string(),
  conversations: z.number().int().positive(),
  /** κ with the experts' median, by criterion (empathy, relevance, fluency). */
  kappa: z.record(z.string(), z.number()),
});
export type Calibration = z.infer<typeof Calibration>;
const Calibrations = z.record(z.string(), Calibration);

const MAX_BYTES = 1 << 20;

export function calibrationFile(): string {
  return join(cacheDir(), "judge-calibration.json");
}

/** Every judge's calibration; a file that is not one is a one-line error naming it. */
export function loadCalibrations(file = calibrationFile()): Record<string, Calibration> {
  if (!existsSync(file)) return {};
  const what = "The judge-calibration record";
  let parsed: unknown;
  try {
    parsed = JSON.parse(readRegularFile(file, what, MAX_BYTES).toString("utf8"));
  } catch (e) {
    throw new Error(`${what} ${file} is not JSON (${e instanceof Error ? e.message : String(e)}): delete it and run insideout judge calibrate again.`);
  }
  const checked = Calibrations.safeParse(parsed);
  if (!checked.success) throw new Error(`${what} ${file} is damaged: delete it and run insideout judge calibrate again.`);
  return checked.data;
}

/** Records `judge`'s calibration beside the others' (the file is replaced whole, owner-only). */
export async function saveCalibration(judge: string, calibration: Calibration, file = calibrationFile()): Promise<void> {
  await writeFileAtomic(file, `${JSON.stringify({ ...loadCalibrations(file), [judge]: calibration }, null, 2)}\n`);
}

/** Table 4's line about its judge: its κ with the experts when it was calibrated, else how to calibrate it. */
export function calibrationLine(judge: string, calibration: Calibration | undefined): string {
  if (!calibration) return `Judge ${judge} is not checked against human experts: run insideout judge calibrate --judge-model ${judge}.`;
  const kappas = Object.entries(calibration.kappa).map(([criterion, k]) => `${criterion} ${k.toFixed(2)}`);
  return (
    `Judge ${judge} against human experts (insideout judge calibrate, ${calibration.conversations} EmpatheticDialogues conversations, ${calibration.date}): ` +
    `quadratic-weighted κ with the experts' median ${kappas.join(", ")}.`
  );
}
