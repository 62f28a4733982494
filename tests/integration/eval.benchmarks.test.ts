/**
 * EQ-Bench v2 and EmoBench EU/EA evals (runEval, in this process, on --limit samples of the shared data) against an
 * OpenAI-compatible server on 127.0.0.1 whose answers are a known function of the question:
 * - EQ-Bench's own prompt (the baseline, free text): the reference intensities, each +2 (at most 10), or, for every
 *   third question, an answer without scores (not parseable);
 * - an emotion agent: the reference intensities shifted by its own offset, clipped to 0–10 (structured);
 * - self-consistency's i-th identical request: the reference shifted by i − 1;
 * - the aggregate agent (llm): per emotion, the highest score its prompt lists;
 * - EmoBench: an agent (or the plain answerer) picks the right option of a field when its bit of the question's hash
 *   is set, else the option after it (confidence 0.9 right, 0.5 wrong).
 * Expected scores: EQ-Bench's per-question scores from its reference code (python3, scoring.py) on the answers these
 * rules give, the final score as EQ-Bench defines it (mean over parseable × 10); EmoBench's accuracies by the vote
 * rule as the README states it, over the questions each run reports. Requests are counted at the server.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { REPO } from "../helpers/cli.js";
import { promptOf, requestedSchema, startFakeOpenAI, type ChatRequest, type FakeOpenAI } from "../helpers/openaiServer.js";
import { roleOf } from "../helpers/roles.js";
import { runEval } from "../../evaluations/run.js";
import type { RunOptions } from "../../state/runOptions.js";

const EQ = path.resolve(REPO, "../shared/data/eq_bench");
const EMO = path.resolve(REPO, "../shared/data/emobench");
const AGENTS = ["anger", "disgust", "fear", "happiness", "sadness"];
const OFFSET: Record<string, number> = { anger: 0, disgust: 1, fear: 3, happiness: -2, sadness: 6 };

interface EqItem { id: string; dialogue: string; ask: string; emotions: string[]; ref: number[] }
interface EmoItem { id: string; scenario: string; options: Record<string, string[]>; answers: Record<string, string>; category: string }

let dir: string;
let server: FakeOpenAI;
let eq: EqItem[];
let eu: EmoItem[];
let ea: EmoItem[];
const seen = new Map<string, number>();

const clip = (x: number) => Math.max(0, Math.min(10, x));
const bits = (id: string) => createHash("sha256").update(`bench:${id}`).digest()[0]!;
const right = (id: string, slot: number) => ((bits(id) >> slot) & 1) === 1;
const pick = (item: EmoItem, field: string, ok: boolean) => {
  const list = item.options[field]!;
  const gold = item.answers[field]!;
  return ok ? gold : list[(list.indexOf(gold) + 1) % list.length]!;
};
const baselineParseable = (q: EqItem) => Number(q.id) % 3 !== 2;

function handler(req: ChatRequest): string {
  const prompt = promptOf(req);
  const role = roleOf(prompt);
  const schema = requestedSchema(req);
  // EQ-Bench asks about several characters of one dialogue: the question is the dialogue and what is asked.
  const q = eq.find((x) => prompt.includes(x.dialogue) && prompt.includes(x.ask));
  if (q) {
    if (!schema) {
      const body = JSON.stringify(req.messages) + String(req.temperature);
      const n = seen.get(body) ?? 0;
      seen.set(body, n + 1);
      // The baseline (temperature 0) or a self-consistency sample (n-th identical request).
      if (req.temperature === 0 || req.temperature === undefined) {
        if (!baselineParseable(q)) return "I would rather not say.";
        return q.emotions.map((e, i) => `${e}: ${clip(q.ref[i]! + 2)}`).join("\n");
      }
      return q.emotions.map((e, i) => `${e}: ${clip(q.ref[i]! + n - 1)}`).join("\n");
    }
    if (role.kind === "agent") {
      return JSON.stringify({ scores: Object.fromEntries(q.emotions.map((e, i) => [e, clip(q.ref[i]! + OFFSET[role.emotion]!)])), rationale: "r" });
    }
    if (role.kind === "aggregate") {
      const listed = [...prompt.matchAll(/^- [\w-]+: (.*)$/gm)].map((m) => m[1]!);
      const scores = Object.fromEntries(
        q.emotions.map((e) => [e, Math.max(...listed.map((l) => Number(new RegExp(`${e}: (\\d+)`).exec(l)![1])))]),
      );
      return JSON.stringify({ scores, rationale: "r" });
    }
    return "unexpected";
  }
  // Some EmoBench scenarios recur with other options: the question is the scenario and its options.
  const item = [...eu, ...ea].find((x) => prompt.includes(x.scenario) && Object.values(x.options).flat().every((o) => prompt.includes(`- ${o}\n`) || prompt.endsWith(`- ${o}`)));
  if (!item || !schema) return "unexpected";
  const slot = role.kind === "agent" ? AGENTS.indexOf(role.emotion) : 5;
  const fields = Object.keys(item.options);
  const answer: Record<string, unknown> = { confidence: 0, rationale: "r" };
  fields.forEach((f, k) => (answer[f] = pick(item, f, right(item.id, (slot + 3 * k) % 8))));
  answer.confidence = fields.every((f) => answer[f] === item.answers[f]) ? 0.9 : 0.5;
  return JSON.stringify(answer);
}

/** EQ-Bench's reference scoring (scoring.py) of the given answers: each question's score, null when not parseable. */
function pythonScores(items: EqItem[], answers: (Record<string, number> | string)[]): (number | null)[] {
  const code = `
import json, sys, io, contextlib
sys.path.insert(0, sys.argv[1] + "/reference")
from scoring import parse_answers, calculate_score_fullscale
questions = json.load(open(sys.argv[1] + "/eq_bench_v2_questions_171.json"))
out = []
for qid, a in json.load(sys.stdin):
    user = parse_answers(a, False)[0] if isinstance(a, str) else a
    with contextlib.redirect_stdout(io.StringIO()):
        out.append(calculate_score_fullscale(questions[qid]["reference_answer_fullscale"], user))
print(json.dumps(out))`;
  const input = JSON.stringify(items.map((q, i) => [q.id, answers[i]]));
  return JSON.parse(execFileSync("python3", ["-c", code, EQ], { input, encoding: "utf8" })) as (number | null)[];
}

