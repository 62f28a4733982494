/**
 * Scoring of any system's outputs, shared by `insideout score` and the evaluation reports. Text scores are ×100.
 */
import { readRegularFile } from "../core/regularFile.js";
import { setting } from "../core/settings.js";
import { bleuFromCounts, corpusBleu } from "./metrics/bleu.js";
import { classificationReport, type ClassificationReport } from "./metrics/classification.js";
import { distinctN } from "./metrics/distinct.js";
import { corpusRouge, rougeL, rougeN } from "./metrics/rouge.js";
import { tokenize, tokenizeRouge } from "./metrics/tokenize.js";
import type { LabelSet } from "../taxonomy/labelSet.js";
import { goldToSet } from "../taxonomy/labelSets.js";
import { normalizeLabel } from "../taxonomy/normalize.js";

export interface TextScores {
  n: number;
  tokenized: boolean;
  bleu1: number;
  bleu2: number;
  bleu3: number;
  bleu4: number;
  rouge1: number;
  rouge2: number;
  rougeL: number;
  distinct1: number;
  distinct2: number;
  /** What BLEU was made of, to compare with other scripts: n-gram precisions ×100, brevity penalty, lengths. */
  bleuDetails: { precisions: number[]; brevityPenalty: number; hypLength: number; refLength: number };
}

/**
 * Lines of a "one text per line" file, as Python reads a text file: \n, \r\n and \r end lines, and a final line
 * ending does not start an extra empty text (an empty line elsewhere is an empty text and is kept).
 */
