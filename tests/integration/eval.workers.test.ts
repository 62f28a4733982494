/**
 * `insideout eval`'s worker threads (evaluations/workerPool.ts), loaded from the build as the CLI loads them: they
 * give the same records as running the graph in this thread, share one LLM cache file, and a set-up error in a
 * worker is one clear rejection.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { WorkerPool } from "../../dist/evaluations/workerPool.js";
import { exampleRunner, type Outcome, type RunnerConfig } from "../../dist/evaluations/exampleRunner.js";
import { ModelResolver } from "../../dist/models/factory.js";
import type { PredictionRecord } from "../../dist/evaluations/record.js";
import { loadLabelSet } from "../../dist/taxonomy/labelSets.js";
import { RunOptions } from "../../state/runOptions.js";
import { readEdTest } from "../helpers/evalOracle.js";
import { roleHandler, startFakeOpenAI, type FakeOpenAI } from "../helpers/openaiServer.js";

const AGENT_LABEL: Record<string, string> = { anger: "angry", disgust: "disgusted", fear: "afraid", happiness: "joyful", sadness: "sad" };
const N = 30;
let server: FakeOpenAI;
let dir: string;
const saved = { ...process.env };

beforeAll(async () => {
  server = await startFakeOpenAI(
    roleHandler({
      emotion: (role) => (role.kind === "agent" ? (AGENT_LABEL[role.emotion] ?? "surprised") : "devastated"),
      choice: (offered) => offered[0],
      text: () => "That sounds hard.",
    }),
  );
  dir = mkdtempSync(path.join(tmpdir(), "insideout-workers-"));
  // Worker threads copy the environment when they start.
  process.env.OPENAI_BASE_URL = server.url;
  process.env.OPENAI_API_KEY = "sk-test";
});
afterAll(async () => {
  process.env = saved;
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const config: RunnerConfig = {
  task: "erc",
  method: "insideout",
  labelSet: loadLabelSet("ed32"),
  runOptions: RunOptions.parse({ model: "openai:workers", temperature: 0 }),
};

const never = new AbortController().signal;
const recordOf = (o: Outcome): PredictionRecord => {
  if (!("record" in o)) throw new Error(`unfinished: ${o.unfinished.message}`);
  return o.record;
};

const examples = () =>
  readEdTest()
    .slice(0, N)
    .map((e) => ({ id: e.id, dialogue: e.dialogue, emotion: e.emotion, reference: e.reference }));

const withoutTime = ({ latencyMs: _, ...rest }: PredictionRecord) => rest;

describe("eval worker threads", () => {
  it("give the records the eval's own thread gives, and share one LLM cache (6 calls per example)", async () => {
    const here = await exampleRunner(config, new ModelResolver());
    const expected = (await Promise.all(examples().map((e) => here(e)))).map(recordOf);
    expect(expected.every((r) => r.prediction.emotion === "devastated" && !r.error)).toBe(true);

    const cachePath = path.join(dir, "cache.sqlite");
    const first = await WorkerPool.start(2, { runner: config, cachePath, maxConcurrency: 16 });
    const got = (await Promise.all(examples().map((e) => first.run(e, never)))).map(recordOf);
    const firstStats = await first.close();
    expect(got.map(withoutTime)).toEqual(expected.map(withoutTime));
    // Five agents and the llm aggregator: every call of a fresh cache is a miss, then a write.
    expect(firstStats).toEqual({ hits: 0, misses: 6 * N, writes: 6 * N, unreadable: 0 });

    const requests = server.requests.length;
    const second = await WorkerPool.start(2, { runner: config, cachePath, maxConcurrency: 16 });
    const again = (await Promise.all(examples().map((e) => second.run(e, never)))).map(recordOf);
    expect(await second.close()).toEqual({ hits: 6 * N, misses: 0, writes: 0, unreadable: 0 });
    expect(server.requests.length).toBe(requests);
    expect(again.map((r) => r.prediction)).toEqual(expected.map((r) => r.prediction));
  }, 120_000);

  it("a worker that cannot set up rejects the start with its reason", async () => {
    await expect(WorkerPool.start(2, { runner: { ...config, method: "telepathy" }, maxConcurrency: 4 })).rejects.toThrow(
      /Unknown erc method "telepathy"/,
    );
  }, 60_000);
});
