/**
 * A run's environment, resolved once per run: its options (the graph's context), its label set and its model. The
 * model comes from the ModelResolver the caller hands in through the runtime (`configurable`, see `withModels`), as
 * an eval does to give every node its LLM cache and request limiter; without one, the default resolver.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { runOptions, type RunOptions } from "../graphs/context.js";
import { defaultResolver, ModelResolver } from "../models/factory.js";
import type { ResolvedModel } from "../models/types.js";
import { loadLabelSet, type LabelSet } from "../taxonomy/labelSets.js";
import { dialogueBudgetChars, transcript, type Transcript } from "./dialogue.js";

export interface RunEnv {
  options: RunOptions;
  model: ResolvedModel;
  labelSet: LabelSet;
}

const MODELS_KEY = "insideout_models";

/** The `configurable` entry that hands a resolver to every node of a run. */
export function withModels(resolver: ModelResolver): Record<string, unknown> {
  return { [MODELS_KEY]: resolver };
}

function resolverOf(config: LangGraphRunnableConfig): ModelResolver {
  const r: unknown = config.configurable?.[MODELS_KEY];
  return r instanceof ModelResolver ? r : defaultResolver;
}

/** Per run: keyed by the run's context object (the same for all its nodes) and resolver. */
const envs = new WeakMap<object, WeakMap<ModelResolver, Promise<RunEnv>>>();

export function runEnv(config: LangGraphRunnableConfig): Promise<RunEnv> {
  const resolver = resolverOf(config);
  const context: unknown = config.context;
  const scope = typeof context === "object" && context !== null ? context : config;
  let byResolver = envs.get(scope);
  if (!byResolver) envs.set(scope, (byResolver = new WeakMap()));
  let env = byResolver.get(resolver);
  if (!env) {
    env = (async () => {
      const options = runOptions(config);
      const labelSet = loadLabelSet(options.labels);
      const model = await resolver.resolve(options.model, { temperature: options.temperature });
      return { options, model, labelSet };
    })();
    // A failed resolution is not kept: the next run tries again.
    env.catch(() => byResolver.delete(resolver));
    byResolver.set(resolver, env);
  }
  return env;
}

/** The dialogue of a state fitted to the run's model. */
export function dialogueFor(env: RunEnv, turns: readonly string[] | undefined): Transcript {
  return transcript(turns, dialogueBudgetChars(env.model));
}
