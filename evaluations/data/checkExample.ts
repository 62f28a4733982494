/**
 * Every example of a data file is checked when it is read, before the first paid call, with the limits a dialogue
 * typed at the CLI has (core/inputLimits.ts): no blank turn (turns alternate by position, so one cannot be dropped),
 * at most INSIDEOUT_MAX_TURNS turns and INSIDEOUT_MAX_DIALOGUE_BYTES bytes. One DataFileError naming the line otherwise.
 */
import { dialogueLimits, formatBytes } from "../../core/inputLimits.js";
import { DataFileError } from "./lines.js";
import type { Example } from "./types.js";


/** Refuses a dialogue of `turns` turns and `bytes` bytes (a turn's bytes plus one) beyond a dialogue's limits. */
export function checkDialogueSize(turns: number, bytes: number, what: string, file: string, line: number): void {
  const limits = dialogueLimits();
  if (turns > limits.turns) {
    throw new DataFileError(`${what} has more than ${limits.turns} turns, the most a dialogue may have (INSIDEOUT_MAX_TURNS)`, file, line);
  }
  if (bytes > limits.bytes) {
    throw new DataFileError(`${what} is longer than ${formatBytes(limits.bytes)}, the most a dialogue may hold (INSIDEOUT_MAX_DIALOGUE_BYTES)`, file, line);
  }
}

/** `example`, read from `line` of `file`, once its dialogue passes the checks above. */
export function checkedExample(example: Example, file: string, line: number): Example {
  const where = `the dialogue on line ${line} of ${file}`;
  const blank = example.dialogue.findIndex((t) => t.trim() === "");
  if (blank >= 0) {
    throw new DataFileError(`turn ${blank + 1} of ${example.dialogue.length} in ${where} is blank: turns alternate Speaker and Listener, so a blank one cannot be dropped`, file, line);
  }
  checkDialogueSize(example.dialogue.length, example.dialogue.reduce((n, t) => n + Buffer.byteLength(t) + 1, 0), where, file, line);
  return example;
}
