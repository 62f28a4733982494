/**
 * The dialogue a command works on: its arguments, a file, or standard input, one turn per line; and the file a chat
 * saves its dialogue to.
 */
import { closeSync, createReadStream, fstatSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { dialogueLimits, formatBytes, type DialogueLimits } from "../core/inputLimits.js";
import { checkedTurns, turnsOfLines } from "./turns.js";
import { NotOurFileError, openOwnFile } from "../store/paths.js";
import { openRegularFile } from "../core/regularFile.js";
import { controlCharAt } from "../core/turnText.js";

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

function tooLong(source: string, limits: DialogueLimits): Error {
  return new Error(
    `The dialogue from ${source} is longer than ${formatBytes(limits.bytes)}: give a shorter one, or raise INSIDEOUT_MAX_DIALOGUE_BYTES (now ${limits.bytes}).`,
  );
}

/**
 * Reads at most `limits.bytes` from a stream and stops (closing it) as soon as there is more: /dev/zero or a pipe that
 * never ends is one line, with only the limit in memory.
 */
async function readBounded(stream: AsyncIterable<Buffer | string>, source: string, limits: DialogueLimits): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  // Leaving the loop early (the throw) closes the stream: the iterator's return() destroys it.
  for await (const c of stream) {
    const chunk = typeof c === "string" ? Buffer.from(c, "utf8") : c;
    size += chunk.length;
    if (size > limits.bytes) throw tooLong(source, limits);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, size);
}

/** Refuses text that holds control characters (a binary file, /dev/zero under the limit), naming where. */
function checkText(text: string, source: string): string {
  const i = controlCharAt(text);
  if (i >= 0) {
    const code = text.charCodeAt(i);
    const line = text.slice(0, i).split("\n").length;
    const hex = code.toString(16).padStart(2, "0");
    throw new Error(`${source} looks binary, not a text dialogue: control byte 0x${hex} on line ${line}. Give one turn per line of text.`);
  }
  return text;
}

async function readFileBounded(file: string, limits: DialogueLimits): Promise<Buffer> {
  let fd: number;
  try {
    fd = openRegularFile(file, "--file");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw code ? new Error(`Cannot read ${file}: ${code}`) : e;
  }
  // A regular file's size is known before reading it.
  if (fstatSync(fd).size > limits.bytes) {
    closeSync(fd);
    throw tooLong(file, limits);
  }
  try {
    return await readBounded(createReadStream(file, { fd }) as AsyncIterable<Buffer>, file, limits);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new Error(`Cannot read ${file}: ${code}`);
    throw e;
  }
}

/**
 * The dialogue's turns from the arguments, `--file FILE` (`-` for stdin), or stdin when it is not a terminal: one turn
 * per line, bounded by `dialogueLimits()` in bytes and turns.
 */
export async function readDialogue(turns: string[], file: string | undefined, limits: DialogueLimits = dialogueLimits()): Promise<string[]> {
  if (turns.length > 0 && file) throw new Error("Give the dialogue either as arguments or with --file, not both.");
  let dialogue: string[];
  let source: string;
  if (turns.length > 0) {
    source = "the arguments";
    const bytes = turns.reduce((n, t) => n + Buffer.byteLength(t, "utf8") + 1, 0);
    if (bytes > limits.bytes) throw tooLong(source, limits);
    dialogue = checkedTurns(turns.map((t) => checkText(t, source)), source);
  } else if (file || !process.stdin.isTTY) {
    source = file && file !== "-" ? file : "standard input";
    const bytes = file && file !== "-" ? await readFileBounded(file, limits) : await readBounded(process.stdin, source, limits);
    dialogue = turnsOfLines(checkText(decodeUtf8(bytes, source), source), source);
  } else {
    source = "";
    dialogue = [];
  }
  if (dialogue.length === 0) {
    throw new Error('No dialogue given: pass turns as arguments ("I lost my job" "Oh no, what happened?" ...), one per line on stdin, or --file FILE.');
  }
  if (dialogue.length > limits.turns) {
    throw new Error(`The dialogue from ${source} has ${dialogue.length} turns, more than ${limits.turns}: give fewer, or raise INSIDEOUT_MAX_TURNS.`);
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
 * Opens (or creates, owner-only: it holds the user's words; an existing file of ours loses its world permissions, a
 * link or another user's file is refused) the file a chat appends to, so that a path it cannot
 * write is one line before the first model call rather than an error after the first paid turn.
 */
export function openTranscript(file: string): Transcript {
  let fd: number;
  try {
    fd = openOwnFile(file);
  } catch (e) {
    if (e instanceof NotOurFileError) throw new Error(`Cannot write --save ${file}: ${e.message.replace(/^Refusing to write \S+: /, "")}`);
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
