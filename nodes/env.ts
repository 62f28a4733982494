/**
 * A run's environment, resolved once per run: its options (the graph's context), its label set and its model. The
 * model comes from the ModelResolver the caller hands in through the runtime (`configurable`, see `withModels`), as
 * an eval does to give every node its LLM cache and request limiter.
 *
 * That resolver is also what makes a run trusted: a class instance cannot come through a LangGraph server's JSON API,
 * so only an in-process caller can hand one in. Such runs name label-set and model files by path. Runs without one
 * (a server's) get the server's file policy (core/access.ts): built-in label sets, and files only by name from the
 * folders the server allows.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { ANY_FILE, serverAccess, type FileAccess } from "../core/access.js";
import { maskSecrets } from "../core/secrets.js";
import { runOptions, type RunOptions } from "../state/runOptions.js";
import { ModelResolver } from "../models/factory.js";
import type { ResolvedModel } from "../models/types.js";
import type { LabelSet } from "../taxonomy/labelSet.js";
import { loadLabelSet } from "../taxonomy/labelSets.js";
import type { State } from "../state/state.js";
import { dialogueBudgetChars, transcript, type Transcript } from "./dialogue.js";
import { speakersOf, turnsOf } from "./turns.js";

export interface RunEnv {
  options: RunOptions;
  model: ResolvedModel;
  labelSet: LabelSet;
  /** The same model at the run's `sampleTemperature`: self-consistency's samples. Resolved on first use, then kept. */
  samplingModel: () => Promise<ResolvedModel>;
}

const MODELS_KEY = "insideout_models";

/** The `configurable` entry that hands a resolver to every node of a run. */
export function withModels(resolver: ModelResolver): Record<string, unknown> {
  return { [MODELS_KEY]: resolver };
}

interface Trust {
  resolver: ModelResolver;
  files: FileAccess;
  /** True for a run from outside: its failures are also logged, as its caller may not see the server's state. */
  fromOutside: boolean;
}

/** One resolver for runs from outside, per server policy (the policy is read from the environment at each run). */
let outside: { key: string; trust: Trust } | undefined;

function trustOf(config: LangGraphRunnableConfig): Trust {
  const r: unknown = config.configurable?.[MODELS_KEY];
  if (r instanceof ModelResolver) return { resolver: r, files: ANY_FILE, fromOutside: false };
  const files = serverAccess();
  const key = JSON.stringify(files);
  if (outside?.key !== key) outside = { key, trust: { resolver: new ModelResolver({ files }), files, fromOutside: true } };
  return outside.trust;
}

/**
 * A node's recorded failure, also as one stderr line for a run from outside (the server's log): whoever runs the
 * server sees why a caller's run degraded. In-process callers show `failures` themselves.
 */
export function reportFailure(config: LangGraphRunnableConfig, node: string, line: string): string {
  if (trustOf(config).fromOutside) {
    const run = config.configurable?.run_id;
    process.stderr.write(`insideout: ${typeof run === "string" ? `run ${run}: ` : ""}${node} failed: ${maskSecrets(line.replace(/\s+/g, " "))}\n`);
  }
  return line;
}

/** Per run: keyed by the run's context object (the same for all its nodes) and resolver. */
const envs = new WeakMap<object, WeakMap<ModelResolver, Promise<RunEnv>>>();

export function runEnv(config: LangGraphRunnableConfig): Promise<RunEnv> {
  const { resolver, files } = trustOf(config);
  const context: unknown = config.context;
  const scope = typeof context === "object" && context !== null ? context : config;
  let byResolver = envs.get(scope);
  if (!byResolver) envs.set(scope, (byResolver = new WeakMap()));
  let env = byResolver.get(resolver);
  if (!env) {
    env = (async () => {
      const options = runOptions(config);
      const labelSet = loadLabelSet(options.labels, files);
      const model = await resolver.resolve(options.model, { temperature: options.temperature });
      let sampling: Promise<ResolvedModel> | undefined;
      const samplingModel = () => {
        if (!sampling) {
          sampling = resolver.resolve(options.model, { temperature: options.sampleTemperature });
          sampling.catch(() => (sampling = undefined));
        }
        return sampling;
      };
      return { options, model, labelSet, samplingModel };
    })();
    // A failed resolution is not kept: the next run tries again.
    env.catch(() => byResolver.delete(resolver));
    byResolver.set(resolver, env);
  }
  return env;
}

/** The dialogue of a state (`dialogue` or `messages`, see turnsOf; named speakers, see speakersOf) fitted to the run's model. */
export function dialogueFor(env: RunEnv, state: Pick<State, "dialogue" | "messages"> & Partial<Pick<State, "speakers">>): Transcript {
  return transcript(turnsOf(state), dialogueBudgetChars(env.model), speakersOf(state));
}