const finalScore = (scores: (number | null)[]) => {
  const ok = scores.filter((s): s is number => s !== null);
  return { score: (ok.reduce((a, b) => a + b, 0) / ok.length) * 10, parseable: ok.length };
};

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "insideout-bench-"));
  const all = JSON.parse(readFileSync(path.join(EQ, "eq_bench_v2_questions_171.json"), "utf8")) as Record<string, { prompt: string; reference_answer_fullscale: Record<string, string | number> }>;
  eq = Object.entries(all).map(([id, { prompt: p, reference_answer_fullscale: r }]) => ({
    id,
    dialogue: p.slice(p.indexOf("in this dialogue:") + 17, p.indexOf("[End dialogue]")).trim(),
    ask: p.slice(p.indexOf("[End dialogue]") + 14, p.indexOf("Give each of these")).trim(),
    emotions: [1, 2, 3, 4].map((i) => String(r[`emotion${i}`])),
    ref: [1, 2, 3, 4].map((i) => Number(r[`emotion${i}_score`])),
  }));
  const rows = (file: string) => readFileSync(path.join(EMO, file), "utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, unknown>);
  eu = rows("EU.jsonl").map((r) => ({
    id: `${String(r.language)}-${String(r.qid)}`,
    scenario: String(r.scenario).trim(),
    options: { emotion: r.emotion_choices as string[], cause: r.cause_choices as string[] },
    answers: { emotion: String(r.emotion_label), cause: String(r.cause_label) },
    category: String(r.coarse_category),
  }));
  ea = rows("EA.jsonl").map((r) => ({
    id: `${String(r.language)}-${String(r.qid)}`,
    scenario: String(r.scenario).trim(),
    options: { choice: r.choices as string[] },
    answers: { choice: String(r.label) },
    category: String(r.category),
  }));
  server = await startFakeOpenAI(handler);
  process.env.OPENAI_BASE_URL = server.url;
  process.env.OPENAI_API_KEY = "sk-test-not-a-real-key";
  process.env.INSIDEOUT_CACHE_DIR = path.join(dir, "cache");
  process.env.INSIDEOUT_RETRY_NOTICES = "0";
});

