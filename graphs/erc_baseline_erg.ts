/** ERC+baseline ERG: zero-shot recognition, then a plain responder told the recognised emotion. */
import { END, START, StateGraph } from "@langchain/langgraph";
import { recognize } from "../nodes/recognize.js";
import { respond } from "../nodes/respond.js";
import { turnsChecked } from "../nodes/turns.js";
import { ErgRunOptions } from "../state/runOptions.js";
import { InsideOutInput, InsideOutState } from "../state/state.js";
import { withCallerContext } from "./context.js";

export const builder = withCallerContext(
  new StateGraph({ state: InsideOutState, input: InsideOutInput, context: ErgRunOptions })
    .addNode("recognize", recognize)
    .addNode("respond", respond)
    .addConditionalEdges(START, turnsChecked(() => "recognize"), ["recognize"])
    .addEdge("recognize", "respond")
    .addEdge("respond", END),
);

export const graph = builder.compile();
graph.name = "erc_baseline_erg";
