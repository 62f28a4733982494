/**
 * The aggregate agent on a benchmark question (nodes/aggregate.ts hands it the question's voices: the emotion agents,
 * or self-consistency's samples). `llm`: it reads the answers and gives the final one, in the same structured form;
 * deterministic: EQ-Bench's ratings by `mean` or `median` per emotion, EmoBench's choices by `vote` or `weighted` per
 * field. If the LLM consolidation fails, the deterministic rule stands in (median; weighted) and the failure is kept.
 */
import { HumanMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { invokeStructured } from "../models/structured.js";
import { AGGREGATE_BENCHMARK, AGGREGATE_BENCHMARK_SAMPLES } from "../prompts/benchmark.js";
import { render } from "../prompts/render.js";
import { taskOf, type Question } from "../state/question.js";
import { runOptions } from "../state/runOptions.js";
import type { BenchmarkAnswer, FinalAnswer, State, Update } from "../state/state.js";
import { answerSchema, asAnswer, questionMessages, questionOf } from "./answerQuestion.js";
import { failureToRecord, record, usageOf } from "./common.js";
import { fitShares, LISTED_CHARS } from "./dialogue.js";
import { reportFailure, type RunEnv } from "./env.js";
import { combineChoices, combineRatings } from "./strategies.js";

const RUN_NAME = "aggregate";

function decide(q: Question, rule: string, answers: readonly BenchmarkAnswer[]): Omit<FinalAnswer, "decidedBy"> {
  if (q.kind === "eqbench") {
    const values = combineRatings(rule === "mean" ? "mean" : "median", answers.map((a) => a.values as Record<string, number>), q.emotions);
    return { values, rationale: `The ${rule} of ${answers.length} ratings per emotion.` };
  }
  return combineChoices(rule === "vote" ? "vote" : "weighted", answers, q.options);
}

function listed(q: Question, name: string, a: BenchmarkAnswer, rationale: string): string {
  const what = Object.entries(a.values)
    .map(([k, v]) => `${k}: ${v}`)
    .join(q.kind === "eqbench" ? ", " : "; ");
  const conf = a.confidence !== undefined ? ` (confidence ${a.confidence.toFixed(2)})` : "";
  return `- ${name}: ${what}${conf}${rationale ? `: ${rationale}` : ""}`;
}

export async function aggregateAnswers(
  state: State,
  config: LangGraphRunnableConfig,
  env: RunEnv,
  voices: ReadonlyArray<readonly [string, BenchmarkAnswer]>,
  samples: boolean,
): Promise<Update> {
  const q = questionOf(state);
  // The question's benchmark's aggregations are its schema's (ratings averaged, choices voted on), checked there.
  const rule = runOptions(config, taskOf(q)).aggregation;
  const answers = voices.map(([, a]) => a);
  if (rule !== "llm") return { answer: { ...decide(q, rule, answers), decidedBy: rule }, failures: { aggregate: null } };
  const rationales = fitShares(voices.map(([n, a]) => ({ name: n, text: a.rationale ?? "" })), LISTED_CHARS, samples ? "answers' rationales" : "agents' rationales");
  const notes = rationales.note ? { notes: [rationales.note] } : {};
  const list = voices.map(([n, a], i) => listed(q, n, a, rationales.texts[i]!)).join("\n");
  const own = render(samples ? AGGREGATE_BENCHMARK_SAMPLES : AGGREGATE_BENCHMARK, { answers: list });
  try {
    const { value, usage } = await invokeStructured(env.model, [...questionMessages(q), new HumanMessage(own)], answerSchema(q), {
      runName: RUN_NAME,
      config,
      schemaName: "decision",
    });
    return { answer: { ...asAnswer(q, value as Record<string, unknown>), decidedBy: "llm" }, failures: { aggregate: null }, calls: [record(RUN_NAME, usage, true)], ...notes };
  } catch (error) {
    const fallback = q.kind === "eqbench" ? "median" : "weighted";
    return {
      ...notes,
      answer: { ...decide(q, fallback, answers), decidedBy: fallback },
      failures: { aggregate: reportFailure(config, RUN_NAME, failureToRecord(error, config)) },
      calls: [record(RUN_NAME, usageOf(error), false)],
    };
  }
}
