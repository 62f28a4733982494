/** Where InsideOut keeps its files, and how they are created: owner-only, since they hold dialogues and answers. */
import { closeSync, existsSync, fchmodSync, fstatSync, mkdirSync, openSync, readFileSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { cacheDir } from "../core/settings.js";

/** The project root: the nearest folder above this module with the project's package.json (works from dist/ too). */
export function repoRoot(): string | undefined {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, "utf8")) as { name?: unknown }).name === "insideout") return dir;
      } catch {
        // An unreadable package.json is not ours; keep climbing.
      }
    }
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** The development copy of a dataset, `<repo>/../shared/data/<parts>`, when it exists (never inside the repository). */
export function developmentDataDir(...parts: string[]): string | undefined {
  const root = repoRoot();
  if (!root) return undefined;
  const shared = resolve(root, "..", "shared", "data", ...parts);
  return existsSync(shared) ? shared : undefined;
}

export function defaultLlmCachePath(): string {
  return join(cacheDir(), "llm-cache.sqlite");
}

/** `file` as a person reads it in a message: the home folder shown as `~`. */
export function displayPath(file: string): string {
  const home = homedir();
  const abs = resolve(file);
  return home && home !== sep && abs.startsWith(home + sep) ? `~${abs.slice(home.length)}` : abs;
}

/** Creates `dir` and any missing parents as 0700 (existing folders are left as they are). */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
}

/**
 * Creates `file` (and its folder) owner-only if it does not exist yet, so that SQLite, which gives its -wal and -shm
 * files the database file's mode, never makes a world-readable one. An existing file of ours that others can read
 * (made by an older version) is made owner-only too.
 */
export function ensurePrivateFile(file: string): void {
  ensurePrivateDir(dirname(resolve(file)));
  const fd = openSync(file, "a", 0o600);
  try {
    const { mode, uid } = fstatSync(fd);
    if (mode & 0o077 && uid === process.getuid?.()) fchmodSync(fd, 0o600);
  } finally {
    closeSync(fd);
  }
}
