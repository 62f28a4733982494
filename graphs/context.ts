/** Run options: typed, defaulted, and shown in LangGraph Studio as the graphs' context schema. */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import { ALL_AGENTS, EKMAN_AGENTS, type AgentEmotion } from "../taxonomy/agents.js";

export const RunOptions = z.object({
  model: z
    .string()
    .default("auto")
    .describe("provider:model, e.g. openai:gpt-4o-mini, ollama:llama3.2, local:./model.gguf; auto picks a default"),
  agents: z
    .array(z.enum(ALL_AGENTS))
    .min(1)
    .default([...EKMAN_AGENTS])
    .describe("Emotion agents that take part; the five Ekman emotions by default, surprise may be added"),
  aggregation: z
    .enum(["llm", "vote", "weighted"])
    .default("llm")
    .describe("llm: the aggregate agent decides (the paper); vote: majority label; weighted: confidence-weighted"),
  labels: z.string().default("ed32").describe("Label set: ed32, ed18, or a path to a JSON label-set file"),
  temperature: z.number().min(0).max(2).default(0).describe("Sampling temperature of every LLM call"),
  respond: z.boolean().default(false).describe("ERC only: after recognising the emotion, also reply to the speaker"),
});
export type RunOptions = z.infer<typeof RunOptions>;

/** Options of a run, from the runtime context (LangGraph ≥ 0.6) or, for older clients, `configurable`. */
export function runOptions(config: LangGraphRunnableConfig | undefined): RunOptions {
  const configurable = (config?.configurable ?? {}) as Record<string, unknown>;
  const keys = OPTION_KEYS.filter((k) => configurable[k] !== undefined);
  const context: unknown = config?.context;
  // Every node of every run calls this; a run's context object is the same for all its nodes (and, in an eval, for
  // all its examples), so its parse is done once. Only when `configurable` adds nothing: that may vary per call.
  const cacheable = keys.length === 0 && typeof context === "object" && context !== null;
  if (cacheable) {
    const hit = parsedContexts.get(context);
    if (hit && hit.source === JSON.stringify(context)) return hit.options;
  }
  const known = Object.fromEntries(keys.map((k) => [k, configurable[k]]));
  const parsed = RunOptions.safeParse({ ...known, ...((context ?? {}) as object) });
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new Error(`Invalid run option ${issue?.path.join(".")}: ${issue?.message}`);
  }
  if (cacheable) parsedContexts.set(context, { source: JSON.stringify(context), options: parsed.data });
  return parsed.data;
}

const OPTION_KEYS = Object.keys(RunOptions.shape);
/** Parsed run options per context object, with the context as it was then (a mutated context is parsed again). */
const parsedContexts = new WeakMap<object, { source: string; options: RunOptions }>();

/** Complete run options from a partial set, defaults filled in: `graph.invoke(input, { context: runContext({ model }) })`. */
export function runContext(options: Partial<z.input<typeof RunOptions>> = {}): RunOptions {
  return RunOptions.parse(options);
}

/**
 * The emotion agents a run asked for, as a conditional fan-out: only they run. (Every agent node would otherwise
 * run, and return nothing when not selected; a LangGraph task costs about as much CPU as the client side of an LLM
 * call.)
 */
export function selectedAgents(_state: unknown, config: LangGraphRunnableConfig): AgentEmotion[] {
  return runOptions(config).agents;
}
