/** The methods of the paper's tables (DESIGN §1), each a graph. */
import { builder as baselineErc } from "./baseline_erc.js";
import { builder as baselineErg } from "./baseline_erg.js";
import { builder as erc } from "./erc.js";
import { builder as ercBaselineErg } from "./erc_baseline_erg.js";
import { builder as erg } from "./erg.js";

export const ERC_METHODS = ["baseline", "insideout"] as const;
export const ERG_METHODS = ["baseline", "erc+baseline", "erc+insideout"] as const;
export type TaskName = "erc" | "erg";

const BUILDERS = {
  erc: { baseline: baselineErc, insideout: erc },
  erg: { baseline: baselineErg, "erc+baseline": ercBaselineErg, "erc+insideout": erg },
} as const;

export const GRAPH_IDS = {
  erc: { baseline: "baseline_erc", insideout: "erc" },
  erg: { baseline: "baseline_erg", "erc+baseline": "erc_baseline_erg", "erc+insideout": "erg" },
} as const;

export function methodNames(task: TaskName): readonly string[] {
  return task === "erc" ? ERC_METHODS : ERG_METHODS;
}

/** The uncompiled graph of a task × method; an unknown method is a one-line error naming the valid ones. */
export function builderFor(task: TaskName, method: string) {
  const table = BUILDERS[task] as Record<string, (typeof BUILDERS)[TaskName][keyof (typeof BUILDERS)[TaskName]]>;
  const b = table[method];
  if (!b) throw new Error(`Unknown ${task} method "${method}": use ${methodNames(task).join(", ")}.`);
  return b;
}

export function graphIdFor(task: TaskName, method: string): string {
  builderFor(task, method);
  return (GRAPH_IDS[task] as Record<string, string>)[method]!;
}
