/**
 * Label sets are data: a name, the labels a model may answer with, and how gold labels map onto them.
 * `ed18` is this project's own grouping of near-synonyms (the paper reports 18 classes without listing them).
 */
import { closeSync, constants as fsConstants, fstatSync, openSync, readSync } from "node:fs";
import { z } from "zod";
import { ANY_FILE, fileByName, RunRefused, quoted, type FileAccess } from "../core/access.js";
import { setting } from "../core/settings.js";
import type { LabelSet } from "./labelSet.js";
import { cleanLabel } from "./normalize.js";

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

/** MELD's emotions (Ekman's six plus neutral), in the order of its own label index (declare-lab/MELD). */
export const MELD7_LABELS = ["neutral", "surprise", "fear", "sadness", "joy", "disgust", "anger"] as const;

export type Valence = "negative" | "positive" | "ambiguous";

export const VALENCE: Readonly<Record<string, Valence>> = Object.fromEntries([
  ...["afraid", "angry", "annoyed", "anxious", "apprehensive", "ashamed", "devastated", "disappointed", "disgusted",
    "embarrassed", "furious", "guilty", "jealous", "lonely", "sad", "terrified"].map((l) => [l, "negative"] as const),
  ...["caring", "confident", "content", "excited", "faithful", "grateful", "hopeful", "impressed", "joyful", "proud",
    "trusting"].map((l) => [l, "positive"] as const),
  ...["anticipating", "nostalgic", "prepared", "sentimental", "surprised"].map((l) => [l, "ambiguous"] as const),
  // meld7's own words (neutral has no valence).
  ...["anger", "disgust", "fear", "sadness"].map((l) => [l, "negative"] as const),
  ["joy", "positive"] as const,
  ["surprise", "ambiguous"] as const,
]);

/** One way a label set is written: labels alone (each its own gold label), or groups with the gold labels they stand for. */
type Entry = { label: string; members?: readonly string[] };


/**
 * A checked label set: labels in their canonical form (cleanLabel), none blank or twice, every group with members,
 * no gold label in two groups. `problem` says what is wrong in words that fit after "Label set file X: ".
 */
function buildLabelSet(name: string, entries: readonly Entry[], source?: string): LabelSet {
  const where = source ? `Label set file ${source}` : `Label set ${name}`;
  const fail = (problem: string): never => {
    throw new Error(`${where}: ${problem}.`);
  };
  if (entries.length === 0) fail("has no labels: list at least two");
  if (entries.length === 1) fail(`has only one label ("${entries[0]!.label}"): a classification needs at least two`);
  // Each label is in every prompt and every answer schema (ED has 32, MELD 7).
  const maxLabels = setting("INSIDEOUT_MAX_LABELS");
  if (entries.length > maxLabels) {
    fail(`has ${entries.length} labels, more than ${maxLabels}: every prompt lists them all, so this is not a label set to choose among (the limit is INSIDEOUT_MAX_LABELS)`);
  }
  const memberCount = entries.reduce((n, e) => n + (e.members?.length ?? 0), 0);
  const maxMembers = setting("INSIDEOUT_MAX_GROUP_MEMBERS");
  if (memberCount > maxMembers) fail(`has ${memberCount} group members, more than ${maxMembers} (the limit is INSIDEOUT_MAX_GROUP_MEMBERS)`);
  const rawOf = new Map<string, string>();
  const labels: string[] = [];
  const maxChars = setting("INSIDEOUT_MAX_LABEL_CHARS");
  for (const [i, e] of entries.entries()) {
    const label = cleanLabel(e.label);
    if (label === "") fail(`label ${i + 1} (${JSON.stringify(e.label)}) is blank`);
    if (label.length > maxChars) {
      fail(`label ${i + 1} ("${label.slice(0, 24)}…") has ${label.length} characters, more than ${maxChars}: a label is a word or two, sent in every prompt and answer schema (the limit is INSIDEOUT_MAX_LABEL_CHARS)`);
    }
    const earlier = rawOf.get(label);
    if (earlier !== undefined) {
      fail(`has "${label}" twice${earlier === e.label ? "" : ` (${JSON.stringify(earlier)} and ${JSON.stringify(e.label)})`}: list each label once`);
    }
    rawOf.set(label, e.label);
    labels.push(label);
  }
  // No prototype: a gold label or member named "constructor" or "__proto__" is a key like any other.
  const groupOf = Object.create(null) as Record<string, string>;
  for (const [i, e] of entries.entries()) {
    if (!e.members) continue;
    const group = labels[i]!;
    if (e.members.length === 0) fail(`group "${group}" has no members: list the gold labels it stands for`);
    for (const raw of e.members) {
      const member = cleanLabel(raw);
      if (member === "") fail(`group "${group}" has a blank member (${JSON.stringify(raw)})`);
      const other = groupOf[member];
      if (other !== undefined && other !== group) fail(`"${member}" is in two groups ("${other}" and "${group}"): put it in one`);
      // A member named like another group would be that group when a model answers it and this one as gold.
      if (member !== group && rawOf.has(member)) fail(`"${member}" is a member of group "${group}" and also a group of its own: rename one`);
      groupOf[member] = group;
    }
  }
  return { name, labels, groupOf, ...(source !== undefined ? { source } : {}) };
}

