/**
 * ERC classification metrics over labels that are already normalised into one label set (gold mapped with
 * `goldToSet`, predictions with `normalizeLabel`; `null` is a prediction that named no label and counts as wrong).
 *
 * Choices, documented because papers differ on them:
 *  - macro-F1 averages per-label F1 over the labels present in gold ∪ predictions (as scikit-learn does when no
 *    label list is given), so labels nobody used do not drag the mean to 0; an unparseable prediction is not a label
 *    but still costs its gold label a false negative;
 *  - weighted-F1 (MELD's usual metric) weights each label's F1 by its gold support, over all examples (scikit-learn's
 *    `average="weighted"`): labels only predicted weigh nothing, an unparseable prediction still costs its gold label;
 *  - per-valence accuracy groups examples by the valence of the GOLD label;
 *  - a cross-valence error is a prediction whose valence is positive while gold is negative, or the reverse; labels
 *    that are ambiguous (or have no valence, in a user label set) never count as cross; the rate is over all examples.
 */
import { VALENCE, type Valence } from "../../taxonomy/labelSets.js";

export interface LabelStats {
  support: number;
  predicted: number;
  correct: number;
  precision: number;
  /** Accuracy on the examples whose gold label is this one. */
  recall: number;
  f1: number;
}

export interface ClassificationReport {
  n: number;
  correct: number;
  accuracy: number;
  macroF1: number;
  weightedF1: number;
  unparseable: number;
  /** Row and column order of `confusion`: the label set's labels, in its order. */
  labels: string[];
  /** confusion[gold][pred]; unparseable predictions are in the extra last column. */
  confusion: number[][];
  perLabel: Record<string, LabelStats>;
  perValence: Record<Valence, { n: number; correct: number; accuracy: number }>;
  crossValence: { errors: number; rate: number };
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : a / b);

/** Σ F1 × gold support / Σ gold support over the labels (0 when there is no gold example). */
export function weightedF1(perLabel: Readonly<Record<string, Pick<LabelStats, "support" | "f1">>>): number {
  const stats = Object.values(perLabel);
  const total = stats.reduce((a, s) => a + s.support, 0);
  return ratio(stats.reduce((a, s) => a + s.f1 * s.support, 0), total);
}

export function classificationReport(
  gold: readonly string[],
  pred: ReadonlyArray<string | null>,
  labels: readonly string[],
): ClassificationReport {
  if (gold.length !== pred.length) {
    throw new Error(`Need one prediction per gold label: ${gold.length} gold, ${pred.length} predictions`);
  }
  const index = new Map(labels.map((l, i) => [l, i]));
  const confusion = labels.map(() => new Array<number>(labels.length + 1).fill(0));
  const perValence: ClassificationReport["perValence"] = {
    negative: { n: 0, correct: 0, accuracy: 0 },
    positive: { n: 0, correct: 0, accuracy: 0 },
    ambiguous: { n: 0, correct: 0, accuracy: 0 },
  };
  let correct = 0;
  let unparseable = 0;
  let cross = 0;

  gold.forEach((g, i) => {
    const p = pred[i] ?? null;
    const gi = index.get(g);
    if (gi === undefined) throw new Error(`Gold label "${g}" (example ${i + 1}) is not in the label set`);
    const pi = p === null ? labels.length : index.get(p);
    if (pi === undefined) throw new Error(`Predicted label "${p}" (example ${i + 1}) is not in the label set`);
    confusion[gi]![pi]! += 1;
    if (p === null) unparseable++;
    const ok = p === g;
    if (ok) correct++;
    const gv = VALENCE[g];
    if (gv) {
      perValence[gv].n++;
      if (ok) perValence[gv].correct++;
    }
    const pv = p === null ? undefined : VALENCE[p];
    if ((gv === "positive" && pv === "negative") || (gv === "negative" && pv === "positive")) cross++;
  });

  const perLabel: Record<string, LabelStats> = {};
  const present: string[] = [];
  labels.forEach((label, li) => {
    const row = confusion[li]!;
    const support = row.reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, r) => a + r[li]!, 0);
    const tp = row[li]!;
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, support);
    const f1 = ratio(2 * precision * recall, precision + recall);
    perLabel[label] = { support, predicted, correct: tp, precision, recall, f1 };
    if (support > 0 || predicted > 0) present.push(label);
  });
  for (const v of Object.values(perValence)) v.accuracy = ratio(v.correct, v.n);

  return {
    n: gold.length,
    correct,
    accuracy: ratio(correct, gold.length),
    macroF1: ratio(present.reduce((a, l) => a + perLabel[l]!.f1, 0), present.length),
    weightedF1: weightedF1(perLabel),
    unparseable,
    labels: [...labels],
    confusion,
    perLabel,
    perValence,
    crossValence: { errors: cross, rate: ratio(cross, gold.length) },
  };
}
