/**
 * Every run option of `eval` and `reproduce`, and self-consistency, through the built CLI against an
 * OpenAI-compatible server on 127.0.0.1 whose answers are a known function of the request:
 * - an emotion agent answers the gold label when its bit of the example's hash is set, else a fixed wrong label
 *   (confidence 0.9 right, 0.5 wrong);
 * - the recogniser's i-th identical request in a run (self-consistency's samples are identical requests) answers the
 *   gold label when bit i of the hash is set, else the wrong one;
 * - the aggregate agent answers the label most of the listed opinions give, ties to the alphabetically first.
 * The expected accuracy of each configuration is worked out here from those rules and the vote/weighted rules as the
 * README states them; requests are counted exactly.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { dialogueText, ED32, ED_TEST, readEdTest, spawnCli, type RawExample } from "../helpers/evalOracle.js";
import { requestedSchema, startFakeOpenAI, promptOf, type ChatRequest, type FakeOpenAI } from "../helpers/openaiServer.js";
import { roleOf } from "../helpers/roles.js";

const N = 24;
const AGENTS = ["anger", "disgust", "fear", "happiness", "sadness"];
let dir: string;
let data: string;
let examples: RawExample[];
let server: FakeOpenAI;

const bitsOf = (ex: RawExample) => createHash("sha256").update(`methods:${ex.id}`).digest()[0]!;
const wrongOf = (gold: string) => ED32[(ED32.indexOf(gold) + 1) % ED32.length]!;
const agentRight = (ex: RawExample, agent: string) => ((bitsOf(ex) >> AGENTS.indexOf(agent)) & 1) === 1;
const sampleRight = (ex: RawExample, i: number) => ((bitsOf(ex) >> (i % 8)) & 1) === 1;

/** Occurrences of each identical recognition request, counted per CLI run (`cli` clears it). */
const seen = new Map<string, number>();

function handlerFor(byText: Map<string, RawExample>) {
  return (req: ChatRequest): string => {
    const user = req.messages.find((m) => m.role === "user")?.content ?? "";
    const ex = byText.get(user.slice(user.indexOf("Speaker: ")).trim());
    const role = roleOf(promptOf(req));
    const schema = requestedSchema(req);
    if (!ex) return "unknown example";
    const gold = ex.emotion;
    if (!schema) return `Reply for ${ex.id}`;
    if (role.kind === "agent") {
      const right = agentRight(ex, role.emotion);
      return JSON.stringify({ emotion: right ? gold : wrongOf(gold), confidence: right ? 0.9 : 0.5, rationale: "r" });
    }
    if (role.kind === "recognize") {
      const body = JSON.stringify(req.messages) + String(req.temperature);
      const i = seen.get(body) ?? 0;
      seen.set(body, i + 1);
      const right = sampleRight(ex, i);
      return JSON.stringify({ emotion: right ? gold : wrongOf(gold), confidence: right ? 0.9 : 0.5, rationale: "r" });
    }
    if (role.kind === "aggregate") {
      if (schema.properties?.choice) return JSON.stringify({ choice: (schema.properties.choice.enum as string[]).at(-1), rationale: "r" });
      const listed = [...promptOf(req).matchAll(/^- [\w-]+: (\w+) \(confidence/gm)].map((m) => m[1]!);
      return JSON.stringify({ emotion: majority(listed), confidence: 0.8, rationale: "r" });
    }
    return "unexpected request";
  };
}

function majority(labels: readonly string[]): string {
  const count = new Map<string, number>();
  for (const l of labels) count.set(l, (count.get(l) ?? 0) + 1);
  return [...count].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0];
}

/** The README's rules: vote = most agents, ties to the larger summed confidence; weighted = the larger summed confidence. */
function expectedAccuracy(rule: "llm" | "vote" | "weighted", voters: (ex: RawExample) => boolean[]): number {
  let correct = 0;
  for (const ex of examples) {
    const rights = voters(ex);
    const k = rights.filter(Boolean).length;
    const n = rights.length;
    const gold = ex.emotion;
    const wrong = wrongOf(gold);
    const labels = rights.map((r) => (r ? gold : wrong));
    const winner =
      rule === "llm" ? majority(labels) : rule === "vote" ? (k > n - k || (k === n - k && 0.9 * k > 0.5 * (n - k)) ? gold : wrong) : 0.9 * k > 0.5 * (n - k) ? gold : wrong;
    if (winner === gold) correct++;
  }
  return (100 * correct) / examples.length;
}

