/**
 * What one turn of a dialogue may hold: the one definition the CLI (cli/turns.ts, cli/dialogue.ts) and every dataset
 * loader (evaluations/data/checkExample.ts, meld.ts) apply before the first call. A turn is text: no C0 control
 * character but tab, line breaks, form feed and escape (NUL and the like are binary data, and some servers cut a
 * prompt at a NUL), and something visible (turns alternate Speaker and Listener by position, so a blank one cannot be
 * dropped).
 */

/** A C0 control character other than tab, line breaks, form feed and escape: a text dialogue has none, binary data does. */
export function isControlChar(code: number): boolean {
  return code < 0x20 && !(code >= 0x09 && code <= 0x0d) && code !== 0x1b;
}

// Invisible characters are allowed inside a turn (ZWJ joins emoji, ZWNJ shapes Persian and Indic words); a turn of
// nothing else is blank. Unicode's default-ignorable characters (zero-width, soft hyphen, direction marks, invisible
// operators, Hangul fillers) render as nothing; the blank braille cell is the usual "invisible" filler.
const INVISIBLE = /^[\s\p{Default_Ignorable_Code_Point}\u2800]*$/u;

/** Nothing visible: empty, white space, or only zero-width characters. */
export function isBlankTurn(turn: string): boolean {
  return INVISIBLE.test(turn);
}

/**
 * A model's reply as the Listener's next turn (a chat's AIMessage, the CLI chat's history): its control characters
 * become spaces. Refused, one odd character in a reply would end the conversation at the user's next turn.
 */
export function asTurn(reply: string): string {
  if (controlCharAt(reply) < 0) return reply;
  let out = "";
  for (let i = 0; i < reply.length; i++) out += isControlChar(reply.charCodeAt(i)) ? " " : reply[i];
  return out;
}

/** The index of the turn's first control character, or -1. */
export function controlCharAt(turn: string): number {
  for (let i = 0; i < turn.length; i++) if (isControlChar(turn.charCodeAt(i))) return i;
  return -1;
}

/** "U+0000 (NUL)": a control character as a user can look it up. */
export function controlCharName(code: number): string {
  const names: Readonly<Record<number, string>> = { 0x00: "NUL", 0x07: "BEL", 0x08: "backspace", 0x7f: "DEL" };
  const hex = `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
  return names[code] ? `${hex} (${names[code]})` : hex;
}

/** Why `turn` cannot be a turn, in words that follow "turn N of M in …", or undefined when it can. */
export function turnProblem(turn: string): string | undefined {
  const at = controlCharAt(turn);
  if (at >= 0) return `holds the control character ${controlCharName(turn.charCodeAt(at))} at character ${at + 1}: a text turn has none; remove it`;
  if (isBlankTurn(turn)) return "is blank: turns alternate Speaker and Listener, so a blank one cannot be dropped";
  return undefined;
}
