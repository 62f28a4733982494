/**
 * A benchmark question asked once (state/question.ts): by an emotion agent (with its persona), by the plain answerer
 * (the baseline, and self-consistency's samples), or, for EQ-Bench's baseline, with EQ-Bench's own prompt as its
 * runner sends it, whose free-text answer is parsed as EQ-Bench parses it. Structured answers are validated against a
 * schema built from the question (EQ-Bench: its four emotions, whole numbers 0–10; EmoBench: its options).
 */
import { HumanMessage, SystemMessage, type BaseMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import { parseAnswer } from "../prompts/eqbenchAnswer.js";
import { invokeStructured, invokeText, type Usage } from "../models/structured.js";
import type { ResolvedModel } from "../models/types.js";
import {
  EMOBENCH_SHARED_EA,
  EMOBENCH_SHARED_EU,
  EQBENCH_SHARED,
  PLAIN_ANSWERER,
  QUESTION_EMOBENCH,
  QUESTION_EQBENCH,
} from "../prompts/benchmark.js";
import { render } from "../prompts/render.js";
import type { EqBenchQuestion, Question } from "../state/question.js";
import type { BenchmarkAnswer, State, Update } from "../state/state.js";
import { dialogueOverLimits } from "../core/inputLimits.js";
import { record } from "./common.js";
import { runEnv } from "./env.js";
import { DialogueTooLargeError } from "./turns.js";

export class NoQuestionError extends Error {
  constructor() {
    super("The run has no `question`: a benchmark graph answers a benchmark question (EQ-Bench, EmoBench).");
    this.name = "NoQuestionError";
  }
}

export function questionOf(state: Pick<State, "question">): Question {
  if (!state.question) throw new NoQuestionError();
  return state.question;
}

/** The task's shared part (system) and the question: the start every prompt about this question shares. */
export function questionMessages(q: Question): BaseMessage[] {
  if (q.kind === "eqbench") return [new SystemMessage(EQBENCH_SHARED), new HumanMessage(render(QUESTION_EQBENCH, { dialogue: q.dialogue, ask: q.ask }))];
  const shared = render(q.kind === "eu" ? EMOBENCH_SHARED_EU : EMOBENCH_SHARED_EA, { subject: q.subject });
  const heads: Record<string, string> = { emotion: "Emotion options", cause: "Cause options", choice: "Options" };
  const options = Object.entries(q.options)
    .map(([field, list]) => `${heads[field] ?? field}:\n${list.map((o) => `- ${o}`).join("\n")}`)
    .join("\n\n");
  return [new SystemMessage(shared), new HumanMessage(render(QUESTION_EMOBENCH, { scenario: q.scenario, options }))];
}

const enumOf = (options: readonly string[]) => z.enum([...new Set(options)] as [string, ...string[]]);

/** The schema of a structured answer to `q`. */
export function answerSchema(q: Question) {
  if (q.kind === "eqbench") {
    const score = z.number().int().min(0).max(10);
    return z.object({ scores: z.object(Object.fromEntries(q.emotions.map((e) => [e, score]))), rationale: z.string() });
  }
  const fields = Object.fromEntries(Object.entries(q.options).map(([field, list]) => [field, enumOf(list)]));
  return z.object({ ...fields, confidence: z.number().min(0).max(1), rationale: z.string() });
}

/** A validated structured answer as the state keeps it. */
export function asAnswer(q: Question, value: Record<string, unknown>): BenchmarkAnswer {
  if (q.kind === "eqbench") return { values: { ...(value.scores as Record<string, number>) }, rationale: String(value.rationale) };
  const values = Object.fromEntries(Object.keys(q.options).map((f) => [f, String(value[f])]));
  return { values, confidence: Number(value.confidence), rationale: String(value.rationale) };
}

/** Options as the model wrote them but for case or surrounding space are put back as listed, before validation. */
function repairOptions(q: Question) {
  return (value: unknown): unknown => {
    if (q.kind === "eqbench" || !value || typeof value !== "object") return value;
    const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
    for (const [field, list] of Object.entries(q.options)) {
      const v = out[field];
      if (typeof v !== "string") continue;
      const hit = list.find((o) => o.trim().toLowerCase() === v.trim().toLowerCase());
      if (hit !== undefined) out[field] = hit;
    }
    return out;
  };
}

export interface Asking {
  model: ResolvedModel;
  runName: string;
  /** A message of its own after the question (an agent's persona); none: the plain answerer. */
  instruction?: string;
  sample?: number;
}

/** One structured answer to the question. */
export async function askQuestion(q: Question, config: LangGraphRunnableConfig, how: Asking): Promise<{ value: BenchmarkAnswer; usage: Usage }> {
  const [shared, question] = questionMessages(q);
  const system = how.instruction === undefined ? new SystemMessage(`${PLAIN_ANSWERER} ${String(shared!.content)}`) : shared!;
  const messages = [system, question!, ...(how.instruction !== undefined ? [new HumanMessage(how.instruction)] : [])];
  const { value, usage } = await invokeStructured(how.model, messages, answerSchema(q), {
    runName: how.runName,
    config,
    schemaName: "answer",
    repair: repairOptions(q),
    sample: how.sample,
  });
  return { value: asAnswer(q, value as Record<string, unknown>), usage };
}

/** EQ-Bench's own prompt, once, in free text; its answer parsed as EQ-Bench parses a first pass (`parse_answers`). */
export async function askEqBenchPrompt(q: EqBenchQuestion, config: LangGraphRunnableConfig, how: Asking): Promise<{ value: BenchmarkAnswer; usage: Usage }> {
  const { text, usage } = await invokeText(how.model, [new HumanMessage(q.prompt)], {
    runName: how.runName,
    config,
    sample: how.sample,
  });
  return { value: { values: Object.fromEntries(parseAnswer(text, false).firstPass), raw: text }, usage };
}

/** Whether a free-text EQ-Bench answer gave exactly the question's four emotions (else it cannot be consolidated). */
export function ratesEveryEmotion(q: EqBenchQuestion, a: BenchmarkAnswer): boolean {
  const keys = Object.keys(a.values);
  return keys.length === 4 && q.emotions.every((e) => typeof a.values[e] === "number");
}

const RUN_NAME = "answer";

/**
 * The baseline: the plain model answers once. EQ-Bench: its own prompt (an unparseable answer is the model's result,
 * scored as EQ-Bench scores it: not parseable); EmoBench: the plain answerer's structured choice.
 */
export async function answerQuestion(state: State, config: LangGraphRunnableConfig): Promise<Update> {
  const q = questionOf(state);
  const env = await runEnv(config);
  const how = { model: env.model, runName: RUN_NAME };
  const { value, usage } = q.kind === "eqbench" ? await askEqBenchPrompt(q, config, how) : await askQuestion(q, config, how);
  return { answer: { ...value, decidedBy: "answerer" }, calls: [record(RUN_NAME, usage, true)] };
}

/**
 * A benchmark graph's START router that first checks the run has a question, within a dialogue's byte limit (it holds
 * one; a server's runs are read by no CLI), so none or a huge one is one error before any node.
 */
export function questionChecked<S extends Pick<State, "question">, C, R>(route: (state: S, config: C) => R): (state: S, config: C) => R {
  return (state, config) => {
    const over = dialogueOverLimits([JSON.stringify(questionOf(state))]);
    if (over) throw new DialogueTooLargeError("The question", over);
    return route(state, config);
  };
}
