/**
 * The graphs' branches: the fan-outs to the emotion agents a run selected and to self-consistency's k samples, and
 * ERC's optional reply.
 */
import { END, Send, type LangGraphRunnableConfig } from "@langchain/langgraph";
import { runOptions } from "../state/runOptions.js";
import { sampleNames } from "../state/state.js";
import type { AgentEmotion } from "../taxonomy/agents.js";

/**
 * The emotion agents a run asked for, as a conditional fan-out: only they run. (Every agent node would otherwise
 * run, and return nothing when not selected; a LangGraph task costs about as much CPU as the client side of an LLM
 * call.)
 */
export function selectedAgents(_state: unknown, config: LangGraphRunnableConfig): AgentEmotion[] {
  return runOptions(config).agents;
}

/**
 * Self-consistency's fan-out: `node` runs once per sample the run asks for, each given the state and its own index
 * (LangGraph's `Send`), so the k samples run in parallel and join at the next node, as the agents do.
 */
export function eachSample<S extends object>(node: string) {
  return (state: S, config: LangGraphRunnableConfig): Send[] =>
    sampleNames(runOptions(config).samples).map((_, i) => new Send(node, { ...state, sample: i + 1 }));
}

/** After an ERC graph's decision: the responder when the run asked for a reply (`respond`), else the end. */
export function respondIfAsked(_state: unknown, config: LangGraphRunnableConfig): "respond" | typeof END {
  return runOptions(config, "erc").respond ? "respond" : END;
}

/** The agents or samples whose opinions (ERC) or candidates (ERG) a run of `method` has (what a server's final state is checked against: core/serverAnswer.ts). */
export function voicesOf(method: string, o: { agents: readonly string[]; samples: number }): readonly string[] {
  if (method === "insideout" || method === "erc+insideout") return o.agents;
  if (method === "self-consistency" || method === "erc+self-consistency") return sampleNames(o.samples);
  return [];
}
