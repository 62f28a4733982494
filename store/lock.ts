/**
 * One eval at a time per --out folder. Two evals writing one experiment would each pay for the other's examples;
 * the second one refuses at once instead.
 *
 * The lock is a file in the folder, created with O_EXCL (so exactly one creator wins), holding the owner's pid,
 * hostname and start time. It is removed by `release()` and, best effort, when the process exits. A lock whose
 * process is gone (SIGKILL, a crash, Ctrl-C without handlers) is stale and taken over by the next eval; its pid can
 * only be checked on its own host, so a lock from another host is always respected.
 */
import { closeSync, openSync, statSync, unlinkSync, writeSync } from "node:fs";
import { readRegularFile } from "../core/regularFile.js";
import { hostname } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { ensurePrivateDir } from "./paths.js";
import { storageFailure, type StoredFileKind } from "./storageFailure.js";

export const LOCK_FILE = "eval.lock";

const KIND: StoredFileKind = { name: "The eval lock", whenDamaged: "delete it", elsewhere: "use another --out" };

/** A lock file not readable after this long is left over from a process killed while creating it. */
const UNREADABLE_STALE_MS = 10_000;

interface LockInfo {
  pid: number;
  hostname: string;
  startedAt: string;
  /** Tells this lock from a later one of the same pid. */
  token: string;
}

export interface Lock {
  readonly dir: string;
  readonly file: string;
  /** Removes the lock file if it is still this lock's; safe to call twice. */
  release(): void;
}

/**
 * An `--out` that refuses this eval, before anything runs: another eval is writing to it (`locked`), or it holds an
 * experiment of another configuration (`config`, store/experiments.ts).
 */
export class OutRefused extends Error {
  constructor(
    readonly kind: "locked" | "config",
    message: string,
  ) {
    super(message);
    this.name = "OutRefused";
  }
}

function locked(dir: string, holder: { pid: number; hostname: string; startedAt: string } | undefined): OutRefused {
  return new OutRefused("locked", `Another eval (${holder ? describeHolder(holder) : "its pid unknown"}) is writing to ${dir}: wait for it to finish, or use another --out.`);
}

function describeHolder(h: { pid: number; hostname: string; startedAt: string }): string {
  const host = h.hostname === hostname() ? "" : ` on ${h.hostname}`;
  return `pid ${h.pid}${host}, started ${localMinute(h.startedAt)}`;
}

/** `2026-12-01 23:40` in local time. */
function localMinute(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** Tokens of the locks this process holds: its own pid in a lock file means "held" only for these. */
const heldHere = new Set<string>();

function readLock(file: string): LockInfo | undefined {
  try {
    // Bounded and regular only: a FIFO planted under the lock's name must not hang the eval.
    const v = JSON.parse(readRegularFile(file, "The lock file", 64 << 10).toString("utf8")) as Partial<LockInfo>;
    if (typeof v.pid === "number" && typeof v.hostname === "string" && typeof v.startedAt === "string" && typeof v.token === "string") {
      return v as LockInfo;
    }
  } catch {
    // missing, empty (its creator died before writing) or not ours: the caller decides by age
  }
  return undefined;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to another user.
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

function isStale(info: LockInfo | undefined, file: string): boolean {
  if (!info) {
    try {
      return Date.now() - statSync(file).mtimeMs > UNREADABLE_STALE_MS;
    } catch {
      return true; // gone already
    }
  }
  if (info.hostname !== hostname()) return false;
  // Our own pid in a lock we do not hold: a previous process with the same pid (containers reuse low pids).
  if (info.pid === process.pid) return !heldHere.has(info.token);
  return !processAlive(info.pid);
}

function sameLock(a: LockInfo | undefined, b: LockInfo | undefined): boolean {
  return a === undefined ? b === undefined : b !== undefined && a.token === b.token;
}

/** Creates the lock file with O_EXCL; false if it exists. */
function tryCreate(file: string, info: LockInfo): boolean {
  let fd: number;
  try {
    fd = openSync(file, "wx", 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw e;
  }
  try {
    writeSync(fd, `${JSON.stringify(info)}\n`);
    closeSync(fd);
  } catch (e) {
    closeSync(fd);
    unlinkSync(file);
    throw e;
  }
  return true;
}

/** Sleeps this thread; taking a lock is synchronous and the wait is a few milliseconds. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * Removes a stale lock. Only one process at a time may do so (it holds `<lock>.takeover`, created with O_EXCL), and
 * it re-reads the lock first: so a live lock that a competing eval created in between is never removed. False when
 * another process is taking over right now.
 */
function removeStale(file: string, judged: LockInfo | undefined, info: LockInfo): boolean {
  const guard = `${file}.takeover`;
  if (!tryCreate(guard, info)) {
    // A taker that died inside these few lines leaves its guard behind; it is stale like a lock.
    if (isStale(readLock(guard), guard)) unlinkIfThere(guard);
    return false;
  }
  try {
    const now = readLock(file);
    if (sameLock(now, judged) && isStale(now, file)) unlinkIfThere(file);
  } finally {
    unlinkIfThere(guard);
  }
  return true;
}

function unlinkIfThere(file: string): void {
  try {
    unlinkSync(file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
}

/** Creates the lock file, taking over stale ones; else says who holds it. */
function take(file: string, info: LockInfo): { taken: true } | { taken: false; holder: LockInfo | undefined } {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (tryCreate(file, info)) return { taken: true };
    const holder = readLock(file);
    if (!isStale(holder, file)) return { taken: false, holder };
    if (!removeStale(file, holder, info)) pause(10);
  }
  return { taken: false, holder: readLock(file) };
}

/** Takes the eval lock of `dir` (creating the folder, 0700), or throws an OutRefused (`locked`) naming the running eval. */
export function acquireLock(dir: string): Lock {
  const file = join(dir, LOCK_FILE);
  const info: LockInfo = { pid: process.pid, hostname: hostname(), startedAt: new Date().toISOString(), token: randomBytes(8).toString("hex") };
  let outcome: ReturnType<typeof take>;
  try {
    ensurePrivateDir(dir);
    outcome = take(file, info);
  } catch (e) {
    throw storageFailure(e, file, KIND); // an --out that cannot be written: full, read-only, no permission
  }
  if (!outcome.taken) throw locked(dir, outcome.holder);
  heldHere.add(info.token);
  const release = (): void => {
    process.removeListener("exit", release);
    if (!heldHere.delete(info.token)) return;
    try {
      if (readLock(file)?.token === info.token) unlinkSync(file);
    } catch {
      // best effort: a lock left behind is stale and taken over by the next eval
    }
  };
  process.on("exit", release);
  return { dir, file, release };
}
