import { afterEach, describe, expect, it } from "@jest/globals";
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { StorageError } from "../../core/errors.js";
import type { CachedAnswer } from "../../models/types.js";
import { SqliteAnswerCache } from "../../store/answerCache.js";
import { damageMiddle, modeOf } from "../helpers/store.js";

const dirs: string[] = [];
const scratch = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), "insideout-answers-"));
  dirs.push(d);
  return d;
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const sad: CachedAnswer = { text: '{"label":"sad"}', promptTokens: 31, completionTokens: 5 };
const tool: CachedAnswer = { text: "", toolArgs: { label: "joyful", confidence: 0.5 }, promptTokens: 40, completionTokens: 9 };

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** A cache file of `n` answers, closed. */
function filled(file: string, n: number): void {
  const cache = SqliteAnswerCache.open(file);
  for (let i = 0; i < n; i++) cache.put(`key-${i}`, { text: `answer ${i} ${"x".repeat(200)}`, promptTokens: i, completionTokens: 1 }, "openai:m");
  cache.close();
}

describe("SqliteAnswerCache", () => {
  it("returns what was stored, counts hits, misses and writes, and shares the file between connections", () => {
    const file = path.join(scratch(), "llm-cache.sqlite");
    const a = SqliteAnswerCache.open(file);
    const b = SqliteAnswerCache.open(file);
    expect(a.get("k1")).toBeUndefined();
    a.put("k1", sad, "openai:gpt-4o-mini");
    a.put("k2", tool, "ollama:llama3.2");
    expect(b.get("k1")).toEqual(sad);
    expect(b.get("k2")).toEqual(tool);
    expect(b.get("k3")).toBeUndefined();
    expect(a.stats()).toEqual({ hits: 0, misses: 1, writes: 2, unreadable: 0 });
    expect(b.stats()).toEqual({ hits: 2, misses: 1, writes: 0, unreadable: 0 });
    expect(b.size()).toBe(2);
    a.close();
    b.close();
  });

  it("keeps the first answer stored for a key (a later put neither replaces it nor counts as a write)", () => {
    const file = path.join(scratch(), "c.sqlite");
    const a = SqliteAnswerCache.open(file);
    const b = SqliteAnswerCache.open(file);
    a.put("k", sad, "m");
    b.put("k", tool, "m");
    a.put("k", tool, "m");
    expect(b.get("k")).toEqual(sad);
    expect(a.stats().writes + b.stats().writes).toBe(1);
    a.close();
    b.close();
  });

  it("treats a row it cannot read as a counted miss: not JSON, or a value that no longer matches its checksum", () => {
    const file = path.join(scratch(), "c.sqlite");
    const cache = SqliteAnswerCache.open(file);
    cache.put("good", sad, "m");
    cache.put("altered", sad, "m");
    const raw = new Database(file);
    const insert = raw.prepare("INSERT INTO answers (key, model, answer, sha256, created_at) VALUES (?, 'm', ?, ?, 'now')");
    insert.run("not-json", '{"text": "sa', "0".repeat(64));
    // Garbage inside the value that still parses (sad -> mad): only the checksum can tell.
    raw.prepare("UPDATE answers SET answer = replace(answer, 'sad', 'mad') WHERE key = 'altered'").run();
    raw.close();
    expect(cache.get("not-json")).toBeUndefined();
    expect(cache.get("altered")).toBeUndefined();
    expect(cache.get("good")).toEqual(sad);
    expect(cache.stats()).toEqual({ hits: 1, misses: 2, writes: 2, unreadable: 2 });
    cache.close();
  });

  it("refuses a stored value of the wrong shape even when its checksum matches", () => {
    const file = path.join(scratch(), "c.sqlite");
    const cache = SqliteAnswerCache.open(file);
    const raw = new Database(file);
    const insert = raw.prepare("INSERT INTO answers (key, model, answer, sha256, created_at) VALUES (?, 'm', ?, ?, 'now')");
    // sha256 of the exact text, worked out with `printf '%s' '<text>' | sha256sum`.
    insert.run("no-tokens", '{"text":"sad"}', "2f74b312688d3d7bdee85f3d0b71f05a7f117c618a97ace513eb0e016027c113");
    raw.close();
    const stored = new Database(file, { readonly: true });
    const { answer } = stored.prepare("SELECT answer FROM answers WHERE key = 'no-tokens'").get() as { answer: string };
    stored.close();
    expect(answer).toBe('{"text":"sad"}');
    expect(cache.get("no-tokens")).toBeUndefined();
    expect(cache.stats().unreadable).toBe(1);
    cache.close();
  });

  it("finds garbage written into the middle of a real cache file when it opens it, and names the file and what to do", () => {
    const file = path.join(scratch(), "llm-cache.sqlite");
    filled(file, 3000);
    damageMiddle(file);
    let error: unknown;
    try {
      SqliteAnswerCache.open(file).close();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).path).toBe(file);
    expect((error as StorageError).message).toMatch(
      new RegExp(`^The LLM cache ${escape(file)} is damaged \\(.+\\): delete it \\(it only saves LLM calls\\) or run with --no-cache\\.$`),
    );
    expect((error as Error).message).not.toContain("\n");
  });

  it("reports a file that is not a database at all as damaged", () => {
    const file = path.join(scratch(), "llm-cache.sqlite");
    writeFileSync(file, "this is not an SQLite file, it is a note someone saved here".repeat(200));
    expect(() => SqliteAnswerCache.open(file)).toThrow(/^The LLM cache .*llm-cache\.sqlite is damaged \(file is not a database\): delete it/);
  });

  it("turns damage met during get into a StorageError, never a raw SQLite error", () => {
    const file = path.join(scratch(), "llm-cache.sqlite");
    filled(file, 3000);
    damageMiddle(file, 40);
    const cache = SqliteAnswerCache.open(file, { check: false });
    const failures: unknown[] = [];
    for (let i = 0; i < 3000; i++) {
      try {
        cache.get(`key-${i}`);
      } catch (e) {
        failures.push(e);
      }
    }
    cache.close();
    expect(failures.length).toBeGreaterThan(0);
    for (const e of failures) {
      expect(e).toBeInstanceOf(StorageError);
      expect((e as Error).message).toMatch(/is damaged \(.*\): delete it/);
    }
  });

  it("creates the file, its -wal and -shm owner-only, and the folders it makes 0700", () => {
    const root = scratch();
    const file = path.join(root, "a", "b", "llm-cache.sqlite");
    const cache = SqliteAnswerCache.open(file);
    cache.put("k", sad, "m");
    expect(modeOf(file)).toBe(0o600);
    expect(modeOf(`${file}-wal`)).toBe(0o600);
    expect(modeOf(`${file}-shm`)).toBe(0o600);
    expect(modeOf(path.join(root, "a"))).toBe(0o700);
    expect(modeOf(path.join(root, "a", "b"))).toBe(0o700);
    cache.close();
  });

  it("makes an existing world-readable cache file (from an older version) owner-only", () => {
    const file = path.join(scratch(), "llm-cache.sqlite");
    writeFileSync(file, "");
    chmodSync(file, 0o644);
    SqliteAnswerCache.open(file).close();
    expect(modeOf(file)).toBe(0o600);
  });

  it("never writes a secret of the environment into the file", () => {
    const file = path.join(scratch(), "c.sqlite");
    process.env.INSIDEOUT_TEST_API_KEY = "secret-value-4711-abcdef";
    try {
      const cache = SqliteAnswerCache.open(file);
      cache.put("k", { text: "error: bad key secret-value-4711-abcdef and sk-proj-abcdefghijkl", promptTokens: 1, completionTokens: 1 }, "m");
      expect(cache.get("k")?.text).toBe("error: bad key [secret] and sk…");
      cache.close();
    } finally {
      delete process.env.INSIDEOUT_TEST_API_KEY;
    }
    const bytes = readFileSync(file).toString("latin1");
    expect(bytes).toContain("error: bad key");
    expect(bytes).not.toContain("secret-value-4711");
    expect(bytes).not.toContain("abcdefghijkl");
  });

  it("names the path when the file cannot be created", () => {
    const root = scratch();
    writeFileSync(path.join(root, "plain-file"), "");
    const file = path.join(root, "plain-file", "llm-cache.sqlite");
    expect(() => SqliteAnswerCache.open(file)).toThrow(StorageError);
    expect(() => SqliteAnswerCache.open(file)).toThrow(new RegExp(`^The LLM cache ${escape(file)} lies below a file, not a folder: point INSIDEOUT_CACHE_DIR elsewhere\\.$`));
  });
});
