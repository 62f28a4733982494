/**
 * The methods, each a graph: those the paper's tables compare (ERC: baseline, InsideOut; ERG: baseline, ERC+baseline,
 * ERC+InsideOut), self-consistency, InsideOut without the personas (ERC; ERG on its own and after ERC, as the
 * baseline is), and the same three on a benchmark's question (EQ-Bench v2, EmoBench EU/EA).
 */
import { builder as baselineErc } from "./baseline_erc.js";
import { builder as baselineErg } from "./baseline_erg.js";
import { builder as erc } from "./erc.js";
import { builder as ercBaselineErg } from "./erc_baseline_erg.js";
import { builder as ercSelfConsistencyErg } from "./erc_self_consistency_erg.js";
import { builder as erg } from "./erg.js";
import { builder as selfConsistencyErc } from "./self_consistency_erc.js";
import { builder as selfConsistencyErg } from "./self_consistency_erg.js";
import { builder as benchmark } from "./benchmark.js";
import { builder as baselineBenchmark } from "./baseline_benchmark.js";
import { builder as selfConsistencyBenchmark } from "./self_consistency_benchmark.js";
import type { TaskName } from "../state/runOptions.js";
import { familyOf, GRAPH_IDS, knownMethod } from "./methodNames.js";

// The names and the options' rules live in methodNames.ts: the CLI declares and checks a run without loading any graph.
export {
  BENCHMARK_METHODS,
  ERC_METHODS,
  ERG_METHODS,
  GRAPH_IDS,
  PAPER_METHODS,
  checkMethodOptions,
  isSelfConsistency,
  methodNames,
  type MethodOptions,
} from "./methodNames.js";

const BUILDERS = {
  erc: { baseline: baselineErc, insideout: erc, "self-consistency": selfConsistencyErc },
  erg: {
    baseline: baselineErg,
    "erc+baseline": ercBaselineErg,
    "erc+insideout": erg,
    "self-consistency": selfConsistencyErg,
    "erc+self-consistency": ercSelfConsistencyErg,
  },
  benchmark: { baseline: baselineBenchmark, insideout: benchmark, "self-consistency": selfConsistencyBenchmark },
} as const;

/** The uncompiled graph of a task × method; an unknown method is a one-line error naming the valid ones. */
/**
 * A graph picked at run time, typed as the InsideOut ERC builder: every graph writes the same state, from a dialogue
 * or a benchmark's question (evaluations/exampleRunner.ts graphInput), and checks a run's options against its own
 * context schema at run time (ERG's refuses `vote`, EQ-Bench's ratings are not voted on).
 */
export type MethodBuilder = typeof erc;

export function builderFor(task: TaskName, method: string): MethodBuilder {
  knownMethod(task, method);
  return (BUILDERS[familyOf(task)] as Record<string, unknown>)[method] as MethodBuilder;
}

export function graphIdFor(task: TaskName, method: string): string {
  builderFor(task, method);
  return (GRAPH_IDS[familyOf(task)] as Record<string, string>)[method]!;
}
