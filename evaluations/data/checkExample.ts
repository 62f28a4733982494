/**
 * Every example of a data file is checked when it is read, before the first paid call, with the limits a dialogue
 * typed at the CLI has: every turn text a turn may hold (core/turnText.ts: no control character such as NUL, not
 * blank), at most INSIDEOUT_MAX_TURNS turns and INSIDEOUT_MAX_DIALOGUE_BYTES bytes (core/inputLimits.ts). One
 * DataFileError naming the file, the line, the example and the turn otherwise.
 */
import { dialogueLimits, formatBytes } from "../../core/inputLimits.js";
import { turnProblem } from "../../core/turnText.js";
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
  const where = `example ${example.id} on line ${line} of ${file}`;
  const dialogue = example.dialogue;
  for (const [i, turn] of dialogue.entries()) {
    const problem = turnProblem(turn);
    if (problem) throw new DataFileError(`turn ${i + 1} of ${dialogue.length} in ${where} ${problem}`, file, line);
  }
  checkDialogueSize(dialogue.length, dialogue.reduce((n, t) => n + Buffer.byteLength(t) + 1, 0), where, file, line);
  return example;
}
