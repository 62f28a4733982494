/**
 * Label sets are data: a name, the labels a model may answer with, and how gold labels map onto them.
 * `ed18` is this project's own grouping of near-synonyms (the paper reports 18 classes without listing them).
 */
import { readFileSync } from "node:fs";
import { z } from "zod";

export interface LabelSet {
  name: string;
  /** Labels the model chooses among, in a fixed order that also breaks ties deterministically. */
  labels: readonly string[];
  /** Maps a fine-grained gold label (e.g. an ed32 label) to a label of this set; identity where absent. */
  groupOf: Readonly<Record<string, string>>;
}

export const ED32_LABELS = [
  "afraid", "angry", "annoyed", "anticipating", "anxious", "apprehensive", "ashamed", "caring",
  "confident", "content", "devastated", "disappointed", "disgusted", "embarrassed", "excited", "faithful",
  "furious", "grateful", "guilty", "hopeful", "impressed", "jealous", "joyful", "lonely",
  "nostalgic", "prepared", "proud", "sad", "sentimental", "surprised", "terrified", "trusting",
] as const;

export const ED18_GROUPS: Readonly<Record<string, readonly string[]>> = {
  afraid: ["afraid", "terrified"],
  anxious: ["anxious", "apprehensive"],
  angry: ["angry", "furious"],
  annoyed: ["annoyed"],
  disgusted: ["disgusted"],
  jealous: ["jealous"],
  sad: ["sad", "devastated", "lonely"],
  disappointed: ["disappointed"],
  ashamed: ["ashamed", "embarrassed", "guilty"],
  surprised: ["surprised"],
  impressed: ["impressed"],
  joyful: ["joyful", "content", "excited"],
  anticipating: ["anticipating", "prepared", "hopeful"],
  confident: ["confident", "proud"],
  grateful: ["grateful"],
  caring: ["caring"],
  trusting: ["trusting", "faithful"],
  nostalgic: ["nostalgic", "sentimental"],
};

export type Valence = "negative" | "positive" | "ambiguous";

export const VALENCE: Readonly<Record<string, Valence>> = Object.fromEntries([
  ...["afraid", "angry", "annoyed", "anxious", "apprehensive", "ashamed", "devastated", "disappointed", "disgusted",
    "embarrassed", "furious", "guilty", "jealous", "lonely", "sad", "terrified"].map((l) => [l, "negative"] as const),
  ...["caring", "confident", "content", "excited", "faithful", "grateful", "hopeful", "impressed", "joyful", "proud",
    "trusting"].map((l) => [l, "positive"] as const),
  ...["anticipating", "nostalgic", "prepared", "sentimental", "surprised"].map((l) => [l, "ambiguous"] as const),
]);

function groupsToLabelSet(name: string, groups: Readonly<Record<string, readonly string[]>>): LabelSet {
  const groupOf: Record<string, string> = {};
  for (const [group, members] of Object.entries(groups)) for (const m of members) groupOf[m] = group;
  return { name, labels: Object.keys(groups), groupOf };
}

export const BUILTIN_LABEL_SETS: Readonly<Record<string, LabelSet>> = {
  ed32: { name: "ed32", labels: ED32_LABELS, groupOf: {} },
  ed18: groupsToLabelSet("ed18", ED18_GROUPS),
};

const LabelSetFile = z.union([
  z.object({ name: z.string().optional(), labels: z.array(z.string().min(1)).min(2) }),
  z.object({ name: z.string().optional(), groups: z.record(z.string(), z.array(z.string().min(1))) }),
]);

/** A built-in name (`ed32`, `ed18`) or the path of a JSON file: `{"labels": [...]}` or `{"groups": {group: [members]}}`. */
export function loadLabelSet(nameOrPath: string): LabelSet {
  const builtin = BUILTIN_LABEL_SETS[nameOrPath];
  if (builtin) return builtin;
  if (!nameOrPath.endsWith(".json")) {
    throw new Error(
      `Unknown label set "${nameOrPath}": use ${Object.keys(BUILTIN_LABEL_SETS).join(" or ")}, or a JSON file path.`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(nameOrPath, "utf8"));
  } catch (e) {
    throw new Error(`Cannot read label set file ${nameOrPath}: ${(e as Error).message}`);
  }
  const parsed = LabelSetFile.safeParse(raw);
  if (!parsed.success) {
    throw new Error(`Label set file ${nameOrPath} must be {"labels": [...]} or {"groups": {...}}: ${parsed.error.issues[0]?.message}`);
  }
  const name = parsed.data.name ?? nameOrPath;
  if ("labels" in parsed.data) {
    return { name, labels: parsed.data.labels.map((l) => l.toLowerCase()), groupOf: {} };
  }
  return groupsToLabelSet(name, parsed.data.groups);
}

/** Maps a gold label onto the set (`devastated` → `sad` in ed18); undefined when it has no place in the set. */
export function goldToSet(set: LabelSet, gold: string): string | undefined {
  const g = gold.trim().toLowerCase();
  const mapped = set.groupOf[g] ?? g;
  return set.labels.includes(mapped) ? mapped : undefined;
}
