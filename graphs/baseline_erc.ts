/** Baseline ERC: the LLM alone labels the speaker's emotion; optionally a responder then replies. */
import { END, START, StateGraph } from "@langchain/langgraph";
import { recognizeAndAnswer } from "../nodes/recognize.js";
import { respond } from "../nodes/respond.js";
import { turnsChecked } from "../nodes/turns.js";
import { ErcRunOptions } from "../state/runOptions.js";
import { InsideOutInput, InsideOutState } from "../state/state.js";
import { withCallerContext } from "./context.js";
import { respondIfAsked } from "./fanout.js";

export const builder = withCallerContext(
  new StateGraph({ state: InsideOutState, input: InsideOutInput, context: ErcRunOptions })
    .addNode("recognize", recognizeAndAnswer)
    .addNode("respond", respond)
    .addConditionalEdges(START, turnsChecked(() => "recognize"), ["recognize"])
    .addConditionalEdges("recognize", respondIfAsked, ["respond", END])
    .addEdge("respond", END),
);

export const graph = builder.compile();
graph.name = "baseline_erc";
