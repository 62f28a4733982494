/**
 * What a chat line means: a turn for the model, or one of chat's own commands, handled locally. A line that starts
 * with `/` never reaches the model unless escaped as `//` (`//etc` sends "/etc").
 */
export type ChatLine =
  | { kind: "turn"; text: string }
  | { kind: "empty" }
  | { kind: "quit" }
  | { kind: "help" }
  | { kind: "new" }
  | { kind: "unknown"; command: string };

export const CHAT_HELP = [
  "Commands:",
  "  /help         this list",
  "  /new          forget the conversation so far and start a new one",
  "  /quit, /exit  leave (Ctrl-C or Ctrl-D too)",
  "  //text        send a line that starts with / (here: \"/text\")",
].join("\n");

export function parseChatLine(raw: string): ChatLine {
  const line = raw.trim();
  if (!line) return { kind: "empty" };
  if (line.startsWith("//")) return { kind: "turn", text: line.slice(1) };
  if (!line.startsWith("/")) return { kind: "turn", text: line };
  const command = line.split(/\s+/)[0]!.toLowerCase();
  if (command === "/quit" || command === "/exit") return { kind: "quit" };
  if (command === "/help" || command === "/?") return { kind: "help" };
  if (command === "/new") return { kind: "new" };
  return { kind: "unknown", command: line.split(/\s+/)[0]! };
}
