/**
 * eval --batch: a batch line that is no chat completion (`choices: []`, a body that is not JSON) is no answer, as it
 * is without --batch: the example stays unfinished, no metrics are written, and the request is asked again next run.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { writeEdSlice, spawnCli } from "../helpers/evalOracle.js";
import { startFakeBatchApi, type FakeBatchApi } from "../helpers/batchServer.js";

const N = 4;
let dir: string;
let data: string;
const apis: FakeBatchApi[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "insideout-batch-answers-"));
  data = path.join(dir, "first.jsonl");
  writeEdSlice(data, N);
});

afterAll(async () => {
  await Promise.all(apis.map((a) => a.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe("eval --batch: a line that is no completion", () => {
  it.each([
    ["choices: []", JSON.stringify({ id: "x", object: "chat.completion", choices: [], usage: { prompt_tokens: 1, completion_tokens: 1 } }), /no choices in the answer/],
    ["a body that is not JSON", "<html>busy</html>", /a body that is not a JSON object/],
  ])("%s: every example unfinished, exit 1, no metrics.json", async (name, body, reason) => {
    const api = await startFakeBatchApi(() => ({ status: 200, body }));
    apis.push(api);
    const out = path.join(dir, name.replace(/\W+/g, "-"));
    const r = await spawnCli(
      ["eval", "--task", "erc", "--method", "baseline", "--model", "openai:m", "--labels", "ed32", "--data", data, "--out", out, "--batch", "--no-progress", "--no-cache", "--json"],
      { OPENAI_BASE_URL: api.url, OPENAI_API_KEY: "sk-test-batch-answers", INSIDEOUT_BATCH_POLL_MS: "50" },
    ).done;
    expect(api.created).toHaveLength(1);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(reason);
    expect(r.stderr).toMatch(new RegExp(`${N} of ${N} examples unfinished`));
    expect(existsSync(path.join(out, "metrics.json"))).toBe(false);
  }, 60_000);
});