afterAll(async () => {
  await server.close();
  if (!process.env.KEEP) rmSync(dir, { recursive: true, force: true });
  else console.log(dir);
});

/** One eval; `ids`: the questions it ran (its --limit sample), in order, from its predictions.jsonl. */
async function evalOf(data: string, method: string, limit: number, extra: Partial<RunOptions> = {}) {
  seen.clear();
  const before = server.requests.length;
  const out = path.join(dir, "out", `${data}-${method}-${JSON.stringify(extra)}`.replace(/[^\w.-]+/g, "_"));
  const r = await runEval({ method, data, limit, options: { model: "openai:gpt-4o-mini", ...extra }, out });
  expect(r.unfinished.count).toBe(0);
  const ids = readFileSync(path.join(out, "predictions.jsonl"), "utf8").split("\n").filter(Boolean).map((l) => (JSON.parse(l) as { id: string }).id);
  expect(ids).toHaveLength(limit);
  return { m: r.metrics!, requests: server.requests.length - before, ids };
}

const byIds = <T extends { id: string }>(items: readonly T[], ids: readonly string[]): T[] => ids.map((id) => items.find((x) => x.id === id)!);

describe("EQ-Bench v2 as an eval task", () => {
  it("baseline: EQ-Bench's own prompt, parsed and scored as EQ-Bench does", async () => {
    const { m, requests, ids } = await evalOf("eqbench:v2", "baseline", 9);
    const qs = byIds(eq, ids);
    const answers = qs.map((q) => (baselineParseable(q) ? q.emotions.map((e, k) => `${e}: ${clip(q.ref[k]! + 2)}`).join("\n") : "I would rather not say."));
    const want = finalScore(pythonScores(qs, answers));
    expect(m.task).toBe("eqbench");
    expect(m.eqbench!.parseable).toBe(qs.filter(baselineParseable).length);
    expect(want.parseable).toBe(qs.filter(baselineParseable).length);
    expect(want.parseable).toBeLessThan(9);
    expect(m.eqbench!.score).toBeCloseTo(want.score, 9);
    expect(requests).toBe(9);
    // The prompt is EQ-Bench's with its revision part removed, as its runner sends it.
    const sent = server.requests.at(-1)!.messages.map((x) => x.content).join("\n");
    expect(sent).toContain("Your answer:");
    expect(sent).not.toContain("Critique");
    expect(sent).not.toContain("Revised scores");
  });

  it.each([["mean"], ["median"], ["llm"]] as const)("insideout, aggregation %s", async (aggregation) => {
    const { m, requests, ids } = await evalOf("eqbench:v2", "insideout", 9, { aggregation });
    const qs = byIds(eq, ids);
    const answers = qs.map((q) =>
      Object.fromEntries(
        q.emotions.map((e, k) => {
          const v = AGENTS.map((a) => clip(q.ref[k]! + OFFSET[a]!)).sort((x, y) => x - y);
          return [e, aggregation === "mean" ? v.reduce((a, b) => a + b, 0) / 5 : aggregation === "median" ? v[2]! : v[4]!];
        }),
      ),
    );
    const want = finalScore(pythonScores(qs, answers));
    expect(m.eqbench!.parseable).toBe(9);
    expect(m.eqbench!.score).toBeCloseTo(want.score, 9);
    // The agents' answers are cached: the first run asks them, the others replay them; llm adds the aggregate agent.
    expect(requests).toBe({ mean: 9 * 5, median: 0, llm: 9 }[aggregation]);
  });

  it("self-consistency: three samples of EQ-Bench's prompt, their median", async () => {
    const { m, requests, ids } = await evalOf("eqbench:v2", "self-consistency", 9, { aggregation: "median", samples: 3 });
    const qs = byIds(eq, ids);
    // Samples give the reference −1, +0, +1 (clipped): the median is the reference itself, clipped.
    const answers = qs.map((q) => Object.fromEntries(q.emotions.map((e, k) => [e, [q.ref[k]! - 1, q.ref[k]!, q.ref[k]! + 1].map(clip).sort((a, b) => a - b)[1]!])));
    const want = finalScore(pythonScores(qs, answers));
    expect(m.eqbench!.score).toBeCloseTo(want.score, 9);
    expect(m.eqbench!.score).toBeCloseTo(100, 9);
    expect(requests).toBe(9 * 3);
  });
});

