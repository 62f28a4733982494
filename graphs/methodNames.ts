/** The methods' names and graph ids, without the graphs (graphs/methods.ts builds them). */
import type { TaskName } from "../state/runOptions.js";

export const ERC_METHODS = ["baseline", "insideout", "self-consistency"] as const;
export const ERG_METHODS = ["baseline", "erc+baseline", "erc+insideout", "self-consistency", "erc+self-consistency"] as const;
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
} as const;

export function methodNames(task: TaskName): readonly string[] {
  return task === "erc" ? ERC_METHODS : ERG_METHODS;
}

/** Methods that sample the plain recogniser or responder k times; only they read `samples` and `sampleTemperature`. */
export function isSelfConsistency(method: string): boolean {
  return method === "self-consistency" || method === "erc+self-consistency";
}

