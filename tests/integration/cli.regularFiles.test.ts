/**
 * Where a file is expected, only a regular file is read: a named pipe (which would hang the open) or a device such as
 * /dev/zero (which would fill the memory) given as --data, --file, --labels, score --hyp or an experiment's
 * predictions.jsonl for compare, agreement's rating files, score --eqbench and --questions, GIGACHAT_CA_BUNDLE_FILE or a
 * local: model file is one line, exit non-zero, in seconds, no model call.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { runCli } from "../helpers/cli.js";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/openaiServer.js";
import { ED_TEST } from "../helpers/evalOracle.js";

let dir: string;
let fifo: string;
let server: FakeOpenAI;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "insideout-regular-"));
  fifo = path.join(dir, "pipe");
  execFileSync("mkfifo", [fifo]);
  server = await startFakeOpenAI(() => JSON.stringify({ emotion: "sad", confidence: 0.5, rationale: "r" }));
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = () => ({ OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "sk-test-regular-0123", INSIDEOUT_CACHE_DIR: path.join(dir, "cache") });

function refusedQuickly(r: { code: number; stderr: string; ms: number }, pattern: RegExp): void {
  expect(r.code).not.toBe(0);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
  expect(r.ms).toBeLessThan(15_000);
}

describe("a pipe or a device where a file is expected", () => {
  it("eval --data FIFO", async () => {
    const r = await runCli(["eval", "--task", "erc", "--method", "baseline", "--model", "openai:m", "--data", fifo, "--out", path.join(dir, "o1"), "--no-progress"], env());
    refusedQuickly(r, /is not a regular file \(a pipe, device or socket\)/);
    expect(server.requests).toHaveLength(0);
  }, 30_000);

  it("eval --out naming a file: one line naming it and what to do, the file untouched", async () => {
    const file = path.join(dir, "notes.txt");
    writeFileSync(file, "mine\n");
    for (const out of [file, path.join(file, "sub")]) {
      const r = await runCli(["eval", "--task", "erc", "--method", "baseline", "--model", "openai:m", "--limit", "1", "--out", out, "--no-progress"], env());
      refusedQuickly(r, /^insideout: The --out folder \S+notes\.txt(\/sub)? (exists and is not a folder|lies below a file, not a folder): use another --out\.\n?$/);
    }
    expect(readFileSync(file, "utf8")).toBe("mine\n");
    expect(server.requests).toHaveLength(0);
  }, 30_000);

  it("recognize --file FIFO", async () => {
    const r = await runCli(["recognize", "--model", "openai:m", "--file", fifo], env());
    refusedQuickly(r, /--file .*pipe is not a regular file/);
    expect(server.requests).toHaveLength(0);
  }, 30_000);

  it("recognize --labels FIFO named .json is refused as not a regular file", async () => {
    const json = path.join(dir, "labels.json");
    execFileSync("mkfifo", [json]);
    const r = await runCli(["recognize", "--model", "openai:m", "--labels", json, "I lost my keys."], env());
    refusedQuickly(r, /label set file .*labels\.json: not a regular file/);
    expect(server.requests).toHaveLength(0);
  }, 30_000);

  it.each([["a FIFO", () => fifo], ["/dev/zero", () => "/dev/zero"]])("score --hyp %s", async (_, hyp) => {
    const ref = path.join(dir, "ref.txt");
    writeFileSync(ref, "hello there\n");
    const r = await runCli(["score", "--hyp", hyp(), "--ref", ref]);
    refusedQuickly(r, /is not a regular file \(a pipe, device or socket\)/);
  }, 30_000);

  it("compare with predictions.jsonl linked to /dev/zero", async () => {
    // An experiment made for real, then its predictions swapped for /dev/zero.
    const data = path.join(dir, "two.jsonl");
    writeFileSync(data, readFileSync(ED_TEST, "utf8").split("\n").slice(0, 2).join("\n") + "\n");
    const outs = ["a", "b"].map((x) => path.join(dir, `exp-${x}`));
    for (const out of outs) {
      const made = await runCli(["eval", "--task", "erc", "--method", "baseline", "--model", "openai:m", "--data", data, "--out", out, "--no-progress", "--no-cache"], env());
      expect(made.code).toBe(0);
    }
    rmSync(path.join(outs[1]!, "predictions.jsonl"));
    symlinkSync("/dev/zero", path.join(outs[1]!, "predictions.jsonl"));
    mkdirSync(path.join(dir, "cmp"));
    const r = await runCli(["compare", outs[0]!, outs[1]!, "--out", path.join(dir, "cmp")]);
    refusedQuickly(r, /predictions\.jsonl is not a regular file/);
  }, 60_000);
});

describe("every other file the CLI reads", () => {
  const notRegular = /is not a regular file \(a pipe, device or socket\): give a file\.\n?$/;

  it.each([["a FIFO", () => fifo], ["/dev/zero", () => "/dev/zero"]])("agreement %s", async (_, file) => {
    // Before, a FIFO hung the command and /dev/zero was read for 330 MB before its size was known.
    const r = await runCli(["agreement", file(), file()]);
    refusedQuickly(r, notRegular);
  }, 30_000);

  it.each([["a FIFO", () => fifo], ["/dev/zero", () => "/dev/zero"]])("score --eqbench %s", async (_, file) => {
    const r = await runCli(["score", "--eqbench", file()]);
    refusedQuickly(r, notRegular);
  }, 30_000);

  it("score --eqbench with --questions a FIFO", async () => {
    const results = path.join(dir, "results.json");
    writeFileSync(results, "{}");
    const r = await runCli(["score", "--eqbench", results, "--questions", fifo]);
    refusedQuickly(r, notRegular);
  }, 30_000);

  it.each([["a FIFO", () => fifo], ["/dev/zero", () => "/dev/zero"]])("GIGACHAT_CA_BUNDLE_FILE %s", async (_, file) => {
    const r = await runCli(["recognize", "--model", "gigachat:GigaChat-2-Max", "hello"], { GIGACHAT_CREDENTIALS: "abc", GIGACHAT_CA_BUNDLE_FILE: file() });
    refusedQuickly(r, /^insideout: GIGACHAT_CA_BUNDLE_FILE \S+ is not a regular file/);
  }, 30_000);

  it.each([["a FIFO", () => fifo], ["/dev/zero", () => "/dev/zero"]])("--model local:%s is not a regular file, not 'not found'", async (_, file) => {
    const r = await runCli(["recognize", "--model", `local:${file()}`, "hello"], { INSIDEOUT_CACHE_DIR: path.join(dir, "cache") });
    refusedQuickly(r, /^insideout: The model file \S+ is not a regular file/);
  }, 30_000);
});

describe("--out that cannot be a folder", () => {
  it.each([
    ["a name of 300 characters", () => path.join(dir, "x".repeat(300)), /^insideout: The --out folder \S+ has a name too long for the file system: use another --out, with a shorter name\.\n?$/],
    ["/dev/null", () => "/dev/null", /^insideout: The --out folder \/dev\/null exists and is not a folder: use another --out\.\n?$/],
  ])("%s: one line naming --out", async (_, out, pattern) => {
    const before = server.requests.length;
    const r = await runCli(["eval", "--task", "erc", "--method", "baseline", "--model", "openai:m", "--limit", "1", "--out", out(), "--no-progress"], env());
    refusedQuickly(r, pattern);
    expect(server.requests).toHaveLength(before);
  }, 30_000);
});
