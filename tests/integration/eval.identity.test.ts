/**
 * A record is the configured model's answer, or nothing: an experiment resumed against another endpoint, with an
 * edited data file, or from a store whose configuration was removed is refused in one line, before any call
 * (through the built CLI against loopback OpenAI-compatible servers).
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import Database from "better-sqlite3";
import { writeEdSlice, spawnCli } from "../helpers/evalOracle.js";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/openaiServer.js";

const N = 6;
let dir: string;
let data: string;
let a: FakeOpenAI;
let b: FakeOpenAI;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "insideout-identity-"));
  data = path.join(dir, "first.jsonl");
  writeEdSlice(data, N);
  // Two servers that answer differently: mixing their records would report neither's accuracy.
  a = await startFakeOpenAI(() => JSON.stringify({ emotion: "afraid", confidence: 0.5, rationale: "r" }));
  b = await startFakeOpenAI(() => JSON.stringify({ emotion: "angry", confidence: 0.5, rationale: "r" }));
});

afterAll(async () => {
  await Promise.all([a.close(), b.close()]);
  rmSync(dir, { recursive: true, force: true });
});

function args(out: string, more: string[] = []): string[] {
  return ["eval", "--task", "erc", "--method", "baseline", "--model", "openai:m", "--data", data, "--out", out, "--no-progress", "--no-cache", "--json", ...more];
}

const env = (url: string) => ({ OPENAI_BASE_URL: url, OPENAI_API_KEY: "sk-identity-0123456789", INSIDEOUT_MAX_RETRIES: "0" });

describe("an HTTP 400 on every call", () => {
  it("is no result: every example unfinished, exit 1, no metrics.json reporting accuracy 0", async () => {
    const refusing = await startFakeOpenAI(() => ({ status: 400, body: JSON.stringify({ error: { message: "bad request", type: "invalid_request_error" } }) }));
    try {
      const out = path.join(dir, "all-400");
      const r = await spawnCli(args(out), env(refusing.url)).done;
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`${N} of ${N} examples unfinished \\(${N} × The model server at \\S+ refused the request \\(HTTP 400: bad request\\)`));
      expect(existsSync(path.join(out, "metrics.json"))).toBe(false);
    } finally {
      await refusing.close();
    }
  }, 60_000);
});

describe("an experiment's identity", () => {
  it("refuses a resume against another endpoint, in one line naming both, with no call", async () => {
    const out = path.join(dir, "endpoint");
    const first = await spawnCli(args(out), env(a.url)).done;
    expect(first.code).toBe(0);
    expect(a.requests.length).toBe(N);
    const second = await spawnCli(args(out), env(b.url)).done;
    expect(second.code).not.toBe(0);
    const lines = second.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(`modelEndpoint: stored "${a.url.replace(/\/+$/, "")}`);
    expect(lines[0]).toContain(b.url.replace(/\/+$/, ""));
    expect(b.requests.length).toBe(0);
  }, 60_000);

  it("refuses a resume after the data file's gold labels were edited", async () => {
    const out = path.join(dir, "data");
    const own = path.join(dir, "edited.jsonl");
    writeFileSync(own, readFileSync(data));
    const ownArgs = args(out).map((x) => (x === data ? own : x));
    expect((await spawnCli(ownArgs, env(a.url)).done).code).toBe(0);
    const rows = readFileSync(own, "utf8").trim().split("\n").map((l) => JSON.parse(l) as { emotion: string });
    rows[0]!.emotion = rows[0]!.emotion === "angry" ? "sad" : "angry";
    writeFileSync(own, rows.map((r) => JSON.stringify(r)).join("\n") + "\n");
    const before = a.requests.length;
    const second = await spawnCli(ownArgs, env(a.url)).done;
    expect(second.code).not.toBe(0);
    expect(second.stderr.trim().split("\n")).toHaveLength(1);
    expect(second.stderr).toMatch(/dataSha256: stored "[0-9a-f]{64}", now "[0-9a-f]{64}"/);
    expect(a.requests.length).toBe(before);
  }, 60_000);

  it.each([
    // The defaults as docs/settings.md states them: responseFormat for a model not named gpt-3*/gpt-4, an 8192-token window.
    ["INSIDEOUT_STRUCTURED_OUTPUT", "prompt", 'modelStructuredOutput: stored "responseFormat", now "prompt"'],
    ["INSIDEOUT_CONTEXT_TOKENS", "300", "modelContextTokens: stored 8192, now 300"],
  ])("refuses a resume with %s=%s (it changes what is sent), in one line, with no call", async (name, value, difference) => {
    const out = path.join(dir, `shape-${name}`);
    expect((await spawnCli(args(out, ["--limit", "2"]), env(a.url)).done).code).toBe(0);
    const before = a.requests.length;
    const second = await spawnCli(args(out, ["--limit", "2"]), { ...env(a.url), [name]: value }).done;
    expect(second.code).not.toBe(0);
    const lines = second.stderr.trim().split("\n");
    expect(lines).toHaveLength(1);
    expect(lines[0]).toContain(difference);
    expect(a.requests.length).toBe(before);
    // The same settings as the first run resume it (nothing left to ask).
    const third = await spawnCli(args(out, ["--limit", "2"]), env(a.url)).done;
    expect(third.code).toBe(0);
    expect(a.requests.length).toBe(before);
  }, 60_000);

  it("refuses a store made before the request-shaping keys existed, naming the first missing key", async () => {
    const out = path.join(dir, "older");
    expect((await spawnCli(args(out, ["--limit", "2"]), env(a.url)).done).code).toBe(0);
    const db = new Database(path.join(out, "experiment.sqlite"));
    const row = db.prepare("SELECT value FROM meta WHERE key = 'config'").get() as { value: string };
    const config = JSON.parse(row.value) as Record<string, unknown>;
    delete config.modelStructuredOutput;
    delete config.modelContextTokens;
    db.prepare("UPDATE meta SET value = ? WHERE key = 'config'").run(JSON.stringify(config));
    db.close();
    const second = await spawnCli(args(out, ["--limit", "2"]), env(a.url)).done;
    expect(second.code).not.toBe(0);
    expect(second.stderr.trim().split("\n")).toHaveLength(1);
    expect(second.stderr).toContain('modelStructuredOutput: stored null, now "responseFormat"');
  }, 60_000);

  it("names a store whose configuration row was deleted as damaged, instead of reporting its records as another method's", async () => {
    const out = path.join(dir, "config-row");
    expect((await spawnCli(args(out), env(a.url)).done).code).toBe(0);
    const db = new Database(path.join(out, "experiment.sqlite"));
    db.prepare("DELETE FROM meta WHERE key = 'config'").run();
    db.close();
    const before = a.requests.length;
    const second = await spawnCli(args(out).map((x) => (x === "baseline" ? "insideout" : x)), env(a.url)).done;
    expect(second.code).not.toBe(0);
    expect(second.stderr.trim().split("\n")).toHaveLength(1);
    expect(second.stderr).toMatch(/experiment\.sqlite is damaged \(its configuration is missing/);
    expect(a.requests.length).toBe(before);
  }, 60_000);

  it("names the file when a stored record is null or {}", async () => {
    const out = path.join(dir, "null-record");
    expect((await spawnCli(args(out), env(a.url)).done).code).toBe(0);
    const db = new Database(path.join(out, "experiment.sqlite"));
    db.prepare("UPDATE examples SET record = 'null' WHERE position = 0").run();
    db.close();
    const second = await spawnCli(args(out), env(a.url)).done;
    expect(second.code).not.toBe(0);
    expect(second.stderr.trim().split("\n")).toHaveLength(1);
    expect(second.stderr).toMatch(/experiment\.sqlite is damaged \(a stored record \(example "[^"]+"\) is null, not an object\)/);
    const db2 = new Database(path.join(out, "experiment.sqlite"));
    db2.prepare("UPDATE examples SET record = '{}' WHERE position = 0").run();
    db2.close();
    const third = await spawnCli(args(out), env(a.url)).done;
    expect(third.code).not.toBe(0);
    expect(third.stderr.trim().split("\n")).toHaveLength(1);
    expect(third.stderr).toMatch(/experiment\.sqlite is damaged \(a stored record \(example "[^"]+"\) has no id\)/);
  }, 60_000);
});
