/** Who a request is for, read from its prompt: test doubles answer per role, as the paper's agents differ. */
export type Role =
  | { kind: "agent"; emotion: string }
  | { kind: "aggregate" }
  | { kind: "recognize" }
  | { kind: "respond" }
  | { kind: "unknown" };

const PERSONA_NAMES: Record<string, string> = {
  Anger: "anger",
  Disgust: "disgust",
  Fear: "fear",
  Joy: "happiness",
  Sadness: "sadness",
  Surprise: "surprise",
};

/**
 * Who a request is for, read from its whole prompt (every message's text, in order): an agent's persona and the ERC
 * aggregate agent's instruction are messages of their own after the shared part and the conversation (prompts/erc.ts),
 * the other roles' instructions open the prompt. Keyed on content, not on which message holds it.
 */
export function roleOf(prompt: string): Role {
  const persona = /(?:^|\n)You are (Anger|Disgust|Fear|Joy|Sadness|Surprise), one of the emotions/.exec(prompt);
  if (persona) return { kind: "agent", emotion: PERSONA_NAMES[persona[1]!]! };
  if (/(?:^|\n)You are the aggregate agent/.test(prompt)) return { kind: "aggregate" };
  if (prompt.startsWith("You are an expert in emotions")) return { kind: "recognize" };
  if (prompt.startsWith("You are the Listener")) return { kind: "respond" };
  return { kind: "unknown" };
}

/** A prompt's messages as one text, in order, for roleOf and for tests that look for what a prompt says. */
export function promptText(messages: readonly { content?: unknown }[]): string {
  return messages.map((m) => (typeof m.content === "string" ? m.content : JSON.stringify(m.content ?? ""))).join("\n\n");
}
