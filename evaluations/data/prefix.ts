/**
 * The examples of one conversation, one per utterance (MELD) or per listener turn (ED's CSV), each the conversation up
 * to a point. Their turns are shared, one array per conversation, and an example's `dialogue` (and `speakers`) is cut
 * from it when read: memory is linear in the conversation, not quadratic in its length. What is read is the array a
 * copy would have held, so records and the data's sha256 (evaluations/identity.ts) are those of copies.
 */
import type { Example } from "./types.js";

/** `fields` with the first `length` of `turns` (and of `speakers`) as its dialogue; the arrays may grow later, not change. */
export function prefixExample(
  fields: Omit<Example, "dialogue" | "speakers">,
  turns: readonly string[],
  length: number,
  speakers?: readonly string[],
): Example {
  // Keys in the order a literal example has them: id, dialogue, speakers, then the rest.
  const example = { id: fields.id } as Example;
  Object.defineProperty(example, "dialogue", { get: () => turns.slice(0, length), enumerable: true });
  if (speakers) Object.defineProperty(example, "speakers", { get: () => speakers.slice(0, length), enumerable: true });
  return Object.assign(example, fields);
}
