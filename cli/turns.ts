/**
 * Blank turns. Turns alternate Speaker and Listener by position, so a blank turn that was dropped would shift every
 * later turn to the other party: a blank turn inside a dialogue is refused, naming its position. Blank lines before
 * the first turn or after the last one of a file (an editor's trailing newline) are not turns and are left out.
 */

/** The turns, trimmed; throws one line naming the first blank turn. `source` says where they came from. */
export function checkedTurns(turns: readonly string[], source = "the dialogue"): string[] {
  const trimmed = turns.map((t) => t.trim());
  const blank = trimmed.indexOf("");
  if (blank >= 0) {
    throw new Error(
      `Turn ${blank + 1} of ${trimmed.length} in ${source} is blank: turns alternate Speaker and Listener, so a blank one cannot be dropped; write the turn or remove it.`,
    );
  }
  return trimmed;
}

/** The turns of a text, one per line: blank lines at the start and the end are left out, a blank line between turns is refused. */
export function turnsOfLines(text: string, source: string): string[] {
  const lines = text.replace(/^\uFEFF/, "").split(/\r?\n/).map((l) => l.trim());
  let start = 0;
  let end = lines.length;
  while (start < end && lines[start] === "") start++;
  while (end > start && lines[end - 1] === "") end--;
  const turns = lines.slice(start, end);
  const blank = turns.indexOf("");
  if (blank >= 0) {
    throw new Error(
      `Line ${start + blank + 1} of ${source} is blank, between turns: one turn per line, alternating Speaker and Listener, so a blank line cannot be dropped; write the turn or remove the line.`,
    );
  }
  return turns;
}
