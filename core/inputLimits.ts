/**
 * Limits on what we read from users and files, each with a documented default and a setting to raise it
 * (core/settings.ts): a read stops as soon as a limit is passed, so /dev/zero or an endless pipe is one line, not all
 * the memory.
 */
import { setting } from "./settings.js";

/** 1048576 → "1 MiB", 1500 → "1500 bytes": sizes as a user sets them. */
export function formatBytes(n: number): string {
  for (const [unit, size] of [["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]] as const) {
    if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  }
  return `${n} bytes`;
}

export interface DialogueLimits {
  bytes: number;
  turns: number;
}

/** Dialogue bytes read at most (arguments, --file, stdin, a data file's dialogue) and turns at most in one dialogue. */
export function dialogueLimits(): DialogueLimits {
  return { bytes: setting("INSIDEOUT_MAX_DIALOGUE_BYTES"), turns: setting("INSIDEOUT_MAX_TURNS") };
}

/**
 * Why a dialogue of these turns is beyond `limits`, as a phrase after "The dialogue" (its turn count, or its bytes: each
 * turn's UTF-8 and a newline, as the CLI counts them), or undefined when it is within them. Stops counting once over.
 */
export function dialogueOverLimits(turns: readonly string[], limits: DialogueLimits = dialogueLimits()): string | undefined {
  if (turns.length > limits.turns) return `has ${turns.length} turns, more than ${limits.turns}, the most a dialogue may have (INSIDEOUT_MAX_TURNS)`;
  let bytes = 0;
  for (const t of turns) {
    bytes += Buffer.byteLength(t, "utf8") + 1;
    if (bytes > limits.bytes) return `is longer than ${formatBytes(limits.bytes)}, the most a dialogue may hold (INSIDEOUT_MAX_DIALOGUE_BYTES)`;
  }
  return undefined;
}
