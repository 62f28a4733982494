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
function repairScores(value: unknown): unknown {
  if (!value || typeof value !== "object") return value;
  const out: Record<string, unknown> = { ...(value as Record<string, unknown>) };
  for (const k of JUDGE_CRITERIA) {
    const v = out[k];
    if (typeof v === "string") {
      const m = /^\s*(\d+(?:\.0+)?)\s*(?:\/\s*10)?\s*$/.exec(v);
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
    repair: repairScores,
    config,
  });
  return { scores: value, usage };
}
