/**
 * The LLM judge: scores one reply on Fluency, Identification, Empathy, Suggestion and Overall (integers 1–10),
 * validated with zod through `invokeStructured` (an out-of-range or missing score is shown to the model and retried).
 * The judge model is separate from the model under evaluation (`--judge-model`), as in the paper (GPT-4 judged).
 */
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import type { RunnableConfig } from "@langchain/core/runnables";
import { z } from "zod";
import { invokeStructured, type Usage } from "../models/structured.js";
import type { ResolvedModel } from "../models/types.js";
import { dialogueBudgetChars, fitShares, formatDialogue, LISTED_CHARS } from "../nodes/dialogue.js";
import type { Rubric } from "../prompts/edHumanRubric.js";
import { JUDGE_CRITERIA, JUDGE_SYSTEM, JUDGE_USER, RUBRIC } from "../prompts/judge.js";
import { render } from "../prompts/render.js";

export { JUDGE_CRITERIA, type JudgeCriterion } from "../prompts/judge.js";

const score = z.number().int().min(1).max(10);
export const JudgeScores = z.object({
  fluency: score,
  identification: score,
  empathy: score,
  suggestion: score,
  overall: score,
});
export type JudgeScores = z.infer<typeof JudgeScores>;

/** Trace name of every judge call, so judge cost and traces are told apart from the method's own calls. */
export const JUDGE_RUN_NAME = "judge";

/** Judges sometimes answer "8/10" or "8.0"; take the number when it is plainly an integer score. */
function repairScores(value: unknown, criteria: readonly string[] = JUDGE_CRITERIA, max = 10): unknown {
  if (!value || typeof value !== "object") return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  const plain = new RegExp(String.raw`^\s*(\d+(?:\.0+)?)\s*(?:\/\s*${max})?\s*$`);
  for (const k of criteria) {
    const v = out[k];
    if (typeof v === "string") {
      const m = plain.exec(v);
      if (m) out[k] = Number(m[1]);
    } else if (typeof v === "number" && Number.isInteger(Math.round(v * 1e9) / 1e9)) {
      out[k] = Math.round(v);
    }
  }
  return out;
}

/** The judge's prompt, fitted to its model's context as the agents' prompts are: the dialogue, then the reply's share. */
export function judgeMessages(dialogue: readonly string[], reply: string, model?: Pick<ResolvedModel, "contextTokens">) {
  const rubric = JUDGE_CRITERIA.map((c) => `- ${RUBRIC[c]}`).join("\n");
  return [
    new SystemMessage(render(JUDGE_SYSTEM, { rubric })),
    new HumanMessage(
      render(JUDGE_USER, { dialogue: formatDialogue(dialogue, dialogueBudgetChars(model)), reply: fitShares([{ name: "the reply", text: reply }], LISTED_CHARS, "reply").texts[0]! }),
    ),
  ];
}

export async function judgeReply(
  model: ResolvedModel,
  dialogue: readonly string[],
  reply: string,
  config?: RunnableConfig,
): Promise<{ scores: JudgeScores; usage: Usage }> {
  const { value, usage } = await invokeStructured(model, judgeMessages(dialogue, reply, model), JudgeScores, {
    runName: JUDGE_RUN_NAME,
    schemaName: "judgement",
    repair: (v) => repairScores(v),
    config,
  });
  return { scores: value, usage };
}

/** The prompt of a rubric judge (prompts/edHumanRubric.ts) for one conversation, cut to fit its model's context. */
export function rubricMessages(rubric: Rubric, conversation: string, model?: Pick<ResolvedModel, "contextTokens">) {
  const questions = rubric.criteria.map((c) => `- ${rubric.questions[c]}`).join("\n");
  return [
    new SystemMessage(render(rubric.system, { rubric: questions, min: String(rubric.min), max: String(rubric.max) })),
    new HumanMessage(render(rubric.user, { conversation: fitShares([{ name: "the conversation", text: conversation }], dialogueBudgetChars(model), "conversation").texts[0]! })),
  ];
}

/** One rating of a whole conversation on each of a rubric's criteria (integers on its scale), validated and retried as the ERG judge's. */
export async function judgeWithRubric<C extends string>(
  model: ResolvedModel,
  rubric: Rubric<C>,
  conversation: string,
  config?: RunnableConfig,
): Promise<{ scores: Record<C, number>; usage: Usage }> {
  const criterion = z.number().int().min(rubric.min).max(rubric.max);
  const schema = z.object(Object.fromEntries(rubric.criteria.map((c) => [c, criterion])) as Record<C, typeof criterion>);
  const { value, usage } = await invokeStructured(model, rubricMessages(rubric, conversation, model), schema, {
    runName: JUDGE_RUN_NAME,
    schemaName: "rating",
    repair: (v) => repairScores(v, rubric.criteria, rubric.max),
    config,
  });
  return { scores: value as Record<C, number>, usage };
}
