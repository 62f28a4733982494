/** Scoring EQ-Bench results files (anyone's published run) from their raw answers, as EQ-Bench scores them. */
import type { EqBenchQuestion, EqBenchRun } from "../data/eqbench.js";
import { parseAnswer } from "../../prompts/eqbenchAnswer.js";
import { questionScore, runScore, type QuestionScores, type RunScore } from "./score.js";

/** `auto`: as the run was made (its recorded scores say), else with revision when most answers have the revised part. */
export type Revision = "auto" | "on" | "off";
export const REVISIONS: readonly Revision[] = ["auto", "on", "off"];

export interface IterationScore extends RunScore {
  iteration: string;
  revise: boolean;
  questions: Array<{ id: string } & QuestionScores>;
}

export interface RescoredRun {
  run: string;
  model?: string;
  published?: { score: number; parseable: number };
  iterations: IterationScore[];
  /** Mean over iterations, as EQ-Bench averages them. */
  score: number;
  parseable: number;
}

function revises(answers: ReadonlyMap<string, string>, recorded: boolean | undefined, revision: Revision): boolean {
  if (revision !== "auto") return revision === "on";
  if (recorded !== undefined) return recorded;
  let withRevision = 0;
  for (const a of answers.values()) if (a.includes("Revised scores:")) withRevision++;
  return withRevision * 2 > answers.size;
}

export function rescoreRun(questions: readonly EqBenchQuestion[], run: EqBenchRun, revision: Revision = "auto"): RescoredRun {
  const byId = new Map(questions.map((q) => [q.id, q]));
  const iterations = run.iterations.map((it): IterationScore => {
    const revise = revises(it.answers, it.revisedRecorded, revision);
    const scored = [...it.answers].map(([id, text]) => {
      const q = byId.get(id);
      if (!q) throw new Error(`run ${run.run} answers question ${JSON.stringify(id)}, which the questions file does not hold: is it an EQ-Bench v2 run?`);
      const parsed = parseAnswer(text, revise);
      return { id, firstPass: questionScore(q.reference, parsed.firstPass), revised: revise ? questionScore(q.reference, parsed.revised) : null };
    });
    return { iteration: it.iteration, revise, questions: scored, ...runScore(scored) };
  });
  const n = iterations.length;
  return {
    run: run.run,
    ...(run.model !== undefined ? { model: run.model } : {}),
    ...(run.published ? { published: run.published } : {}),
    iterations,
    score: n ? iterations.reduce((s, it) => s + it.score, 0) / n : 0,
    parseable: n ? iterations.reduce((s, it) => s + it.parseable, 0) / n : 0,
  };
}
