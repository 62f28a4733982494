/** Baseline ERC: the LLM alone labels the speaker's emotion. */
import { END, START, StateGraph } from "@langchain/langgraph";
import { recognize } from "../nodes/recognize.js";
import { turnsChecked } from "../nodes/turns.js";
import { ErcRunOptions } from "../state/runOptions.js";
import { InsideOutInput, InsideOutState } from "../state/state.js";

export const builder = new StateGraph({ state: InsideOutState, input: InsideOutInput, context: ErcRunOptions })
  .addNode("recognize", recognize)
  .addConditionalEdges(START, turnsChecked(() => "recognize"), ["recognize"])
  .addEdge("recognize", END);

export const graph = builder.compile();
graph.name = "baseline_erc";