function groupEntries(groups: Readonly<Record<string, readonly string[]>>): Entry[] {
  return Object.entries(groups).map(([label, members]) => ({ label, members }));
}

// Built through the same checks as files, so an edit that breaks them fails at import, not in a run.
export const BUILTIN_LABEL_SETS: Readonly<Record<string, LabelSet>> = {
  ed32: buildLabelSet("ed32", ED32_LABELS.map((label) => ({ label }))),
  ed18: buildLabelSet("ed18", groupEntries(ED18_GROUPS)),
  meld7: buildLabelSet("meld7", MELD7_LABELS.map((label) => ({ label }))),
};

/** The built-in set of that name; undefined for any other name ("toString" and "__proto__" included). */
export function builtinLabelSet(name: string): LabelSet | undefined {
  return Object.hasOwn(BUILTIN_LABEL_SETS, name) ? BUILTIN_LABEL_SETS[name] : undefined;
}

/** A label set is a short list; anything larger is the wrong file, and is refused before it is read into memory. */
export const MAX_LABEL_SET_FILE_BYTES = 1024 * 1024;

/** The file's JSON, read no further than the size limit; errors name it as `shown`. */
function readLabelSetFile(path: string, shown: string = path): unknown {
  const cannot = (why: string): never => {
    throw new Error(`Cannot read label set file ${shown}: ${why}`);
  };
  let fd: number;
  try {
    // O_NONBLOCK: opening a FIFO with no writer must not wait; fstat then refuses it.
    fd = openSync(path, fsConstants.O_RDONLY | fsConstants.O_NONBLOCK);
  } catch (e) {
    return cannot((e as NodeJS.ErrnoException).code ?? (e as Error).message);
  }
  let bytes: Buffer;
  try {
    const st = fstatSync(fd);
    if (st.isDirectory()) cannot("not a file (a folder)");
    if (!st.isFile()) cannot("not a regular file (a pipe, device or socket)");
    const buf = Buffer.alloc(MAX_LABEL_SET_FILE_BYTES + 1);
    let n = 0;
    while (n < buf.length) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
    }
    if (n > MAX_LABEL_SET_FILE_BYTES) cannot(`larger than ${MAX_LABEL_SET_FILE_BYTES / 1024 / 1024} MB; a label set is a short JSON list of labels`);
    bytes = buf.subarray(0, n);
  } catch (e) {
    if ((e as Error).message.startsWith("Cannot read label set file")) throw e;
    return cannot((e as NodeJS.ErrnoException).code ?? (e as Error).message);
  } finally {
    closeSync(fd);
  }
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    return cannot("not valid UTF-8");
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    return cannot(`not JSON (${(e as Error).message})`);
  }
}

