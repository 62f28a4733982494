/**
 * The methods, each a graph: those the paper's tables compare (ERC: baseline, InsideOut; ERG: baseline, ERC+baseline,
 * ERC+InsideOut), and self-consistency, InsideOut without the personas (ERC; ERG on its own and after ERC, as the
 * baseline is).
 */
import { builder as baselineErc } from "./baseline_erc.js";
import { builder as baselineErg } from "./baseline_erg.js";
import { builder as erc } from "./erc.js";
import { builder as ercBaselineErg } from "./erc_baseline_erg.js";
import { builder as ercSelfConsistencyErg } from "./erc_self_consistency_erg.js";
import { builder as erg } from "./erg.js";
import { builder as selfConsistencyErc } from "./self_consistency_erc.js";
import { builder as selfConsistencyErg } from "./self_consistency_erg.js";
import type { TaskName } from "../state/runOptions.js";
import { GRAPH_IDS, isSelfConsistency, methodNames } from "./methodNames.js";

// The names alone live in methodNames.ts (the CLI's option declarations read them without loading any graph).
export { ERC_METHODS, ERG_METHODS, GRAPH_IDS, PAPER_METHODS, isSelfConsistency, methodNames } from "./methodNames.js";

const BUILDERS = {
  erc: { baseline: baselineErc, insideout: erc, "self-consistency": selfConsistencyErc },
  erg: {
    baseline: baselineErg,
    "erc+baseline": ercBaselineErg,
    "erc+insideout": erg,
    "self-consistency": selfConsistencyErg,
    "erc+self-consistency": ercSelfConsistencyErg,
  },
} as const;

/** The uncompiled graph of a task × method; an unknown method is a one-line error naming the valid ones. */
/**
 * A graph picked at run time, typed as the InsideOut ERC builder: every graph takes the same dialogue and writes the
 * same state, and ERC's run options are a superset of ERG's (whose context schema refuses `vote` at run time).
 */
export type MethodBuilder = typeof erc;

export function builderFor(task: TaskName, method: string): MethodBuilder {
  const table = BUILDERS[task] as Record<string, unknown>;
  const b = table[method];
  if (!b) throw new Error(`Unknown ${task} method "${method}": use ${methodNames(task).join(", ")}.`);
  return b as MethodBuilder;
}

export function graphIdFor(task: TaskName, method: string): string {
  builderFor(task, method);
  return (GRAPH_IDS[task] as Record<string, string>)[method]!;
}

/** The run options a method's choice depends on (a subset of RunOptions, so callers need not build a whole one). */
export interface MethodOptions {
  aggregation: "llm" | "vote" | "weighted";
  agents: readonly string[];
  respond?: boolean;
}

/** Methods whose graph has emotion agents and the aggregate agent; only they read `agents`. */
const WITH_AGENTS: Readonly<Record<TaskName, readonly string[]>> = { erc: ["insideout"], erg: ["erc+insideout"] };

/**
 * Refuses, in one line, a task × method × options that cannot run as asked, before any model call: each of these
 * would otherwise fail once the run had started (after the agents had been paid for), or silently do less than was
 * asked. Baselines ignore `agents` (nothing to refuse there).
 */
export function checkMethodOptions(task: TaskName, method: string, options: MethodOptions): void {
  builderFor(task, method);
  const fail = (problem: string): never => {
    throw new Error(`${task.toUpperCase()} method ${method}: ${problem}.`);
  };
  if (task === "erg") {
    // ERG replies carry a confidence, not a label (nodes/aggregate.ts), and the ERG graphs' run options have no vote.
    if (options.aggregation === "vote") fail("aggregation cannot be vote (replies carry no label): use llm or weighted");
    if (options.respond) fail("respond is for ERC; every ERG method replies already");
    // The plain responder's samples carry no confidence of their own to weigh.
    if (isSelfConsistency(method) && options.aggregation !== "llm") fail("aggregation must be llm (the responder's samples carry no confidence to weigh)");
  } else if (options.respond && !WITH_AGENTS.erc.includes(method)) {
    // The baseline graph has no responder: the option would be ignored and no reply come back.
    fail("respond needs the insideout method (this one only recognises)");
  }
  if (!WITH_AGENTS[task].includes(method)) return;
  const seen = new Set<string>();
  for (const a of options.agents) {
    // The agent would run once, but nodes/aggregate.ts reads opinions per listed agent: its view would count twice.
    if (seen.has(a)) fail(`the agent "${a}" is listed twice in --agents: list each once`);
    seen.add(a);
  }
}
