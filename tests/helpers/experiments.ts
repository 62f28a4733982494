/**
 * Hand-made experiment directories for report and compare tests, in the format `insideout eval` writes
 * (predictions.jsonl + metrics.json). The tests state the numbers they expect; nothing here computes metrics.
 */
import { mkdir, mkdtemp, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { costMetrics, ergMetrics } from "../../evaluations/experimentMetrics.js";
import type { PredictionRecord } from "../../evaluations/record.js";
import { ED32_LABELS } from "../../taxonomy/labelSets.js";

export interface ErcCase {
  id: string;
  gold: string;
  pred: string | null;
  dialogue?: string[];
  judge?: number;
}

export async function tmpDir(prefix = "insideout-report-"): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

export async function writeExperiment(dir: string, metrics: object, predictions: readonly object[]): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(path.join(dir, "metrics.json"), JSON.stringify(metrics, null, 2));
  await writeFile(path.join(dir, "predictions.jsonl"), predictions.map((p) => JSON.stringify(p)).join("\n") + "\n");
  return dir;
}

const usage = { promptTokens: 100, completionTokens: 20, llmCalls: 1 };

export function ercPrediction(c: ErcCase, method: string, opinions: Record<string, string> = {}): object {
  return {
    id: c.id,
    task: "erc",
    method,
    inputs: { dialogue: c.dialogue ?? [`dialogue ${c.id}`] },
    gold: { emotion: c.gold, label: c.gold },
    reference: null,
    prediction: c.pred === null ? {} : { emotion: c.pred },
    opinions: Object.fromEntries(Object.entries(opinions).map(([a, e]) => [a, { emotion: e, confidence: 0.8, rationale: "r" }])),
    candidates: {},
    failures: {},
    usage,
    latencyMs: 250,
    ...(c.pred === null ? { error: "model gave no label" } : {}),
  };
}

/** metrics.json for an ERC experiment; `erc` holds whatever the test wants the report to show. */
export function ercMetrics(method: string, n: number, erc: object, extra: object = {}): object {
  return {
    task: "erc",
    method,
    model: "openai:test-model",
    labels: "ed32",
    split: "ed:test",
    limit: n,
    seed: 1,
    n,
    scored: n,
    errors: 0,
    startedAt: "2025-01-01T00:00:00Z",
    finishedAt: "2025-01-01T00:01:00Z",
    erc,
    cost: { promptTokens: 100 * n, completionTokens: 20 * n, llmCalls: n, perExample: { promptTokens: 100, completionTokens: 20, llmCalls: 1, latencyMs: 250 }, wallMs: 60000 },
    ...extra,
  };
}

/**
 * A full 32-label ERC experiment for the charts: 10 examples per gold label; label i is right on i mod 11 of them
 * and mistaken for label i+1 (mod 32) on the rest. So row "afraid" (i = 0) is all "angry", row "devastated"
 * (i = 10) is all correct, and per-emotion accuracy is 10·(i mod 11) %. `shift` rotates that pattern, for a second
 * method that differs from the first.
 */
export function fullErcExperiment(method = "insideout", shift = 0): { metrics: object; predictions: object[] } {
  const labels = [...ED32_LABELS];
  const matrix = labels.map(() => labels.map(() => 0));
  const predictions: object[] = [];
  const perLabel: Record<string, { support: number; correct: number; accuracy: number }> = {};
  labels.forEach((gold, i) => {
    const right = (i + shift) % 11;
    const wrong = labels[(i + 1) % 32]!;
    matrix[i]![i] = right;
    matrix[i]![(i + 1) % 32] = 10 - right;
    perLabel[gold] = { support: 10, correct: right, accuracy: 10 * right };
    for (let k = 0; k < 10; k++) {
      const pred = k < right ? gold : wrong;
      predictions.push(ercPrediction({ id: `${gold}-${k}`, gold, pred }, method, { anger: pred, sadness: k % 2 ? pred : "sad" }));
    }
  });
  const correct = labels.reduce((s, _, i) => s + ((i + shift) % 11), 0);
  const accuracy = (100 * correct) / 320;
  return {
    predictions,
    metrics: ercMetrics(method, 320, {
      accuracy,
      macroF1: 40,
      accuracyCI95: [accuracy - 5, accuracy + 5],
      confusion: { labels, matrix },
      perLabel,
      perValence: { negative: { support: 160, accuracy: 40 }, positive: { support: 110, accuracy: 55 }, ambiguous: { support: 50, accuracy: 60 } },
      crossValenceErrorRate: 12.5,
    }, { agents: { agreement: { anger: 100, sadness: 55 } } }),
  };
}

