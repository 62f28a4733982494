/**
 * eval --batch through the built CLI against a Batch-API-compatible loopback server (tests/helpers/batchServer.ts)
 * whose answers are a known function of the request: InsideOut ERC over a few hundred examples makes no direct chat
 * call, one batch per graph stage (the agents, the aggregators, then the aggregators' repair retries), and the same
 * metrics and predictions as the same eval without --batch against a chat server with the same rule (and the
 * accuracy that rule implies); ERG likewise, its stages being the recogniser, the agents, the aggregator, the judge. Killed with SIGKILL while its first batch is pending and run again: it polls that
 * batch instead of submitting it again, no request is in two batches, and the result is the same.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { startFakeBatchApi, type FakeBatchApi } from "../helpers/batchServer.js";
import { answerFor, dialogueText, finishedRun, GROUP_OF, oracle, readEdTest, spawnCli, type RawExample } from "../helpers/evalOracle.js";
import { promptOf, startFakeOpenAI, type ChatRequest, type FakeOpenAI } from "../helpers/openaiServer.js";
import { roleOf } from "../helpers/roles.js";

const LIMIT = 300;
const examples = readEdTest();
const rule = oracle(examples, "aggregate");
let batchApi: FakeBatchApi;
let chat: FakeOpenAI;
let dir: string;

beforeAll(async () => {
  batchApi = await startFakeBatchApi(rule.handler);
  chat = await startFakeOpenAI(rule.handler);
  dir = mkdtempSync(path.join(tmpdir(), "insideout-eval-batch-"));
});
afterAll(async () => {
  await batchApi.close();
  await chat.close();
  rmSync(dir, { recursive: true, force: true });
});

const args = (out: string, extra: string[] = []) => [
  "eval", "--task", "erc", "--method", "insideout", "--model", "openai:oracle", "--labels", "ed18",
  "--limit", String(LIMIT), "--seed", "3", "--out", out, "--json", ...extra,
];
const env = (url: string, cache: string) => ({
  OPENAI_BASE_URL: url, OPENAI_API_KEY: "sk-test", INSIDEOUT_CACHE_DIR: cache, INSIDEOUT_BATCH_POLL_MS: "100",
});

/** metrics.json without what legitimately differs between two runs: timestamps and wall-clock times. */
function stable(out: string): Record<string, unknown> {
  const m = JSON.parse(readFileSync(path.join(out, "metrics.json"), "utf8")) as Record<string, unknown> & { cost: Record<string, unknown> & { perExample: Record<string, unknown> } };
  delete m.startedAt;
  delete m.finishedAt;
  delete m.cost.wallMs;
  delete m.cost.perExample.latencyMs;
  return m;
}

function predictions(out: string): Array<Record<string, unknown> & { id: string }> {
  return readFileSync(path.join(out, "predictions.jsonl"), "utf8").trim().split("\n").map((l) => {
    const r = JSON.parse(l) as Record<string, unknown> & { id: string };
    delete r.latencyMs;
    return r;
  });
}

/** The prompts of a batch's lines say which stage it is (the test doubles' own reading of our prompts). */
function stageOf(bodies: ChatRequest[]): string {
  const kinds = new Set(
    bodies.map((b) => {
      const retry = b.messages.some((m) => m.role === "user" && (m.content ?? "").startsWith("That answer was invalid"));
      const prompt = promptOf(b);
      const kind = roleOf(prompt).kind;
      const who = kind === "unknown" && prompt.includes("Candidate reply of the Listener") ? "judge" : kind;
      return retry ? `${who}-retry` : who;
    }),
  );
  return [...kinds].sort().join("+");
}