describe("EmoBench as eval tasks", () => {
  const vote = (item: EmoItem, field: string, k: number) => {
    // Five agents, the wrong ones all on the option after the right one: the right one wins with three votes or more.
    const rights = AGENTS.filter((_, slot) => right(item.id, (slot + 3 * k) % 8)).length;
    return rights >= 3 ? item.answers[field] : pick(item, field, false);
  };

  it("EU, insideout with vote: accuracy of emotion, cause and both, per category", async () => {
    const { m, requests, ids } = await evalOf("emobench:eu", "insideout", 14, { aggregation: "vote" });
    const hits = byIds(eu, ids).map((item) => {
      const e = vote(item, "emotion", 0) === item.answers.emotion;
      const c = vote(item, "cause", 1) === item.answers.cause;
      return { e, c, both: e && c, category: item.category };
    });
    const pct = (xs: boolean[]) => (100 * xs.filter(Boolean).length) / xs.length;
    expect(m.task).toBe("emobench-eu");
    expect(m.emobench!.n).toBe(14);
    expect(m.emobench!.accuracy.emotion!.accuracy).toBeCloseTo(pct(hits.map((h) => h.e)), 9);
    expect(m.emobench!.accuracy.cause!.accuracy).toBeCloseTo(pct(hits.map((h) => h.c)), 9);
    expect(m.emobench!.accuracy.both!.accuracy).toBeCloseTo(pct(hits.map((h) => h.both)), 9);
    for (const cat of new Set(hits.map((h) => h.category))) {
      const inCat = hits.filter((h) => h.category === cat);
      expect(m.emobench!.perCategory[cat]!.n).toBe(inCat.length);
      expect(m.emobench!.perCategory[cat]!.accuracy.both!.accuracy).toBeCloseTo(pct(inCat.map((h) => h.both)), 9);
    }
    const [lo, hi] = m.emobench!.accuracy.both!.ci95;
    expect(lo).toBeLessThanOrEqual(m.emobench!.accuracy.both!.accuracy);
    expect(hi).toBeGreaterThanOrEqual(m.emobench!.accuracy.both!.accuracy);
    expect(requests).toBe(14 * 5);
  });

  it("EA, baseline, Chinese only (--lang zh)", async () => {
    const { m, requests, ids } = await evalOf("emobench:ea:zh", "baseline", 4);
    const zh = byIds(ea, ids);
    expect(zh.every((x) => x.id.startsWith("zh-"))).toBe(true);
    const want = (100 * zh.filter((x) => right(x.id, 5)).length) / zh.length;
    expect(m.emobench!.n).toBe(4);
    expect(m.emobench!.accuracy.choice!.accuracy).toBeCloseTo(want, 9);
    expect(requests).toBe(4);
  });
});
