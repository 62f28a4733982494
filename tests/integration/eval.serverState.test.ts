/**
 * A LangGraph server's final state is a record only when it is the run's answer: the dialogue sent, a label of the
 * set, a confidence in [0, 1], a reply for ERG. A hostile server (tests/helpers/fakeLangGraph.ts) that sends anything
 * else leaves the example unfinished with the reason (eval exits 1, no metrics), and recognize exits non-zero.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { writeEdSlice, spawnCli } from "../helpers/evalOracle.js";
import { runCli } from "../helpers/cli.js";
import { startFakeLangGraph, type FakeLangGraph, type RunRequest } from "../helpers/fakeLangGraph.js";

const N = 4;
let dir: string;
let data: string;
const servers: FakeLangGraph[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "insideout-server-state-"));
  data = path.join(dir, "first.jsonl");
  writeEdSlice(data, N);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

async function serve(handler: (run: RunRequest) => Record<string, unknown>): Promise<FakeLangGraph> {
  const s = await startFakeLangGraph(handler);
  servers.push(s);
  return s;
}

const answer = (run: RunRequest, emotion: string, confidence: number) => ({
  dialogue: run.input.dialogue,
  emotion: { emotion, confidence, rationale: "r", decidedBy: "recognizer" },
  opinions: {},
  candidates: {},
  failures: {},
  calls: [{ name: "recognize", promptTokens: 10, completionTokens: 5, calls: 1, latencyMs: 1, ok: true }],
});

const args = (server: string, out: string) =>
  ["eval", "--task", "erc", "--method", "baseline", "--model", "openai:m", "--labels", "ed32", "--data", data, "--out", out, "--server", server, "--no-progress", "--json"];

describe("eval --server: a final state that is not the run's answer is no record", () => {
  const hostile: [string, (run: RunRequest) => Record<string, unknown>, RegExp][] = [
    ["an empty state", () => ({}), /not its answer \(its dialogue is not the one sent\)/],
    ["the dialogue sent and no emotion", (run) => ({ dialogue: run.input.dialogue }), /it has no emotion/],
    ["a state for another dialogue", (run) => ({ ...answer(run, "afraid", 0.5), dialogue: ["someone else's"] }), /its dialogue is not the one sent/],
    ["an emotion outside the label set", (run) => answer(run, "bewildered", 0.5), /its emotion "bewildered" is not a label of the set/],
    ["a confidence of 5", (run) => answer(run, "afraid", 5), /emotion\.confidence: /],
  ];
  for (const [name, handler, reason] of hostile) {
    it(`${name}: every example unfinished with the reason, exit 1, no metrics`, async () => {
      const server = await serve(handler);
      const out = path.join(dir, name.replace(/\W+/g, "-"));
      const r = await spawnCli(args(server.url, out), {}).done;
      expect(r.code).toBe(1);
      expect(server.runs.length).toBeGreaterThanOrEqual(1);
      expect(r.stderr).toMatch(reason);
      expect(existsSync(path.join(out, "metrics.json"))).toBe(false);
    }, 60_000);
  }

  it("a state that is the answer is kept (the control)", async () => {
    const server = await serve((run) => answer(run, "afraid", 0.5));
    const out = path.join(dir, "control");
    const r = await spawnCli(args(server.url, out), {}).done;
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { n: number }).n).toBe(N);
  }, 60_000);

  it("recognize --server on an empty state exits non-zero with one line and no cost line", async () => {
    const server = await serve(() => ({}));
    const r = await runCli(["recognize", "--server", server.url, "--model", "openai:m", "--labels", "ed32", "I lost my keys again."]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/not its answer \(its dialogue is not the one sent\)/);
  }, 60_000);
});
