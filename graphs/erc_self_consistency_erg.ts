/**
 * ERC+self-consistency ERG, ERC+InsideOut without the personas: a zero-shot recogniser estimates the user's emotion;
 * told that estimate, the plain responder drafts k replies in parallel (`samples`, at `sampleTemperature`); the same
 * aggregate agent as InsideOut's chooses the most empathetic one. k + 2 calls, as ERC+InsideOut's seven when k = 5.
 */
import { END, START, StateGraph } from "@langchain/langgraph";
import { aggregate } from "../nodes/aggregate.js";
import { recognize } from "../nodes/recognize.js";
import { sample } from "../nodes/sample.js";
import { turnsChecked } from "../nodes/turns.js";
import { ErgRunOptions } from "../state/runOptions.js";
import { InsideOutInput, InsideOutState, SampleInput } from "../state/state.js";
import { withCallerContext } from "./context.js";
import { eachSample } from "./fanout.js";

export const builder = withCallerContext(
  new StateGraph({ state: InsideOutState, input: InsideOutInput, context: ErgRunOptions })
    .addNode("recognize", recognize)
    .addNode("sample", sample("erg"), { input: SampleInput })
    .addNode("aggregate", aggregate("erg", "samples"))
    .addConditionalEdges(START, turnsChecked(() => "recognize"), ["recognize"])
    .addConditionalEdges("recognize", eachSample("sample"), ["sample"])
    .addEdge("sample", "aggregate")
    .addEdge("aggregate", END),
);

export const graph = builder.compile();
graph.name = "erc_self_consistency_erg";
