/**
 * The answer cache as an eval uses it: several processes, each with worker threads, writing one file at once, and a
 * writer killed with SIGKILL in the middle of its puts.
 */
import { afterAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { SqliteAnswerCache } from "../../store/answerCache.js";
import { finished, modeOf, moduleUrl, runChild } from "../helpers/store.js";

const root = mkdtempSync(path.join(tmpdir(), "insideout-answers-it-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const KEYS = 400;

/**
 * Puts keys 0..KEYS-1 (in an order of its own) with an answer naming the writer, from the main thread and two worker
 * threads, then prints the writes each connection made and what it reads back for every key.
 */
const WRITER = `
import { Worker, isMainThread, workerData, parentPort } from "node:worker_threads";
import { SqliteAnswerCache } from ${JSON.stringify(moduleUrl("store/answerCache.ts"))};
const [file, name] = isMainThread ? process.argv.slice(2) : workerData;
function write(who) {
  const cache = SqliteAnswerCache.open(file);
  const order = Array.from({ length: ${KEYS} }, (_, i) => i).sort((a, b) => ((a * 7919 + who.length * 31) % ${KEYS}) - ((b * 7919 + who.length * 31) % ${KEYS}));
  for (const i of order) cache.put("key-" + i, { text: who, promptTokens: i, completionTokens: 1 }, "m");
  const seen = Array.from({ length: ${KEYS} }, (_, i) => cache.get("key-" + i)?.text);
  const result = { who, writes: cache.stats().writes, seen };
  cache.close();
  return result;
}
if (isMainThread) {
  const workers = [1, 2].map((n) => new Promise((resolve, reject) => {
    // A worker does not inherit tsx's loader: it registers it, then loads this same script.
    const boot = "import('tsx/esm/api').then((t) => { t.register(); return import(" + JSON.stringify(import.meta.url) + "); })";
    const w = new Worker(boot, { eval: true, workerData: [file, name + "/w" + n] });
    w.once("message", resolve);
    w.once("error", reject);
  }));
  const results = [write(name), ...(await Promise.all(workers))];
  console.log(JSON.stringify(results));
} else {
  parentPort.postMessage(write(name));
}
`;

describe("SqliteAnswerCache shared by processes and worker threads", () => {
  it("stores exactly one answer per key, the same one for every reader, with no error", async () => {
    const file = path.join(root, "shared", "llm-cache.sqlite");
    const children = ["p1", "p2", "p3"].map((name) => runChild(WRITER, [file, name]));
    const outs = await Promise.all(children.map(finished));
    for (const o of outs) {
      expect(o.stderr).toBe("");
      expect(o.code).toBe(0);
    }
    const results = outs.flatMap((o) => JSON.parse(o.stdout) as Array<{ who: string; writes: number; seen: string[] }>);
    expect(results).toHaveLength(9);
    // Every key was written once in all: the first put won, the others were ignored.
    expect(results.reduce((n, r) => n + r.writes, 0)).toBe(KEYS);
    const cache = SqliteAnswerCache.open(file);
    expect(cache.size()).toBe(KEYS);
    const final = Array.from({ length: KEYS }, (_, i) => cache.get(`key-${i}`)?.text);
    expect([file, `${file}-wal`, `${file}-shm`].map(modeOf)).toEqual([0o600, 0o600, 0o600]);
    cache.close();
    // Each connection read back, after its own puts, the answer that is in the file now.
    for (const r of results) expect(r.seen).toEqual(final);
    expect(final.every((who) => results.some((r) => r.who === who))).toBe(true);
  });

  it("loses none of the answers a writer had put when it is killed with SIGKILL, and the file stays sound", async () => {
    const file = path.join(root, "killed", "llm-cache.sqlite");
    const child = runChild(
      `
import { SqliteAnswerCache } from ${JSON.stringify(moduleUrl("store/answerCache.ts"))};
const cache = SqliteAnswerCache.open(process.argv[2]);
for (let i = 0; ; i++) {
  cache.put("key-" + i, { text: "answer " + i, promptTokens: i, completionTokens: 1 }, "m");
  process.stdout.write("put " + i + "\\n");
}
`,
      [file],
    );
    let reported = -1;
    let buffer = "";
    await new Promise<void>((resolve) => {
      child.stdout.on("data", (c: Buffer) => {
        buffer += c.toString();
        const lines = buffer.split("\n");
        buffer = lines.pop() ?? "";
        for (const l of lines) reported = Number(/^put (\d+)$/.exec(l)?.[1] ?? reported);
        if (reported >= 300 && !child.killed) {
          child.kill("SIGKILL");
          resolve();
        }
      });
    });
    await new Promise((r) => child.on("close", r));
    const raw = new Database(file, { readonly: true });
    expect(raw.pragma("quick_check", { simple: true })).toBe("ok");
    raw.close();
    const cache = SqliteAnswerCache.open(file);
    for (let i = 0; i <= reported; i++) expect(cache.get(`key-${i}`)).toEqual({ text: `answer ${i}`, promptTokens: i, completionTokens: 1 });
    expect(cache.stats().unreadable).toBe(0);
    cache.close();
  });
});
