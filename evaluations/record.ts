/**
 * One line of predictions.jsonl: what one example was, what the method answered, what each agent said, what it
 * cost, and what went wrong. The experiment store keeps exactly these records, so resuming changes nothing in them.
 */
import type { BenchmarkAnswer, Candidate, FinalAnswer, Opinion, State } from "../state/state.js";
import type { Question } from "../state/question.js";
import type { BenchmarkGold, Example } from "./data/index.js";
import type { JudgeScores } from "./judge.js";
import type { Usage } from "../models/structured.js";
import { type TaskName } from "../state/runOptions.js";

export interface PredictionRecord {
  id: string;
  task: TaskName;
  method: string;
  inputs: { dialogue: string[]; speakers?: string[]; situation?: string };
  /** `emotion`: the dataset's gold label; `label`: it mapped onto the experiment's label set (null if it has no place there). */
  gold: { emotion: string; label: string | null };
  reference: string | null;
  prediction: { emotion?: string; reply?: string; author?: string };
  recognized?: Opinion;
  opinions: Record<string, Opinion>;
  candidates: Record<string, Candidate>;
  failures: Record<string, string>;
  judge?: JudgeScores;
  usage: { promptTokens: number; completionTokens: number; llmCalls: number };
  latencyMs: number;
  error?: string;
  /** A benchmark question (EQ-Bench, EmoBench): the question, its gold answer and category, the answers given. */
  benchmark?: {
    question: Question;
    gold: BenchmarkGold;
    category?: string;
    answer?: FinalAnswer;
    answers: Record<string, BenchmarkAnswer>;
  };
}

/** A record as metrics read it: all but its inputs (its dialogue so far, which over a long conversation adds up). */
export type ScoredRecord = Omit<PredictionRecord, "inputs">;

/** `record` without its inputs. */
export function scoredRecord(record: PredictionRecord): ScoredRecord {
  const scored: Partial<PredictionRecord> = { ...record };
  delete scored.inputs;
  return scored as ScoredRecord;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** What is wrong with a stored record's shape, for the fields reports and metrics read; undefined when nothing. */
export function recordShapeProblem(r: object): string | undefined {
  const v = r as Record<string, unknown>;
  if (typeof v.id !== "string") return "has no id";
  for (const k of ["inputs", "gold", "prediction", "usage", "opinions", "candidates", "failures"] as const) {
    if (!isObject(v[k])) return `has no ${k}`;
  }
  if (!Array.isArray((v.inputs as Record<string, unknown>).dialogue)) return "has no inputs.dialogue";
  if (typeof (v.gold as Record<string, unknown>).emotion !== "string") return "has no gold.emotion";
  return undefined;
}

export function emptyUsage(): PredictionRecord["usage"] {
  return { promptTokens: 0, completionTokens: 0, llmCalls: 0 };
}

export function addUsage(total: PredictionRecord["usage"], u: Pick<Usage, "promptTokens" | "completionTokens" | "calls">): void {
  total.promptTokens += u.promptTokens;
  total.completionTokens += u.completionTokens;
  total.llmCalls += u.calls;
}

export function baseRecord(task: TaskName, method: string, example: Example, goldLabel: string | null): PredictionRecord {
  const inputs: PredictionRecord["inputs"] = { dialogue: example.dialogue };
  if (example.speakers !== undefined) inputs.speakers = example.speakers;
  if (example.situation !== undefined) inputs.situation = example.situation;
  return {
    id: example.id,
    task,
    method,
    inputs,
    gold: { emotion: example.emotion, label: goldLabel },
    reference: example.reference,
    prediction: {},
    opinions: {},
    candidates: {},
    failures: {},
    usage: emptyUsage(),
    latencyMs: 0,
    ...(example.benchmark ? { benchmark: { ...example.benchmark, answers: {} } } : {}),
  };
}

/** Fills a record from a graph's final state (ERC: the final label; ERG: the chosen reply and its author). */
export function fillFromState(record: PredictionRecord, state: Partial<State>): void {
  if (record.task === "erc" && state.emotion) record.prediction.emotion = state.emotion.emotion;
  if (state.reply) {
    record.prediction.reply = state.reply.text;
    record.prediction.author = state.reply.author;
  }
  if (state.recognized) record.recognized = state.recognized;
  record.opinions = state.opinions ?? {};
  record.candidates = state.candidates ?? {};
  record.failures = state.failures ?? {};
  if (record.benchmark) {
    record.benchmark.answers = state.answers ?? {};
    if (state.answer) record.benchmark.answer = state.answer;
  }
  for (const c of state.calls ?? []) addUsage(record.usage, c);
}
