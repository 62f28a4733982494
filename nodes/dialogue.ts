/**
 * The dialogue as the prompts show it: Speaker and Listener turns, fitted to the model's context. Fitted once per
 * dialogue and budget (`transcript`), so the parallel nodes of one run share the work and say the same note.
 */
import type { ResolvedModel } from "../models/types.js";

export class EmptyDialogueError extends Error {
  constructor() {
    super("The dialogue is empty: give at least one non-empty turn from the speaker.");
    this.name = "EmptyDialogueError";
  }
}

/**
 * A context window we assume when the provider does not say: small enough for most local models. Overridable with
 * INSIDEOUT_CONTEXT_TOKENS. The dialogue gets what is left after the system prompt (label list, persona, opinions)
 * and the answer, counted at a pessimistic 3 characters per token.
 */
export const DEFAULT_CONTEXT_TOKENS = 8192;
const RESERVED_TOKENS = 2048;
const CHARS_PER_TOKEN = 3;

/** Characters of dialogue that fit in the model's context. */
export function dialogueBudgetChars(model: Pick<ResolvedModel, "contextTokens"> | undefined): number {
  const env = Number(process.env.INSIDEOUT_CONTEXT_TOKENS);
  const tokens = Number.isFinite(env) && env > 0 ? env : (model?.contextTokens ?? DEFAULT_CONTEXT_TOKENS);
  return Math.max(200, (tokens - RESERVED_TOKENS) * CHARS_PER_TOKEN);
}

const LINE_OVERHEAD = "Listener: \n".length;

/**
 * Drops the oldest turns, two at a time so that Speaker/Listener roles stay aligned, until the dialogue fits; the last
 * turn (the speaker's, whose emotion is asked for) always stays, and if it alone is too long its beginning is cut.
 * Returns the kept turns and, when anything was cut, a one-line note saying what.
 */
export function fitDialogue(turns: readonly string[], maxChars: number): { turns: string[]; note?: string } {
  const size = (ts: readonly string[]) => ts.reduce((n, t) => n + t.length + LINE_OVERHEAD, 0);
  let start = 0;
  let total = size(turns);
  while (total > maxChars && turns.length - start > 2) {
    total -= turns[start]!.length + turns[start + 1]!.length + 2 * LINE_OVERHEAD;
    start += 2;
  }
  const kept = turns.slice(start);
  let cut = 0;
  if (total > maxChars && kept.length === 1) {
    const room = Math.max(1, maxChars - LINE_OVERHEAD);
    cut = kept[0]!.length - room;
    kept[0] = `…${kept[0]!.slice(cut + 1)}`;
  }
  if (start === 0 && cut <= 0) return { turns: kept };
  const what = [start > 0 ? `dropped the ${start} oldest of ${turns.length} turns` : "", cut > 0 ? `cut the first ${cut} characters of the last turn` : ""]
    .filter(Boolean)
    .join(" and ");
  return { turns: kept, note: `The dialogue is longer than the model's context (${maxChars} characters for the dialogue): ${what}.` };
}

/** Speaker first, then alternating: the EmpatheticDialogues convention. Trimmed to `maxChars` (see fitDialogue). */
export function formatDialogue(turns: readonly string[] | undefined, maxChars = Infinity): string {
  const kept = (turns ?? []).map((t) => t.trim());
  if (kept.length === 0 || kept.every((t) => t === "")) throw new EmptyDialogueError();
  const fitted = Number.isFinite(maxChars) ? fitDialogue(kept, maxChars).turns : kept;
  const offset = kept.length - fitted.length;
  return fitted.map((t, i) => `${(i + offset) % 2 === 0 ? "Speaker" : "Listener"}: ${t}`).join("\n");
}

/** What the prompts show of a dialogue, and the note to give when it had to be cut. */
export interface Transcript {
  text: string;
  note?: string;
}

const transcripts = new WeakMap<readonly string[], Map<number, Transcript>>();

/** `formatDialogue` and `fitDialogue`'s note for one dialogue array, computed once per budget. */
export function transcript(turns: readonly string[] | undefined, maxChars: number): Transcript {
  const key = turns ?? [];
  let byBudget = transcripts.get(key);
  if (!byBudget) transcripts.set(key, (byBudget = new Map()));
  let t = byBudget.get(maxChars);
  if (!t) {
    const text = formatDialogue(key, maxChars);
    const { note } = fitDialogue(key.map((x) => x.trim()), maxChars);
    t = note ? { text, note } : { text };
    byBudget.set(maxChars, t);
  }
  return t;
}
