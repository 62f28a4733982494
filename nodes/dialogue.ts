/**
 * The dialogue as the prompts show it: Speaker and Listener turns (or named speakers' turns), fitted to the model's context. Fitted once per
 * dialogue and budget (`transcript`), so the parallel nodes of one run share the work and say the same note.
 */
import type { ResolvedModel } from "../models/types.js";
import { setting } from "../core/settings.js";
import { NAMED_SPEAKERS } from "../prompts/erc.js";
import { render } from "../prompts/render.js";
import { EmptyDialogueError } from "../state/state.js";


/**
 * A context window we assume when the provider does not say: small enough for most local models. Overridable with
 * INSIDEOUT_CONTEXT_TOKENS. The dialogue gets what is left after the system prompt (label list, persona, opinions)
 * and the answer, counted at a pessimistic 3 characters per token.
 */
export const DEFAULT_CONTEXT_TOKENS = 8192;
const RESERVED_TOKENS = 2048;
const CHARS_PER_TOKEN = 3;

/** The context window prompts are fitted to: INSIDEOUT_CONTEXT_TOKENS, else the model's, else the default. */
export function contextTokensFor(model: Pick<ResolvedModel, "contextTokens"> | undefined): number {
  return setting("INSIDEOUT_CONTEXT_TOKENS") ?? model?.contextTokens ?? DEFAULT_CONTEXT_TOKENS;
}

/** Characters of dialogue that fit in the model's context. */
export function dialogueBudgetChars(model: Pick<ResolvedModel, "contextTokens"> | undefined): number {
  return Math.max(200, (contextTokensFor(model) - RESERVED_TOKENS) * CHARS_PER_TOKEN);
}

const LINE_OVERHEAD = "Listener: \n".length;

/** A turn that does not fit whole is cut only if at least this much of it still fits; else it and older ones go. */
export const MIN_CUT_TURN_CHARS = 100;
const ELLIPSIS = "…";

/** `text` cut to `room` characters (at least the ellipsis), keeping its end: the words closest to what follows. */
function keepEnd(text: string, room: number): string {
  let from = text.length - Math.max(0, room - ELLIPSIS.length);
  // Never start on the second half of a surrogate pair.
  const code = text.charCodeAt(from);
  if (code >= 0xdc00 && code <= 0xdfff) from++;
  return ELLIPSIS + text.slice(from);
}

/**
 * Fits a dialogue to `maxChars` (each turn counted with its "Listener: " prefix and newline), newest first: the last
 * turn (the speaker's, whose emotion is asked for) always stays, its beginning cut if it alone is too long; earlier
 * turns are kept whole while they fit; the first that does not is cut to what is left (its end kept) if at least
 * MIN_CUT_TURN_CHARS of it fit, and it or the turn before it is the oldest kept. Older turns are dropped in pairs, so
 * that the kept dialogue still starts with the Speaker. Every kept turn fits, wherever it was.
 * With `names` (a multi-party dialogue: each turn's speaker) each turn is counted with its own name, and turns are
 * dropped one at a time (no Speaker/Listener order to keep).
 * Returns the kept turns and, when anything was cut, a one-line note saying what.
 */
export function fitDialogue(turns: readonly string[], maxChars: number, names?: readonly string[]): { turns: string[]; note?: string } {
  const n = turns.length;
  const overhead = (i: number): number => (names ? `${names[i] ?? ""}: \n`.length : LINE_OVERHEAD);
  // Newest first, while fitting.
  const kept: { index: number; text: string; cut: number }[] = [];
  let room = maxChars;
  for (let i = n - 1; i >= 0; i--) {
    const t = turns[i]!;
    const fits = room - overhead(i);
    if (t.length <= fits) {
      kept.push({ index: i, text: t, cut: 0 });
      room -= t.length + overhead(i);
      continue;
    }
    if (i === n - 1 || fits >= MIN_CUT_TURN_CHARS) {
      const text = keepEnd(t, fits);
      kept.push({ index: i, text, cut: t.length - (text.length - ELLIPSIS.length) });
    }
    break;
  }
  // An odd number dropped would start the dialogue on a Listener turn: drop one more (never the last turn).
  if (!names && (n - kept.length) % 2 === 1 && kept.length > 1) kept.pop();
  kept.reverse();
  const dropped = n - kept.length;
  const cuts = kept.filter((k) => k.cut > 0);
  const result = kept.map((k) => k.text);
  if (dropped === 0 && cuts.length === 0) return { turns: result };
  const what = [
    dropped > 0 ? `dropped the ${dropped} oldest of ${n} turns` : "",
    ...cuts.map((k) => `cut the first ${k.cut} characters of ${k.index === n - 1 ? "the last turn" : `turn ${k.index + 1}`}`),
  ]
    .filter(Boolean)
    .join(" and ");
  return { turns: result, note: `The dialogue is longer than the model's context (${maxChars} characters for the dialogue): ${what}.` };
}

