/**
 * Label normalisation: forgiving about form ("Joyful.", " SAD ", "**afraid**"), strict about meaning.
 * Inflections are mapped only where a table says so unambiguously; anything else is unparseable.
 */
import type { LabelSet } from "./labelSet.js";

/** Word forms a model commonly uses for a label; only entries whose target is unambiguous. */
const INFLECTIONS: Readonly<Record<string, string>> = {
  fear: "afraid", fearful: "afraid", scared: "afraid", frightened: "afraid",
  anger: "angry", mad: "angry",
  annoyance: "annoyed", annoying: "annoyed", irritated: "annoyed",
  anticipation: "anticipating", anticipate: "anticipating",
  anxiety: "anxious",
  apprehension: "apprehensive",
  shame: "ashamed", shamed: "ashamed",
  care: "caring",
  confidence: "confident",
  contentment: "content", contented: "content",
  devastation: "devastated",
  disappointment: "disappointed",
  disgust: "disgusted",
  embarrassment: "embarrassed",
  excitement: "excited",
  faith: "faithful",
  fury: "furious",
  gratitude: "grateful", thankful: "grateful",
  guilt: "guilty",
  hope: "hopeful",
  jealousy: "jealous",
  joy: "joyful", joyous: "joyful",
  loneliness: "lonely",
  nostalgia: "nostalgic",
  preparation: "prepared",
  pride: "proud",
  sadness: "sad",
  sentiment: "sentimental",
  surprise: "surprised",
  terror: "terrified",
  trust: "trusting", trustful: "trusting",
};

/** A label's canonical form: "Joyful." and " joyful" are both "joyful". Label sets store labels in this form. */
export function cleanLabel(raw: string): string {
  return raw
    .normalize("NFKC")
    .toLowerCase()
    .replace(/^[\s"'`*_.:;,!?()[\]{}-]+|[\s"'`*_.:;,!?()[\]{}-]+$/g, "")
    .replace(/\s+/g, " ");
}

/** The label of `set` that `raw` names, or undefined when it names none (never a guess). */
export function normalizeLabel(raw: string, set: LabelSet | readonly string[]): string | undefined {
  const labels = "labels" in set ? set.labels : set;
  const groupOf = "groupOf" in set ? set.groupOf : {};
  const c = cleanLabel(raw);
  if (labels.includes(c)) return c;
  const candidates = [c, INFLECTIONS[c]].filter((x): x is string => x !== undefined);
  for (const cand of candidates) {
    if (labels.includes(cand)) return cand;
    const group = groupOf[cand];
    if (group !== undefined && labels.includes(group)) return group;
  }
  return undefined;
}
