/**
 * InsideOut on a benchmark question (EQ-Bench v2, EmoBench EU/EA; state/question.ts): the emotion agents the run
 * selects each answer it from their own emotion's point of view (rate the four emotions; choose among the options),
 * and the aggregate agent consolidates their answers (`llm`; or EQ-Bench's `mean`/`median`, EmoBench's `vote`/`weighted`).
 */
import { END, START, StateGraph } from "@langchain/langgraph";
import { aggregate } from "../nodes/aggregate.js";
import { questionChecked } from "../nodes/answerQuestion.js";
import { emotionAgent } from "../nodes/emotionAgent.js";
import { ALL_AGENTS } from "../taxonomy/agents.js";
import { BenchmarkRunOptions } from "../state/runOptions.js";
import { BenchmarkInput, InsideOutState } from "../state/state.js";
import { withCallerContext } from "./context.js";
import { selectedAgents } from "./fanout.js";

export const builder = withCallerContext(
  new StateGraph({ state: InsideOutState, input: BenchmarkInput, context: BenchmarkRunOptions })
    .addNode("anger", emotionAgent("anger", "benchmark"))
    .addNode("disgust", emotionAgent("disgust", "benchmark"))
    .addNode("fear", emotionAgent("fear", "benchmark"))
    .addNode("happiness", emotionAgent("happiness", "benchmark"))
    .addNode("sadness", emotionAgent("sadness", "benchmark"))
    .addNode("surprise", emotionAgent("surprise", "benchmark"))
    .addNode("aggregate", aggregate("benchmark"))
    .addConditionalEdges(START, questionChecked(selectedAgents), [...ALL_AGENTS])
    .addEdge("anger", "aggregate")
    .addEdge("disgust", "aggregate")
    .addEdge("fear", "aggregate")
    .addEdge("happiness", "aggregate")
    .addEdge("sadness", "aggregate")
    .addEdge("surprise", "aggregate")
    .addEdge("aggregate", END),
);

export const graph = builder.compile();
graph.name = "benchmark";
