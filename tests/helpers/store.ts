/** Helpers for the storage tests: another process's view of a store, damaged files, child processes that use our modules. */
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { closeSync, existsSync, mkdtempSync, openSync, statSync, writeFileSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { REPO } from "./cli.js";

/** Rows the eval's experiment store holds so far (0 before the writer has made it), read from another process's file. */
export function storedRows(out: string): number {
  const file = path.join(out, "experiment.sqlite");
  if (!existsSync(file)) return 0;
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare("SELECT count(*) AS n FROM examples").get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0; // the writer is creating the schema right now
  }
}

/** The permission bits of a file, e.g. 0o600. */
export function modeOf(file: string): number {
  return statSync(file).mode & 0o777;
}

/**
 * Overwrites `pages` 4 KiB pages in the middle of `file` with garbage, as a failing disk might: a fixed
 * pseudo-random sequence, so that every run damages the same bytes.
 */
export function damageMiddle(file: string, pages = 4): void {
  const size = statSync(file).size;
  const garbage = Buffer.alloc(pages * 4096);
  let x = 0x2545f491;
  for (let i = 0; i < garbage.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    garbage[i] = x >>> 24;
  }
  const at = Math.floor(size / 2 / 4096) * 4096;
  const fd = openSync(file, "r+");
  try {
    writeSync(fd, garbage, 0, garbage.length, at);
  } finally {
    closeSync(fd);
  }
}

/** The URL a child script imports one of our TypeScript modules by, e.g. `moduleUrl("store/lock.ts")`. */
export function moduleUrl(relative: string): string {
  return pathToFileURL(path.join(REPO, relative)).href;
}

/** Runs `source` (TypeScript, ESM, may use top-level await) in a child node process through tsx, with `args`. */
export function runChild(source: string, args: string[] = [], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  const script = path.join(mkdtempSync(path.join(tmpdir(), "insideout-child-")), "child.mts");
  writeFileSync(script, source);
  return spawn(process.execPath, ["--import", "tsx", script, ...args], { cwd: REPO, env: { ...process.env, ...env } });
}

/** Everything a child printed, and how it ended. */
export function finished(child: ChildProcessWithoutNullStreams): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
  child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on("close", (code, signal) => resolve({ code, signal, stdout, stderr })));
}

/** Resolves with the child's first stdout line matching `pattern` (rejects if it exits first). */
export function lineFrom(child: ChildProcessWithoutNullStreams, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    let err = "";
    const onData = (c: Buffer): void => {
      buffer += c.toString();
      const line = buffer.split("\n").find((l) => pattern.test(l));
      if (line !== undefined) {
        child.stdout.off("data", onData);
        resolve(line);
      }
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", (c: Buffer) => (err += c.toString()));
    child.on("exit", (code) => reject(new Error(`child exited (${code}) before printing ${pattern}: ${err}`)));
  });
}
