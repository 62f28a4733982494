/**
 * Run options: typed, defaulted, and shown in LangGraph Studio as the graphs' context schema. Each task has its own:
 * ERC offers vote aggregation and `respond`; ERG chooses among replies, which carry no label, so neither; EQ-Bench
 * averages ratings, EmoBench votes on choices.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import { RunRefused } from "../core/access.js";
import { ALL_AGENTS, EKMAN_AGENTS } from "../taxonomy/agents.js";

/**
 * The tasks: emotion recognition (ERC), empathetic response generation (ERG), and the benchmark questions, which
 * follow from their data: EQ-Bench v2 (rate four emotions) and EmoBench's EU and EA (choose among options).
 */
export type TaskName = "erc" | "erg" | BenchmarkTask;
export type BenchmarkTask = "eqbench" | "emobench-eu" | "emobench-ea";
export const BENCHMARK_TASKS: readonly BenchmarkTask[] = ["eqbench", "emobench-eu", "emobench-ea"];
export const isBenchmarkTask = (task: string): task is BenchmarkTask => (BENCHMARK_TASKS as readonly string[]).includes(task);

/** Self-consistency's defaults: five samples, as many as InsideOut's agents, at a temperature that lets them differ. */
const DEFAULT_SAMPLES = 5;
const DEFAULT_SAMPLE_TEMPERATURE = 0.7;
const MAX_SAMPLES = 32;

const common = {
  model: z
    .string()
    .default("auto")
    .describe(
      "provider:model, e.g. openai:gpt-4o-mini, anthropic:claude-sonnet-4-5, google-genai:gemini-2.5-flash, gigachat:GigaChat-2-Max, ollama:llama3.2, local:./model.gguf; auto: openai:gpt-4o-mini with OPENAI_API_KEY or OPENAI_BASE_URL, else the embedded local model. On a server, local models only as local:default or by file name from its INSIDEOUT_MODELS_DIR",
    ),
  agents: z
    .array(z.enum(ALL_AGENTS))
    .min(1, `name at least one of ${ALL_AGENTS.join(", ")}`)
    .default([...EKMAN_AGENTS])
    .describe(`Emotion agents that take part (${ALL_AGENTS.join(", ")}); the five Ekman emotions by default`),
  labels: z
    .string()
    .default("ed32")
    .describe("Label set: ed32, ed18, meld7, or a path to a JSON label-set file; on a server, a file only by name from its INSIDEOUT_LABELS_DIR"),
  temperature: z.number().min(0).max(2).default(0).describe("Sampling temperature of every LLM call (self-consistency's samples: sampleTemperature)"),
  samples: z
    .number()
    .int()
    .min(1, { error: "self-consistency needs at least one sample" })
    .max(MAX_SAMPLES, { error: `at most ${MAX_SAMPLES} samples` })
    .default(DEFAULT_SAMPLES)
    .describe("Self-consistency: how many times the plain recogniser (or responder) is asked before the aggregate agent decides"),
  sampleTemperature: z
    .number()
    .gt(0, { error: "self-consistency samples need a temperature above 0 (at 0 every sample is the same answer)" })
    .max(2)
    .default(DEFAULT_SAMPLE_TEMPERATURE)
    .describe("Self-consistency: the sampling temperature of the samples (the aggregate agent uses temperature)"),
};

/**
 * Every way the aggregate agent can decide; each task offers its own (its schema's enum): ERC's labels are voted on,
 * ERG's replies are not (no label), EQ-Bench's ratings are averaged, EmoBench's choices voted on.
 */
const AGGREGATIONS = z.enum(["llm", "vote", "weighted", "mean", "median"]);

const ercShape = {
  ...common,
  aggregation: AGGREGATIONS.extract(["llm", "vote", "weighted"])
    .default("llm")
    .describe("llm: the aggregate agent decides (the paper); vote: majority label; weighted: confidence-weighted"),
  respond: z.boolean().default(false).describe("After recognising the emotion, also reply to the speaker"),
};

const ergShape = {
  ...common,
  aggregation: AGGREGATIONS.extract(["llm", "weighted"], { error: "ERG aggregation is llm or weighted (replies carry no label to vote on)" })
    .default("llm")
    .describe("llm: the aggregate agent chooses the reply (the paper); weighted: the most confident agent's reply"),
};