export function splitLines(content: string): string[] {
  const text = content.startsWith("\uFEFF") ? content.slice(1) : content;
  if (text === "") return [];
  const lines = text.split(/\r\n|\r|\n/u);
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

export function readLines(path: string): string[] {
  let bytes: Buffer;
  try {
    // ED's test references are ~0.5 MiB; /dev/zero or a stray dump is refused.
    bytes = readRegularFile(path, "The file", setting("INSIDEOUT_MAX_TEXTS_BYTES"), "INSIDEOUT_MAX_TEXTS_BYTES");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw code ? new Error(`Cannot read ${path}: ${code}`) : e;
  }
  return splitLines(bytes.toString("utf8"));
}

function requireSameLength(aName: string, a: readonly unknown[], bName: string, b: readonly unknown[]): void {
  if (a.length !== b.length) {
    throw new Error(`${aName} has ${a.length} lines but ${bName} has ${b.length}; they must be aligned line by line.`);
  }
  if (a.length === 0) throw new Error(`${aName} and ${bName} are empty: nothing to score.`);
}

export interface ScoreTextsInput {
  hyp: readonly string[];
  ref: readonly string[];
  /** Texts are already tokenised (whitespace-separated) instead of raw. */
  tokenized?: boolean;
  /** Names used in error messages. */
  hypName?: string;
  refName?: string;
}

export function scoreTexts(input: ScoreTextsInput): TextScores {
  const { hyp, ref, tokenized = false } = input;
  requireSameLength(input.hypName ?? "--hyp", hyp, input.refName ?? "--ref", ref);
  const hypTokens = hyp.map((t) => tokenize(t, { tokenized }));
  const refTokens = ref.map((t) => [tokenize(t, { tokenized })]);
  const bleu = corpusBleu(refTokens, hypTokens, 4);
  const rouge = corpusRouge(hyp, ref);
  const pct = (x: number): number => x * 100;
  return {
    n: hyp.length,
    tokenized,
    bleu1: pct(bleu.bleu[0]!),
    bleu2: pct(bleu.bleu[1]!),
    bleu3: pct(bleu.bleu[2]!),
    bleu4: pct(bleu.bleu[3]!),
    rouge1: pct(rouge.rouge1),
    rouge2: pct(rouge.rouge2),
    rougeL: pct(rouge.rougeL),
    distinct1: pct(distinctN(hypTokens, 1)),
    distinct2: pct(distinctN(hypTokens, 2)),
    bleuDetails: {
      precisions: bleu.matches.map((m, i) => pct(m / bleu.totals[i]!)),
      brevityPenalty: bleu.brevityPenalty,
      hypLength: bleu.hypLength,
      refLength: bleu.refLength,
    },
  };
}

/** The text metrics in the order `textScoreStatistic` returns them. */
export const TEXT_METRICS = ["bleu1", "bleu2", "bleu3", "bleu4", "rouge1", "rouge2", "rougeL", "distinct1", "distinct2"] as const;
export type TextMetric = (typeof TEXT_METRICS)[number];
/** The ones a bootstrap can give an interval for (see `textScoreStatistic`). */
export const RESAMPLED_TEXT_METRICS = ["bleu1", "bleu2", "bleu3", "bleu4", "rouge1", "rouge2", "rougeL"] as const;

/**
 * `scoreTexts`'s BLEU-1..4 and ROUGE-1/2/L (×100, in RESAMPLED_TEXT_METRICS order) of any sample of the pairs,
 * given as indices (repeats allowed), for bootstrap intervals. Each pair is tokenised and counted once up front:
 * corpus BLEU is a function of summed counts and ROUGE a mean over pairs, so a resample only adds numbers.
 * Distinct-n is left out on purpose: a resample repeats replies, which lowers Distinct by construction, so its
 * percentile interval would sit below the figure it should surround.
 */
export function textScoreStatistic(hyp: readonly string[], ref: readonly string[], tokenized = false): (indices: Int32Array) => number[] {
  requireSameLength("hypotheses", hyp, "references", ref);
  const n = hyp.length;
  const counts = new Float64Array(n * 10); // matches ×4, totals ×4, hyp length, ref length
  corpusBleu(
    ref.map((t) => [tokenize(t, { tokenized })]),
    hyp.map((t) => tokenize(t, { tokenized })),
    4,
    (k, c) => counts.set([...c.matches, ...c.totals, c.hypLength, c.refLength], k * 10),
  );
  const rouge = new Float64Array(n * 3);
  hyp.forEach((h, i) => {
    const hr = tokenizeRouge(h);
    const rr = tokenizeRouge(ref[i]!);
    rouge.set([rougeN(hr, rr, 1).f, rougeN(hr, rr, 2).f, rougeL(hr, rr).f], i * 3);
  });
  const sum = new Float64Array(10);
  return (indices) => {
    sum.fill(0);
    let r1 = 0;
    let r2 = 0;
    let rl = 0;
    for (let j = 0; j < indices.length; j++) {
      const i = indices[j]!;
      for (let k = 0; k < 10; k++) sum[k]! += counts[i * 10 + k]!;
      r1 += rouge[i * 3]!;
      r2 += rouge[i * 3 + 1]!;
      rl += rouge[i * 3 + 2]!;
    }
    const { bleu } = bleuFromCounts(sum.subarray(0, 4), sum.subarray(4, 8), sum[8]!, sum[9]!);
    const m = Math.max(indices.length, 1);
    return [...bleu, r1 / m, r2 / m, rl / m].map((x) => x * 100);
  };
}

export function scoreTextFiles(hypPath: string, refPath: string, tokenized = false): TextScores {
  return scoreTexts({ hyp: readLines(hypPath), ref: readLines(refPath), tokenized, hypName: hypPath, refName: refPath });
}

/** A classification report with every rate ×100, like every reported score. */
export type LabelScores = ClassificationReport & { labelSet: string };

function percentReport(r: ClassificationReport): ClassificationReport {
  const pct = (x: number): number => x * 100;
  const perLabel = Object.fromEntries(
    Object.entries(r.perLabel).map(([l, s]) => [l, { ...s, precision: pct(s.precision), recall: pct(s.recall), f1: pct(s.f1) }]),
  );
  const perValence = Object.fromEntries(
    Object.entries(r.perValence).map(([v, s]) => [v, { ...s, accuracy: pct(s.accuracy) }]),
  ) as ClassificationReport["perValence"];
  return {
    ...r,
    accuracy: pct(r.accuracy),
    macroF1: pct(r.macroF1),
    weightedF1: pct(r.weightedF1),
    perLabel,
    perValence,
    crossValence: { ...r.crossValence, rate: pct(r.crossValence.rate) },
  };
}

export interface ScoreLabelsInput {
  gold: readonly string[];
  pred: readonly string[];
  labelSet: LabelSet;
  goldName?: string;
  predName?: string;
}

/**
 * Gold labels are mapped onto the set (ed32 → ed18 groups) and must belong to it; a prediction is normalised
 * ("Joyful." → joyful) and one that names no label of the set counts as wrong, never as a guess.
 */
export function scoreLabels(input: ScoreLabelsInput): LabelScores {
  const { gold, pred, labelSet } = input;
  const goldName = input.goldName ?? "--gold";
  requireSameLength(goldName, gold, input.predName ?? "--pred", pred);
  const goldMapped = gold.map((g, i) => {
    const m = goldToSet(labelSet, g);
    if (m === undefined) {
      throw new Error(`${goldName} line ${i + 1}: "${g.trim()}" is not a label of ${labelSet.name}.`);
    }
    return m;
  });
  const predMapped = pred.map((p) => normalizeLabel(p, labelSet) ?? null);
  return { ...percentReport(classificationReport(goldMapped, predMapped, labelSet.labels)), labelSet: labelSet.name };
}

export function scoreLabelFiles(goldPath: string, predPath: string, labelSet: LabelSet): LabelScores {
  return scoreLabels({ gold: readLines(goldPath), pred: readLines(predPath), labelSet, goldName: goldPath, predName: predPath });
}
