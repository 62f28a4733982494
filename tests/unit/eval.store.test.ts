import { afterEach, describe, expect, it } from "@jest/globals";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { StorageError } from "../../core/errors.js";
import { writeFileAtomic } from "../../evaluations/files.js";
import { ExperimentStore } from "../../store/experiments.js";
import { OutRefused } from "../../store/lock.js";
import { damageMiddle, modeOf } from "../helpers/store.js";

const dirs: string[] = [];
const scratch = (): string => {
  const d = mkdtempSync(path.join(tmpdir(), "insideout-store-"));
  dirs.push(d);
  return d;
};
const fresh = () => path.join(scratch(), "experiment.sqlite");
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const config = { task: "erc", method: "baseline", model: "openai:m", labels: "ed32", split: "ed:test", limit: null, seed: 0 };
const SECRET = "secret-value-4711-abcdef";

/** Runs `fn` with a credential in the environment, as a user's OPENAI_API_KEY would be. */
function withSecret<T>(fn: () => T): T {
  process.env.INSIDEOUT_TEST_API_KEY = SECRET;
  try {
    return fn();
  } finally {
    delete process.env.INSIDEOUT_TEST_API_KEY;
  }
}

/** The bytes of an SQLite file and its WAL, as text, for looking for what must not be there. */
const onDisk = (file: string): string =>
  [file, `${file}-wal`].filter((f) => existsSync(f)).map((f) => readFileSync(f).toString("latin1")).join("");

describe("ExperimentStore", () => {
  it("keeps one record per id (the first), in dataset order, across reopenings", () => {
    const file = fresh();
    const a = ExperimentStore.open<{ v: number }>(file, config);
    expect(a.put("b", 1, { v: 1 })).toBe(true);
    expect(a.put("a", 0, { v: 2 })).toBe(true);
    expect(a.put("b", 1, { v: 3 })).toBe(false);
    a.close();
    const b = ExperimentStore.open<{ v: number }>(file, { ...config });
    expect(b.count()).toBe(2);
    expect(b.get("b")).toEqual({ v: 1 });
    expect(b.get("zz")).toBeUndefined();
    expect(b.all()).toEqual([{ v: 2 }, { v: 1 }]);
    expect([...b.ids()].sort()).toEqual(["a", "b"]);
    expect(b.config()).toEqual(config);
    expect(Date.parse(b.createdAt())).not.toBeNaN();
    b.close();
  });

  it("refuses a different configuration, naming what differs", () => {
    const file = fresh();
    ExperimentStore.open(file, config).close();
    expect(() => ExperimentStore.open(file, { ...config, labels: "ed18", limit: 50 })).toThrow(OutRefused);
    expect(() => ExperimentStore.open(file, { ...config, labels: "ed18" })).toThrow(/labels: stored "ed32", now "ed18".*new --out/);
  });

  it("finds garbage written into the middle of the file when it opens it, and says to move the file aside", () => {
    const file = fresh();
    const store = ExperimentStore.open(file, config);
    for (let i = 0; i < 3000; i++) store.put(`ex-${i}`, i, { id: `ex-${i}`, prediction: "sad", text: "y".repeat(200) });
    store.close();
    damageMiddle(file);
    let error: unknown;
    try {
      ExperimentStore.open(file, config).close();
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).path).toBe(file);
    expect((error as Error).message).toMatch(/^The experiment store \S+experiment\.sqlite is damaged \(.+\): move it aside \(its examples will run again\)\.$/);
  });

  it("reports a stored record that is not JSON as damage, not as a crash in JSON.parse", () => {
    const file = fresh();
    const store = ExperimentStore.open(file, config);
    store.put("a", 0, { v: 1 });
    const raw = new Database(file);
    raw.prepare("UPDATE examples SET record = '{\"v\": 1' WHERE id = 'a'").run();
    raw.close();
    expect(() => store.get("a")).toThrow(StorageError);
    expect(() => store.all()).toThrow(/is damaged \(a stored record is not JSON.*\): move it aside/);
    store.close();
  });

  it("creates the file, its -wal and -shm owner-only, and new folders 0700", () => {
    const root = scratch();
    const file = path.join(root, "out", "x", "experiment.sqlite");
    const store = ExperimentStore.open(file, config);
    store.put("a", 0, { v: 1 });
    expect([file, `${file}-wal`, `${file}-shm`].map(modeOf)).toEqual([0o600, 0o600, 0o600]);
    expect([path.join(root, "out"), path.join(root, "out", "x")].map(modeOf)).toEqual([0o700, 0o700]);
    store.close();
  });

  it("masks secrets in the records it writes: a key echoed into an error never reaches the disk", () => {
    const file = fresh();
    withSecret(() => {
      const store = ExperimentStore.open(file, config);
      store.put("a", 0, { error: `401: invalid key ${SECRET}`, other: "sk-proj-abcdefghijkl" });
      expect(store.get("a")).toEqual({ error: "401: invalid key [secret]", other: "sk…" });
      store.close();
    });
    const bytes = onDisk(file);
    expect(bytes).toContain("401: invalid key");
    expect(bytes).not.toContain(SECRET);
    expect(bytes).not.toContain("abcdefghijkl");
  });

  it("names the path when the file cannot be created", () => {
    const root = scratch();
    writeFileSync(path.join(root, "plain-file"), "");
    expect(() => ExperimentStore.open(path.join(root, "plain-file", "experiment.sqlite"), config)).toThrow(
      /^The experiment store \S+plain-file\/experiment\.sqlite lies below a file, not a folder: use another --out\.$/,
    );
  });
});

describe("writeFileAtomic", () => {
  it("writes owner-only files, makes missing folders 0700, and replaces an existing file whole", async () => {
    const root = scratch();
    const file = path.join(root, "new", "metrics.json");
    await writeFileAtomic(file, "first\n");
    await writeFileAtomic(file, "second\n");
    expect(readFileSync(file, "utf8")).toBe("second\n");
    expect(modeOf(file)).toBe(0o600);
    expect(modeOf(path.join(root, "new"))).toBe(0o700);
    expect(readdirSync(path.join(root, "new"))).toEqual(["metrics.json"]);
  });

  it("masks secrets in the text it writes", async () => {
    const file = path.join(scratch(), "predictions.jsonl");
    await withSecret(() => writeFileAtomic(file, `{"error":"bad key ${SECRET}"}\n`));
    expect(readFileSync(file, "utf8")).toBe('{"error":"bad key [secret]"}\n');
  });

  it("throws a StorageError naming the file when it cannot write, leaving no temporary file", async () => {
    const dir = path.join(scratch(), "out");
    const file = path.join(dir, "metrics.json");
    // A folder holds the target's name: the temporary file is written, then the rename fails.
    mkdirSync(path.join(file, "inner"), { recursive: true });
    const error = await writeFileAtomic(file, "{}\n").then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(StorageError);
    expect((error as StorageError).path).toBe(file);
    expect((error as Error).message).toMatch(/^Cannot open \S+\/out\/metrics\.json \(EISDIR: .*\): check that its folder exists and is writable, or write to another folder\.$/);
    expect(readdirSync(dir)).toEqual(["metrics.json"]);
  });
});
