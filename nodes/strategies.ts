/**
 * Deterministic aggregation of ERC opinions.
 * - vote: the label most agents chose. Ties: the larger summed confidence, then the earlier label in the label set.
 *   Confidence of the result: the share of agents that chose it.
 * - weighted: the label with the largest summed confidence. Ties: more agents, then the earlier label in the set.
 *   Confidence of the result: its share of the total confidence.
 */
import type { Opinion } from "../state/state.js";

export type Strategy = "vote" | "weighted";

interface Tally {
  label: string;
  count: number;
  weight: number;
  order: number;
}

function tally(opinions: readonly Opinion[], labelOrder: readonly string[]): Tally[] {
  const byLabel = new Map<string, Tally>();
  for (const o of opinions) {
    const t = byLabel.get(o.emotion) ?? {
      label: o.emotion,
      count: 0,
      weight: 0,
      order: labelOrder.includes(o.emotion) ? labelOrder.indexOf(o.emotion) : Number.MAX_SAFE_INTEGER,
    };
    t.count += 1;
    t.weight += o.confidence;
    byLabel.set(o.emotion, t);
  }
  return [...byLabel.values()];
}

export function aggregateOpinions(
  strategy: Strategy,
  opinions: readonly Opinion[],
  labelOrder: readonly string[],
): Opinion {
  if (opinions.length === 0) throw new Error("no opinions to aggregate");
  const tallies = tally(opinions, labelOrder);
  const primary = (t: Tally) => (strategy === "vote" ? t.count : t.weight);
  const secondary = (t: Tally) => (strategy === "vote" ? t.weight : t.count);
  tallies.sort((a, b) => primary(b) - primary(a) || secondary(b) - secondary(a) || a.order - b.order);
  const best = tallies[0]!;
  const total = tallies.reduce((s, t) => s + primary(t), 0);
  const confidence = total > 0 ? primary(best) / total : 1 / tallies.length;
  const others = tallies.slice(1).map((t) => `${t.label} ${t.count}`).join(", ");
  return {
    emotion: best.label,
    confidence,
    rationale:
      `${strategy === "vote" ? "Majority vote" : "Confidence-weighted vote"}: ${best.label} from ${best.count} of ` +
      `${opinions.length} agents (summed confidence ${best.weight.toFixed(2)})${others ? `; others: ${others}` : ""}.`,
  };
}

/** Deterministic consolidation of EQ-Bench ratings: per emotion, the mean or the median (of two middle ones, their mean). */
export type RatingStrategy = "mean" | "median";

export function combineRatings(strategy: RatingStrategy, ratings: ReadonlyArray<Readonly<Record<string, number>>>, emotions: readonly string[]): Record<string, number> {
  if (ratings.length === 0) throw new Error("no ratings to combine");
  const out: Record<string, number> = {};
  for (const e of emotions) {
    const values = ratings.map((r) => r[e]!).sort((a, b) => a - b);
    const n = values.length;
    out[e] = strategy === "mean" ? values.reduce((a, b) => a + b, 0) / n : n % 2 ? values[(n - 1) / 2]! : (values[n / 2 - 1]! + values[n / 2]!) / 2;
  }
  return out;
}

/**
 * Deterministic consolidation of choices among options (EmoBench): each field (`emotion`, `cause`; `choice`) decided
 * on its own by `vote` or `weighted`, as ERC's labels are, ties to the earlier option. Confidence: the lowest field's.
 */
export function combineChoices(
  strategy: Strategy,
  answers: ReadonlyArray<{ values: Readonly<Record<string, string | number>>; confidence?: number | undefined }>,
  options: Readonly<Record<string, readonly string[]>>,
): { values: Record<string, string>; confidence: number; rationale: string } {
  const values: Record<string, string> = {};
  const rationales: string[] = [];
  let confidence = 1;
  for (const [field, list] of Object.entries(options)) {
    const decided = aggregateOpinions(
      strategy,
      answers.map((a) => ({ emotion: String(a.values[field]), confidence: a.confidence ?? 0, rationale: "" })),
      list,
    );
    values[field] = decided.emotion;
    confidence = Math.min(confidence, decided.confidence);
    rationales.push(`${field}: ${decided.rationale}`);
  }
  return { values, confidence, rationale: rationales.join(" ") };
}
