/**
 * `insideout eval --task erc --data meld:test` over all 2610 utterances, through the built CLI, against an
 * OpenAI-compatible server on 127.0.0.1 whose answers are a known function of each utterance: right for about half
 * (a quarter of those written "Joy."), the next MELD label for the rest, and no JSON at all for about a tenth (an
 * error, counted as wrong). The server finds the utterance by the named-speaker lines it is sent, so a transcript
 * without the speakers' names (or with other turns) gets no right answer. The expected accuracy and weighted-F1 are
 * computed here from the CSV (parsed with csv-parse directly, not the product's reader) and that function. The
 * emotion agents answer by the same rule, so InsideOut with vote on a sample of meld:dev is exact too.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { parse } from "csv-parse/sync";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { REPO } from "../helpers/cli.js";
import { spawnCli } from "../helpers/evalOracle.js";
import { answerFromSchema, promptOf, requestedSchema, startFakeOpenAI, type ChatRequest, type FakeOpenAI } from "../helpers/openaiServer.js";
import { roleOf } from "../helpers/roles.js";

const MELD_DIR = path.resolve(REPO, "../shared/data/meld");
/** MELD's seven labels, written out again so that the test does not trust the product's taxonomy. */
const MELD7 = ["neutral", "surprise", "fear", "sadness", "joy", "disgust", "anger"];

interface Utterance {
  id: string;
  /** `Name: text` lines of the conversation up to and including this utterance. */
  lines: string;
  speaker: string;
  gold: string;
}

/** Every utterance of a split's CSV with the conversation so far (rows of a Dialogue_ID are consecutive). */
function readMeld(split: "test" | "dev"): Utterance[] {
  const rows = parse(readFileSync(path.join(MELD_DIR, `${split}_sent_emo.csv`), "utf8"), { columns: true }) as Array<Record<string, string>>;
  const out: Utterance[] = [];
  let dialogue = "";
  let lines: string[] = [];
  for (const r of rows) {
    if (r.Dialogue_ID !== dialogue) {
      dialogue = r.Dialogue_ID!;
      lines = [];
    }
    lines.push(`${r.Speaker!.trim()}: ${r.Utterance!.trim()}`);
    out.push({ id: `dia${r.Dialogue_ID}_utt${r.Utterance_ID}`, lines: lines.join("\n"), speaker: r.Speaker!.trim(), gold: r.Emotion! });
  }
  return out;
}

type Behaviour = "right" | "right-messy" | "wrong" | "garbage";
function behaviourOf(id: string): Behaviour {
  const h = createHash("sha256").update(id).digest()[0]!;
  if (h % 10 === 9) return "garbage";
  if (h % 4 === 0) return "right-messy";
  return h % 2 === 0 ? "right" : "wrong";
}
function answerFor(u: Utterance): string | undefined {
  switch (behaviourOf(u.id)) {
    case "garbage":
      return undefined;
    case "right":
      return u.gold;
    case "right-messy":
      return `${u.gold[0]!.toUpperCase()}${u.gold.slice(1)}.`;
    case "wrong":
      return MELD7[(MELD7.indexOf(u.gold) + 1) % MELD7.length];
  }
}

let server: FakeOpenAI;
let utterances: Utterance[];
let dev: Utterance[];
/** Identical transcripts are answered alike, by the first utterance that has it: the server sees only text. */
const byLines = new Map<string, Utterance>();
let dir: string;

function handler(req: ChatRequest): string {
  const schema = requestedSchema(req);
  const user = req.messages.find((m) => m.role === "user")?.content ?? "";
  // "Conversation:", the line naming the Speaker, then the named turns.
  const [, header = "", ...turns] = user.split("\n");
  const u = byLines.get(turns.join("\n"));
  const named = u !== undefined && header.includes(`The Speaker is ${u.speaker},`);
  const kind = roleOf(promptOf(req)).kind;
  // The recogniser and each emotion agent answer by the rule; the aggregator (not used with vote) by the schema.
  if (!schema || (kind !== "recognize" && kind !== "agent") || !named) return JSON.stringify(answerFromSchema(schema ?? {}));
  const label = answerFor(u);
  if (label === undefined) return "Sorry, I cannot tell.";
  return JSON.stringify(answerFromSchema(schema, (prop, options) => (prop === "emotion" ? label : options[0])));
}

/** The metrics that the server's answers imply, computed here: accuracy and weighted-F1 (×100), errors. */
function expected(all: readonly Utterance[]) {
  const labels = [...MELD7, "(none)"];
  const tp = new Map<string, number>();
  const predicted = new Map<string, number>();
  const support = new Map<string, number>();
  const add = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  let correct = 0;
  let errors = 0;
  for (const u of all) {
    const answer = answerFor(byLines.get(u.lines)!);
    const pred = answer === undefined ? "(none)" : answer.toLowerCase().replace(/\.$/, "");
    if (answer === undefined) errors++;
    add(support, u.gold);
    add(predicted, pred);
    if (pred === u.gold) {
      correct++;
      add(tp, pred);
    }
  }
  let weighted = 0;
  for (const l of labels) {
    const t = tp.get(l) ?? 0;
    const p = predicted.get(l) ?? 0;
    const s = support.get(l) ?? 0;
    const f1 = p + s === 0 ? 0 : (2 * t) / (p + s);
    weighted += (f1 * s) / all.length;
  }
  return { accuracy: (100 * correct) / all.length, weightedF1: 100 * weighted, errors, correct };
}

