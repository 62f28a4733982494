/**
 * Bad input through the built CLI: one clear line on stderr and a non-zero exit, or, for a dialogue too long for the
 * model, a trimmed run that says so.
 */
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { type FakeOpenAI, startWellBehavedOpenAI } from "../helpers/openaiServer.js";
import { runCli } from "../helpers/cli.js";

let server: FakeOpenAI;
const dir = mkdtempSync(join(tmpdir(), "insideout-badinput-"));

beforeAll(async () => {
  server = await startWellBehavedOpenAI();
});
afterAll(async () => {
  await server.close();
});

const env = () => ({ OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "sk-test" });
const oneLine = (s: string) => expect(s.trim().split("\n")).toHaveLength(1);

describe("bad input", () => {
  it("a dialogue longer than the context is trimmed from the oldest turns, and the run says so", async () => {
    const turns = Array.from({ length: 41 }, (_, i) => `turn-${i} ${"words ".repeat(40)}`);
    const file = join(dir, "long.txt");
    writeFileSync(file, turns.join("\n"));
    const before = server.requests.length;
    const r = await runCli(["recognize", "--json", "--method", "baseline", "--model", "openai:m", "--file", file], {
      ...env(),
      INSIDEOUT_CONTEXT_TOKENS: "3048",
    });
    expect(r.code).toBe(0);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/^insideout: note: The dialogue is longer than the model's context \(3000 characters for the dialogue\): dropped the \d+ oldest of 41 turns\./);
    const out = JSON.parse(r.stdout);
    expect(out.notes).toHaveLength(1);
    const sent = JSON.stringify(server.requests.slice(before));
    expect(sent).toContain("turn-40 ");
    expect(sent).not.toContain("turn-0 ");
  });

  it("the same dialogue within the default context is not trimmed and nothing is said", async () => {
    const r = await runCli(["recognize", "--json", "--method", "baseline", "--model", "openai:m", "a", "b", "c"], env());
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout).notes).toEqual([]);
  });

  it("invalid UTF-8 in --file: the byte offset and line", async () => {
    const file = join(dir, "bad.txt");
    writeFileSync(file, Buffer.concat([Buffer.from("I lost my job.\nOh no!\nI feel "), Buffer.from([0xff, 0xfe]), Buffer.from(" awful\n")]));
    const before = server.requests.length;
    const r = await runCli(["recognize", "--model", "openai:m", "--file", file], env());
    expect(r.code).not.toBe(0);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/bad\.txt is not valid UTF-8: invalid byte 0xff at byte offset 29 \(line 3\)/);
    expect(server.requests.length).toBe(before);
  });

  it("an empty dialogue file", async () => {
    const file = join(dir, "empty.txt");
    writeFileSync(file, "\n  \n\n");
    const r = await runCli(["recognize", "--model", "openai:m", "--file", file], env());
    expect(r.code).not.toBe(0);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/No dialogue given/);
  });

  it("a missing --file", async () => {
    const r = await runCli(["recognize", "--model", "openai:m", "--file", join(dir, "nope.txt")], env());
    expect(r.code).not.toBe(0);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/Cannot read .*nope\.txt: ENOENT/);
  });

  const evalArgs = (data: string, out: string) => [
    "eval", "--task", "erc", "--method", "baseline", "--model", "openai:m", "--data", data, "--out", out, "--no-progress",
  ];
  const evalEnv = () => ({ ...env(), INSIDEOUT_CACHE_DIR: join(dir, "cache") });

  it("eval: malformed JSONL names the line, and nothing is written", async () => {
    const file = join(dir, "bad.jsonl");
    writeFileSync(file, '{"id":"a","dialogue":["hi"],"emotion":"sad"}\n{"id":"b","dialogue":["yo"],"emotion":"sad"}\n{"id":"c", dialogue\n');
    const out = join(dir, "out-jsonl");
    const r = await runCli(evalArgs(file, out), evalEnv());
    expect(r.code).not.toBe(0);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/line 3 of .*bad\.jsonl/);
    expect(existsSync(join(out, "metrics.json"))).toBe(false);
  });

  it("eval: malformed CSV names the line", async () => {
    const file = join(dir, "bad.csv");
    writeFileSync(file, 'conv_id,utterance_idx,context,prompt,speaker_idx,utterance,selfeval,tags\nhit:1,1,sad,x,1,hello,,\nhit:1,2,"broken\n');
    const r = await runCli(evalArgs(file, join(dir, "out-csv")), evalEnv());
    expect(r.code).not.toBe(0);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/line \d+ of .*bad\.csv/);
  });

  it("eval: an output directory that cannot be created is one line before any model call", async () => {
    const data = join(dir, "ok.jsonl");
    writeFileSync(data, '{"id":"a","dialogue":["hi"],"emotion":"sad"}\n');
    const blocker = join(dir, "a-file");
    writeFileSync(blocker, "x");
    const before = server.requests.length;
    const r = await runCli(evalArgs(data, join(blocker, "sub")), evalEnv());
    expect(r.code).not.toBe(0);
    oneLine(r.stderr);
    expect(r.stderr).toMatch(/--out folder \S+a-file\/sub lies below a file, not a folder: use another --out\./);
    expect(server.requests.length).toBe(before);
  });

  it("eval: a --concurrency or INSIDEOUT_MAX_CONCURRENCY beyond the maximum is one line before any model call", async () => {
    // 99999999 put every example's requests in flight at once (1.53 GB for 1500 examples).
    const data = join(dir, "ok-conc.jsonl");
    writeFileSync(data, '{"id":"a","dialogue":["hi"],"emotion":"sad"}\n');
    const before = server.requests.length;
    const flag = await runCli([...evalArgs(data, join(dir, "out-conc")), "--concurrency", "99999999"], evalEnv());
    expect(flag.code).not.toBe(0);
    oneLine(flag.stderr);
    expect(flag.stderr).toMatch(/--concurrency 99999999 is more than 128 examples in flight at once: give at most 128\./);
    const setting = await runCli(evalArgs(data, join(dir, "out-conc2")), { ...evalEnv(), INSIDEOUT_MAX_CONCURRENCY: "99999" });
    expect(setting.code).not.toBe(0);
    oneLine(setting.stderr);
    expect(setting.stderr).toMatch(/INSIDEOUT_MAX_CONCURRENCY="99999" must be a whole number from 1 to 1024\./);
    expect(server.requests.length).toBe(before);
    expect(existsSync(join(dir, "out-conc"))).toBe(false);
  });

  it("eval: an unreachable server fails fast; the example stays unfinished (no record, no metrics), and the exit says so", async () => {
    const data = join(dir, "ok2.jsonl");
    writeFileSync(data, '{"id":"a","dialogue":["hi"],"emotion":"sad"}\n');
    const out = join(dir, "out-unreachable");
    const r = await runCli([...evalArgs(data, out), "--json"], { ...evalEnv(), OPENAI_BASE_URL: "http://127.0.0.1:9/v1" });
    expect(r.ms).toBeLessThan(30_000);
    expect(r.code).toBe(1);
    const m = JSON.parse(r.stdout) as { n?: number; run: { unfinished: { count: number; causes: { message: string }[] } } };
    expect(m.n).toBeUndefined();
    expect(m.run.unfinished.count).toBe(1);
    expect(m.run.unfinished.causes[0]!.message).toMatch(/^Cannot reach the model server at http:\/\/127\.0\.0\.1:9\/v1/);
    expect(r.stderr).toMatch(/1 of 1 examples unfinished .*run the same command again/);
    expect(existsSync(join(out, "metrics.json"))).toBe(false);
  });
});
