/**
 * Turns what SQLite or the file system reports (SQLITE_FULL, ENOSPC, a malformed page, ...) into one StorageError
 * line that names the file and says what to do, and opens SQLite files only after checking them.
 */
import Database from "better-sqlite3";
import { lstatSync } from "node:fs";
import { StorageError } from "../core/errors.js";
import { displayPath, ensurePrivateFile, NotOurFileError } from "./paths.js";

/** How a message speaks of one kind of file. */
export interface StoredFileKind {
  /** e.g. "The LLM cache". */
  name: string;
  /** What to do with a damaged file, e.g. "delete it (it only saves LLM calls) or run with --no-cache". */
  whenDamaged: string;
  /** Where else to write, e.g. "use another --out". */
  elsewhere: string;
}

/** SQLite's (extended) result code, or the file system's errno code. */
function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === "string" ? code : undefined;
}

function syscallOf(error: unknown): string | undefined {
  const syscall = (error as { syscall?: unknown } | null)?.syscall;
  return typeof syscall === "string" ? syscall : undefined;
}

function detailOf(error: unknown): string {
  // Not `instanceof Error`: errors from another realm (a vm context, a worker) are errors too.
  const message = (error as { message?: unknown } | null)?.message;
  return (typeof message === "string" ? message : String(error)).split("\n")[0]!;
}

export function damaged(file: string, kind: StoredFileKind, detail: string, cause?: unknown): StorageError {
  return new StorageError(`${kind.name} ${displayPath(file)} is damaged (${detail}): ${kind.whenDamaged}.`, file, { cause });
}

/** The StorageError for a failed read or write of `file`. */
export function storageFailure(error: unknown, file: string, kind: StoredFileKind): StorageError {
  if (error instanceof StorageError) return error;
  if (error instanceof NotOurFileError) return new StorageError(error.message, file, { cause: error });
  const code = codeOf(error) ?? "";
  const detail = detailOf(error);
  const p = displayPath(file);
  const say = (message: string) => new StorageError(message, file, { cause: error });
  if (/^SQLITE_(CORRUPT|NOTADB)/.test(code)) return damaged(file, kind, detail, error);
  if (code === "SQLITE_FULL" || code === "ENOSPC" || code === "EDQUOT") return say(`No space left on the device of ${p}: free some space, or ${kind.elsewhere}.`);
  if (code.startsWith("SQLITE_READONLY") || code === "EROFS") return say(`${p} cannot be written (${detail}): make it writable, or ${kind.elsewhere}.`);
  if (code === "EACCES" || code === "EPERM" || code === "SQLITE_PERM") return say(`No permission to write ${p}: change its permissions, or ${kind.elsewhere}.`);
  if (code.startsWith("SQLITE_IOERR") || code === "EIO") return say(`Cannot write ${p} (disk I/O error: ${detail}): check the device, or ${kind.elsewhere}.`);
  if (code === "ENAMETOOLONG") return say(`${kind.name} ${p} has a name too long for the file system: ${kind.elsewhere}, with a shorter name.`);
  // mkdir of a path that is already a file (or a device such as /dev/null), or below a file.
  if ((code === "EEXIST" || code === "ENOTDIR") && syscallOf(error) === "mkdir") {
    const itself = code === "EEXIST" && (error as { path?: unknown }).path === file;
    return say(`${kind.name} ${p} ${itself ? "exists and is not a folder" : "lies below a file, not a folder"}: ${kind.elsewhere}.`);
  }
  if (code.startsWith("SQLITE_CANTOPEN") || code === "ENOENT" || code === "ENOTDIR" || code === "EISDIR" || code === "EEXIST") {
    return say(`Cannot open ${p} (${detail}): check that its folder exists and is writable, or ${kind.elsewhere}.`);
  }
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return say(`${kind.name} ${p} stayed locked by another process (${detail}): wait for it to finish, or ${kind.elsewhere}.`);
  }
  return say(`${kind.name} ${p} cannot be used (${code ? `${code}: ` : ""}${detail}): ${kind.elsewhere}.`);
}

/** Runs `fn`; any failure of the file becomes its StorageError. */
export function guarded<T>(file: string, kind: StoredFileKind, fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw storageFailure(e, file, kind);
  }
}

export interface OpenOptions {
  /**
   * Run `PRAGMA quick_check` (every page's structure) before use; default true. A worker thread that opens a file
   * its parent has just checked may skip it.
   */
  check?: boolean;
}

/**
 * Opens (creating it owner-only if new) an SQLite file shared by several processes and threads: WAL, a busy timeout,
 * and a structural check, so that a damaged file is one StorageError now rather than wrong answers later.
 */
export function openSqlite(file: string, kind: StoredFileKind, options: OpenOptions = {}): Database.Database {
  const inMemory = file === ":memory:";
  let db: Database.Database | undefined;
  try {
    const stillChecked = inMemory ? undefined : ensurePrivateFile(file);
    db = new Database(file);
    stillChecked?.();
    db.pragma("busy_timeout = 10000");
    db.pragma("journal_mode = WAL");
    // NORMAL in WAL mode: a committed transaction survives a killed process (only a power cut can lose the tail).
    db.pragma("synchronous = NORMAL");
    if (options.check !== false && !inMemory) {
      const problems = (db.pragma("quick_check") as Array<{ quick_check: string }>).map((r) => r.quick_check);
      if (problems.length !== 1 || problems[0] !== "ok") throw damaged(file, kind, problems.slice(0, 2).join("; ").replace(/\s+/g, " "));
    }
    return db;
  } catch (e) {
    db?.close();
    throw storageFailure(e, file, kind);
  }
}

/**
 * Opens an existing SQLite file to read it only (`insideout compare` reading an experiment's records): no file created
 * or chmodded, a regular file only, checked like `openSqlite`'s.
 */
export function openSqliteToRead(file: string, kind: StoredFileKind): Database.Database {
  let db: Database.Database | undefined;
  try {
    if (!lstatSync(file).isFile()) throw damaged(file, kind, "it is not a regular file");
    db = new Database(file, { readonly: true, fileMustExist: true });
    db.pragma("busy_timeout = 10000");
    const problems = (db.pragma("quick_check") as Array<{ quick_check: string }>).map((r) => r.quick_check);
    if (problems.length !== 1 || problems[0] !== "ok") throw damaged(file, kind, problems.slice(0, 2).join("; ").replace(/\s+/g, " "));
    return db;
  } catch (e) {
    db?.close();
    const code = codeOf(e);
    if (code === "EACCES" || code === "EPERM") throw new StorageError(`No permission to read ${displayPath(file)}: change its permissions, or ${kind.elsewhere}.`, file, { cause: e });
    throw storageFailure(e, file, kind);
  }
}
