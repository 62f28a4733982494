/**
 * Self-consistency ERG, the baseline asked k times: the plain responder drafts k replies in parallel (`samples`, at
 * `sampleTemperature`), and the same aggregate agent as InsideOut's chooses the most empathetic one. k + 1 calls.
 */
import { END, START, StateGraph } from "@langchain/langgraph";
import { aggregate } from "../nodes/aggregate.js";
import { sample } from "../nodes/sample.js";
import { turnsChecked } from "../nodes/turns.js";
import { ErgRunOptions } from "../state/runOptions.js";
import { InsideOutInput, InsideOutState, SampleInput } from "../state/state.js";
import { withCallerContext } from "./context.js";
import { eachSample } from "./fanout.js";

export const builder = withCallerContext(
  new StateGraph({ state: InsideOutState, input: InsideOutInput, context: ErgRunOptions })
    .addNode("sample", sample("erg"), { input: SampleInput })
    .addNode("aggregate", aggregate("erg", "samples"))
    .addConditionalEdges(START, turnsChecked(eachSample("sample")), ["sample"])
    .addEdge("sample", "aggregate")
    .addEdge("aggregate", END),
);

export const graph = builder.compile();
graph.name = "self_consistency_erg";
