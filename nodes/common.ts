/** What the nodes share: the opinion schema, label repair, cost records, and how a failure is kept or passed on. */
import { z } from "zod";
import { notAResultIn } from "../core/errors.js";
import { maskSecrets } from "../core/secrets.js";
import { InvalidAnswerError, type Usage } from "../models/structured.js";
import type { CallRecord } from "../state/state.js";
import type { LabelSet } from "../taxonomy/labelSet.js";
import { normalizeLabel } from "../taxonomy/normalize.js";

function buildOpinionSchema(labels: readonly string[]) {
  return z.object({
    emotion: z.enum(labels as [string, ...string[]]),
    confidence: z.number().min(0).max(1),
    rationale: z.string(),
  });
}

// One schema per label set for the process: zod compiles each new schema on first use, and the JSON schema sent to
// the provider is cached per schema object (models/ask.ts), so rebuilding it per call cost both (docs/bench.md, (c)).
const opinionSchemas = new Map<string, ReturnType<typeof buildOpinionSchema>>();

export function opinionSchema(labelSet: LabelSet) {
  const key = labelSet.labels.join("\n");
  let schema = opinionSchemas.get(key);
  if (!schema) {
    schema = buildOpinionSchema(labelSet.labels);
    opinionSchemas.set(key, schema);
  }
  return schema;
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

/** An error as one masked line, for records and results. */
export function messageOf(error: unknown): string {
  return maskSecrets(error instanceof Error ? error.message : String(error));
}

/**
 * An agent's failure to record, or, for a failure that is not a result (the model was not reached, a file could not
 * be written, the run was stopped), the error thrown on, so the example stays unfinished instead of degraded.
 */
export function failureToRecord(error: unknown, config?: { signal?: AbortSignal }): string {
  const notAResult = notAResultIn(error);
  if (notAResult) throw notAResult;
  if (config?.signal?.aborted) throw error;
  return messageOf(error);
}
