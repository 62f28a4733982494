/**
 * The dialogue a command works on: its arguments, a file, or standard input, one turn per line; and the file a chat
 * saves its dialogue to.
 */
import { closeSync, openSync, readFileSync, writeSync } from "node:fs";
import { dirname } from "node:path";

function linesOf(text: string): string[] {
  return text
    .replace(/^\uFEFF/, "")
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "");
}

/** The byte offset of the first invalid UTF-8 sequence, or -1 if the bytes are valid UTF-8. */
export function invalidUtf8Offset(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const n = b < 0x80 ? 1 : b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
    if (n === 0 || i + n > bytes.length) return i;
    for (let k = 1; k < n; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    // Overlong 3/4-byte forms, UTF-16 surrogates and code points above U+10FFFF.
    const b1 = bytes[i + 1] ?? 0;
    if ((b === 0xe0 && b1 < 0xa0) || (b === 0xed && b1 >= 0xa0) || (b === 0xf0 && b1 < 0x90) || (b === 0xf4 && b1 >= 0x90)) return i;
    i += n;
  }
  return -1;
}

/** Text from bytes, refusing invalid UTF-8 (which would otherwise become U+FFFD and reach the model unnoticed). */
export function decodeUtf8(bytes: Buffer, source: string): string {
  const at = invalidUtf8Offset(bytes);
  if (at >= 0) {
    const line = bytes.subarray(0, at).filter((c) => c === 0x0a).length + 1;
    throw new Error(`${source} is not valid UTF-8: invalid byte 0x${bytes[at]!.toString(16).padStart(2, "0")} at byte offset ${at} (line ${line}).`);
  }
  return bytes.toString("utf8");
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return decodeUtf8(Buffer.concat(chunks), "standard input");
}

export async function readDialogue(turns: string[], file: string | undefined): Promise<string[]> {
  if (turns.length > 0 && file) throw new Error("Give the dialogue either as arguments or with --file, not both.");
  let dialogue: string[];
  if (turns.length > 0) dialogue = turns.map((t) => t.trim()).filter((t) => t !== "");
  else if (file) {
    let text: string;
    if (file === "-") text = await readStdin();
    else {
      let bytes: Buffer;
      try {
        bytes = readFileSync(file);
      } catch (e) {
        throw new Error(`Cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      text = decodeUtf8(bytes, file);
    }
    dialogue = linesOf(text);
  } else if (!process.stdin.isTTY) dialogue = linesOf(await readStdin());
  else dialogue = [];
  if (dialogue.length === 0) {
    throw new Error('No dialogue given: pass turns as arguments ("I lost my job" "Oh no, what happened?" ...), one per line on stdin, or --file FILE.');
  }
  return dialogue;
}

export interface Transcript {
  /** Appends one JSON line, written through at once (Ctrl-C loses nothing). */
  append(record: unknown): void;
  close(): void;
}

const WHY_NOT: Readonly<Record<string, (file: string) => string>> = {
  ENOENT: (f) => `its folder ${dirname(f)} does not exist`,
  ENOTDIR: (f) => `${dirname(f)} is not a folder`,
  EISDIR: () => "it is a folder",
  EACCES: () => "permission denied",
  EPERM: () => "permission denied",
  EROFS: () => "the file system is read-only",
};

/**
 * Opens (or creates, owner-only: it holds the user's words) the file a chat appends to, so that a path it cannot
 * write is one line before the first model call rather than an error after the first paid turn.
 */
export function openTranscript(file: string): Transcript {
  let fd: number;
  try {
    fd = openSync(file, "a", 0o600);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "";
    throw new Error(`Cannot write --save ${file}: ${WHY_NOT[code]?.(file) ?? (code || (e as Error).message)}.`);
  }
  return {
    append: (record) => {
      writeSync(fd, `${JSON.stringify(record)}\n`);
    },
    close: () => closeSync(fd),
  };
}
