/**
 * The baseline on a benchmark question: one call. EQ-Bench: EQ-Bench's own prompt without its revision part (as its
 * runner sends it by default), the answer parsed as EQ-Bench parses it; EmoBench: the plain answerer chooses.
 */
import { END, START, StateGraph } from "@langchain/langgraph";
import { answerQuestion, questionChecked } from "../nodes/answerQuestion.js";
import { BenchmarkRunOptions } from "../state/runOptions.js";
import { BenchmarkInput, InsideOutState } from "../state/state.js";
import { withCallerContext } from "./context.js";

export const builder = withCallerContext(
  new StateGraph({ state: InsideOutState, input: BenchmarkInput, context: BenchmarkRunOptions })
    .addNode("answerer", answerQuestion)
    .addConditionalEdges(START, questionChecked(() => "answerer"), ["answerer"])
    .addEdge("answerer", END),
);

export const graph = builder.compile();
graph.name = "baseline_benchmark";
