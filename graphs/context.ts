/**
 * A graph's `context` as its callers give it: any of its run options, the others defaulted
 * (`graph.invoke(input, { context: { model: "openai:gpt-4o-mini" } })`). LangGraph types a zod context schema as its
 * parsed output, every option required; a run is given the schema's input, which LangGraph checks against the schema
 * and the nodes parse with its defaults (state/runOptions.ts `runOptions`). The schema itself is unchanged: Studio
 * shows it with its defaults and descriptions.
 */
import type { LastValue, StateDefinition, StateGraph } from "@langchain/langgraph";
import type { z } from "zod";

/** A context schema's input as a state definition, the form LangGraph derives a graph's context type from. */
type CallerContext<Schema extends z.ZodType> = Extract<{ [K in keyof z.input<Schema>]: LastValue<z.input<Schema>[K]> }, StateDefinition>;

/** A graph builder whose compiled graphs take their zod context schema's input as `context`. */
export type WithCallerContext<B> =
  B extends StateGraph<infer SD, infer S, infer U, infer N, infer I, infer O, infer C, infer R, infer Int, infer W>
    ? StateGraph<SD, S, U, N, I, O, C extends z.ZodType ? CallerContext<C> : C, R, Int, W>
    : never;

/** The builder, typed as above; no run changes (the nodes read their options through `runOptions`). */
export function withCallerContext<B>(builder: B): WithCallerContext<B> {
  return builder as unknown as WithCallerContext<B>;
}
