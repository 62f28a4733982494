/**
 * ERC+InsideOut ERG: a zero-shot recogniser estimates the user's emotion; told that estimate, the emotion agents the
 * run selects each propose a reply in parallel; the aggregate agent selects the most empathetic one.
 */
import { END, START, StateGraph } from "@langchain/langgraph";
import { aggregate } from "../nodes/aggregate.js";
import { emotionAgent } from "../nodes/emotionAgent.js";
import { recognize } from "../nodes/recognize.js";
import { turnsChecked } from "../nodes/turns.js";
import { ALL_AGENTS } from "../taxonomy/agents.js";
import { ErgRunOptions } from "../state/runOptions.js";
import { InsideOutInput, InsideOutState } from "../state/state.js";
import { withCallerContext } from "./context.js";
import { selectedAgents } from "./fanout.js";

export const builder = withCallerContext(
  new StateGraph({ state: InsideOutState, input: InsideOutInput, context: ErgRunOptions })
    .addNode("recognize", recognize)
    .addNode("anger", emotionAgent("anger", "erg"))
    .addNode("disgust", emotionAgent("disgust", "erg"))
    .addNode("fear", emotionAgent("fear", "erg"))
    .addNode("happiness", emotionAgent("happiness", "erg"))
    .addNode("sadness", emotionAgent("sadness", "erg"))
    .addNode("surprise", emotionAgent("surprise", "erg"))
    .addNode("aggregate", aggregate("erg"))
    .addConditionalEdges(START, turnsChecked(() => "recognize"), ["recognize"])
    .addConditionalEdges("recognize", selectedAgents, [...ALL_AGENTS])
    .addEdge("anger", "aggregate")
    .addEdge("disgust", "aggregate")
    .addEdge("fear", "aggregate")
    .addEdge("happiness", "aggregate")
    .addEdge("sadness", "aggregate")
    .addEdge("surprise", "aggregate")
    .addEdge("aggregate", END),
);

export const graph = builder.compile();
graph.name = "erg";
