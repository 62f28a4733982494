/**
 * The ablation the paper lacks (`reproduce --table ablation`, ERC): what asking several times adds (self-consistency
 * against the baseline), what the personas add beyond that (InsideOut against self-consistency, the same number of
 * calls), what the LLM aggregator adds (vote and weighted against it), and what each agent adds (InsideOut without
 * it against InsideOut). Each run is an `eval` experiment in its own folder; each pair is a paired test (McNemar).
 */
import { EKMAN_AGENTS, type AgentEmotion } from "../taxonomy/agents.js";
import type { RunOptions } from "../state/runOptions.js";

export interface TableRun {
  /** Its folder under the table's root. */
  name: string;
  method: string;
  /** The run options it fixes. */
  options?: Partial<Pick<RunOptions, "agents" | "aggregation">>;
}

const without = (agent: AgentEmotion): TableRun => ({
  name: `insideout-no-${agent}`,
  method: "insideout",
  options: { agents: EKMAN_AGENTS.filter((a) => a !== agent) },
});

export const ABLATION_RUNS: readonly TableRun[] = [
  { name: "baseline", method: "baseline" },
  { name: "self-consistency", method: "self-consistency" },
  { name: "insideout", method: "insideout" },
  { name: "insideout-vote", method: "insideout", options: { aggregation: "vote" } },
  { name: "insideout-weighted", method: "insideout", options: { aggregation: "weighted" } },
  ...EKMAN_AGENTS.map(without),
];

/** The paired tests, as [reference, method] run names. */
export const ABLATION_PAIRS: ReadonlyArray<readonly [string, string]> = [
  ["baseline", "self-consistency"],
  ["baseline", "insideout"],
  ["self-consistency", "insideout"],
  ["insideout", "insideout-vote"],
  ["insideout", "insideout-weighted"],
  ...EKMAN_AGENTS.map((a) => ["insideout", `insideout-no-${a}`] as const),
];
