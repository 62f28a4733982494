/**
 * The cost line counts every call the model answered, whatever became of its answer: a server that answers every
 * request with usage (100 prompt + 7 completion tokens) but an answer that errors (finish_reason length or
 * content_filter, a refusal, null or empty content, a lookalike label, an empty or blank reply) is paid for each
 * request. Expected: the server's own request count, times its fixed usage.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawnCli, writeEdSlice } from "../helpers/evalOracle.js";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/openaiServer.js";

const N = 2;
const PROMPT = 100;
const COMPLETION = 7;
let dir: string;
let data: string;
const servers: FakeOpenAI[] = [];

/** A chat completion with a fixed usage, whatever it says. */
const body = (content: string | null, finish: string, extra: Record<string, unknown> = {}) => ({
  status: 200,
  body: JSON.stringify({
    id: "chatcmpl-cost",
    object: "chat.completion",
    created: 1,
    model: "m",
    choices: [{ index: 0, message: { role: "assistant", content, ...extra }, finish_reason: finish }],
    usage: { prompt_tokens: PROMPT, completion_tokens: COMPLETION, total_tokens: PROMPT + COMPLETION },
  }),
});

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "insideout-error-cost-"));
  data = path.join(dir, "first.jsonl");
  writeEdSlice(data, N);
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  rmSync(dir, { recursive: true, force: true });
});

interface Metrics {
  n: number;
  errors: number;
  cost: { llmCalls: number; promptTokens: number; completionTokens: number };
}

const cases: [string, "erc" | "erg", string, ReturnType<typeof body>][] = [
  ["finish_reason length", "erc", "baseline", body('{"emotion": "sa', "length")],
  ["finish_reason length", "erc", "insideout", body('{"emotion": "sa', "length")],
  ["finish_reason content_filter", "erc", "insideout", body(null, "content_filter")],
  ["a refusal", "erc", "baseline", body(null, "stop", { refusal: "I can't help with that." })],
  ["null content", "erc", "insideout", body(null, "stop")],
  // A Cyrillic "а" in "sad": not a label of the set.
  ["a lookalike label", "erc", "insideout", body('{"emotion":"s\u0430d","confidence":0.5,"rationale":"r"}', "stop")],
  ["an empty answer", "erc", "baseline", body("", "stop")],
  ["an empty reply", "erg", "baseline", body("", "stop")],
  ["a blank reply", "erg", "baseline", body("  \n ", "stop")],
];

describe("eval: calls whose answers errored are counted in the cost", () => {
  it.each(cases)("%s (%s %s): every request the server answered, with its tokens", async (name, task, method, answer) => {
    const server = await startFakeOpenAI(() => answer);
    servers.push(server);
    const out = path.join(dir, `${task}-${method}-${name.replace(/\W+/g, "-")}`);
    const r = await spawnCli(
      ["eval", "--task", task, "--method", method, "--model", "openai:m", "--data", data, "--out", out, "--no-progress", "--no-cache", "--json", ...(task === "erg" ? ["--no-judge"] : ["--labels", "ed32"])],
      { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "sk-test-error-cost", INSIDEOUT_MAX_RETRIES: "0" },
    ).done;
    const m = JSON.parse(r.stdout) as Metrics;
    expect(m.errors).toBe(N);
    expect(r.code).toBe(1);
    const asked = server.requests.length;
    expect(asked).toBeGreaterThanOrEqual(N);
    expect(m.cost).toMatchObject({ llmCalls: asked, promptTokens: asked * PROMPT, completionTokens: asked * COMPLETION });
  }, 60_000);
});
