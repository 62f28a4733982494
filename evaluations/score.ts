/**
 * Scoring of any system's outputs, shared by `insideout score` and the evaluation reports. Text scores are ×100.
 */
import { regularFileLines } from "../core/regularFile.js";
import { setting } from "../core/settings.js";
import { BleuCounter, bleuFromCounts, corpusBleu } from "./metrics/bleu.js";
import { classificationReport, type ClassificationReport } from "./metrics/classification.js";
import { DistinctCounter } from "./metrics/distinct.js";
import { rougeL, rougeN } from "./metrics/rouge.js";
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
 * The texts of a "one text per line" file, one at a time, as Python reads a text file: \n, \r\n and \r end lines, a
 * final line ending does not start an extra empty text (an empty line elsewhere is an empty text and is kept), and a
 * leading byte-order mark is dropped. Scoring holds one line in memory, not the file; a FIFO or device is refused and
 * the size checked before reading.
 */
export async function* textLines(path: string): AsyncGenerator<string> {
  try {
    // ED's test references are ~0.5 MiB; /dev/zero or a stray dump is refused.
    for await (const line of regularFileLines(path, "The file", setting("INSIDEOUT_MAX_TEXTS_BYTES"), "INSIDEOUT_MAX_TEXTS_BYTES")) {
      if (line.tooLong) throw new Error(`The file ${path} is longer than INSIDEOUT_MAX_TEXTS_BYTES allows.`);
      let text = line.bytes.toString("utf8");
      if (line.number === 1 && text.startsWith("\uFEFF")) text = text.slice(1);
      // Only a byte-order mark, with no line ending: an empty file.
      if (line.unterminated && text === "") continue;
      // \r\n ends this line; a lone \r inside ends a line too.
      if (text.endsWith("\r")) text = text.slice(0, -1);
      if (text.includes("\r")) yield* text.split("\r");
      else yield text;
    }
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw code ? new Error(`Cannot read ${path}: ${code}`) : e;
  }
}

/** Every text of a "one text per line" file. */
export async function readLines(path: string): Promise<string[]> {
  const texts: string[] = [];
  for await (const text of textLines(path)) texts.push(text);
  return texts;
}

/**
 * Walks two aligned files a line at a time, `check`ing each text as it comes; when one ends first, counts the other's remaining lines for the message
 * and throws the same line `requireSameLength` gives for arrays.
 */
