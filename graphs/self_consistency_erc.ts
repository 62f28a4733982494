/**
 * Self-consistency ERC, InsideOut without the personas: the plain recogniser is asked k times (`samples`, at
 * `sampleTemperature`) in parallel, and the same aggregate agent as InsideOut's consolidates the k readings into one
 * label (`llm`, `vote` or `weighted`). k + 1 calls, as InsideOut's five agents and aggregator are six when k = 5;
 * optionally a responder then replies.
 */
import { END, START, StateGraph } from "@langchain/langgraph";
import { aggregate } from "../nodes/aggregate.js";
import { respond } from "../nodes/respond.js";
import { sample } from "../nodes/sample.js";
import { turnsChecked } from "../nodes/turns.js";
import { ErcRunOptions } from "../state/runOptions.js";
import { InsideOutInput, InsideOutState, SampleInput } from "../state/state.js";
import { withCallerContext } from "./context.js";
import { eachSample, respondIfAsked } from "./fanout.js";

export const builder = withCallerContext(
  new StateGraph({ state: InsideOutState, input: InsideOutInput, context: ErcRunOptions })
    .addNode("sample", sample("erc"), { input: SampleInput })
    .addNode("aggregate", aggregate("erc", "samples"))
    .addConditionalEdges(START, turnsChecked(eachSample("sample")), ["sample"])
    .addNode("respond", respond)
    .addEdge("sample", "aggregate")
    .addConditionalEdges("aggregate", respondIfAsked, ["respond", END])
    .addEdge("respond", END),
);

export const graph = builder.compile();
graph.name = "self_consistency_erc";
