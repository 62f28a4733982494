/**
 * Limits on what we read from users and files, each with a documented default and a setting to raise it
 * (core/settings.ts): a read stops as soon as a limit is passed, so /dev/zero or an endless pipe is one line, not all
 * the memory.
 */

/** 1048576 → "1 MiB", 1500 → "1500 bytes": sizes as a user sets them. */
export function formatBytes(n: number): string {
  for (const [unit, size] of [["GiB", 2 ** 30], ["MiB", 2 ** 20], ["KiB", 2 ** 10]] as const) {
    if (n >= size && n % size === 0) return `${n / size} ${unit}`;
  }
  return `${n} bytes`;
}
