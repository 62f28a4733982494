/**
 * Blank turns, and turns that are not text (core/turnText.ts). Turns alternate Speaker and Listener by position, so a
 * blank turn that was dropped would shift every later turn to the other party: a blank turn inside a dialogue is
 * refused, naming its position. Blank lines before the first turn or after the last one of a file (an editor's
 * trailing newline) are not turns and are left out.
 */
import { isBlankTurn, turnProblem } from "../core/turnText.js";

/**
 * The turns, trimmed; throws one line naming the first turn that is blank or holds a control character
 * (core/turnText.ts, as a data file's turns are checked). `source` says where they came from.
 */
export function checkedTurns(turns: readonly string[], source = "the dialogue"): string[] {
  const trimmed = turns.map((t) => t.trim());
  for (const [i, turn] of trimmed.entries()) {
    const problem = turnProblem(turn);
    if (!problem) continue;
    const blank = isBlankTurn(turn) ? "; write the turn or remove it" : "";
    throw new Error(`Turn ${i + 1} of ${trimmed.length} in ${source} ${problem}${blank}.`);
  }
  return trimmed;
}

/** The turns of a text, one per line: blank lines at the start and the end are left out, a blank line between turns is refused. */
export function turnsOfLines(text: string, source: string): string[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/).map((l) => l.trim());
  let start = 0;
  let end = lines.length;
  while (start < end && isBlankTurn(lines[start]!)) start++;
  while (end > start && isBlankTurn(lines[end - 1]!)) end--;
  const turns = lines.slice(start, end);
  const blank = turns.findIndex(isBlankTurn);
  if (blank >= 0) {
    throw new Error(
      `Line ${start + blank + 1} of ${source} is blank, between turns: one turn per line, alternating Speaker and Listener, so a blank line cannot be dropped; write the turn or remove the line.`,
    );
  }
  return turns;
}
