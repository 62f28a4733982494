/**
 * Files we write are ours and owner-only: the experiment store, the LLM cache and a chat's --save file are never
 * written through a planted symbolic link (dangling or not), never another user's file, never a FIFO (which would
 * hang the open), and an existing file of ours that others can read is brought to 0600.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { chmodSync, chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { StorageError } from "../../core/errors.js";
import { SqliteAnswerCache } from "../../store/answerCache.js";
import { ExperimentStore } from "../../store/experiments.js";
import { openTranscript } from "../../cli/dialogue.js";

let dir: string;
let n = 0;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "insideout-own-files-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A fresh folder, as a shared --out another user could write. */
function folder(): string {
  const d = path.join(dir, `case-${++n}`);
  mkdirSync(d);
  return d;
}

/** Another user's file, with what it held and its mode. */
function victim(d: string): { file: string; before: string; mode: number } {
  const file = path.join(d, "victims-notes.txt");
  writeFileSync(file, "private notes\n", { mode: 0o644 });
  chmodSync(file, 0o644);
  return { file, before: "private notes\n", mode: 0o644 };
}

const openers: [string, (file: string) => { close(): void }][] = [
  ["the experiment store", (f) => ExperimentStore.open(f, { task: "erc" })],
  ["the LLM cache", (f) => SqliteAnswerCache.open(f)],
  ["chat --save", (f) => openTranscript(f)],
];

describe.each(openers)("%s", (name, open) => {
  it("refuses a planted symbolic link to another file, which stays as it was (content and mode)", () => {
    const d = folder();
    const v = victim(d);
    const file = path.join(d, "planted");
    symlinkSync(v.file, file);
    expect(() => open(file)).toThrow(/symbolic link/);
    expect(readFileSync(v.file, "utf8")).toBe(v.before);
    expect(statSync(v.file).mode & 0o777).toBe(v.mode);
  });

  it("refuses a dangling symbolic link, creating nothing where it points", () => {
    const d = folder();
    const target = path.join(d, "elsewhere", "created.sqlite");
    mkdirSync(path.dirname(target));
    const file = path.join(d, "dangling");
    symlinkSync(target, file);
    expect(() => open(file)).toThrow(/symbolic link/);
    expect(existsSync(target)).toBe(false);
  });

  it("refuses a FIFO at once instead of hanging", () => {
    const d = folder();
    const file = path.join(d, "fifo");
    execFileSync("mkfifo", [file]);
    const t0 = performance.now();
    expect(() => open(file)).toThrow(/not a regular file/);
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it("refuses another user's file, leaving its mode alone", () => {
    const d = folder();
    const file = path.join(d, "theirs");
    writeFileSync(file, "");
    chmodSync(file, 0o644);
    chownSync(file, 12345, 12345);
    expect(() => open(file)).toThrow(/belongs to another user \(uid 12345\)/);
    expect(statSync(file).mode & 0o777).toBe(0o644);
  });

  it("makes an existing file of ours owner-only (0644 becomes 0600): each holds dialogues", () => {
    const d = folder();
    const file = path.join(d, "ours");
    // An empty file: SQLite makes a database of it, a transcript appends to it.
    writeFileSync(file, "");
    chmodSync(file, 0o644);
    open(file).close();
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });
});

describe("SQLite's side files", () => {
  it("a planted -wal link is refused as a StorageError naming it", () => {
    const d = folder();
    const v = victim(d);
    const file = path.join(d, "experiment.sqlite");
    symlinkSync(v.file, `${file}-wal`);
    expect(() => ExperimentStore.open(file, { task: "erc" })).toThrow(StorageError);
    expect(() => ExperimentStore.open(file, { task: "erc" })).toThrow(/experiment\.sqlite-wal: it is a symbolic link/);
    expect(readFileSync(v.file, "utf8")).toBe(v.before);
  });
});