/** EQ-Bench v2's: four emotions rated 0–10, consolidated per emotion. */
const eqbenchShape = {
  ...common,
  aggregation: AGGREGATIONS.extract(["llm", "mean", "median"], { error: "EQ-Bench aggregation is llm, mean or median (its answers are ratings, not choices to vote on)" })
    .default("llm")
    .describe("llm: the aggregate agent gives the ratings; mean or median: each emotion's rating over the agents (or samples)"),
};

/** EmoBench EU's and EA's: an option chosen per field, consolidated per field. */
const emobenchShape = {
  ...common,
  aggregation: AGGREGATIONS.extract(["llm", "vote", "weighted"], { error: "EmoBench aggregation is llm, vote or weighted (its answers are choices, not ratings to average)" })
    .default("llm")
    .describe("llm: the aggregate agent chooses; vote: the option most agents (or samples) chose; weighted: confidence-weighted"),
};

/** The benchmark graphs' (one family for both benchmarks): either's aggregations, the question's own checked by its node. */
const benchmarkShape = {
  ...common,
  aggregation: AGGREGATIONS.default("llm")
    .describe("llm: the aggregate agent decides; EQ-Bench: mean or median rating per emotion; EmoBench: vote or weighted per field"),
};

/** Any run's: ERC's options with every aggregation, each task taking its own (graphs/methods.ts checkMethodOptions). */
const anyShape = {
  ...ercShape,
  aggregation: AGGREGATIONS.default("llm").describe(
    "llm: the aggregate agent decides (the paper); vote: majority label (ERC, EmoBench); weighted: confidence-weighted (ERG: the most confident agent's reply); mean or median: EQ-Bench's ratings per emotion",
  ),
};

/** Bad run options, as one line: `Invalid run option temperature (7): Too big: expected number to be <=2`. */
function invalidOption(raw: unknown, issue: z.core.$ZodIssue | undefined): RunRefused {
  const path = issue?.path ?? [];
  // The value the caller sent (`agents.1` is the second listed agent), quoted on one line and cut short.
  let value: unknown = raw;
  for (const key of path) value = typeof value === "object" && value !== null ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  const shown = value === undefined || typeof value === "object" ? "" : ` (${JSON.stringify(value).slice(0, 60)})`;
  const message = (issue?.message ?? "invalid").replace(/\s+/g, " ");
  return new RunRefused("option", `Invalid run option ${path.join(".") || "(context)"}${shown}: ${message}`);
}

/**
 * A graph's context schema: the plain one for Studio's form, and, when LangGraph checks a run's context against it,
 * one line for the first bad option instead of zod's multi-line JSON dump of every issue (which a LangGraph server
 * would send back, and log, as the run's error). Each field throws its own first issue; the object itself carries no
 * refinement, so LangGraph can still extend it for Studio.
 */
function oneLineErrors<T extends Record<string, z.ZodType>>(shape: T): T {
  const guarded = Object.entries(shape).map(([key, field]) => [
    key,
    field.clone().superRefine(
      (value) => {
        const issue = field.safeParse(value).error?.issues[0];
        throw invalidOption({ [key]: value }, issue ? { ...issue, path: [key, ...issue.path] } : undefined);
      },
      { when: (payload) => payload.issues.length > 0 },
    ),
  ]);
  return Object.fromEntries(guarded) as T;
}

/** The plain schemas, for callers that check options themselves (safeParse) before a run. */
const ErcPlain = z.object(ercShape);
const ErgPlain = z.object(ergShape);
const EqbenchPlain = z.object(eqbenchShape);
const EmobenchPlain = z.object(emobenchShape);
const AnyPlain = z.object(anyShape);

/** The ERC graphs' context schema. */
export const ErcRunOptions = z.object(oneLineErrors(ercShape));

/** The ERG graphs' context schema. */
export const ErgRunOptions = z.object(oneLineErrors(ergShape));

/** The benchmark graphs' context schema. */
export const BenchmarkRunOptions = z.object(oneLineErrors(benchmarkShape));

/**
 * Options of any run: ERC's, of which the others' are a part (`respond` is always false but for ERC), with every
 * aggregation. The flags of the commands that run any task (eval, reproduce) are made from it (cli/options.ts).
 */
