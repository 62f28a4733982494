/**
 * The methods' names, graph ids and the run options each accepts, without the graphs (graphs/methods.ts builds them):
 * the CLI declares and checks a run before it loads any graph (cli/main.ts).
 */
import { isBenchmarkTask, RUN_OPTIONS, type RunOptions, type TaskName } from "../state/runOptions.js";

export const ERC_METHODS = ["baseline", "insideout", "self-consistency"] as const;
export const ERG_METHODS = ["baseline", "erc+baseline", "erc+insideout", "self-consistency", "erc+self-consistency"] as const;
/** The benchmark questions' methods (EQ-Bench, EmoBench EU/EA): one graph each, the question telling which benchmark. */
export const BENCHMARK_METHODS = ["baseline", "insideout", "self-consistency"] as const;
/** The methods of the paper's own tables (`reproduce --table 1`…`4`). */
export const PAPER_METHODS = { erc: ["baseline", "insideout"], erg: ["baseline", "erc+baseline", "erc+insideout"] } as const;

export const GRAPH_IDS = {
  erc: { baseline: "baseline_erc", insideout: "erc", "self-consistency": "self_consistency_erc" },
  erg: {
    baseline: "baseline_erg",
    "erc+baseline": "erc_baseline_erg",
    "erc+insideout": "erg",
    "self-consistency": "self_consistency_erg",
    "erc+self-consistency": "erc_self_consistency_erg",
  },
  benchmark: { baseline: "baseline_benchmark", insideout: "benchmark", "self-consistency": "self_consistency_benchmark" },
} as const;

/** The graphs' family of a task: the benchmark tasks share theirs. */
export const familyOf = (task: TaskName): "erc" | "erg" | "benchmark" => (isBenchmarkTask(task) ? "benchmark" : task);

export function methodNames(task: TaskName): readonly string[] {
  return task === "erc" ? ERC_METHODS : task === "erg" ? ERG_METHODS : BENCHMARK_METHODS;
}

/** An unknown method is a one-line error naming the valid ones. */
export function knownMethod(task: TaskName, method: string): void {
  if (!methodNames(task).includes(method)) throw new Error(`Unknown ${task} method "${method}": use ${methodNames(task).join(", ")}.`);
}

/** The run options a method's choice depends on (a subset of RunOptions, so callers need not build a whole one). */
export interface MethodOptions {
  aggregation: RunOptions["aggregation"];
  agents: readonly string[];
  respond?: boolean;
}

/** Methods whose graph has emotion agents and the aggregate agent; only they read `agents`. */
const WITH_AGENTS: Readonly<Record<TaskName, readonly string[]>> = {
  erc: ["insideout"],
  erg: ["erc+insideout"],
  eqbench: ["insideout"],
  "emobench-eu": ["insideout"],
  "emobench-ea": ["insideout"],
};

/** Why a task offers only some aggregations (its schema's enum), said when another is asked for. */
const AGGREGATION_LIMITS: Readonly<Record<TaskName, string>> = {
  erc: "mean and median are for EQ-Bench's ratings",
  erg: "replies carry no label",
  eqbench: "its answers are ratings, not choices to vote on",
  "emobench-eu": "its answers are choices, not ratings to average",
  "emobench-ea": "its answers are choices, not ratings to average",
};

/** Methods that sample the plain recogniser or responder k times; only they read `samples` and `sampleTemperature`. */
export function isSelfConsistency(method: string): boolean {
  return method === "self-consistency" || method === "erc+self-consistency";
}

/**
 * Refuses, in one line, a task × method × options that cannot run as asked, before any model call: each of these
 * would otherwise fail once the run had started (after the agents had been paid for), or silently do less than was
 * asked. Baselines ignore `agents` (nothing to refuse there).
 */
export function checkMethodOptions(task: TaskName, method: string, options: MethodOptions): void {
  knownMethod(task, method);
  const fail = (problem: string): never => {
    throw new Error(`${task.toUpperCase()} method ${method}: ${problem}.`);
  };
  // The aggregations a task offers are its schema's; said here with the method's name and why, before the graph's
  // context schema would refuse them.
  const aggregations: readonly string[] = RUN_OPTIONS[task].shape.aggregation.unwrap().options;
  if (!aggregations.includes(options.aggregation)) fail(`aggregation cannot be ${options.aggregation} (${AGGREGATION_LIMITS[task]}): use ${aggregations.join(" or ")}`);
  if (isBenchmarkTask(task)) {
    if (options.respond) fail("respond is for ERC");
  } else if (task === "erg") {
    if (options.respond) fail("respond is for ERC; every ERG method replies already");
    // The plain responder's samples carry no confidence of their own to weigh.
    if (isSelfConsistency(method) && options.aggregation !== "llm") fail("aggregation must be llm (the responder's samples carry no confidence to weigh)");
  }
  if (!WITH_AGENTS[task].includes(method)) return;
  const seen = new Set<string>();
  for (const a of options.agents) {
    // The agent would run once, but nodes/aggregate.ts reads opinions per listed agent: its view would count twice.
    if (seen.has(a)) fail(`the agent "${a}" is listed twice in --agents: list each once`);
    seen.add(a);
  }
}
