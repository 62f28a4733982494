/**
 * The paper's published figures (Mozikov, Severin et al., ECAI 2024: its ERC and ERG tables), printed beside ours for
 * orientation only: they come from GPT-4 and GPT-3.5 on the EmpatheticDialogues test split at temperature 0, with
 * prompts the paper does not publish, and its 18-class grouping is not published either (ours is our own).
 */

export interface PaperErcRow {
  model: string;
  labels: "ed32" | "ed18";
  baseline: number;
  insideout: number;
}

export const PAPER_ERC: readonly PaperErcRow[] = [
  { model: "GPT-4", labels: "ed32", baseline: 44.2, insideout: 45.1 },
  { model: "GPT-3.5", labels: "ed32", baseline: 38.0, insideout: 35.3 },
  { model: "GPT-4", labels: "ed18", baseline: 51.72, insideout: 55.2 },
  { model: "GPT-3.5", labels: "ed18", baseline: 41.7, insideout: 50.04 },
];

/** Judge (GPT-4) Overall score, 1–10: only the Overall column of the paper's ERG judge table is printed. */
export interface PaperErgRow {
  model: string;
  method: "baseline" | "erc+baseline" | "erc+insideout";
  overall: number;
}

export const PAPER_ERG: readonly PaperErgRow[] = [
  { model: "GPT-4", method: "baseline", overall: 8.14 },
  { model: "GPT-4", method: "erc+baseline", overall: 8.19 },
  { model: "GPT-4", method: "erc+insideout", overall: 8.46 },
  { model: "GPT-3.5", method: "baseline", overall: 8.06 },
  { model: "GPT-3.5", method: "erc+baseline", overall: 7.96 },
  { model: "GPT-3.5", method: "erc+insideout", overall: 8.28 },
];

/** Published ERC accuracy (ed32, same MoEL test split) of dedicated empathetic-dialogue models, as their papers report it. */
export const PUBLISHED_ERC_SYSTEMS: ReadonlyArray<{ system: string; accuracy: number }> = [
  { system: "MoEL", accuracy: 31.74 },
  { system: "KEMP", accuracy: 36.57 },
  { system: "CEM", accuracy: 36.84 },
];
