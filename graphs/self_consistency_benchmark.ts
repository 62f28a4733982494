/**
 * Self-consistency on a benchmark question, InsideOut without the personas: the baseline is asked k times (`samples`,
 * at `sampleTemperature`) in parallel (EQ-Bench: its own prompt, each answer parsed, an unparseable one a failed
 * sample), and the same aggregate agent consolidates the k answers.
 */
import { END, START, StateGraph } from "@langchain/langgraph";
import { aggregate } from "../nodes/aggregate.js";
import { questionChecked } from "../nodes/answerQuestion.js";
import { sample } from "../nodes/sample.js";
import { BenchmarkRunOptions } from "../state/runOptions.js";
import { BenchmarkInput, InsideOutState, SampleInput } from "../state/state.js";
import { withCallerContext } from "./context.js";
import { eachSample } from "./fanout.js";

export const builder = withCallerContext(
  new StateGraph({ state: InsideOutState, input: BenchmarkInput, context: BenchmarkRunOptions })
    .addNode("sample", sample("benchmark"), { input: SampleInput })
    .addNode("aggregate", aggregate("benchmark", "samples"))
    .addConditionalEdges(START, questionChecked(eachSample("sample")), ["sample"])
    .addEdge("sample", "aggregate")
    .addEdge("aggregate", END),
);

export const graph = builder.compile();
graph.name = "self_consistency_benchmark";
