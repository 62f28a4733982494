/**
 * eval --batch trusts a Batch API output file no further than a chat answer: a request answered by two lines is no
 * answer (its example unfinished, said, asked again next run); lines for requests we never sent are counted and said
 * once; a file of 400,000 copies of one line stays within bounded memory; a batch whose status the Batch API does not
 * have is given up on after a few polls, in one line, and polled again (not resubmitted) by the next run.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawnCli, writeEdSlice } from "../helpers/evalOracle.js";
import { startFakeBatchApi, type FakeBatchApi } from "../helpers/batchServer.js";
import { answerFromSchema, requestedSchema, type ChatRequest } from "../helpers/openaiServer.js";
import { peakRssMb, RSS_PROBE } from "../helpers/rssProbe.js";

const N = 3;
let dir: string;
let data: string;
const apis: FakeBatchApi[] = [];


const answering = (label: string) => (req: ChatRequest) =>
  JSON.stringify(answerFromSchema(requestedSchema(req)!, (_p, options) => (options.includes(label) ? label : options[0])));

async function api(label: string): Promise<FakeBatchApi> {
  const a = await startFakeBatchApi(answering(label));
  apis.push(a);
  return a;
}

function run(a: FakeBatchApi, out: string, env: Record<string, string> = {}) {
  return spawnCli(
    ["eval", "--task", "erc", "--method", "baseline", "--model", "openai:m", "--labels", "ed32", "--data", data, "--out", out, "--batch", "--no-progress", "--no-cache", "--json"],
    { OPENAI_BASE_URL: a.url, OPENAI_API_KEY: "sk-test-batch-lines", INSIDEOUT_BATCH_POLL_MS: "50", ...env },
  ).done;
}

function predictions(out: string): string[] {
  return readFileSync(path.join(out, "predictions.jsonl"), "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { prediction: { emotion: string } }).prediction.emotion);
}

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "insideout-batch-lines-"));
  data = path.join(dir, "first.jsonl");
  writeEdSlice(data, N);
});

afterAll(async () => {
  await Promise.all(apis.map((a) => a.close()));
  rmSync(dir, { recursive: true, force: true });
});

describe("eval --batch: output lines that are not one answer per request", () => {
  it("two lines with different answers for each request: every example unfinished, said; the next run asks again", async () => {
    const a = await api("sad");
    a.alsoAnswer = answering("angry");
    const out = path.join(dir, "twice");
    const r = await run(a, out);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Batch API: batch_1 ended completed, ${N} requests answered more than once, so not answered`);
    expect(r.stderr).toMatch(/batch batch_1 has more than one line for this request, so none of them is its answer/);
    expect(r.stderr).toMatch(new RegExp(`${N} of ${N} examples unfinished`));
    expect(existsSync(path.join(out, "metrics.json"))).toBe(false);
    // Released: the next run submits the requests again, and one answer each finishes them with it.
    a.alsoAnswer = undefined;
    const again = await run(a, out);
    expect(again.code).toBe(0);
    expect(a.created).toHaveLength(2);
    expect(predictions(out)).toEqual(Array(N).fill("sad"));
  }, 60_000);

  it("lines for requests never sent: ignored, counted and said once; the run finishes with the server's answers", async () => {
    const a = await api("sad");
    a.padOutput = { bytes: 7 * 1000, lineBytes: 1000 };
    const out = path.join(dir, "foreign");
    const r = await run(a, out);
    expect(r.code).toBe(0);
    expect(a.padLinesSent).toBeGreaterThan(0);
    const said = r.stderr.split("\n").filter((l) => l.includes("for requests not in this batch"));
    expect(said).toEqual([`insideout: Batch API: batch_1 ended completed, ${a.padLinesSent} lines for requests not in this batch, ignored`]);
    expect(predictions(out)).toEqual(Array(N).fill("sad"));
  }, 60_000);

  it("lines that are not JSON with a custom_id: read past, counted and said once; the run finishes with the server's answers", async () => {
    const a = await api("sad");
    a.linesBefore = ["<html>busy</html>", '{"id":"req_1","response":null}', "   ", '{"custom_id":"cut off'];
    const out = path.join(dir, "unreadable");
    const r = await run(a, out);
    expect(r.code).toBe(0);
    // Three of the four: a blank line is no line.
    expect(r.stderr.split("\n").filter((l) => l.includes("not JSON with a custom_id"))).toEqual(["insideout: Batch API: batch_1 ended completed, 3 lines not JSON with a custom_id, skipped"]);
    expect(predictions(out)).toEqual(Array(N).fill("sad"));
  }, 60_000);

  it("400,000 lines for the requests of one batch (copies): no answer, peak RSS within 150 MB of a one-line-each run", async () => {
    // The reference: the same command on an ordinary output file, in this run.
    const reference = await run(await api("sad"), path.join(dir, "copies-reference"), { NODE_OPTIONS: RSS_PROBE });
    expect(reference.code).toBe(0);
    const baseMb = peakRssMb(reference.stderr);
    const a = await api("sad");
    a.repeatOutput = Math.ceil(400_000 / N);
    const out = path.join(dir, "copies");
    const r = await run(a, out, { NODE_OPTIONS: RSS_PROBE });
    const rssMb = peakRssMb(r.stderr);
    process.stderr.write(`eval --batch over ${N * a.repeatOutput} copied lines (${(a.fileBytesSent / 1024 ** 2).toFixed(0)} MB): peak RSS ${rssMb.toFixed(0)} MB (${baseMb.toFixed(0)} MB on one line each), ${(r.ms / 1000).toFixed(1)} s\n`);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`${N} requests answered more than once, so not answered`);
    expect(r.stderr).toMatch(new RegExp(`${N} of ${N} examples unfinished`));
    expect(rssMb - baseMb).toBeLessThan(150);
  }, 180_000);
});

describe("eval --batch: a status the Batch API does not have", () => {
  it("is given up on after a few polls, in one line; the next run polls the same batch again", async () => {
    const a = await api("sad");
    a.status = "banana";
    const out = path.join(dir, "banana");
    const r = await run(a, out);
    expect(r.code).toBe(1);
    expect(r.ms).toBeLessThan(20_000);
    expect(r.stderr).toContain('batch batch_1 answered with the status "banana", which the Batch API does not have, 3 polls in a row');
    expect(r.stderr).toMatch(new RegExp(`${N} of ${N} examples unfinished`));
    expect(a.polls).toBe(3);
    expect(existsSync(path.join(out, "metrics.json"))).toBe(false);
    a.status = undefined;
    const again = await run(a, out);
    expect(again.code).toBe(0);
    expect(again.stderr).not.toContain("banana");
    expect(a.created).toHaveLength(1);
    expect(predictions(out)).toEqual(Array(N).fill("sad"));
  }, 60_000);
});
