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
import { GRAPH_IDS, knownMethod } from "./methodNames.js";

// The names and the options' rules live in methodNames.ts: the CLI declares and checks a run without loading any graph.
export { ERC_METHODS, ERG_METHODS, GRAPH_IDS, PAPER_METHODS, checkMethodOptions, isSelfConsistency, methodNames, type MethodOptions } from "./methodNames.js";

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
  knownMethod(task, method);
  return (BUILDERS[task] as Record<string, unknown>)[method] as MethodBuilder;
}

export function graphIdFor(task: TaskName, method: string): string {
  builderFor(task, method);
  return (GRAPH_IDS[task] as Record<string, string>)[method]!;
}