describe("eval --batch", () => {
  let chatOut: string;
  let batchOut: string;
  let sampled: RawExample[];

  it(
    "sends one batch per stage, no direct chat call, and gets the metrics of the same eval without --batch",
    async () => {
      chatOut = path.join(dir, "chat");
      const chatRun = await spawnCli(args(chatOut, ["--concurrency", "16", "--no-progress"]), env(chat.url, path.join(dir, "cache-chat"))).done;
      expect(finishedRun(chatRun).n).toBe(LIMIT);

      batchOut = path.join(dir, "batch");
      const r = await spawnCli(args(batchOut, ["--batch"]), env(batchApi.url, path.join(dir, "cache-batch"))).done;
      const m = finishedRun(r) as ReturnType<typeof finishedRun> & { run: { batch: { submitted: number; answered: number; priceShare: number } } };
      expect(batchApi.chatCalls).toBe(0);
      process.stdout.write(
        `[eval --batch] ${LIMIT} InsideOut ERC examples: chat ${(chatRun.ms / 1000).toFixed(1)} s (${chat.requests.length} requests), ` +
          `batch ${(r.ms / 1000).toFixed(1)} s (${batchApi.created.length} batches, ${batchApi.created.map((b) => b.customIds.length).join(" + ")} lines, polled every 100 ms)\n`,
      );
      const stages = batchApi.created.map((b) => stageOf(b.bodies));
      // Agents, then aggregators, then the aggregators' repair retries (the rule's garbage answers): nothing mixed.
      expect(stages).toEqual(["agent", "aggregate", "aggregate-retry"]);
      expect(m.run.batch.submitted).toBe(3);
      expect(m.run.batch.priceShare).toBe(0.5);
      expect(r.stderr).toMatch(/Batch API: batch_1 in progress, \d+ of \d+ requests done/);

      // Identical to the chat run, and to what the rule implies (the test's own count).
      expect(stable(batchOut)).toEqual(stable(chatOut));
      expect(predictions(batchOut)).toEqual(predictions(chatOut));
      const byId = new Map(examples.map((e) => [e.id, e]));
      sampled = predictions(batchOut).map((p) => byId.get(p.id)!);
      // The aggregator's label where it answers; where it answered no JSON twice, the agents' weighted vote stands
      // in, and every agent answers the first label offered (as the server saw it).
      const schema = batchApi.created[1]!.bodies[0]!.response_format!.json_schema!.schema;
      const firstLabel = (schema.properties!.emotion!.enum as string[])[0]!;
      const firstByText = new Map<string, RawExample>();
      for (const e of examples) if (!firstByText.has(dialogueText(e.dialogue))) firstByText.set(dialogueText(e.dialogue), e);
      const correct = sampled.filter((e) => {
        const said = answerFor(firstByText.get(dialogueText(e.dialogue))!, "ed18") ?? firstLabel;
        return said.toLowerCase().replace(/\.$/, "") === GROUP_OF[e.emotion];
      }).length;
      const metrics = JSON.parse(readFileSync(path.join(batchOut, "metrics.json"), "utf8")) as { errors: number; erc: { accuracy: number } };
      expect(metrics.errors).toBe(0);
      expect(metrics.erc.accuracy).toBeCloseTo((100 * correct) / LIMIT, 10);
      expect(rule.expected(sampled, "ed18").errors).toBeGreaterThan(0);
    },
    300_000,
  );

  it(
    "killed while a batch is pending, resumes by polling it: no request submitted twice, the same result",
    async () => {
      const before = batchApi.created.length;
      const out = path.join(dir, "killed");
      const cache = path.join(dir, "cache-killed");
      batchApi.hold = true;
      const first = spawnCli(args(out, ["--batch"]), env(batchApi.url, cache));
      const deadline = Date.now() + 120_000;
      while (batchApi.created.length === before && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      // Polled at least once: pending, not just created.
      const polls = batchApi.polls;
      while (batchApi.polls < polls + 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      first.child.kill("SIGKILL");
      expect((await first.done).signal).toBe("SIGKILL");
      expect(batchApi.created.length).toBe(before + 1);
      batchApi.hold = false;

      const r = await spawnCli(args(out, ["--batch"]), env(batchApi.url, cache)).done;
      finishedRun(r);
      expect(r.stderr).toContain(`resuming batch_${before + 1}`);
      const mine = batchApi.created.slice(before);
      expect(mine.map((b) => stageOf(b.bodies))).toEqual(["agent", "aggregate", "aggregate-retry"]);
      const ids = mine.flatMap((b) => b.customIds);
      expect(new Set(ids).size).toBe(ids.length);
      expect(batchApi.chatCalls).toBe(0);
      expect(stable(out)).toEqual(stable(batchOut));
      expect(predictions(out)).toEqual(predictions(batchOut));
    },
    300_000,
  );

  it(
    "ERG: the recogniser, the agents, the aggregator, then the judges (with the aggregators' retries), one batch per stage; the metrics of the chat run",
    async () => {
      const erg = (out: string, extra: string[]) => [
        "eval", "--task", "erg", "--method", "erc+insideout", "--model", "openai:oracle", "--limit", "60", "--seed", "5", "--out", out, "--json", "--no-progress", ...extra,
      ];
      const chatErg = path.join(dir, "erg-chat");
      finishedRun(await spawnCli(erg(chatErg, []), env(chat.url, path.join(dir, "cache-erg-chat"))).done);
      const before = batchApi.created.length;
      const calls = batchApi.chatCalls;
      const batchErg = path.join(dir, "erg-batch");
      finishedRun(await spawnCli(erg(batchErg, ["--batch"]), env(batchApi.url, path.join(dir, "cache-erg-batch"))).done);
      expect(batchApi.chatCalls).toBe(calls);
      const mine = batchApi.created.slice(before);
      const stages = mine.map((b) => stageOf(b.bodies));
      // The aggregators whose choice the rule makes invalid retry while the others' judges are asked: both are ready
      // then, so they share a batch; the retried examples' judges follow.
      expect(stages.slice(0, 3)).toEqual(["recognize", "agent", "aggregate"]);
      for (const later of stages.slice(3)) expect(["judge", "aggregate-retry+judge"]).toContain(later);
      expect(stages.at(-1)).toBe("judge");
      const judged = mine.flatMap((b) => b.bodies).filter((b) => stageOf([b]) === "judge").length;
      expect(judged).toBe(60);
      expect(stable(batchErg)).toEqual(stable(chatErg));
      expect(predictions(batchErg)).toEqual(predictions(chatErg));
    },
    300_000,
  );

  it(
    "reproduce --batch: each method of the table through its own batches, then compared",
    async () => {
      const before = batchApi.created.length;
      const calls = batchApi.chatCalls;
      const out = path.join(dir, "table1");
      const r = await spawnCli(["reproduce", "--table", "1", "--model", "openai:oracle", "--limit", "20", "--out", out, "--batch", "--no-progress"], env(batchApi.url, path.join(dir, "cache-table1"))).done;
      expect(r.stderr.slice(-2000)).not.toContain("unfinished");
      expect(r.stdout).toContain("Table 1");
      expect(batchApi.chatCalls).toBe(calls);
      // baseline: the recogniser (and its retries); insideout: the agents, the aggregators (and theirs).
      const stages = batchApi.created.slice(before).map((b) => stageOf(b.bodies));
      expect(stages[0]).toBe("recognize");
      expect(stages).toContain("agent");
      expect(stages).toContain("aggregate");
    },
    300_000,
  );

  it("refuses --batch with a model that is not openai:, before any call", async () => {
    const r = await spawnCli(["eval", "--task", "erc", "--method", "insideout", "--model", "ollama:llama3", "--limit", "3", "--batch", "--out", path.join(dir, "refused")], {}).done;
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("--batch uses the OpenAI Batch API, so it needs openai: models");
  });

  it("refuses --batch with --rpm or --tpm (they pace direct calls, which a batch run does not make), before any call", async () => {
    for (const flag of ["--rpm", "--tpm"]) {
      const r = await spawnCli(["eval", "--task", "erc", "--method", "baseline", "--model", "openai:gpt-4o-mini", "--limit", "3", "--batch", flag, "100", "--out", path.join(dir, `refused${flag}`)], { OPENAI_API_KEY: "sk-test" }).done;
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toContain("--rpm and --tpm pace direct chat calls, and --batch makes none");
      expect(existsSync(path.join(dir, `refused${flag}`))).toBe(false);
    }
  });
});
