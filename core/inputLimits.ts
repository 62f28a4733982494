/**
 * Limits on what we read from users and files, each with a documented default and an environment variable to raise
 * it: a read stops as soon as a limit is passed, so /dev/zero or an endless pipe is one line, not all the memory.
 */

/** A whole number from `process.env[name]` (≥ 1), else `fallback`; a bad value is one line naming the variable. */
export function limitFromEnv(name: string, fallback: number, env: NodeJS.ProcessEnv = process.env): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n < 1) throw new Error(`${name}="${raw}" must be a whole number ≥ 1.`);
  return n;
}

/** 1048576 → "1 MiB", 1500 → "1500 bytes": sizes as a user sets them. */
export function formatBytes(n: number): string {
  for (const [unit, size] of [["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]] as const) {
    if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  }
  return `${n} bytes`;
}

/** Dialogue bytes read at most (arguments, --file or stdin); INSIDEOUT_MAX_DIALOGUE_BYTES overrides. */
export const DEFAULT_MAX_DIALOGUE_BYTES = 1 << 20;
/** Turns at most in one dialogue; INSIDEOUT_MAX_TURNS overrides. */
export const DEFAULT_MAX_TURNS = 1000;

export interface DialogueLimits {
  bytes: number;
  turns: number;
}

export function dialogueLimits(env: NodeJS.ProcessEnv = process.env): DialogueLimits {
  return {
    bytes: limitFromEnv("INSIDEOUT_MAX_DIALOGUE_BYTES", DEFAULT_MAX_DIALOGUE_BYTES, env),
    turns: limitFromEnv("INSIDEOUT_MAX_TURNS", DEFAULT_MAX_TURNS, env),
  };
}