const SHAPE = `must be {"labels": ["a", "b", ...]} or {"groups": {"group": ["member", ...], ...}}`;
const FlatFile = z.object({ name: z.string().optional(), labels: z.array(z.string()) }).strict();
const GroupedFile = z.object({ name: z.string().optional(), groups: z.record(z.string(), z.array(z.string())) }).strict();

/**
 * A built-in name (`ed32`, `ed18`, `meld7`) or the path of a JSON file: `{"labels": [...]}` or `{"groups": {group: [members]}}`.
 * With `access` of a run from outside (core/access.ts), a file only by name from the allowed folder.
 */
export function loadLabelSet(nameOrPath: string, access: FileAccess = ANY_FILE): LabelSet {
  const builtin = builtinLabelSet(nameOrPath);
  if (builtin) return builtin;
  if (access.kind === "named") {
    const path = fileByName(access.labelsDir, nameOrPath, ".json");
    if (!path) throw refused(nameOrPath, access.labelsDir !== undefined);
    // Shown by the name it was asked for: the server's folder is none of the caller's business.
    return labelSetFromFile(path, nameOrPath);
  }
  if (!nameOrPath.endsWith(".json")) {
    throw new Error(
      `Unknown label set "${nameOrPath}": use ${Object.keys(BUILTIN_LABEL_SETS).join(" or ")}, or a JSON file path.`,
    );
  }
  return labelSetFromFile(nameOrPath, nameOrPath);
}

/** The same line whether or not a file exists there: a refusal must not tell which paths exist. */
function refused(given: string, folder: boolean): RunRefused {
  const builtins = Object.keys(BUILTIN_LABEL_SETS).join(", ");
  const named = folder ? `, or the name of a label-set file in the server's INSIDEOUT_LABELS_DIR` : "";
  return new RunRefused("access", 
    `Label set ${quoted(given)} is not available on this server: use ${builtins}${named} (a server reads label sets only by name from the folder it allows; see docs/studio.md).`,
  );
}

function labelSetFromFile(path: string, shown: string): LabelSet {
  const raw = readLabelSetFile(path, shown);
  const grouped = typeof raw === "object" && raw !== null && "groups" in raw;
  const parsed = (grouped ? GroupedFile : FlatFile).safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const at = issue && issue.path.length > 0 ? ` (at ${issue.path.join(".")}: ${issue.message})` : issue ? ` (${issue.message})` : "";
    throw new Error(`Label set file ${shown} ${SHAPE}${at}.`);
  }
  const name = parsed.data.name?.trim() || shown;
  const entries = "labels" in parsed.data ? parsed.data.labels.map((label) => ({ label })) : groupEntries(parsed.data.groups);
  return buildLabelSet(name, entries, shown);
}

/** The gold labels that have no place in the set (goldToSet gives none), each once, sorted. */
export function uncoveredGold(labelSet: LabelSet, goldEmotions: Iterable<string>): string[] {
  const missing = new Set<string>();
  for (const gold of goldEmotions) if (goldToSet(labelSet, gold) === undefined) missing.add(gold.trim().toLowerCase());
  return [...missing].sort();
}

/**
 * The one line that refuses a run whose gold labels the set cannot express (every such example would be scored
 * wrong whatever the model said): `The label set x.json has no place for 3 gold labels of ed:test (afraid, proud,
 * sad): add them or use ed32.`
 */
export function uncoveredGoldMessage(labelSet: LabelSet, data: string, uncovered: readonly string[], suggested: string | null = "ed32"): string {
  const n = uncovered.length;
  return `The label set ${labelSet.source ?? labelSet.name} has no place for ${n} gold label${n === 1 ? "" : "s"} of ${data} (${uncovered.join(", ")}): ${suggested ? `add them or use ${suggested}` : "add them"}.`;
}

/** Maps a gold label onto the set (`devastated` → `sad` in ed18); undefined when it has no place in the set. */
export function goldToSet(set: LabelSet, gold: string): string | undefined {
  const g = gold.trim().toLowerCase();
  const mapped = set.groupOf[g] ?? g;
  return set.labels.includes(mapped) ? mapped : undefined;
}