/** The line before a multi-party dialogue, saying whose turn the prompts' "Speaker" is. */
function speakersLine(names: readonly string[]): string {
  return render(NAMED_SPEAKERS, { speaker: names[names.length - 1]! });
}

/**
 * Speaker first, then alternating: the EmpatheticDialogues convention; or, with `speakers`, each turn under its
 * speaker's name after a line naming the last one as the Speaker. Trimmed to `maxChars` (see fitDialogue).
 */
export function formatDialogue(turns: readonly string[] | undefined, maxChars = Infinity, speakers?: readonly string[]): string {
  return fitted(turns, maxChars, speakers).text;
}

/**
 * Each turn is one line of the transcript, so a line break inside a turn (or a name) becomes a space: otherwise a turn
 * holding "\nListener: …" would forge a turn of its own in every prompt.
 */
const LINE_BREAKS = /[\r\n\v\f\u0085\u2028\u2029]+/g;
const oneLine = (text: string): string => text.replace(LINE_BREAKS, " ").trim();

function fitted(turns: readonly string[] | undefined, maxChars: number, speakers?: readonly string[]): Transcript {
  const kept = (turns ?? []).map(oneLine);
  if (kept.length === 0 || kept.every((t) => t === "")) throw new EmptyDialogueError();
  const names = speakers?.map(oneLine);
  const header = names ? `${speakersLine(names)}\n` : "";
  const fit = Number.isFinite(maxChars) ? fitDialogue(kept, Math.max(0, maxChars - header.length), names) : { turns: kept };
  const offset = kept.length - fit.turns.length;
  const who = (i: number): string => (names ? names[i + offset]! : (i + offset) % 2 === 0 ? "Speaker" : "Listener");
  const text = header + fit.turns.map((t, i) => `${who(i)}: ${t}`).join("\n");
  return fit.note ? { text, note: fit.note } : { text };
}

/** What the prompts show of a dialogue, and the note to give when it had to be cut. */
export interface Transcript {
  text: string;
  note?: string;
}

const transcripts = new WeakMap<readonly string[], Map<string, Transcript>>();

/** `formatDialogue` and `fitDialogue`'s note for one dialogue array (and its speakers), computed once per budget. */
export function transcript(turns: readonly string[] | undefined, maxChars: number, speakers?: readonly string[]): Transcript {
  const key = turns ?? [];
  let byBudget = transcripts.get(key);
  if (!byBudget) transcripts.set(key, (byBudget = new Map()));
  const budgetKey = speakers ? `${maxChars}\u0000${speakers.join("\u0000")}` : String(maxChars);
  let t = byBudget.get(budgetKey);
  if (!t) {
    t = fitted(key, maxChars, speakers);
    byBudget.set(budgetKey, t);
  }
  return t;
}

/**
 * Characters that the aggregate prompt's list (the agents' rationales, or ERG's candidate replies) may take in all:
 * half of the context kept aside from the dialogue for the system prompt and the answer (RESERVED_TOKENS).
 */
export const LISTED_CHARS = (RESERVED_TOKENS * CHARS_PER_TOKEN) / 2;

/**
 * Cuts each text to an equal share of `totalChars` (its beginning kept, where an answer states its point), so that a
 * list of model answers fits whatever each one's length. Returns the texts and, when any was cut, a note naming them.
 */
export function fitShares(
  items: readonly { name: string; text: string }[],
  totalChars: number,
  what: string,
): { texts: string[]; note?: string } {
  const share = Math.max(ELLIPSIS.length + 1, Math.floor(totalChars / Math.max(1, items.length)));
  const cuts: string[] = [];
  const texts = items.map(({ name, text }) => {
    if (text.length <= share) return text;
    let end = share - ELLIPSIS.length;
    // Never end on the first half of a surrogate pair.
    const code = text.charCodeAt(end - 1);
    if (code >= 0xd800 && code <= 0xdbff) end--;
    cuts.push(`the last ${text.length - end} characters of ${name}'s`);
    return text.slice(0, end) + ELLIPSIS;
  });
  if (cuts.length === 0) return { texts };
  return { texts, note: `The ${what} are longer than their share of the model's context (${share} characters each): cut ${cuts.join(", ")}.` };
}
