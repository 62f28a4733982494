/**
 * `insideout reproduce --table 1` end to end: both ERC methods of the table run as experiments and are compared.
 * Four hand-labelled examples and a server whose every answer is "sad": each method scores 2 of 4 = 50.00.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { answerFromSchema, requestedSchema, startFakeOpenAI, type FakeOpenAI } from "../helpers/openaiServer.js";
import { runCli } from "../helpers/cli.js";

let server: FakeOpenAI;
const dir = mkdtempSync(path.join(tmpdir(), "reproduce-"));
const data = path.join(dir, "four.jsonl");

beforeAll(async () => {
  server = await startFakeOpenAI((req) => JSON.stringify(answerFromSchema(requestedSchema(req)!, (p, o) => (p === "emotion" ? "sad" : o[0]))));
  const examples = [
    { id: "a", dialogue: ["My dog died."], emotion: "sad", reference: "I'm sorry." },
    { id: "b", dialogue: ["I miss my old house."], emotion: "sad", reference: "Me too." },
    { id: "c", dialogue: ["Someone keyed my car!"], emotion: "furious", reference: "Awful." },
    { id: "d", dialogue: ["I won the lottery!"], emotion: "joyful", reference: "Wow!" },
  ];
  writeFileSync(data, examples.map((e) => JSON.stringify(e)).join("\n") + "\n");
});
afterAll(async () => {
  await server.close();
});

describe("insideout reproduce", () => {
  it("runs every method of the table and compares them", async () => {
    const out = path.join(dir, "table1");
    const r = await runCli(
      ["reproduce", "--table", "1", "--model", "openai:m", "--data", data, "--out", out, "--no-progress"],
      { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "sk-test", INSIDEOUT_CACHE_DIR: path.join(dir, "cache") },
    );
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Table 1: ERC accuracy, 32 classes/);
    for (const method of ["baseline", "insideout"]) {
      const metrics = JSON.parse(readFileSync(path.join(out, method, "metrics.json"), "utf8"));
      expect(metrics.n).toBe(4);
      expect(metrics.erc.accuracy).toBeCloseTo(50, 6);
    }
    expect(existsSync(path.join(out, "compare.html"))).toBe(true);
    expect(readFileSync(path.join(out, "compare.md"), "utf8")).toMatch(/50\.00/);
    // baseline: 1 call per example; insideout: 5 agents + aggregator.
    expect(server.requests).toHaveLength(4 + 4 * 6);
  });
});
