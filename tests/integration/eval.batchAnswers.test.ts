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
import { answerFromSchema, requestedSchema } from "../helpers/openaiServer.js";

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

  it("a completed batch whose output file is gone: one line naming the batch, on every run; the requests asked again", async () => {
    const api = await startFakeBatchApi((req) => JSON.stringify(answerFromSchema(requestedSchema(req)!)));
    apis.push(api);
    api.filesGone = true;
    const out = path.join(dir, "gone");
    const run = () =>
      spawnCli(
        ["eval", "--task", "erc", "--method", "baseline", "--model", "openai:m", "--labels", "ed32", "--data", data, "--out", out, "--batch", "--no-progress", "--no-cache", "--json"],
        { OPENAI_BASE_URL: api.url, OPENAI_API_KEY: "sk-test-batch-gone", INSIDEOUT_BATCH_POLL_MS: "50" },
      ).done;
    for (const batch of ["batch_1", "batch_2"]) {
      const r = await run();
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`batch ${batch} ended completed, but its output file file-out-\\d+ is gone from the server \\(HTTP 404\\)`));
      expect(r.stderr).not.toMatch(/no such model|check --model/);
      expect(r.stderr).toMatch(new RegExp(`${N} of ${N} examples unfinished`));
      expect(existsSync(path.join(out, "metrics.json"))).toBe(false);
    }
    // Each run submitted the requests anew (the file of the last one was gone); once it is there, the run finishes.
    expect(api.created).toHaveLength(2);
    api.filesGone = false;
    const r = await run();
    expect(r.code).toBe(0);
    expect(api.created).toHaveLength(3);
    expect(existsSync(path.join(out, "metrics.json"))).toBe(true);
  }, 90_000);
});
