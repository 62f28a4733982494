/** Who a request is for, read from its system prompt: test doubles answer per role, as the paper's agents differ. */
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

export function roleOf(systemPrompt: string): Role {
  const persona = /^You are (Anger|Disgust|Fear|Joy|Sadness|Surprise), one of the emotions/.exec(systemPrompt);
  if (persona) return { kind: "agent", emotion: PERSONA_NAMES[persona[1]!]! };
  if (systemPrompt.startsWith("You are the aggregate agent")) return { kind: "aggregate" };
  if (systemPrompt.startsWith("You are an expert in emotions")) return { kind: "recognize" };
  if (systemPrompt.startsWith("You are the Listener")) return { kind: "respond" };
  return { kind: "unknown" };
}