export const RunOptions = AnyPlain;
export type RunOptions = z.infer<typeof RunOptions>;
export type ErcRunOptions = z.infer<typeof ErcPlain>;
export type ErgRunOptions = z.infer<typeof ErgRunOptions> & { respond: false };

/** Each task's context schema, for callers that validate options before a run (one line per bad option). */
export const RUN_OPTIONS = { erc: ErcPlain, erg: ErgPlain, eqbench: EqbenchPlain, "emobench-eu": EmobenchPlain, "emobench-ea": EmobenchPlain } as const;

/**
 * Options of a run, from the runtime context (LangGraph ≥ 0.6) or, for older clients, `configurable`. With its task,
 * checked against that task's schema (`respond` false but for ERC); without, against any run's (every aggregation).
 */
export function runOptions(config: LangGraphRunnableConfig | undefined, task: "erg"): ErgRunOptions;
export function runOptions(config: LangGraphRunnableConfig | undefined, task: "erc"): ErcRunOptions;
export function runOptions(config: LangGraphRunnableConfig | undefined, task?: TaskName): RunOptions;
export function runOptions(config: LangGraphRunnableConfig | undefined, task?: TaskName): RunOptions {
  const configurable = (config?.configurable ?? {}) as Record<string, unknown>;
  const keys = OPTION_KEYS.filter((k) => configurable[k] !== undefined);
  const context: unknown = config?.context;
  // Every node of every run calls this; a run's context object is the same for all its nodes (and, in an eval, for
  // all its examples), so its parse is done once. Only when `configurable` adds nothing: that may vary per call.
  const cacheable = keys.length === 0 && typeof context === "object" && context !== null;
  const cache = parsedContexts[task ?? "any"];
  if (cacheable) {
    const hit = cache.get(context);
    if (hit && hit.source === JSON.stringify(context)) return hit.options;
  }
  const known = Object.fromEntries(keys.map((k) => [k, configurable[k]]));
  const options = parse(task ?? "any", { ...known, ...((context ?? {}) as object) });
  if (cacheable) cache.set(context, { source: JSON.stringify(context), options });
  return options;
}

const OPTION_KEYS = Object.keys(ercShape);
/** Parsed run options per task and context object, with the context as it was then (a mutated one is parsed again). */
const parsedContexts: Record<TaskName | "any", WeakMap<object, { source: string; options: RunOptions }>> = {
  any: new WeakMap(),
  erc: new WeakMap(),
  erg: new WeakMap(),
  eqbench: new WeakMap(),
  "emobench-eu": new WeakMap(),
  "emobench-ea": new WeakMap(),
};

/** "any": any run's options (every aggregation); LangGraph checks a graph's own context schema. */
function parse(task: TaskName | "any", raw: unknown): RunOptions {
  const parsed = (task === "any" ? AnyPlain : RUN_OPTIONS[task]).safeParse(raw);
  if (!parsed.success) throw invalidOption(raw, parsed.error.issues[0]);
  // A run's options are one shape for every task, so every node reads the same fields; only ERC replies on request.
  return task === "any" || task === "erc" ? (parsed.data as RunOptions) : { ...parsed.data, respond: false };
}

/**
 * Complete run options from a partial set, defaults filled in and checked before anything runs (an eval's plan, the
 * middleware's options); a graph's own callers pass the partial set as its `context` (graphs/context.ts). With a
 * task, checked against its schema (ERG: no vote, `respond` false); "any": any run's (every aggregation), for a caller
 * that checks the task's own with the method's rules (graphs/methods.ts checkMethodOptions).
 */
export function runContext(options: Partial<z.input<typeof ErgRunOptions>>, task: "erg"): ErgRunOptions;
export function runContext(options: Partial<z.input<typeof RunOptions>>, task: TaskName | "any"): RunOptions;
// Last, so that `Parameters<typeof runContext>` is ERC's (the default task).
export function runContext(options?: Partial<z.input<typeof ErcPlain>>, task?: "erc"): ErcRunOptions;
export function runContext(options: Partial<z.input<typeof RunOptions>> = {}, task: TaskName | "any" = "erc"): RunOptions {
  return parse(task, options);
}
