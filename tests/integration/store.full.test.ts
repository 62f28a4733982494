/**
 * A real full disk and a real read-only one: small tmpfs mounts (tests run as root, here and in CI). Each writer must
 * throw one StorageError naming its file the moment a write fails, keep what it had stored, and leave no half file.
 */
import { afterAll, describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { StorageError } from "../../core/errors.js";
import { writeFileAtomic } from "../../evaluations/files.js";
import { SqliteAnswerCache } from "../../store/answerCache.js";
import { ExperimentStore } from "../../store/experiments.js";

const base = mkdtempSync(path.join(tmpdir(), "insideout-full-"));
const mounted: string[] = [];

/** A fresh 256 KiB tmpfs at base/name; the reason it could not be made, if it could not. */
function tmpfs(name: string): { dir: string; failed?: string } {
  const dir = path.join(base, name);
  mkdirSync(dir);
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k,mode=0700", "tmpfs", dir], { stdio: "pipe" });
    mounted.push(dir);
    return { dir };
  } catch (e) {
    return { dir, failed: ((e as { stderr?: Buffer }).stderr?.toString() || String(e)).trim() };
  }
}

const probe = tmpfs("probe");
if (probe.failed) {
  console.warn(`store.full.test.ts SKIPPED: cannot mount a tmpfs here (${probe.failed}); these tests need root, as in CI.`);
}
const describeMounted = probe.failed ? describe.skip : describe;

afterAll(() => {
  for (const dir of mounted.splice(0)) execFileSync("umount", [dir]);
  rmSync(base, { recursive: true, force: true });
});

/** Calls `write(i)` for i = 0, 1, ... until it throws; returns the error and how many calls succeeded. */
function fillUntilError(write: (i: number) => void): { error: unknown; succeeded: number } {
  for (let i = 0; i < 100_000; i++) {
    try {
      write(i);
    } catch (error) {
      return { error, succeeded: i };
    }
  }
  throw new Error("the 256 KiB tmpfs never filled up");
}

const filler = "x".repeat(1500);

describeMounted("a full disk", () => {
  it("SqliteAnswerCache.put throws a StorageError naming the file, and keeps the answers stored before", () => {
    const file = path.join(tmpfs("cache").dir, "insideout", "llm-cache.sqlite");
    const cache = SqliteAnswerCache.open(file);
    const { error, succeeded } = fillUntilError((i) => cache.put(`key-${i}`, { text: `${i} ${filler}`, promptTokens: i, completionTokens: 1 }, "m"));
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).path).toBe(file);
    expect((error as Error).message).toBe(`No space left on the device of ${file}: free some space, or point INSIDEOUT_CACHE_DIR elsewhere.`);
    expect(succeeded).toBeGreaterThan(0);
    expect(cache.get("key-0")).toEqual({ text: `0 ${filler}`, promptTokens: 0, completionTokens: 1 });
    expect(cache.get(`key-${succeeded}`)).toBeUndefined();
    cache.close();
  });

  it("ExperimentStore.put throws a StorageError naming the file, and keeps the records stored before", () => {
    const file = path.join(tmpfs("store").dir, "out", "experiment.sqlite");
    const store = ExperimentStore.open<{ id: string; text: string }>(file, { task: "erc" });
    const { error, succeeded } = fillUntilError((i) => store.put(`ex-${i}`, i, { id: `ex-${i}`, text: filler }));
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).path).toBe(file);
    expect((error as Error).message).toBe(`No space left on the device of ${file}: free some space, or use another --out.`);
    expect(succeeded).toBeGreaterThan(0);
    expect(store.count()).toBe(succeeded);
    store.close();
  });

  it("writeFileAtomic throws a StorageError naming the file, keeps the previous version and leaves no temporary file", async () => {
    const dir = path.join(tmpfs("files").dir, "out");
    const file = path.join(dir, "predictions.jsonl");
    await writeFileAtomic(file, "previous\n");
    const error = await writeFileAtomic(file, filler.repeat(200)).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).path).toBe(file);
    expect((error as Error).message).toBe(`No space left on the device of ${file}: free some space, or write to another folder.`);
    expect(readFileSync(file, "utf8")).toBe("previous\n");
    expect(readdirSync(dir)).toEqual(["predictions.jsonl"]);
  });
});

describeMounted("a read-only disk", () => {
  it("opening the cache or the store, or writing a file there, is a StorageError naming the file", async () => {
    const { dir } = tmpfs("readonly");
    const cacheFile = path.join(dir, "llm-cache.sqlite");
    const storeFile = path.join(dir, "experiment.sqlite");
    SqliteAnswerCache.open(cacheFile).close();
    ExperimentStore.open(storeFile, { task: "erc" }).close();
    execFileSync("mount", ["-o", "remount,ro", dir]);
    expect(() => SqliteAnswerCache.open(cacheFile)).toThrow(
      new RegExp(`^${cacheFile} cannot be written \\(EROFS: .*\\): make it writable, or point INSIDEOUT_CACHE_DIR elsewhere\\.$`),
    );
    expect(() => ExperimentStore.open(storeFile, { task: "erc" })).toThrow(new RegExp(`^${storeFile} cannot be written \\(EROFS: .*\\): make it writable, or use another --out\\.$`));
    const metrics = path.join(dir, "metrics.json");
    await expect(writeFileAtomic(metrics, "{}\n")).rejects.toThrow(new RegExp(`^${metrics} cannot be written \\(EROFS: .*\\): make it writable, or write to another folder\\.$`));
    await expect(writeFileAtomic(metrics, "{}\n")).rejects.toBeInstanceOf(StorageError);
  });
});
