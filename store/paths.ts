/** Where InsideOut keeps its files, and how they are created: owner-only, since they hold dialogues and answers. */
import { closeSync, constants as fsConstants, existsSync, fchmodSync, fstatSync, lstatSync, mkdirSync, openSync, type Stats } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve, sep } from "node:path";
import { repoRoot } from "../core/packageRoot.js";
import { cacheDir } from "../core/settings.js";

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

const { O_APPEND, O_CREAT, O_NOFOLLOW, O_NONBLOCK, O_WRONLY } = fsConstants;

/** A file we were to write that is not ours to write: a link, another user's file, not a regular file. */
export class NotOurFileError extends Error {
  constructor(
    readonly path: string,
    why: string,
  ) {
    super(`Refusing to write ${displayPath(path)}: ${why}; InsideOut writes only regular files of its own user there (use another path, or remove it if it is yours to remove).`);
    this.name = "NotOurFileError";
  }
}

/** Why the open file `fd` is not ours to write, or undefined when it is a regular file of this user. */
function notOurs(fd: number): string | undefined {
  const st = fstatSync(fd);
  if (!st.isFile()) return "it is not a regular file";
  const uid = process.getuid?.();
  if (uid !== undefined && st.uid !== uid) return `it belongs to another user (uid ${st.uid})`;
  return undefined;
}

/**
 * Opens `file` for appending, creating it owner-only, never through a symbolic link (O_NOFOLLOW: a planted or dangling
 * link is refused) and never a FIFO or device (O_NONBLOCK, then fstat); an existing file must be this user's, and is
 * made owner-only (0600 at most): what we append to holds dialogues. Returns the descriptor; NotOurFileError otherwise.
 */
export function openOwnFile(file: string): number {
  let fd: number;
  try {
    fd = openSync(file, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_NONBLOCK, 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ELOOP") throw new NotOurFileError(file, "it is a symbolic link");
    if ((e as NodeJS.ErrnoException).code === "ENXIO") throw new NotOurFileError(file, "it is not a regular file");
    throw e;
  }
  try {
    const why = notOurs(fd);
    if (why) throw new NotOurFileError(file, why);
    const mode = fstatSync(fd).mode & 0o777;
    if (mode & 0o077) fchmodSync(fd, mode & 0o700);
    return fd;
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/**
 * Creates `file` (and its folder) owner-only if it does not exist yet, so that SQLite, which gives its -wal and -shm
 * files the database file's mode, never makes a world-readable one; an existing file must be ours (openOwnFile) and
 * is made owner-only. SQLite's side files, if there, must be regular files of ours too. Returns a check to run once
 * SQLite has opened the path: that it is still the file checked here (not swapped for a link in between).
 */
export function ensurePrivateFile(file: string): () => void {
  ensurePrivateDir(dirname(resolve(file)));
  const fd = openOwnFile(file);
  let checked: { dev: number; ino: number };
  try {
    checked = fstatSync(fd);
  } finally {
    closeSync(fd);
  }
  for (const side of ["-wal", "-shm", "-journal"]) {
    const st = lstatOrUndefined(file + side);
    if (!st) continue;
    if (st.isSymbolicLink()) throw new NotOurFileError(file + side, "it is a symbolic link");
    if (!st.isFile()) throw new NotOurFileError(file + side, "it is not a regular file");
    const uid = process.getuid?.();
    if (uid !== undefined && st.uid !== uid) throw new NotOurFileError(file + side, `it belongs to another user (uid ${st.uid})`);
  }
  return () => {
    const now = lstatOrUndefined(file);
    if (!now || now.isSymbolicLink() || now.dev !== checked.dev || now.ino !== checked.ino) throw new NotOurFileError(file, "it was replaced while being opened");
  };
}

function lstatOrUndefined(file: string): Stats | undefined {
  try {
    return lstatSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw e;
  }
}
