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

const call = { name: "recognize", promptTokens: 10, completionTokens: 5, calls: 1, latencyMs: 1, ok: true };

const args = (server: string, out: string) =>
  ["eval", "--task", "erc", "--method", "baseline", "--model", "openai:m", "--labels", "ed32", "--data", data, "--out", out, "--server", server, "--no-progress", "--json"];

describe("eval --server: a final state that is not the run's answer is no record", () => {
  const hostile: [string, (run: RunRequest) => Record<string, unknown>, RegExp][] = [
    ["an empty state", () => ({}), /not its answer \(its dialogue is not the one sent\)/],
    ["the dialogue sent and no emotion", (run) => ({ dialogue: run.input.dialogue }), /it has no emotion/],
    ["a state for another dialogue", (run) => ({ ...answer(run, "afraid", 0.5), dialogue: ["someone else's"] }), /its dialogue is not the one sent/],
    ["an emotion outside the label set", (run) => answer(run, "bewildered", 0.5), /its emotion "bewildered" is not a label of the set/],
    ["a confidence of 5", (run) => answer(run, "afraid", 5), /emotion\.confidence: /],
    ["a state without calls", (run) => ({ ...answer(run, "afraid", 0.5), calls: undefined }), /not its answer \(it records no model call, so its usage is missing\)/],
    ["no call recorded", (run) => ({ ...answer(run, "afraid", 0.5), calls: [] }), /it records no model call/],
    ["promptTokens 1e300", (run) => ({ ...answer(run, "afraid", 0.5), calls: [{ ...call, promptTokens: 1e300 }] }), /calls\.0\.promptTokens: /],
    ["a fractional token count", (run) => ({ ...answer(run, "afraid", 0.5), calls: [{ ...call, completionTokens: 2.5 }] }), /calls\.0\.completionTokens: /],
    ["1e9 requests in one call record", (run) => ({ ...answer(run, "afraid", 0.5), calls: [{ ...call, calls: 1e9 }] }), /calls\.0\.calls: /],
    ["a negative latency", (run) => ({ ...answer(run, "afraid", 0.5), calls: [{ ...call, latencyMs: -1 }] }), /calls\.0\.latencyMs: /],
    [
      "an opinion from an agent the baseline has none of",
      (run) => ({ ...answer(run, "afraid", 0.5), opinions: { bogus: { emotion: "afraid", confidence: 0.5, rationale: "r" } } }),
      /it has an opinion from "bogus", which the run did not select/,
    ],
    ["a baseline decided by vote", (run) => ({ ...answer(run, "afraid", 0.5), emotion: { emotion: "afraid", confidence: 0.5, rationale: "r", decidedBy: "vote" } }), /decided by "vote", which this method does not do/],
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

  it("recognize --server on a state without calls exits non-zero with one line and no cost line", async () => {
    const server = await serve((run) => ({ ...answer(run, "afraid", 0.5), calls: undefined }));
    const r = await runCli(["recognize", "--server", server.url, "--model", "openai:m", "--labels", "ed32", "I lost my keys again."]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/not its answer \(it records no model call, so its usage is missing\)/);
  }, 60_000);

  it("recognize --server with an opinion from an agent the baseline has none of exits non-zero with one line", async () => {
    const server = await serve((run) => ({ ...answer(run, "afraid", 0.5), opinions: { bogus: { emotion: "afraid", confidence: 0.5, rationale: "r" } } }));
    const r = await runCli(["recognize", "--server", server.url, "--model", "openai:m", "--labels", "ed32", "I lost my keys again."]);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/it has an opinion from "bogus", which the run did not select/);
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

describe("eval --server --method insideout: the opinions are the selected agents', the decision the aggregation's", () => {
  const AGENTS = ["anger", "disgust", "fear", "happiness", "sadness"]; // the five Ekman agents, --agents' default
  const opinion = { emotion: "afraid", confidence: 0.5, rationale: "r" };
  const state = (run: RunRequest, o: { agents?: string[]; failed?: string[]; decidedBy?: string; aggregateFailed?: boolean } = {}) => ({
    dialogue: run.input.dialogue,
    emotion: { ...opinion, decidedBy: o.decidedBy ?? "llm" },
    opinions: Object.fromEntries((o.agents ?? AGENTS).map((a) => [a, opinion])),
    candidates: {},
    failures: {
      ...Object.fromEntries((o.failed ?? []).map((a) => [a, "invalid answer after 2 attempts"])),
      ...(o.aggregateFailed ? { aggregate: "invalid answer after 2 attempts" } : {}),
    },
    calls: [...AGENTS.map((a) => ({ ...call, name: `agent:${a}` })), { ...call, name: "aggregate" }],
  });
  const insideout = (server: string, out: string, aggregation: string) =>
    args(server, out).map((x) => (x === "baseline" ? "insideout" : x)).concat(["--aggregation", aggregation]);

  const cases: [string, string, (run: RunRequest) => Record<string, unknown>, RegExp | undefined][] = [
    ["every agent's opinion, decided by llm (the control)", "llm", (run) => state(run), undefined],
    ["a failed agent recorded as a failure", "llm", (run) => state(run, { agents: AGENTS.slice(1), failed: ["anger"] }), undefined],
    ["llm's weighted fallback with the aggregator's failure", "llm", (run) => state(run, { decidedBy: "weighted", aggregateFailed: true }), undefined],
    ["an opinion from an agent not in the run", "llm", (run) => state(run, { agents: [...AGENTS, "bogus"] }), /an opinion from "bogus", which the run did not select/],
    ["an opinion from surprise, not selected", "llm", (run) => state(run, { agents: [...AGENTS, "surprise"] }), /an opinion from "surprise", which the run did not select/],
    ["an agent with neither opinion nor failure", "llm", (run) => state(run, { agents: AGENTS.slice(1) }), /neither an opinion nor a failure for "anger"/],
    ["decided by vote under aggregation llm", "llm", (run) => state(run, { decidedBy: "vote" }), /decided by "vote", which aggregation llm does not do/],
    ["weighted under llm without the aggregator's failure", "llm", (run) => state(run, { decidedBy: "weighted" }), /decided by "weighted", which aggregation llm does not do/],
    ["decided by llm under aggregation vote", "vote", (run) => state(run), /decided by "llm", which aggregation vote does not do/],
  ];
  for (const [name, aggregation, handler, reason] of cases) {
    it(`${name}: ${reason ? "every example unfinished with the reason" : "kept"}`, async () => {
      const server = await serve(handler);
      const out = path.join(dir, `insideout-${name.replace(/\W+/g, "-")}`);
      const r = await spawnCli(insideout(server.url, out, aggregation), {}).done;
      if (!reason) {
        expect(r.stderr).toBe("");
        expect(r.code).toBe(0);
        expect((JSON.parse(r.stdout) as { n: number }).n).toBe(N);
        return;
      }
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(reason);
      expect(r.stderr).toMatch(new RegExp(`${N} of ${N} examples unfinished`));
      expect(existsSync(path.join(out, "metrics.json"))).toBe(false);
    }, 60_000);
  }
});
