/** What every node needs: the dialogue as text, the run's model and label set, and cost records. */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import { resolveModel } from "../models/factory.js";
import { InvalidAnswerError, type Usage } from "../models/structured.js";
import type { ResolvedModel } from "../models/types.js";
import type { CallRecord } from "../graphs/state.js";
import { loadLabelSet, type LabelSet } from "../taxonomy/labelSets.js";
import { normalizeLabel } from "../taxonomy/normalize.js";
import { runOptions, type RunOptions } from "../graphs/context.js";

export class EmptyDialogueError extends Error {
  constructor() {
    super("The dialogue is empty: give at least one non-empty turn from the speaker.");
    this.name = "EmptyDialogueError";
  }
}

/** Speaker first, then alternating: the EmpatheticDialogues convention. */
export function formatDialogue(turns: readonly string[] | undefined): string {
  const kept = (turns ?? []).map((t) => t.trim());
  if (kept.length === 0 || kept.every((t) => t === "")) throw new EmptyDialogueError();
  return kept.map((t, i) => `${i % 2 === 0 ? "Speaker" : "Listener"}: ${t}`).join("\n");
}

export interface NodeEnv {
  options: RunOptions;
  model: ResolvedModel;
  labelSet: LabelSet;
}

export async function nodeEnv(config: LangGraphRunnableConfig): Promise<NodeEnv> {
  const options = runOptions(config);
  const labelSet = loadLabelSet(options.labels);
  const model = await resolveModel(options.model, { temperature: options.temperature });
  return { options, model, labelSet };
}

export function opinionSchema(labelSet: LabelSet) {
  return z.object({
    emotion: z.enum(labelSet.labels as [string, ...string[]]),
    confidence: z.number().min(0).max(1),
    rationale: z.string(),
  });
}

/** Puts "Joyful." back into the label set before validation; unknown labels stay as they are and fail validation. */
export function repairEmotion(labelSet: LabelSet) {
  return (value: unknown): unknown => {
    if (value && typeof value === "object" && "emotion" in value && typeof value.emotion === "string") {
      const label = normalizeLabel(value.emotion, labelSet);
      if (label) return { ...value, emotion: label };
    }
    return value;
  };
}

export function record(name: string, usage: Usage, ok: boolean): CallRecord {
  return { name, ...usage, ok };
}

/** The cost of a failed call, when the error carries it. */
export function usageOf(error: unknown): Usage {
  return error instanceof InvalidAnswerError
    ? error.usage
    : { promptTokens: 0, completionTokens: 0, calls: 1, latencyMs: 0 };
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
