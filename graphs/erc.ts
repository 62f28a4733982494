/**
 * InsideOut ERC (the paper's Figure 1): the emotion agents the run selects read the dialogue in parallel, the aggregate
 * agent at the centre of the star consolidates their opinions into one label; optionally a responder then replies.
 */
import { END, START, StateGraph } from "@langchain/langgraph";
import { aggregate } from "../nodes/aggregate.js";
import { emotionAgent } from "../nodes/emotionAgent.js";
import { respond } from "../nodes/respond.js";
import { turnsChecked } from "../nodes/turns.js";
import { ALL_AGENTS } from "../taxonomy/agents.js";
import { ErcRunOptions } from "../state/runOptions.js";
import { InsideOutInput, InsideOutState } from "../state/state.js";
import { withCallerContext } from "./context.js";
import { respondIfAsked, selectedAgents } from "./fanout.js";

export const builder = withCallerContext(
  new StateGraph({ state: InsideOutState, input: InsideOutInput, context: ErcRunOptions })
    .addNode("anger", emotionAgent("anger", "erc"))
    .addNode("disgust", emotionAgent("disgust", "erc"))
    .addNode("fear", emotionAgent("fear", "erc"))
    .addNode("happiness", emotionAgent("happiness", "erc"))
    .addNode("sadness", emotionAgent("sadness", "erc"))
    .addNode("surprise", emotionAgent("surprise", "erc"))
    .addNode("aggregate", aggregate("erc"))
    .addNode("respond", respond)
    .addConditionalEdges(START, turnsChecked(selectedAgents), [...ALL_AGENTS])
    .addEdge("anger", "aggregate")
    .addEdge("disgust", "aggregate")
    .addEdge("fear", "aggregate")
    .addEdge("happiness", "aggregate")
    .addEdge("sadness", "aggregate")
    .addEdge("surprise", "aggregate")
    .addConditionalEdges("aggregate", respondIfAsked, ["respond", END])
    .addEdge("respond", END),
);

export const graph = builder.compile();
graph.name = "erc";
