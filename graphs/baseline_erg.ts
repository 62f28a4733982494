/** Baseline ERG: the LLM alone replies to the speaker. */
import { END, START, StateGraph } from "@langchain/langgraph";
import { respond } from "../nodes/respond.js";
import { turnsChecked } from "../nodes/turns.js";
import { ErgRunOptions } from "../state/runOptions.js";
import { InsideOutInput, InsideOutState } from "../state/state.js";
import { withCallerContext } from "./context.js";

export const builder = withCallerContext(
  new StateGraph({ state: InsideOutState, input: InsideOutInput, context: ErgRunOptions })
    .addNode("respond", respond)
    .addConditionalEdges(START, turnsChecked(() => "respond"), ["respond"])
    .addEdge("respond", END),
);

export const graph = builder.compile();
graph.name = "baseline_erg";
