/**
 * One line of predictions.jsonl: what one example was, what the method answered, what each agent said, what it
 * cost, and what went wrong. The experiment store keeps exactly these records, so resuming changes nothing in them.
 */
import type { Candidate, Opinion, State } from "../state/state.js";
import type { Example } from "./data/index.js";
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
  for (const c of state.calls ?? []) addUsage(record.usage, c);
}
