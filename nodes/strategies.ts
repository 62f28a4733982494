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
