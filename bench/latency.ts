/**
 * (a) InsideOut ERC wall time per dialogue against a server of latency L, over the ideal 2·L (agents in parallel,
 * then the aggregator); (b) the same calls made one after another, to show what the parallel branches save.
 */
import { runContext } from "../state/runOptions.js";
import { builderFor } from "../graphs/methods.js";
import type { State } from "../state/state.js";
import { aggregate } from "../nodes/aggregate.js";
import { emotionAgent } from "../nodes/emotionAgent.js";
import { EKMAN_AGENTS } from "../taxonomy/agents.js";

export interface LatencyResult {
  parallelMs: number;
  sequentialMs: number;
}

export async function measureLatency(model: string, dialogues: string[][]): Promise<LatencyResult> {
  const context = runContext({ model });
  const graph = builderFor("erc", "insideout").compile();
  const agents = EKMAN_AGENTS.map((a) => emotionAgent(a, "erc"));
  const aggregator = aggregate("erc");
  // One warm-up, so connection set-up and module loading are not charged to the first dialogue.
  await graph.invoke({ dialogue: dialogues[0]! }, { context });
  let t0 = performance.now();
  for (const d of dialogues) await graph.invoke({ dialogue: d }, { context });
  const parallelMs = (performance.now() - t0) / dialogues.length;
  t0 = performance.now();
  for (const dialogue of dialogues) {
    let state = { dialogue, opinions: {}, candidates: {}, failures: {}, calls: [], notes: [] } as unknown as State;
    for (const agent of agents) {
      const u = await agent(state, { context });
      state = { ...state, opinions: { ...state.opinions, ...(u.opinions ?? {}) } };
    }
    await aggregator(state, { context });
  }
  const sequentialMs = (performance.now() - t0) / dialogues.length;
  return { parallelMs, sequentialMs };
}
