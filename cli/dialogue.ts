/** The dialogue a command works on: its arguments, a file, or standard input, one turn per line. */
import { readFileSync } from "node:fs";

function linesOf(text: string): string[] {
  return text
    .replace(/^\uFEFF/, "")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

export async function readDialogue(turns: string[], file: string | undefined): Promise<string[]> {
  if (turns.length > 0 && file) throw new Error("Give the dialogue either as arguments or with --file, not both.");
  let dialogue: string[];
  if (turns.length > 0) dialogue = turns.map((t) => t.trim()).filter((t) => t !== "");
  else if (file) {
    let text: string;
    try {
      text = file === "-" ? await readStdin() : readFileSync(file, "utf8");
    } catch (e) {
      throw new Error(`Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    dialogue = linesOf(text);
  } else if (!process.stdin.isTTY) dialogue = linesOf(await readStdin());
  else dialogue = [];
  if (dialogue.length === 0) {
    throw new Error('No dialogue given: pass turns as arguments ("I lost my job" "Oh no, what happened?" ...), one per line on stdin, or --file FILE.');
  }
  return dialogue;
}
