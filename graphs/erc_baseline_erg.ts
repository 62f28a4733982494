/** ERC+baseline ERG: zero-shot recognition, then a plain responder told the recognised emotion. */
import { END, START, StateGraph } from "@langchain/langgraph";
import { recognize } from "../nodes/recognize.js";
import { respond } from "../nodes/respond.js";
import { RunOptions } from "./context.js";
import { InsideOutState } from "./state.js";

export const builder = new StateGraph(InsideOutState, RunOptions)
  .addNode("recognize", recognize)
  .addNode("respond", respond)
  .addEdge(START, "recognize")
  .addEdge("recognize", "respond")
  .addEdge("respond", END);

export const graph = builder.compile();
graph.name = "erc_baseline_erg";