const agentVoters = (agents: readonly string[]) => (ex: RawExample) => agents.map((a) => agentRight(ex, a));
const sampleVoters = (k: number) => (ex: RawExample) => Array.from({ length: k }, (_, i) => sampleRight(ex, i));

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "insideout-methods-"));
  // N examples with distinct dialogues, so the server tells them apart by their text.
  const lines = readFileSync(ED_TEST, "utf8").split("\n").filter((l) => l.trim());
  const all = readEdTest();
  const picked: number[] = [];
  const texts = new Set<string>();
  for (let i = 0; i < all.length && picked.length < N; i++) {
    const t = dialogueText(all[i]!.dialogue);
    if (!texts.has(t)) {
      texts.add(t);
      picked.push(i);
    }
  }
  examples = picked.map((i) => all[i]!);
  data = path.join(dir, "data.jsonl");
  writeFileSync(data, picked.map((i) => lines[i]).join("\n") + "\n");
  server = await startFakeOpenAI(handlerFor(new Map(examples.map((e) => [dialogueText(e.dialogue), e]))));
});

afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = (cache = "cache") => ({
  OPENAI_BASE_URL: server.url,
  OPENAI_API_KEY: "sk-test-not-a-real-key",
  INSIDEOUT_CACHE_DIR: path.join(dir, cache),
});

interface Metrics {
  n: number;
  method: string;
  errors: number;
  options?: Record<string, unknown>;
  erc?: { accuracy: number };
  cost: { llmCalls: number };
}

/** Runs the CLI; returns its exit, output and how many requests the server got meanwhile. */
async function cli(args: string[], cache?: string) {
  const before = server.requests.length;
  seen.clear();
  const quiet = args[0] === "eval" || args[0] === "reproduce" ? ["--no-progress"] : [];
  const r = await spawnCli([...args, ...quiet], env(cache)).done;
  return { ...r, requests: server.requests.length - before };
}

async function evalRun(task: "erc" | "erg", method: string, out: string, extra: string[] = [], cache?: string) {
  const r = await cli(["eval", "--task", task, "--method", method, "--model", "openai:oracle", "--data", data, "--out", path.join(dir, out), "--concurrency", "4", "--json", ...extra], cache);
  if (r.code !== 0) throw new Error(`eval exited ${r.code}: ${r.stderr.slice(-1500)}`);
  return { metrics: JSON.parse(r.stdout) as Metrics, requests: r.requests };
}

describe("eval: InsideOut's options", () => {
  it("--aggregation vote: five calls per example, and the majority vote's exact accuracy", async () => {
    const { metrics, requests } = await evalRun("erc", "insideout", "io-vote", ["--aggregation", "vote"]);
    expect(requests).toBe(5 * N);
    expect(metrics.cost.llmCalls).toBe(5 * N);
    expect(metrics.erc!.accuracy).toBeCloseTo(expectedAccuracy("vote", agentVoters(AGENTS)), 6);
    expect(metrics.options).toMatchObject({ aggregation: "vote", agents: AGENTS, temperature: 0 });
  });

  it("--aggregation weighted: five calls per example (answers cached from the vote run replay: none new), its own accuracy", async () => {
    const { metrics, requests } = await evalRun("erc", "insideout", "io-weighted", ["--aggregation", "weighted"]);
    expect(requests).toBe(0);
    expect(metrics.cost.llmCalls).toBe(5 * N);
    expect(metrics.erc!.accuracy).toBeCloseTo(expectedAccuracy("weighted", agentVoters(AGENTS)), 6);
    // The two rules disagree on this data (2 of 5 right and confident wins the weighted vote only).
    expect(expectedAccuracy("weighted", agentVoters(AGENTS))).not.toBe(expectedAccuracy("vote", agentVoters(AGENTS)));
  });

  it("--agents without fear: four agents and the aggregator per example, the aggregator's exact accuracy", async () => {
    const four = AGENTS.filter((a) => a !== "fear");
    const { metrics, requests } = await evalRun("erc", "insideout", "io-no-fear", ["--agents", four.join(",")], "cache-no-fear");
    expect(requests).toBe(5 * N);
    expect(server.requests.slice(-5 * N).filter((q) => promptOf(q).includes("You are Fear, one of the emotions"))).toHaveLength(0);
    expect(metrics.erc!.accuracy).toBeCloseTo(expectedAccuracy("llm", agentVoters(four)), 6);
    expect(metrics.options).toMatchObject({ aggregation: "llm", agents: four });
  });

  it("a resumed run with another aggregation, agent list or temperature is refused in one line, before any call", async () => {
    for (const extra of [["--aggregation", "weighted"], ["--agents", "anger,fear"], ["--aggregation", "vote", "--temperature", "0.3"]]) {
      const r = await cli(["eval", "--task", "erc", "--method", "insideout", "--model", "openai:oracle", "--data", data, "--out", path.join(dir, "io-vote"), ...extra]);
      expect(r.code).not.toBe(0);
      expect(r.requests).toBe(0);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/different configuration \((aggregation|agents|temperature): stored/);
    }
  });
});