export interface ErgCase {
  id: string;
  reply: string;
  reference: string;
  /** One score for every criterion. */
  judge?: number;
  /** Each agent's proposed reply; the first is the one chosen. */
  candidates?: Record<string, string>;
  usage?: { promptTokens: number; completionTokens: number; llmCalls: number };
  latencyMs?: number;
}

export function ergPrediction(c: ErgCase, method: string): object {
  const agents = Object.keys(c.candidates ?? {});
  return {
    id: c.id,
    task: "erg",
    method,
    inputs: { dialogue: [`dialogue ${c.id}`] },
    gold: { emotion: "sad", label: "sad" },
    reference: c.reference,
    prediction: { reply: c.reply, ...(agents.length ? { author: agents[0] } : {}) },
    opinions: {},
    candidates: Object.fromEntries(Object.entries(c.candidates ?? {}).map(([a, reply]) => [a, { reply, confidence: 0.7, rationale: `${a} says so` }])),
    failures: {},
    ...(c.judge !== undefined
      ? { judge: { fluency: c.judge, identification: c.judge, empathy: c.judge, suggestion: c.judge, overall: c.judge } }
      : {}),
    usage: c.usage ?? usage,
    latencyMs: c.latencyMs ?? 250,
  };
}

/** metrics.json for an ERG experiment; `erg` holds the text metrics (and judge means) the test states. */
export function ergMetricsFile(method: string, n: number, erg: object, judgeModel = "openai:judge-model"): object {
  return {
    task: "erg",
    method,
    model: "openai:test-model",
    judgeModel,
    labels: "ed32",
    split: "ed:test",
    limit: null,
    seed: 1,
    n,
    scored: n,
    errors: 0,
    erg,
    cost: { promptTokens: 100 * n, completionTokens: 20 * n, llmCalls: n, perExample: { promptTokens: 100, completionTokens: 20, llmCalls: 1, latencyMs: 250 }, wallMs: 1000 },
  };
}

/**
 * An ERG experiment of 40 examples for the charts: `good` replies repeat the reference (else a stock phrase), judge
 * scores cycle through 5..9 (+1 for `better`), and cost varies by example (latency 50–230 ms, 500–2278 tokens) so
 * that the axes have awkward ranges. For the screenshot test only: its metrics.json text figures come from the
 * product's own `ergMetrics` and `costMetrics`, as `insideout eval` writes them (that test checks drawing, not these numbers).
 */
export function fullErgExperiment(method: string, better: boolean): { metrics: object; predictions: object[] } {
  const refs = ["i am so sorry to hear that", "that is great news", "oh no , what happened ?", "you must be so proud", "that sounds scary"];
  const predictions = Array.from({ length: 40 }, (_, i) => {
    const reference = refs[i % refs.length]!;
    const good = better ? i % 4 !== 0 : i % 3 === 0;
    return ergPrediction(
      {
        id: `g${i}`,
        reply: good ? reference : "i see , tell me more",
        reference,
        judge: Math.min(10, 5 + (i % 5) + (better ? 1 : 0)),
        ...(method.includes("insideout") ? { candidates: { joy: good ? reference : "i see , tell me more", sadness: "i am sorry", fear: "be careful", anger: "that is unfair", disgust: "ugh" } } : {}),
        usage: { promptTokens: 400 + ((i * 47) % 1779), completionTokens: 60 + (i % 40), llmCalls: method.includes("insideout") ? 7 : 2 },
        latencyMs: 50 + ((i * 37) % 181),
      },
      method,
    );
  });
  const records = predictions as PredictionRecord[];
  return { predictions, metrics: { ...ergMetricsFile(method, 40, ergMetrics(records)), cost: costMetrics(records, 30_000) } };
}
