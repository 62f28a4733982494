/**
 * `reproduce --table suite` through the built CLI on --limit 3, against an OpenAI-compatible server on 127.0.0.1 that
 * answers every request well (schema-valid JSON; EQ-Bench's prompt: the four emotions it asks for, each 5) and counts
 * the answers it sends: a clean run; a run killed (SIGKILL) while the server holds its requests after 100 answers,
 * then resumed, which together get exactly as many answers as the clean run (none asked twice); a third run of the
 * finished suite, which asks nothing. The table has each benchmark × method with its metric and calls per example.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { spawnCli } from "../helpers/evalOracle.js";
import { answerFromSchema, promptOf, requestedSchema, startFakeOpenAI, type ChatRequest, type FakeOpenAI } from "../helpers/openaiServer.js";

let dir: string;
let server: FakeOpenAI;
let served = 0;
let holdAfter = Infinity;
let held = 0;

function answer(req: ChatRequest): string | Promise<string> {
  if (served >= holdAfter) {
    held++;
    return new Promise<string>(() => undefined);
  }
  served++;
  const schema = requestedSchema(req);
  if (schema) return JSON.stringify(answerFromSchema(schema));
  const p = promptOf(req);
  const end = p.indexOf("[End dialogue]");
  const give = p.indexOf("Give each of these");
  if (end >= 0 && give > end) return p.slice(end + 14, give).trim().split("\n").slice(-4).map((e) => `${e}: 5`).join("\n");
  return "A reply.";
}

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "insideout-suite-"));
  server = await startFakeOpenAI(answer);
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = (cache: string) => ({ OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "sk-test-not-a-real-key", INSIDEOUT_CACHE_DIR: path.join(dir, cache), INSIDEOUT_RETRY_NOTICES: "0" });
const args = (out: string) => ["reproduce", "--table", "suite", "--model", "openai:gpt-4o-mini", "--limit", "3", "--out", path.join(dir, out), "--no-progress"];

describe("reproduce --table suite", () => {
  let clean = 0;

  it("runs end to end: one table, every benchmark × method", async () => {
    served = 0;
    const r = await spawnCli(args("clean"), env("cache-clean")).done;
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    clean = served;
    // Per benchmark on 3 examples: baseline 3 calls, self-consistency 3 × (5 samples + aggregator), InsideOut 3 × (5 agents + aggregator).
    expect(clean).toBe(5 * (3 + 18 + 18));
    const table = readFileSync(path.join(dir, "clean", "suite.md"), "utf8");
    expect(r.stdout).toContain(table.trim());
    const rows = table.split("\n").filter((l) => /^\| (ED|MELD|EQ-Bench|EmoBench)/.test(l));
    expect(rows).toHaveLength(15);
    for (const [bench, metric] of [["ED (ERC, ed32)", "accuracy"], ["MELD (ERC, meld7)", "accuracy"], ["EQ-Bench v2", "EQ-Bench score"], ["EmoBench EU", "accuracy (emotion and cause)"], ["EmoBench EA", "accuracy"]] as const) {
      const mine = rows.filter((l) => l.startsWith(`| ${bench} |`)).map((l) => l.split("|").map((c) => c.trim()));
      expect(mine.map((c) => c[2])).toEqual(["baseline", "self-consistency", "insideout"]);
      expect(mine.every((c) => c[3] === metric)).toBe(true);
      // Calls per example: 1, 6, 6; the baseline has no difference or test, the others both.
      expect(mine.map((c) => c[7])).toEqual(["1.00", "6.00", "6.00"]);
      expect(mine[0]![5]).toBe("");
      expect(mine[1]![6]).toMatch(bench === "EQ-Bench v2" ? /^paired bootstrap p=/ : /^McNemar p=/);
    }
    // Every emotion scored 5 against EQ-Bench's references: each question's score as EQ-Bench scores it (not 0, not 100).
    const eq = rows.find((l) => l.startsWith("| EQ-Bench v2 | baseline"))!.split("|")[4]!.trim();
    expect(Number(eq.split(" ")[0])).toBeGreaterThan(0);
  }, 300_000);

  it("resumes after a kill and asks no question twice; a finished suite asks nothing", async () => {
    served = 0;
    held = 0;
    holdAfter = 100;
    const first = spawnCli(args("killed"), env("cache-killed"));
    const t0 = Date.now();
    while (held === 0 && Date.now() - t0 < 120_000) await new Promise((r) => setTimeout(r, 50));
    // The answers sent are cached before the held requests time out; then the run dies mid-suite.
    await new Promise((r) => setTimeout(r, 1000));
    first.child.kill("SIGKILL");
    await first.done;
    expect(held).toBeGreaterThan(0);
    expect(served).toBe(100);
    holdAfter = Infinity;
    const second = await spawnCli(args("killed"), env("cache-killed")).done;
    expect(second.stderr).toBe("");
    expect(second.code).toBe(0);
    expect(served).toBe(clean);
    expect(readFileSync(path.join(dir, "killed", "suite.md"), "utf8")).toBe(readFileSync(path.join(dir, "clean", "suite.md"), "utf8").replace(/clean/g, "killed"));
    const third = await spawnCli(args("killed"), env("cache-killed")).done;
    expect(third.code).toBe(0);
    expect(served).toBe(clean);
  }, 400_000);
});
