/**
 * Reading an EQ-Bench answer as EQ-Bench's `parse_answers` (lib/scoring.py) reads it: every `word: number` pair,
 * later pairs of the same word replacing earlier ones; with the revision part, the first-pass pairs are those between
 * "First pass scores:" and "Revised scores:", the revised ones those after it. Python's `\w`, `\s` and `\d` are
 * Unicode classes, spelled out here so that an answer in any script parses as EQ-Bench parses it.
 */

/** Python's `\w` on str: letters (isalpha), numbers (isnumeric) and the underscore. */
const WORD = String.raw`[\p{L}\p{N}_]`;
/** Python's `\s` on str (str.isspace): unlike JS `\s` it has U+001C–U+001F and U+0085 and lacks U+FEFF. */
const SPACE = String.raw`[\t\n\v\f\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]`;
const PAIR = new RegExp(String.raw`(${WORD}+):${SPACE}+(\p{Nd}+)`, "gu");

export type EmotionAnswers = ReadonlyMap<string, number>;

export interface ParsedAnswer {
  firstPass: EmotionAnswers;
  /** Empty unless the answer was parsed with its revision part. */
  revised: EmotionAnswers;
}

const ND = /\p{Nd}/u;

/**
 * The value of a decimal digit of any script (Python's float() takes them all). Unicode keeps each script's digits
 * as a contiguous run 0–9, and runs of digits are whole multiples of ten, so a digit's value is its place in its run.
 */
function digitValue(ch: string): number {
  const cp = ch.codePointAt(0)!;
  if (cp >= 0x30 && cp <= 0x39) return cp - 0x30;
  let start = cp;
  while (start > 0 && ND.test(String.fromCodePoint(start - 1))) start--;
  return (cp - start) % 10;
}

function decimal(digits: string): number {
  let n = 0;
  for (const ch of digits) n = n * 10 + digitValue(ch);
  return n;
}

/** Python's `dict(re.findall(r'(\w+):\s+(\d+)', text))`. */
export function emotionPairs(text: string): EmotionAnswers {
  const out = new Map<string, number>();
  for (const m of text.matchAll(PAIR)) out.set(m[1]!, decimal(m[2]!));
  return out;
}

export function parseAnswer(text: string, revise: boolean): ParsedAnswer {
  if (!revise) return { firstPass: emotionPairs(text), revised: new Map() };
  const first = /First pass scores:([\s\S]*?)Revised scores:/.exec(text);
  const revisedAt = text.indexOf("Revised scores:");
  return {
    firstPass: first ? emotionPairs(first[1]!) : new Map(),
    revised: revisedAt >= 0 ? emotionPairs(text.slice(revisedAt + "Revised scores:".length)) : new Map(),
  };
}
