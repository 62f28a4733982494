/**
 * `insideout eval --server`: the examples' graphs run on the LangGraph dev server as users start it (`npm run dev`),
 * which calls an OpenAI-compatible server on 127.0.0.1 whose answers are a known function of each example
 * (helpers/evalOracle.ts). The eval on the server reports the metrics of the same eval run in this process, and the
 * accuracy computed here from the data file and that function; killed midway and run again, it runs only the rest; a
 * server it cannot use, or an option that cannot apply there, is one line before anything is written.
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import Database from "better-sqlite3";
import { REPO, runCli } from "../helpers/cli.js";
import { freePort, startDevServer, type DevServer } from "../helpers/devServer.js";
import { dialogueText, finishedRun, oracle, readEdTest, spawnCli, type Oracle, type RawExample } from "../helpers/evalOracle.js";
import { startFakeOpenAI, type FakeOpenAI } from "../helpers/openaiServer.js";
import { storedRows } from "../helpers/store.js";
import { UNREAD_ANSWER } from "../../models/ask.js";

/** Only the dev server holds it: the eval's own process gets no key and no model URL. */
const KEY = "sk-test-server-side-key";
let openai: FakeOpenAI;
let dev: DevServer;
let examples: RawExample[];
let orc: Oracle;
let dir: string;

