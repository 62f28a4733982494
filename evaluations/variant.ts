/**
 * What sets an experiment apart from its method's defaults: the run options it changed (aggregation, agents,
 * temperature; self-consistency's samples and their temperature). Short tokens, used in the default `--out` name
 * (`…-vote-no-fear`) and in the experiment's name in reports and `compare` (`insideout (vote, no-fear)`), so that
 * default runs keep the names they always had and variants never share one.
 */
import { RunOptions } from "../state/runOptions.js";
import { isSelfConsistency } from "../graphs/methodNames.js";
import { ALL_AGENTS } from "../taxonomy/agents.js";

/** The run options an experiment records beside its method (metrics.json `options`). */
export interface MethodVariant {
  agents?: readonly string[];
  aggregation?: string;
  temperature?: number;
  /** Self-consistency only. */
  samples?: number;
  sampleTemperature?: number;
}

/** The schema's defaults: what a variant is told apart from. */
const DEFAULTS = RunOptions.parse({});
const EKMAN: readonly string[] = DEFAULTS.agents;

function agentParts(agents: readonly string[]): string[] {
  const inOrder = ALL_AGENTS.filter((a) => agents.includes(a));
  // In the agents' usual order, as what was left out and what was added; in another order (which the aggregator's
  // prompt shows), as the list itself.
  if (inOrder.length !== agents.length || inOrder.some((a, i) => agents[i] !== a)) return [`agents-${agents.join("+")}`];
  const missing = EKMAN.filter((a) => !agents.includes(a));
  const added = agents.filter((a) => !EKMAN.includes(a));
  return [...(missing.length ? [`no-${missing.join("+")}`] : []), ...(added.length ? [`with-${added.join("+")}`] : [])];
}

/**
 * The tokens of the options that differ from the defaults, in a fixed order; none for a default run. `sampled`: the
 * samples' options count (a self-consistency method, or a table that has one).
 */
export function variantParts(v: MethodVariant, sampled: boolean): string[] {
  const parts: string[] = [];
  if (v.aggregation !== undefined && v.aggregation !== DEFAULTS.aggregation) parts.push(v.aggregation);
  if (v.agents !== undefined) parts.push(...agentParts(v.agents));
  if (v.temperature !== undefined && v.temperature !== DEFAULTS.temperature) parts.push(`t${v.temperature}`);
  if (sampled) {
    if (v.samples !== undefined && v.samples !== DEFAULTS.samples) parts.push(`k${v.samples}`);
    if (v.sampleTemperature !== undefined && v.sampleTemperature !== DEFAULTS.sampleTemperature) parts.push(`st${v.sampleTemperature}`);
  }
  return parts;
}

/** The method as reports name it: `insideout`, `insideout (vote, no-fear)`. */
export function methodLabel(method: string, v: MethodVariant | null | undefined): string {
  const parts = v ? variantParts(v, isSelfConsistency(method)) : [];
  return parts.length ? `${method} (${parts.join(", ")})` : method;
}
