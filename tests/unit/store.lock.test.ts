import { afterEach, describe, expect, it } from "@jest/globals";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { hostname, tmpdir } from "node:os";
import path from "node:path";
import { StorageError } from "../../core/errors.js";
import { acquireLock, LOCK_FILE, OutRefused, type Lock } from "../../store/lock.js";
import { finished, lineFrom, modeOf, moduleUrl, runChild } from "../helpers/store.js";

const dirs: string[] = [];
const held: Lock[] = [];
const scratch = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), "insideout-lock-"));
  dirs.push(d);
  return d;
};
afterEach(() => {
  held.splice(0).forEach((l) => l.release());
  dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true }));
});
const take = (dir: string): Lock => {
  const lock = acquireLock(dir);
  held.push(lock);
  return lock;
};

/** A pid that belonged to a process of this host that has exited. */
function deadPid(): number {
  const child = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]);
  return Number(child.stdout.toString());
}

function writeLock(dir: string, holder: { pid: number; hostname: string; startedAt: string }): void {
  writeFileSync(path.join(dir, LOCK_FILE), JSON.stringify({ ...holder, token: "0123456789abcdef" }));
}

const lockedMessage = (pid: number, dir: string, host = "") =>
  new RegExp(`^Another eval \\(pid ${pid}${host}, started \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d\\) is writing to ${dir.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: wait for it to finish, or use another --out\\.$`);

/** A child process that takes the lock of argv[2], says so, and holds it until it is told to exit (stdin closes). */
const HOLDER = `
import { acquireLock } from ${JSON.stringify(moduleUrl("store/lock.ts"))};
try {
  acquireLock(process.argv[2]);
  console.log("locked " + process.pid);
} catch (e) {
  console.log("refused " + e.message);
  process.exit(3);
}
process.stdin.resume();
process.stdin.on("end", () => process.exit(0));
`;

describe("acquireLock", () => {
  it("writes a lock file (owner-only) holding this process's pid, hostname and start time", () => {
    const dir = path.join(scratch(), "experiments", "x");
    const before = Date.now();
    const lock = take(dir);
    expect(lock.file).toBe(path.join(dir, LOCK_FILE));
    const info = JSON.parse(readFileSync(lock.file, "utf8")) as { pid: number; hostname: string; startedAt: string };
    expect(info.pid).toBe(process.pid);
    expect(info.hostname).toBe(hostname());
    expect(Date.parse(info.startedAt)).toBeGreaterThanOrEqual(before - 1000);
    expect(modeOf(lock.file)).toBe(0o600);
    expect(modeOf(dir)).toBe(0o700);
  });

  it("refuses a second eval on the same folder with one line, and lets it in once the first releases", () => {
    const dir = scratch();
    const first = take(dir);
    let error: unknown;
    try {
      take(dir);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(OutRefused);
    expect((error as OutRefused).kind).toBe("locked");
    expect((error as Error).message).toMatch(lockedMessage(process.pid, dir));
    first.release();
    first.release(); // twice is harmless
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false);
    take(dir);
  });

  it("takes over a stale lock: its pid is not alive on this host", () => {
    const dir = scratch();
    writeLock(dir, { pid: deadPid(), hostname: hostname(), startedAt: "2026-01-01T00:00:00.000Z" });
    const lock = take(dir);
    expect((JSON.parse(readFileSync(lock.file, "utf8")) as { pid: number }).pid).toBe(process.pid);
  });

  it("takes over a lock with this process's own pid that this process does not hold (a reused pid)", () => {
    const dir = scratch();
    writeLock(dir, { pid: process.pid, hostname: hostname(), startedAt: "2026-01-01T00:00:00.000Z" });
    take(dir);
  });

  it("respects a lock from another host, whose pid it cannot check", () => {
    const dir = scratch();
    const startedAt = new Date(2026, 11, 1, 23, 40).toISOString(); // local time 2026-12-01 23:40
    writeLock(dir, { pid: deadPid(), hostname: "elsewhere.example", startedAt });
    expect(() => take(dir)).toThrow(OutRefused);
    expect(() => take(dir)).toThrow(/^Another eval \(pid \d+ on elsewhere\.example, started 2026-12-01 23:40\) is writing to /);
  });

  it("takes over an unreadable lock file only once it is old (its creator died before writing it)", () => {
    const dir = scratch();
    const file = path.join(dir, LOCK_FILE);
    writeFileSync(file, "");
    expect(() => take(dir)).toThrow(/^Another eval \(its pid unknown\) is writing to /);
    const old = (Date.now() - 60_000) / 1000;
    utimesSync(file, old, old);
    take(dir);
  });

  it("a named pipe planted under the lock's name is refused at once, not read (which would hang)", () => {
    const dir = scratch();
    spawnSync("mkfifo", [path.join(dir, LOCK_FILE)]);
    const t0 = Date.now();
    expect(() => take(dir)).toThrow(/^Another eval \(its pid unknown\) is writing to /);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it("says which path cannot be written when the folder cannot be made", () => {
    const root = scratch();
    writeFileSync(path.join(root, "plain-file"), "");
    expect(() => acquireLock(path.join(root, "plain-file", "out"))).toThrow(StorageError);
  });
});

describe("acquireLock across processes", () => {
  it("refuses while another process holds the lock, and gets it when that process exits normally", async () => {
    const dir = scratch();
    const child = runChild(HOLDER, [dir]);
    const done = finished(child);
    const line = await lineFrom(child, /^(locked|refused)/);
    expect(line).toBe(`locked ${child.pid}`);
    expect(() => take(dir)).toThrow(lockedMessage(child.pid!, dir));
    child.stdin.end();
    expect((await done).code).toBe(0);
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(false); // removed by the exit handler
    take(dir);
  });

  it("takes over the lock of a process killed with SIGKILL", async () => {
    const dir = scratch();
    const child = runChild(HOLDER, [dir]);
    const done = finished(child);
    await lineFrom(child, /^locked/);
    child.kill("SIGKILL");
    expect((await done).signal).toBe("SIGKILL");
    expect(existsSync(path.join(dir, LOCK_FILE))).toBe(true); // no handler ran
    take(dir);
  });

  it("lets exactly one of several processes in when they race for a stale lock", async () => {
    const dir = scratch();
    writeLock(dir, { pid: deadPid(), hostname: hostname(), startedAt: "2026-01-01T00:00:00.000Z" });
    const at = Date.now() + 1500;
    const racer = `
import { acquireLock } from ${JSON.stringify(moduleUrl("store/lock.ts"))};
while (Date.now() < ${at}) {}
try {
  acquireLock(process.argv[2]);
  console.log("locked");
} catch (e) {
  console.log(e.name === "OutRefused" && e.kind === "locked" ? "refused" : "failed " + e.message);
}
setTimeout(() => process.exit(0), 1500);
`;
    const children = Array.from({ length: 6 }, () => runChild(racer, [dir]));
    const outcomes = (await Promise.all(children.map(finished))).map((r) => r.stdout.trim());
    expect(outcomes.filter((o) => o === "locked")).toHaveLength(1);
    expect(outcomes.filter((o) => o === "refused")).toHaveLength(5);
  });
});
