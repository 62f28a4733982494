/**
 * A benchmark question, as the benchmark graphs are given it (`question`, beside or instead of a dialogue): EQ-Bench
 * v2's (rate four named emotions of one character 0–10) or EmoBench's (EU: pick the emotion and its cause; EA: pick
 * the best action or reply). The gold answer is never part of it: it stays with the eval's example.
 * Zod 3, as the state is (state/state.ts).
 */
import { z } from "zod/v3";
import type { BenchmarkTask } from "./runOptions.js";

export const EqBenchQuestion = z.object({
  kind: z.literal("eqbench"),
  /** EQ-Bench's own prompt with the revision part removed, as its runner sends it by default: the baseline's prompt. */
  prompt: z.string(),
  /** The dialogue, as the prompt shows it (each line "Name: text"). */
  dialogue: z.string(),
  /** The question after the dialogue: "At the end of this dialogue, Robert would feel..." and the four emotions. */
  ask: z.string(),
  /** The four emotions to rate, in the question's order. */
  emotions: z.array(z.string()).length(4),
});
export type EqBenchQuestion = z.infer<typeof EqBenchQuestion>;

export const EmoBenchQuestion = z.object({
  kind: z.enum(["eu", "ea"]),
  scenario: z.string(),
  subject: z.string(),
  /** EU: the emotion options (6) and the cause options (4); EA: the actions or replies (4) under `choice`. */
  options: z.record(z.string(), z.array(z.string()).min(2)),
  language: z.enum(["en", "zh"]),
});
export type EmoBenchQuestion = z.infer<typeof EmoBenchQuestion>;

export const Question = z.discriminatedUnion("kind", [EqBenchQuestion, EmoBenchQuestion]);
export type Question = z.infer<typeof Question>;

/** The task a question belongs to (state/runOptions.ts): its run options, and so its aggregations, are that task's. */
export function taskOf(q: Question): BenchmarkTask {
  return q.kind === "eqbench" ? "eqbench" : q.kind === "eu" ? "emobench-eu" : "emobench-ea";
}
