/**
 * A run's environment: its options (the graph's context), its label set and its models, made once per run. An
 * in-process caller makes it itself (`withRun`: the CLI, an eval with its LLM cache and request limiter) and hands it to
 * the nodes through the runtime's `configurable`; a run without one (a server's) gets it made here, once per run, from
 * its context, through the resolver handed in with `withModels`, else a resolver of the server's file policy.
 *
 * What is handed in makes a run trusted: a class instance cannot come through a LangGraph server's JSON API, so only
 * an in-process caller can hand one in. Such runs name label-set and model files by path. Runs without one (a
 * server's) get the server's file policy (core/access.ts): built-in label sets, and files only by name from the
 * folders the server allows.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { ANY_FILE, serverAccess, type FileAccess } from "../core/access.js";
import { maskSecrets } from "../core/secrets.js";
import { runOptions, type RunOptions } from "../state/runOptions.js";
import { ModelResolver, type RunModels } from "../models/factory.js";
import type { LabelSet } from "../taxonomy/labelSet.js";
import { loadLabelSet } from "../taxonomy/labelSets.js";
import type { State } from "../state/state.js";
import { dialogueBudgetChars, transcript, type Transcript } from "./dialogue.js";
import { speakersOf, turnsOf } from "./turns.js";

export interface RunEnv extends RunModels {
  options: RunOptions;
  labelSet: LabelSet;
}

const MODELS_KEY = "insideout_models";
const RUN_KEY = "insideout_run";
/** The environments made by in-process callers (withRun): only these are taken from `configurable`. */
const handed = new WeakSet<RunEnv>();

/** The `configurable` entry that hands a resolver to every node of a run, which makes the run's models from its context. */
export function withModels(resolver: ModelResolver): Record<string, unknown> {
  return { [MODELS_KEY]: resolver };
}

/** A run's config from its environment, made once by the caller: the options as its context, the rest for its nodes. */
export function withRun(env: RunEnv): { context: RunOptions; configurable: Record<string, unknown> } {
  const own: RunEnv = { ...env };
  handed.add(own);
  return { context: own.options, configurable: { [RUN_KEY]: own } };
}

/** One resolver for runs from outside, per server policy (the policy is read from the environment at each run). */
let outside: { key: string; resolver: ModelResolver; files: FileAccess } | undefined;

function handedEnv(config: LangGraphRunnableConfig): RunEnv | undefined {
  const env: unknown = config.configurable?.[RUN_KEY];
  return typeof env === "object" && env !== null && handed.has(env as RunEnv) ? (env as RunEnv) : undefined;
}

function handedResolver(config: LangGraphRunnableConfig): ModelResolver | undefined {
  const r: unknown = config.configurable?.[MODELS_KEY];
  return r instanceof ModelResolver ? r : undefined;
}

/** True for a run from outside (nothing handed in): its failures are also logged, as its caller may not see the server's state. */
function fromOutside(config: LangGraphRunnableConfig): boolean {
  return !handedEnv(config) && !handedResolver(config);
}

/**
 * A node's recorded failure, also as one stderr line for a run from outside (the server's log): whoever runs the
 * server sees why a caller's run degraded. In-process callers show `failures` themselves.
 */
export function reportFailure(config: LangGraphRunnableConfig, node: string, line: string): string {
  if (fromOutside(config)) {
    const run = config.configurable?.run_id;
    process.stderr.write(`insideout: ${typeof run === "string" ? `run ${run}: ` : ""}${node} failed: ${maskSecrets(line.replace(/\s+/g, " "))}\n`);
  }
  return line;
}

/** The resolver handed in (in-process: files by path), else one of the server's file policy. */
function resolverOf(config: LangGraphRunnableConfig): { resolver: ModelResolver; files: FileAccess } {
  const resolver = handedResolver(config);
  if (resolver) return { resolver, files: ANY_FILE };
  const files = serverAccess();
  const key = JSON.stringify(files);
  if (outside?.key !== key) outside = { key, resolver: new ModelResolver({ files }), files };
  return outside;
}

/** Per run: keyed by the run's context object (the same for all its nodes) and resolver. */
const envs = new WeakMap<object, WeakMap<ModelResolver, Promise<RunEnv>>>();

export function runEnv(config: LangGraphRunnableConfig): Promise<RunEnv> {
  const given = handedEnv(config);
  if (given) return Promise.resolve(given);
  const { resolver, files } = resolverOf(config);
  const context: unknown = config.context;
  const scope = typeof context === "object" && context !== null ? context : config;
  let byResolver = envs.get(scope);
  if (!byResolver) envs.set(scope, (byResolver = new WeakMap()));
  let env = byResolver.get(resolver);
  if (!env) {
    env = (async () => {
      const options = runOptions(config);
      const labelSet = loadLabelSet(options.labels, files);
      return { options, labelSet, ...(await resolver.forRun(options)) };
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
