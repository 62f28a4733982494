/**
 * One long MELD conversation (1000 utterances of 100 bytes): 1000 examples, each the conversation so far. Their turns
 * are shared in memory and their records are never all held with their dialogues, so the eval's peak RSS stays far
 * from what 1000 copies would take (57 MB of predictions.jsonl, each line with its own dialogue so far).
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawnCli } from "../helpers/evalOracle.js";
import { answerFromSchema, requestedSchema, startFakeOpenAI, type FakeOpenAI } from "../helpers/openaiServer.js";
import { peakRssMb, RSS_PROBE } from "../helpers/rssProbe.js";

const TURNS = 1000;
let dir: string;
let data: string;
let server: FakeOpenAI;


beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "insideout-meld-long-"));
  data = path.join(dir, "long.csv");
  const rows = Array.from({ length: TURNS }, (_, i) => `${i + 1},"${`turn ${i} `.padEnd(100, "x")}",Speaker${i % 3},neutral,neutral,0,${i}`);
  writeFileSync(data, ["Sr No.,Utterance,Speaker,Emotion,Sentiment,Dialogue_ID,Utterance_ID", ...rows].join("\n") + "\n");
  // Every answer names the first label its schema offers (anger, in meld7's order).
  server = await startFakeOpenAI((req) => JSON.stringify(answerFromSchema(requestedSchema(req)!)));
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

describe("eval on one long MELD conversation", () => {
  it(`${TURNS} examples of one conversation: every one finished, peak RSS under 400 MB`, async () => {
    const out = path.join(dir, "out");
    const r = await spawnCli(
      ["eval", "--task", "erc", "--method", "baseline", "--model", "openai:m", "--labels", "meld7", "--data", data, "--out", out, "--no-progress", "--no-cache", "--json"],
      { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "sk-test-meld-long", NODE_OPTIONS: RSS_PROBE },
    ).done;
    const rssMb = peakRssMb(r.stderr);
    process.stderr.write(`eval of one ${TURNS}-turn MELD conversation: peak RSS ${rssMb.toFixed(0)} MB, ${(r.ms / 1000).toFixed(1)} s\n`);
    expect(r.code).toBe(0);
    const lines = readFileSync(path.join(out, "predictions.jsonl"), "utf8").trim().split("\n");
    expect(lines).toHaveLength(TURNS);
    // Each record holds its own dialogue so far, as before: the last one all 1000 turns.
    const last = JSON.parse(lines.at(-1)!) as { id: string; inputs: { dialogue: string[]; speakers: string[] } };
    expect(last.id).toBe(`dia0_utt${TURNS - 1}`);
    expect(last.inputs.dialogue).toHaveLength(TURNS);
    expect(last.inputs.speakers[TURNS - 1]).toBe(`Speaker${(TURNS - 1) % 3}`);
    expect(statSync(path.join(out, "predictions.jsonl")).size).toBeGreaterThan(50 * 1024 ** 2);
    // 250 MB here; every prefix copied took 568 MB.
    expect(rssMb).toBeLessThan(400);
  }, 180_000);
});