beforeAll(async () => {
  examples = readEdTest();
  orc = oracle(examples);
  openai = await startFakeOpenAI(orc.handler, { delayMs: 10 });
  dir = mkdtempSync(path.join(tmpdir(), "insideout-eval-server-"));
  // The CLI runs dist/, as users get it (the build emits even if another part of the tree does not type-check).
  try {
    execFileSync(process.execPath, [path.join(REPO, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: REPO, stdio: "pipe" });
  } catch {
    // type errors elsewhere: dist/ is still written
  }
  dev = await startDevServer({ OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: KEY });
}, 180_000);

afterAll(async () => {
  await dev?.stop();
  await openai?.close();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

const evalArgs = (method: string, labels: string, limit: number, out: string, extra: string[] = []) => [
  "eval", "--task", "erc", "--method", method, "--model", "openai:oracle", "--labels", labels, "--limit", String(limit), "--seed", "3",
  "--concurrency", "6", "--out", out, "--json", "--no-progress", ...extra,
];
const localEnv = (name: string) => ({ OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: KEY, INSIDEOUT_CACHE_DIR: path.join(dir, `cache-${name}`) });
const serverEnv = (name: string) => ({ INSIDEOUT_CACHE_DIR: path.join(dir, `cache-${name}`) });

/** metrics.json without what differs between any two runs: timestamps and wall-clock times. */
function stable(out: string): Record<string, unknown> {
  const m = JSON.parse(readFileSync(path.join(out, "metrics.json"), "utf8")) as Record<string, unknown> & { cost: Record<string, unknown> & { perExample: Record<string, unknown> } };
  delete m.startedAt;
  delete m.finishedAt;
  delete m.cost.wallMs;
  delete m.cost.perExample.latencyMs;
  return m;
}

type Prediction = Record<string, unknown> & { id: string; error?: string; usage: { llmCalls: number; promptTokens: number } };
function predictions(out: string): Prediction[] {
  return readFileSync(path.join(out, "predictions.jsonl"), "utf8")
    .trim()
    .split("\n")
    .map((l) => {
      const r = JSON.parse(l) as Prediction;
      delete r.latencyMs;
      return r;
    });
}

function storedIds(out: string): Set<string> {
  const db = new Database(path.join(out, "experiment.sqlite"), { readonly: true, fileMustExist: true });
  try {
    return new Set((db.prepare("SELECT id FROM examples").all() as { id: string }[]).map((r) => r.id));
  } finally {
    db.close();
  }
}

const byId = () => new Map(examples.map((e) => [e.id, e]));

describe("eval --server on the dev server", () => {
  it(
    "baseline: the metrics of the local eval, and the accuracy implied by the model's answers; cost from the server's runs",
    async () => {
      const local = path.join(dir, "baseline-local");
      const served = path.join(dir, "baseline-served");
      const beforeLocal = openai.requests.length;
      finishedRun(await spawnCli(evalArgs("baseline", "ed18", 60, local), localEnv("a")).done);
      const localAsked = openai.requests.length - beforeLocal;
      const before = openai.requests.length;
      const r = await spawnCli(evalArgs("baseline", "ed18", 60, served, ["--server", dev.url]), serverEnv("b")).done;
      const m = finishedRun(r) as unknown as { n: number; errors: number; erc: { accuracy: number }; cost: { llmCalls: number; promptTokens: number }; run: { ran: number } };
      expect(openai.requests.length - before).toBeGreaterThanOrEqual(60);
      expect(m.run.ran).toBe(60);

      // The same answers and errors; only two things differ. What errored examples cost is counted here, not from a
      // server (below). And the words of one error: the server's runs stream and read an answer that is not JSON (it
      // holds none), while this process's client drops it unread and says what it cannot have been.
      const withoutCost = (m: Record<string, unknown>) => ({ ...m, cost: undefined });
      const withoutErroredUsage = (ps: Prediction[]) => ps.map((p) => (p.error ? { ...p, usage: undefined } : p));
      expect(withoutCost(stable(served))).toEqual(withoutCost(stable(local)));
      const unread = `invalid answer after 2 attempts: ${UNREAD_ANSWER}`;
      const asRead = (p: Prediction) => (p.error === unread ? { ...p, error: "invalid answer after 2 attempts: the answer contains no JSON object" } : p);
      expect(predictions(local).filter((p) => p.error === unread)).toHaveLength(predictions(local).filter((p) => p.error).length);
      expect(withoutErroredUsage(predictions(served))).toEqual(withoutErroredUsage(predictions(local).map(asRead)));
      // Independently: the ids it ran, the data file and the server's answer function.
      const ran = predictions(served).map((p) => byId().get(p.id)!);
      const expected = orc.expected(ran, "ed18");
      expect(m.n).toBe(60);
      expect(m.errors).toBe(expected.errors);
      expect(m.erc.accuracy).toBeCloseTo(expected.accuracy, 10);
      // Token counts come back in the server's final states, one call per example. An example whose graph failed has
      // no final state, so its calls (the answer and the repair retry) are not counted on a server; a local eval counts
      // every request the model answered (its cache was empty): the answer and the repair retry of an errored one too.
      expect(m.cost.llmCalls).toBe(60 - expected.errors);
      expect((stable(local).cost as { llmCalls: number }).llmCalls).toBe(localAsked);
      expect(localAsked).toBe(60 + expected.errors);
      expect(m.cost.promptTokens).toBeGreaterThan(0);
    },
    300_000,
  );

  it(
    "insideout (five agents and the aggregator on the server): the same records as the local eval, opinions and usage included",
    async () => {
      const local = path.join(dir, "insideout-local");
      const served = path.join(dir, "insideout-served");
      finishedRun(await spawnCli(evalArgs("insideout", "ed32", 5, local), localEnv("c")).done);
      const r = await spawnCli(evalArgs("insideout", "ed32", 5, served, ["--server", dev.url]), serverEnv("d")).done;
      finishedRun(r);
      const p = predictions(served);
      expect(p).toEqual(predictions(local));
      expect(stable(served)).toEqual(stable(local));
      for (const record of p) {
        expect(Object.keys(record.opinions as object).sort()).toEqual(["anger", "disgust", "fear", "happiness", "sadness"]);
        expect(record.usage.llmCalls).toBe(6);
      }
    },
    300_000,
  );

  it(
    "ERG: the graphs on the server, the judge here (its key here, through the local cache): the local eval's records",
    async () => {
      const args = (out: string, extra: string[] = []) => [
        "eval", "--task", "erg", "--method", "erc+insideout", "--model", "openai:oracle", "--limit", "3", "--seed", "3", "--out", out, "--json", "--no-progress", ...extra,
      ];
      const local = path.join(dir, "erg-local");
      const served = path.join(dir, "erg-served");
      finishedRun(await spawnCli(args(local), localEnv("h")).done);
      // The judge's model server is this process's (here the same one); the graphs' calls are the dev server's.
      const r = await spawnCli(args(served, ["--server", dev.url]), localEnv("i")).done;
      const m = finishedRun(r) as unknown as { erg: { judge?: { n: number } }; run: { cache?: { misses: number } } };
      expect(predictions(served)).toEqual(predictions(local));
      expect(stable(served)).toEqual(stable(local));
      expect(m.erg.judge?.n).toBe(3);
      // Only the three judge calls went through the local cache.
      expect(m.run.cache?.misses).toBe(3);
    },
    300_000,
  );

  it(
    "a benchmark task on the server (EmoBench EA, InsideOut): the same records as the local eval",
    async () => {
      const args = (out: string, extra: string[] = []) => [
        "eval", "--data", "emobench:ea", "--method", "insideout", "--model", "openai:oracle", "--limit", "3", "--seed", "3",
        "--out", out, "--json", "--no-progress", ...extra,
      ];
      const local = path.join(dir, "emobench-local");
      const served = path.join(dir, "emobench-served");
      finishedRun(await spawnCli(args(local), localEnv("k")).done);
      finishedRun(await spawnCli(args(served, ["--server", dev.url]), serverEnv("l")).done);
      expect(predictions(served)).toEqual(predictions(local));
      expect(stable(served)).toEqual(stable(local));
      expect(predictions(served)).toHaveLength(3);
      // Five agents and the aggregator answered on the server for each question.
      for (const record of predictions(served)) expect(record.usage.llmCalls).toBe(6);
    },
    300_000,
  );

  it(
    "reproduce --server: every method of the table on the server, then compared",
    async () => {
      const root = path.join(dir, "table1");
      const r = await spawnCli(["reproduce", "--table", "1", "--model", "openai:oracle", "--limit", "4", "--server", dev.url, "--out", root, "--no-progress"], serverEnv("j")).done;
      // Errored examples (the oracle's garbage answers) make the exit 1, but the table is still compared.
      expect(r.stdout).toMatch(/Table 1: ERC accuracy, 32 classes/);
      expect(existsSync(path.join(root, "compare.md"))).toBe(true);
      for (const method of ["baseline", "insideout"]) {
        const p = predictions(path.join(root, method));
        expect(p).toHaveLength(4);
        if (method === "baseline") {
          const m = stable(path.join(root, method)) as { erc: { accuracy: number } };
          expect(m.erc.accuracy).toBeCloseTo(orc.expected(p.map((x) => byId().get(x.id)!), "ed32").accuracy, 10);
        }
      }
    },
    300_000,
  );

  it(
    "killed midway and run again: only the rest runs, and the metrics are those of the server's answers",
    async () => {
      const LIMIT = 80;
      const out = path.join(dir, "killed");
      const first = spawnCli(evalArgs("baseline", "ed32", LIMIT, out, ["--server", dev.url, "--concurrency", "3"]), serverEnv("e"));
      const deadline = Date.now() + 120_000;
      while (storedRows(out) < 20 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      first.child.kill("SIGKILL");
      expect((await first.done).signal).toBe("SIGKILL");
      const atKill = storedRows(out);
      const storedAtKill = storedIds(out);
      expect(storedAtKill.size).toBe(atKill);
      expect(atKill).toBeGreaterThanOrEqual(20);
      expect(atKill).toBeLessThan(LIMIT);
      expect(existsSync(path.join(out, "metrics.json"))).toBe(false);
      // The runs in flight were cancelled with the connection; give the server a moment to settle.
      await new Promise((r) => setTimeout(r, 500));

      const before = openai.requests.length;
      const r = await spawnCli(evalArgs("baseline", "ed32", LIMIT, out, ["--server", dev.url, "--concurrency", "3"]), serverEnv("e")).done;
      const m = finishedRun(r) as unknown as { n: number; errors: number; erc: { accuracy: number }; run: { resumed: number; ran: number } };
      expect(m.run.resumed).toBe(atKill);
      expect(m.run.ran).toBe(LIMIT - atKill);
      // The examples finished before the kill were not asked again (but for a dialogue that a pending one shares).
      const p = predictions(out);
      const ran = p.map((x) => byId().get(x.id)!);
      const pendingTexts = new Set(ran.filter((e) => !storedAtKill.has(e.id)).map((e) => dialogueText(e.dialogue)));
      const doneTexts = new Set(ran.filter((e) => storedAtKill.has(e.id)).map((e) => dialogueText(e.dialogue)).filter((t) => !pendingTexts.has(t)));
      const asked = openai.requests.slice(before).map((q) => {
        const user = q.messages.find((x) => x.role === "user")?.content ?? "";
        return user.slice(user.indexOf("Speaker: ")).trim();
      });
      expect(asked.filter((t) => doneTexts.has(t))).toEqual([]);
      expect(asked.length).toBeGreaterThanOrEqual(LIMIT - atKill);
      expect(asked.length).toBeLessThanOrEqual(2 * (LIMIT - atKill));
      expect(m.n).toBe(LIMIT);
      const expected = orc.expected(ran, "ed32");
      expect(m.errors).toBe(expected.errors);
      expect(m.erc.accuracy).toBeCloseTo(expected.accuracy, 10);
    },
    300_000,
  );

  it("a server that is not reachable, or not a LangGraph server: one line, exit 1, nothing written", async () => {
    const port = await freePort();
    const cases: [string, RegExp][] = [
      [`http://127.0.0.1:${port}`, new RegExp(`^insideout: Cannot reach the LangGraph server at http://127\\.0\\.0\\.1:${port}: start it with \`npm run dev\``)],
      [openai.url, /^insideout: http:\/\/127\.0\.0\.1:\d+\/v1 does not answer as a LangGraph server \(HTTP 404/],
    ];
    await Promise.all(
      cases.map(async ([url, line], i) => {
        const out = path.join(dir, `unusable-${i}`);
        const r = await runCli(evalArgs("baseline", "ed32", 5, out, ["--server", url]), serverEnv("f"));
        expect(r.code).toBe(1);
        expect(r.stdout).toBe("");
        expect(r.stderr.trim().split("\n")).toHaveLength(1);
        expect(r.stderr).toMatch(line);
        expect(existsSync(out)).toBe(false);
      }),
    );
  }, 60_000);

  it("options that cannot apply on a server are refused with one line before the server is asked", async () => {
    const before = openai.requests.length;
    const cases: [string[], RegExp][] = [
      [["--batch"], /--batch cannot be used with --server/],
      [["--tpm", "1000"], /--rpm and --tpm cannot be used with --server/],
      [["--labels", path.join(REPO, "package.json")], /with --server use a built-in label set \(ed32, ed18, meld7\)/],
    ];
    const noModel = ["eval", "--task", "erc", "--method", "baseline", "--limit", "5", "--server", dev.url, "--out", path.join(dir, "refused-auto")];
    const results = await Promise.all([
      ...cases.map(([extra]) => runCli(evalArgs("baseline", "ed32", 5, path.join(dir, "refused"), ["--server", dev.url, ...extra]), serverEnv("g"))),
      runCli(noModel, serverEnv("g")),
    ]);
    const lines = [...cases.map(([, l]) => l), /--server needs --model provider:model/];
    results.forEach((r, i) => {
      expect(r.code).toBe(1);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(lines[i]!);
    });
    expect(existsSync(path.join(dir, "refused"))).toBe(false);
    expect(openai.requests.length).toBe(before);
  }, 60_000);
});