beforeAll(async () => {
  utterances = readMeld("test");
  dev = readMeld("dev");
  for (const u of [...utterances, ...dev]) if (!byLines.has(u.lines)) byLines.set(u.lines, u);
  server = await startFakeOpenAI(handler);
  dir = mkdtempSync(path.join(tmpdir(), "insideout-eval-meld-"));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = () => ({
  OPENAI_BASE_URL: server.url,
  OPENAI_API_KEY: "sk-test-not-a-real-key",
  INSIDEOUT_CACHE_DIR: path.join(dir, "cache"),
});

interface Metrics {
  n: number;
  errors: number;
  labels: string;
  split: string;
  erc: { accuracy: number; weightedF1: number; macroF1: number; confusion: { labels: string[]; matrix: number[][] } };
}

describe("eval --task erc --data meld:test, all 2610 utterances", () => {
  it(
    "reports the accuracy and weighted-F1 the server's answers imply, with MELD's labels and the speakers' names",
    async () => {
      const out = path.join(dir, "meld-test");
      const started = performance.now();
      const { done } = spawnCli(
        ["eval", "--task", "erc", "--method", "baseline", "--model", "openai:oracle", "--data", "meld:test", "--concurrency", "32", "--out", out, "--json"],
        env(),
      );
      const r = await done;
      const seconds = (performance.now() - started) / 1000;
      const m = JSON.parse(r.stdout || "null") as Metrics | null;
      if (!m || r.code !== (m.errors > 0 ? 1 : 0)) throw new Error(`eval exited ${r.code}: ${r.stderr.slice(-2000)}`);
      process.stdout.write(`[eval meld] ${utterances.length} utterances in ${seconds.toFixed(1)} s; ${server.requests.length} requests\n`);
      const want = expected(utterances);
      expect(utterances).toHaveLength(2610);
      expect(m.n).toBe(2610);
      expect(m.split).toBe("meld:test");
      expect(m.labels).toBe("meld7"); // MELD's own label set, without --labels
      expect(m.erc.confusion.labels.sort()).toEqual([...MELD7].sort());
      expect(m.errors).toBe(want.errors);
      expect(m.errors).toBeGreaterThan(0);
      expect(m.erc.accuracy).toBeCloseTo(want.accuracy, 10);
      expect(m.erc.weightedF1).toBeCloseTo(want.weightedF1, 10);
      // Weighted-F1 is not macro-F1 on MELD's skewed labels (48% neutral).
      expect(Math.abs(m.erc.weightedF1 - m.erc.macroF1)).toBeGreaterThan(0.1);
      expect(r.stderr).toContain(`${want.errors} of 2610 examples errored on the model's answers`);

      const onDisk = JSON.parse(readFileSync(path.join(out, "metrics.json"), "utf8")) as Metrics;
      expect(onDisk.erc.weightedF1).toBeCloseTo(want.weightedF1, 10);
      const preds = readFileSync(path.join(out, "predictions.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l) as { id: string; inputs: { speakers?: string[] } });
      expect(preds.map((p) => p.id)).toEqual(utterances.map((u) => u.id));
      expect(preds[1]!.inputs.speakers).toEqual(["Mark", "Rachel"]);
    },
    600_000,
  );

  it(
    "InsideOut's agents see the speakers' names too: --method insideout --aggregation vote on a sample of meld:dev",
    async () => {
      const out = path.join(dir, "meld-dev-vote");
      const r = await spawnCli(
        ["eval", "--task", "erc", "--method", "insideout", "--aggregation", "vote", "--model", "openai:oracle", "--data", "meld:dev", "--limit", "40", "--concurrency", "16", "--out", out, "--json"],
        env(),
      ).done;
      const m = JSON.parse(r.stdout || "null") as Metrics | null;
      if (!m || r.code !== (m.errors > 0 ? 1 : 0)) throw new Error(`eval exited ${r.code}: ${r.stderr.slice(-2000)}`);
      // The five agents all answer by the rule, so the vote is that answer: the sample's expected metrics follow.
      const ids = readFileSync(path.join(out, "predictions.jsonl"), "utf8").trim().split("\n").map((l) => (JSON.parse(l) as { id: string }).id);
      const sampled = ids.map((id) => dev.find((u) => u.id === id)!);
      const want = expected(sampled);
      expect(m.n).toBe(40);
      expect(m.errors).toBe(want.errors);
      expect(m.erc.accuracy).toBeCloseTo(want.accuracy, 10);
      expect(m.erc.weightedF1).toBeCloseTo(want.weightedF1, 10);
      expect(want.correct).toBeGreaterThan(5);
    },
    300_000,
  );

  it("refuses a label set without MELD's labels, ERG and --langsmith, before any request", async () => {
    const before = server.requests.length;
    const labels = await spawnCli(["eval", "--task", "erc", "--method", "baseline", "--model", "openai:oracle", "--data", "meld:test", "--labels", "ed32", "--out", path.join(dir, "ed32")], env()).done;
    expect(labels.code).toBe(1);
    expect(labels.stderr).toMatch(/The label set ed32 has no place for 7 gold labels of meld:test \(anger, disgust, fear, joy, neutral, sadness, surprise\): add them or use meld7\./);
    const erg = await spawnCli(["eval", "--task", "erg", "--method", "baseline", "--model", "openai:oracle", "--data", "meld:dev", "--out", path.join(dir, "erg")], env()).done;
    expect(erg.code).toBe(1);
    expect(erg.stderr).toMatch(/meld:dev has no reference replies .*--task erc/);
    const ls = await spawnCli(["eval", "--task", "erc", "--method", "baseline", "--model", "openai:oracle", "--data", "meld:dev", "--langsmith", "--out", path.join(dir, "ls")], env()).done;
    expect(ls.code).toBe(1);
    expect(ls.stderr).toMatch(/--langsmith evaluates against the dataset of `insideout data upload`, which holds EmpatheticDialogues only/);
    expect(server.requests.length).toBe(before);
  });
});
