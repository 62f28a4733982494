/** Baseline ERG: the LLM alone replies to the speaker. */
import { END, START, StateGraph } from "@langchain/langgraph";
import { respond } from "../nodes/respond.js";
import { RunOptions } from "./context.js";
import { InsideOutState } from "./state.js";

export const builder = new StateGraph(InsideOutState, RunOptions)
  .addNode("respond", respond)
  .addEdge(START, "respond")
  .addEdge("respond", END);

export const graph = builder.compile();
graph.name = "baseline_erg";