async function alignedLines(
  aPath: string,
  bPath: string,
  each: (a: string, b: string, index: number) => void,
  check: (text: string, path: string, index: number) => void = () => {},
): Promise<number> {
  const a = textLines(aPath);
  const b = textLines(bPath);
  let n = 0;
  try {
    for (;;) {
      // Each text is checked as soon as it is read, before the other file's line is.
      const x = await a.next();
      if (!x.done) check(x.value, aPath, n);
      const y = await b.next();
      if (!y.done) check(y.value, bPath, n);
      if (x.done || y.done) {
        let aCount = n + (x.done ? 0 : 1);
        let bCount = n + (y.done ? 0 : 1);
        if (!x.done) for await (const _ of a) aCount++;
        if (!y.done) for await (const _ of b) bCount++;
        if (aCount !== bCount) throw new Error(`${aPath} has ${aCount} lines but ${bPath} has ${bCount}; they must be aligned line by line.`);
        if (n === 0) throw new Error(`${aPath} and ${bPath} are empty: nothing to score.`);
        return n;
      }
      each(x.value, y.value, n);
      n++;
    }
  } finally {
    await a.return(undefined);
    await b.return(undefined);
  }
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

/**
 * Every text score counted one pair at a time: BLEU's corpus counts, ROUGE's sums, Distinct's n-gram sets; memory
 * grows with the distinct n-grams only.
 */
class TextScoring {
  private readonly bleu = new BleuCounter(4);
  private readonly rouge = { rouge1: 0, rouge2: 0, rougeL: 0 };
  private readonly distinct1 = new DistinctCounter(1);
  private readonly distinct2 = new DistinctCounter(2);
  private n = 0;

  constructor(private readonly tokenized: boolean) {}

  add(hyp: string, ref: string): void {
    const hypTokens = tokenize(hyp, { tokenized: this.tokenized });
    this.bleu.add([tokenize(ref, { tokenized: this.tokenized })], hypTokens);
    const h = tokenizeRouge(hyp);
    const r = tokenizeRouge(ref);
    this.rouge.rouge1 += rougeN(h, r, 1).f;
    this.rouge.rouge2 += rougeN(h, r, 2).f;
    this.rouge.rougeL += rougeL(h, r).f;
    this.distinct1.add(hypTokens);
    this.distinct2.add(hypTokens);
    this.n++;
  }

  result(): TextScores {
    const bleu = this.bleu.result();
    const pct = (x: number): number => x * 100;
    const pairs = Math.max(this.n, 1);
    return {
      n: this.n,
      tokenized: this.tokenized,
      bleu1: pct(bleu.bleu[0]!),
      bleu2: pct(bleu.bleu[1]!),
      bleu3: pct(bleu.bleu[2]!),
      bleu4: pct(bleu.bleu[3]!),
      rouge1: pct(this.rouge.rouge1 / pairs),
      rouge2: pct(this.rouge.rouge2 / pairs),
      rougeL: pct(this.rouge.rougeL / pairs),
      distinct1: pct(this.distinct1.value()),
      distinct2: pct(this.distinct2.value()),
      bleuDetails: {
        precisions: bleu.matches.map((m, i) => pct(m / bleu.totals[i]!)),
        brevityPenalty: bleu.brevityPenalty,
        hypLength: bleu.hypLength,
        refLength: bleu.refLength,
      },
    };
  }
}

export function scoreTexts(input: ScoreTextsInput): TextScores {
  const { hyp, ref, tokenized = false } = input;
  requireSameLength(input.hypName ?? "--hyp", hyp, input.refName ?? "--ref", ref);
  const scoring = new TextScoring(tokenized);
  hyp.forEach((h, i) => scoring.add(h, ref[i]!));
  return scoring.result();
}

/**
 * Whitespace-separated words of `text`, counted no further than `max` + 1: a check that costs nothing next to the
 * scoring it guards (ROUGE-L's LCS grows with the product of two texts' lengths).
 */
function wordsUpTo(text: string, max: number): number {
  let words = 0;
  let inWord = false;
  for (let i = 0; i < text.length && words <= max; i++) {
    const c = text.charCodeAt(i);
    const space = c === 32 || (c >= 9 && c <= 13) || c === 0xa0 || c === 0x3000 || (c >= 0x2000 && c <= 0x200a);
    if (space) inWord = false;
    else if (!inWord) {
      inWord = true;
      words++;
    }
  }
  return words;
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

/** `scoreTexts` of two files, read a line at a time; a text of more than INSIDEOUT_MAX_TEXT_WORDS words is refused. */
export async function scoreTextFiles(hypPath: string, refPath: string, tokenized = false): Promise<TextScores> {
  const scoring = new TextScoring(tokenized);
  const maxWords = setting("INSIDEOUT_MAX_TEXT_WORDS");
  await alignedLines(
    hypPath,
    refPath,
    (hyp, ref) => scoring.add(hyp, ref),
    (text, path, i) => {
      if (wordsUpTo(text, maxWords) > maxWords) {
        throw new Error(`Line ${i + 1} of ${path} holds more than ${maxWords} words: give one text per line, or raise INSIDEOUT_MAX_TEXT_WORDS (now ${maxWords}).`);
      }
    },
  );
  return scoring.result();
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
  return labelScores(goldMapped, predMapped, labelSet);
}

function labelScores(gold: readonly string[], pred: ReadonlyArray<string | null>, labelSet: LabelSet): LabelScores {
  return { ...percentReport(classificationReport(gold, pred, labelSet.labels)), labelSet: labelSet.name };
}

/** `scoreLabels` of two files, read a line at a time: a gold label outside the set stops at its line. */
export async function scoreLabelFiles(goldPath: string, predPath: string, labelSet: LabelSet): Promise<LabelScores> {
  const gold: string[] = [];
  const pred: Array<string | null> = [];
  await alignedLines(goldPath, predPath, (g, p, i) => {
    const mapped = goldToSet(labelSet, g);
    if (mapped === undefined) throw new Error(`${goldPath} line ${i + 1}: "${g.trim()}" is not a label of ${labelSet.name}.`);
    // The label itself (one of the set's few strings), not the line, is kept.
    gold.push(mapped);
    pred.push(normalizeLabel(p, labelSet) ?? null);
  });
  return labelScores(gold, pred, labelSet);
}
