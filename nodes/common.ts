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

/**
 * A context window we assume when the provider does not say: small enough for most local models. Overridable with
 * INSIDEOUT_CONTEXT_TOKENS. The dialogue gets what is left after the system prompt (label list, persona, opinions)
 * and the answer, counted at a pessimistic 3 characters per token.
 */
export const DEFAULT_CONTEXT_TOKENS = 8192;
const RESERVED_TOKENS = 2048;
const CHARS_PER_TOKEN = 3;

/** Characters of dialogue that fit in the model's context. */
export function dialogueBudgetChars(model: Pick<ResolvedModel, "contextTokens"> | undefined): number {
  const env = Number(process.env.INSIDEOUT_CONTEXT_TOKENS);
  const tokens = Number.isFinite(env) && env > 0 ? env : (model?.contextTokens ?? DEFAULT_CONTEXT_TOKENS);
  return Math.max(200, (tokens - RESERVED_TOKENS) * CHARS_PER_TOKEN);
}

const LINE_OVERHEAD = "Listener: \n".length;

/**
 * Drops the oldest turns, two at a time so that Speaker/Listener roles stay aligned, until the dialogue fits; the last
 * turn (the speaker's, whose emotion is asked for) always stays, and if it alone is too long its beginning is cut.
 * Returns the kept turns and, when anything was cut, a one-line note saying what.
 */
export function fitDialogue(turns: readonly string[], maxChars: number): { turns: string[]; note?: string } {
  const size = (ts: readonly string[]) => ts.reduce((n, t) => n + t.length + LINE_OVERHEAD, 0);
  let start = 0;
  let total = size(turns);
  while (total > maxChars && turns.length - start > 2) {
    total -= turns[start]!.length + turns[start + 1]!.length + 2 * LINE_OVERHEAD;
    start += 2;
  }
  const kept = turns.slice(start);
  let cut = 0;
  if (total > maxChars && kept.length === 1) {
    const room = Math.max(1, maxChars - LINE_OVERHEAD);
    cut = kept[0]!.length - room;
    kept[0] = `…${kept[0]!.slice(cut + 1)}`;
  }
  if (start === 0 && cut <= 0) return { turns: kept };
  const what = [start > 0 ? `dropped the ${start} oldest of ${turns.length} turns` : "", cut > 0 ? `cut the first ${cut} characters of the last turn` : ""]
    .filter(Boolean)
    .join(" and ");
  return { turns: kept, note: `The dialogue is longer than the model's context (${maxChars} characters for the dialogue): ${what}.` };
}

/** Speaker first, then alternating: the EmpatheticDialogues convention. Trimmed to `maxChars` (see fitDialogue). */
export function formatDialogue(turns: readonly string[] | undefined, maxChars = Infinity): string {
  const kept = (turns ?? []).map((t) => t.trim());
  if (kept.length === 0 || kept.every((t) => t === "")) throw new EmptyDialogueError();
  const fitted = Number.isFinite(maxChars) ? fitDialogue(kept, maxChars).turns : kept;
  const offset = kept.length - fitted.length;
  return fitted.map((t, i) => `${(i + offset) % 2 === 0 ? "Speaker" : "Listener"}: ${t}`).join("\n");
}

export interface NodeEnv {
  options: RunOptions;
  model: ResolvedModel;
  labelSet: LabelSet;
}

/**
 * Wraps a node so that its update says when the dialogue had to be trimmed to fit the model (every node trims the
 * same way; the `notes` reducer keeps one copy).
 */
export function withDialogueNotes<S extends { dialogue?: readonly string[] }, U extends object>(
  node: (state: S, config: LangGraphRunnableConfig) => Promise<U>,
): (state: S, config: LangGraphRunnableConfig) => Promise<U & { notes?: string[] }> {
  return async (state, config) => {
    const update = await node(state, config);
    const turns = (state.dialogue ?? []).map((t) => t.trim());
    const { model } = await nodeEnv(config);
    const { note } = fitDialogue(turns, dialogueBudgetChars(model));
    return note ? { ...update, notes: [note] } : update;
  };
}

/** Per node call (its config object): the node and withDialogueNotes around it ask for the same environment. */
const envs = new WeakMap<LangGraphRunnableConfig, Promise<NodeEnv>>();

export function nodeEnv(config: LangGraphRunnableConfig): Promise<NodeEnv> {
  let env = envs.get(config);
  if (!env) {
    env = (async () => {
      const options = runOptions(config);
      const labelSet = loadLabelSet(options.labels);
      const model = await resolveModel(options.model, { temperature: options.temperature });
      return { options, model, labelSet };
    })();
    envs.set(config, env);
  }
  return env;
}

function buildOpinionSchema(labels: readonly string[]) {
  return z.object({
    emotion: z.enum(labels as [string, ...string[]]),
    confidence: z.number().min(0).max(1),
    rationale: z.string(),
  });
}

// One schema per label set for the process: zod compiles each new schema on first use, and the JSON schema sent to
// the provider is cached per schema object (models/structured.ts), so rebuilding it per call cost both (bench/, c).
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

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