describe("eval --method self-consistency", () => {
  it("ERC: k + 1 calls per example, the k samples kept apart by the cache, and the aggregator's exact accuracy", async () => {
    const { metrics, requests } = await evalRun("erc", "self-consistency", "sc", [], "cache-sc");
    expect(requests).toBe(6 * N);
    const samples = server.requests.slice(-6 * N).filter((q) => roleOf(promptOf(q)).kind === "recognize");
    expect(samples).toHaveLength(5 * N);
    // No persona anywhere, and the samples at the recorded sample temperature.
    expect(server.requests.slice(-6 * N).some((q) => roleOf(promptOf(q)).kind === "agent")).toBe(false);
    expect(new Set(samples.map((q) => q.temperature))).toEqual(new Set([0.7]));
    expect(metrics.erc!.accuracy).toBeCloseTo(expectedAccuracy("llm", sampleVoters(5)), 6);
    expect(metrics.options).toMatchObject({ samples: 5, sampleTemperature: 0.7 });
  });

  it("a re-run into a new --out replays the same k samples from the cache: no request, the same predictions", async () => {
    const { metrics, requests } = await evalRun("erc", "self-consistency", "sc-again", [], "cache-sc");
    expect(requests).toBe(0);
    expect(metrics.erc!.accuracy).toBeCloseTo(expectedAccuracy("llm", sampleVoters(5)), 6);
    const preds = (out: string) => readFileSync(path.join(dir, out, "predictions.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { opinions: unknown }).opinions);
    expect(preds("sc-again")).toEqual(preds("sc"));
  });

  it("--samples 3 --aggregation vote: three calls per example, the vote's exact accuracy", async () => {
    const { metrics, requests } = await evalRun("erc", "self-consistency", "sc-3-vote", ["--samples", "3", "--aggregation", "vote"], "cache-sc3");
    expect(requests).toBe(3 * N);
    expect(metrics.erc!.accuracy).toBeCloseTo(expectedAccuracy("vote", sampleVoters(3)), 6);
  });

  it("ERG: k + 1 calls (self-consistency) and k + 2 (erc+self-consistency) per example, the aggregator's choice kept", async () => {
    const plain = await evalRun("erg", "self-consistency", "sc-erg", ["--no-judge"]);
    expect(plain.requests).toBe(6 * N);
    const after = await evalRun("erg", "erc+self-consistency", "erc-sc-erg", ["--no-judge", "--samples", "4"]);
    // The recogniser at temperature 0 was not asked before (self-consistency ERC sampled at 0.7): 1 + 4 + 1.
    expect(after.requests).toBe(6 * N);
    const chosen = readFileSync(path.join(dir, "erc-sc-erg", "predictions.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { prediction: { author: string } }).prediction.author);
    expect(new Set(chosen)).toEqual(new Set(["sample-4"]));
  });

  it("refuses --samples 0, --sample-temperature 0 and weighted ERG in one line, before any call", async () => {
    const cases: [string, string[], RegExp][] = [
      ["erc", ["--samples", "0"], /--samples.*positive integer/],
      ["erc", ["--sample-temperature", "0"], /--sample-temperature.*above 0/],
      ["erc", ["--samples", "33"], /samples.*at most 32/],
      ["erg", ["--aggregation", "weighted", "--no-judge"], /aggregation must be llm/],
      ["erc", ["--batch"], /--batch cannot run self-consistency/],
    ];
    for (const [task, extra, message] of cases) {
      const out = path.join(dir, `refused-${task}-${extra.join("")}`);
      const r = await cli(["eval", "--task", task, "--method", "self-consistency", "--model", "openai:oracle", "--data", data, "--out", out, ...extra]);
      expect(r.code).not.toBe(0);
      expect(r.requests).toBe(0);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(message);
      expect(existsSync(out)).toBe(false);
    }
  });

  it("a resumed run with another k or sample temperature is refused in one line", async () => {
    for (const extra of [["--samples", "4"], ["--sample-temperature", "1"]]) {
      const r = await cli(["eval", "--task", "erc", "--method", "self-consistency", "--model", "openai:oracle", "--data", data, "--out", path.join(dir, "sc"), ...extra], "cache-sc");
      expect(r.code).not.toBe(0);
      expect(r.requests).toBe(0);
      expect(r.stderr).toMatch(/different configuration \((samples|sampleTemperature): stored/);
    }
  });
});

describe("reproduce --table ablation", () => {
  it("runs the ten ERC experiments, each exact, and compares them with paired tests in one command", async () => {
    const root = path.join(dir, "ablation");
    const r = await cli(["reproduce", "--table", "ablation", "--model", "openai:oracle", "--data", data, "--out", root, "--concurrency", "4"], "cache-ablation");
    if (r.code !== 0) throw new Error(`reproduce exited ${r.code}: ${r.stderr.slice(-1500)}`);
    // New requests: the baseline (1), self-consistency (5 + 1), InsideOut (5 + 1); vote and weighted replay InsideOut's
    // agents from the cache (0); each agent left out asks only the aggregator anew (1).
    expect(r.requests).toBe((1 + 6 + 6 + 0 + 0 + 5) * N);
    const acc = (name: string) => (JSON.parse(readFileSync(path.join(root, name, "metrics.json"), "utf8")) as Metrics).erc!.accuracy;
    const baseline = (100 * examples.filter((ex) => sampleRight(ex, 0)).length) / N;
    expect(acc("baseline")).toBeCloseTo(baseline, 6);
    expect(acc("self-consistency")).toBeCloseTo(expectedAccuracy("llm", sampleVoters(5)), 6);
    expect(acc("insideout")).toBeCloseTo(expectedAccuracy("llm", agentVoters(AGENTS)), 6);
    expect(acc("insideout-vote")).toBeCloseTo(expectedAccuracy("vote", agentVoters(AGENTS)), 6);
    expect(acc("insideout-weighted")).toBeCloseTo(expectedAccuracy("weighted", agentVoters(AGENTS)), 6);
    for (const a of AGENTS) expect(acc(`insideout-no-${a}`)).toBeCloseTo(expectedAccuracy("llm", agentVoters(AGENTS.filter((x) => x !== a))), 6);
    // One McNemar row per pair the ablation asks, the variants named by what they changed.
    const md = readFileSync(path.join(root, "compare.md"), "utf8");
    const mcnemar = md.slice(md.indexOf("McNemar")).split("\n\n")[1]!.split("\n").filter((l) => l.startsWith("| ") && !l.includes("Reference"));
    expect(mcnemar).toHaveLength(10);
    expect(md).toContain("| self-consistency · oracle · ed32 | insideout · oracle · ed32 |");
    expect(md).toContain("| insideout · oracle · ed32 | insideout (vote) · oracle · ed32 |");
    expect(md).toContain("| insideout · oracle · ed32 | insideout (no-sadness) · oracle · ed32 |");
    expect(r.stdout).toMatch(/^Ablation \(ERC/);
  });

  it("refuses --agents and --aggregation (the table sets them itself) in one line, before any call", async () => {
    const r = await cli(["reproduce", "--table", "ablation", "--model", "openai:oracle", "--data", data, "--out", path.join(dir, "ablation-x"), "--aggregation", "vote"]);
    expect(r.code).not.toBe(0);
    expect(r.requests).toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/leave out --agents and --aggregation/);
  });
});

describe("recognize and respond --method self-consistency", () => {
  it("recognize: k + 1 calls, each sample's opinion under its own name, the aggregator's label", async () => {
    const ex = examples[0]!;
    const r = await cli(["recognize", "--method", "self-consistency", "--samples", "3", "--model", "openai:oracle", "--json", ...ex.dialogue]);
    if (r.code !== 0) throw new Error(`recognize exited ${r.code}: ${r.stderr}`);
    expect(r.requests).toBe(4);
    const out = JSON.parse(r.stdout) as { graph: string; opinions: Record<string, { emotion: string }>; emotion: { emotion: string; decidedBy: string } };
    expect(out.graph).toBe("self_consistency_erc");
    expect(Object.keys(out.opinions).sort()).toEqual(["sample-1", "sample-2", "sample-3"]);
    const labels = [0, 1, 2].map((i) => (sampleRight(ex, i) ? ex.emotion : wrongOf(ex.emotion)));
    // Samples finish in any order, so which name got which answer may vary; the multiset and the decision may not.
    expect(Object.values(out.opinions).map((o) => o.emotion).sort()).toEqual([...labels].sort());
    expect(out.emotion).toMatchObject({ emotion: majority(labels), decidedBy: "llm" });
  });

  it("respond --method erc+self-consistency: the recogniser, k drafts told the emotion, the aggregator's choice", async () => {
    const ex = examples[1]!;
    const r = await cli(["respond", "--method", "erc+self-consistency", "--samples", "2", "--model", "openai:oracle", "--json", ...ex.dialogue]);
    if (r.code !== 0) throw new Error(`respond exited ${r.code}: ${r.stderr}`);
    expect(r.requests).toBe(4);
    const drafts = server.requests.slice(-4).filter((q) => roleOf(promptOf(q)).kind === "respond");
    expect(drafts).toHaveLength(2);
    const recognised = sampleRight(ex, 0) ? ex.emotion : wrongOf(ex.emotion);
    for (const d of drafts) expect(promptOf(d)).toContain(`The\nSpeaker seems to feel ${recognised}.`);
    const out = JSON.parse(r.stdout) as { reply: { author: string; text: string } };
    expect(out.reply).toEqual({ text: `Reply for ${ex.id}`, author: "sample-2", rationale: "r" });
  });
});
