/**
 * `judge calibrate`: our judge rates Kumar et al.'s 50 EmpatheticDialogues conversations on ED's human criteria, and
 * its quadratic-weighted κ with each expert and with the experts' consensus (their median, as the study defines
 * "experts") is set beside the κ of the study's other raters (crowd, GPT-4o, Claude, Gemini) from their files.
 */
import { ED_HUMAN_RUBRIC, type Rubric } from "../prompts/edHumanRubric.js";
import type { ResolvedModel } from "../models/types.js";
import type { Usage } from "../models/structured.js";
import { agreement, medianRater } from "./agreement.js";
import type { CalibrationConversation } from "./data/judgeCalibration.js";
import { Ratings, type RatingFile } from "./data/ratings.js";
import { judgeWithRubric } from "./judge.js";

export const CONSENSUS = "experts (median)";

/** Our judge's ratings as a rater; conversations run at once, the model's request limit paces them. */
export async function judgeConversations(
  model: ResolvedModel,
  conversations: readonly CalibrationConversation[],
  opts: { rubric?: Rubric; name?: string; onDone?: (done: number) => void; signal?: AbortSignal } = {},
): Promise<{ rater: RatingFile; usage: Usage }> {
  const rubric = opts.rubric ?? ED_HUMAN_RUBRIC;
  const usage: Usage = { promptTokens: 0, completionTokens: 0, calls: 0, latencyMs: 0 };
  let done = 0;
  const rated = await Promise.all(
    conversations.map(async (c) => {
      const r = await judgeWithRubric(model, rubric, c.conversation, opts.signal ? { signal: opts.signal } : undefined);
      usage.promptTokens += r.usage.promptTokens;
      usage.completionTokens += r.usage.completionTokens;
      usage.calls += r.usage.calls;
      usage.latencyMs += r.usage.latencyMs;
      opts.onDone?.(++done);
      return [c.id, rubric.criteria.map((k) => (r.scores as Record<string, number>)[k]!)] as const;
    }),
  );
  return {
    rater: { name: opts.name ?? `judge ${model.spec}`, file: "", idColumn: "conv_id", dimensions: [...rubric.criteria], ratings: Ratings.from(rubric.criteria, rated) },
    usage,
  };
}

export interface CalibrationRow {
  dimension: string;
  rater: string;
  /** κ with each expert, by expert name, then with the consensus; NaN where the rater is that expert. */
  kappa: Record<string, number>;
  n: number;
}

/** Each rater's κ with each expert and with the experts' median, per dimension. */
export function calibrationTable(experts: readonly RatingFile[], raters: readonly RatingFile[], dimensions: readonly string[]): CalibrationRow[] {
  const consensus = medianRater(CONSENSUS, experts);
  const rows: CalibrationRow[] = [];
  for (const dimension of dimensions) {
    for (const rater of [...experts, ...raters]) {
      const isExpert = experts.includes(rater);
      const kappa: Record<string, number> = {};
      let n = 0;
      for (const e of experts) kappa[e.name] = e === rater ? Number.NaN : agreement(rater, e, dimension).kappa;
      // An expert is part of the median: its κ with it is not an outside judge's, so it is left out.
      const c = agreement(rater, consensus, dimension);
      kappa[CONSENSUS] = isExpert ? Number.NaN : c.kappa;
      n = c.n;
      rows.push({ dimension, rater: rater.name, kappa, n });
    }
  }
  return rows;
}
