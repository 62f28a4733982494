/** Baseline ERC: the LLM alone labels the speaker's emotion. */
import { END, START, StateGraph } from "@langchain/langgraph";
import { recognize } from "../nodes/recognize.js";
import { RunOptions } from "./context.js";
import { InsideOutState } from "./state.js";

export const builder = new StateGraph(InsideOutState, RunOptions)
  .addNode("recognize", recognize)
  .addEdge(START, "recognize")
  .addEdge("recognize", END);

export const graph = builder.compile();
graph.name = "baseline_erc";
