/**
 * What makes an experiment's records the configured model's answers on these examples, beyond the options the user
 * typed: where the answers come from (the resolved model's endpoint and sampling), the label set's contents and the
 * examples themselves, and how each request is shaped (the structured-output mode, the context window prompts are
 * fitted to: settings that change what is sent). Part of the experiment's stored configuration, so that a resume against another server, an
 * edited label file or an edited data file is refused instead of mixing records (store/experiments.ts).
 */
import { createHash } from "node:crypto";
import { contextTokensFor } from "../nodes/dialogue.js";
import type { ModelIdentity, ResolvedModel } from "../models/types.js";
import type { LabelSet } from "../taxonomy/labelSet.js";
import type { Example } from "./data/types.js";
import type { ExperimentConfig } from "../store/experiments.js";

/** What a record is made from or scored against, as its record keeps it (predictions.jsonl's inputs, gold, reference). */
export type ExampleContent = Pick<Example, "id" | "dialogue" | "emotion" | "reference" | "speakers" | "situation">;

/**
 * One example as one JSON line, keys in a fixed order: a field moved from one example to the next changes the hash.
 * Also what `compare` tells two experiments' examples of the same id apart by.
 */
export function exampleLine(e: ExampleContent): string {
  return JSON.stringify([e.id, e.dialogue, e.speakers ?? null, e.situation ?? null, e.emotion, e.reference]);
}

/** sha256 of the examples in order: everything a record is made from or scored against. */
export function examplesFingerprint(examples: Iterable<ExampleContent>): string {
  const hash = createHash("sha256");
  for (const e of examples) hash.update(`${exampleLine(e)}\n`);
  return hash.digest("hex");
}

/** sha256 of the labels a model chooses among and how gold labels map onto them. */
export function labelSetFingerprint(set: LabelSet): string {
  const groups = Object.entries(set.groupOf).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash("sha256").update(JSON.stringify([set.labels, groups])).digest("hex");
}

/** The model as the experiment's configuration: what the resolved model reports of itself and how it is asked. */
export type IdentifiedModel = Pick<ResolvedModel, "identity" | "structuredMethod" | "contextTokens">;

/**
 * A model as configuration entries under `prefix` (model, judge): endpoint, the name it knows, sampling, and what
 * shapes its requests (INSIDEOUT_STRUCTURED_OUTPUT's mode and INSIDEOUT_CONTEXT_TOKENS' window, as resolved).
 */
function modelEntries(prefix: string, model: IdentifiedModel): ExperimentConfig {
  const identity: ModelIdentity = model.identity;
  return {
    [`${prefix}Endpoint`]: identity.endpoint,
    [`${prefix}Name`]: `${identity.provider}:${identity.model}`,
    [`${prefix}Params`]: JSON.stringify(identity.params, Object.keys(identity.params).sort()),
    [`${prefix}StructuredOutput`]: model.structuredMethod ?? "default",
    [`${prefix}ContextTokens`]: contextTokensFor(model),
  };
}

export interface IdentityParts {
  /** undefined: the graphs run on a LangGraph server, which resolves the model itself (the config names the server). */
  model?: IdentifiedModel;
  judge?: IdentifiedModel;
  labelSet: LabelSet;
  examples: readonly Example[];
}

export function identityEntries(parts: IdentityParts): ExperimentConfig {
  return {
    ...(parts.model ? modelEntries("model", parts.model) : {}),
    ...(parts.judge ? modelEntries("judge", parts.judge) : {}),
    labelSetSha256: labelSetFingerprint(parts.labelSet),
    dataSha256: examplesFingerprint(parts.examples),
  };
}
