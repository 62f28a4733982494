/**
 * ERC+InsideOut ERG: a zero-shot recogniser estimates the user's emotion; told that estimate, the emotion agents each
 * propose a reply in parallel; the aggregate agent selects the most empathetic one.
 */
import { END, START, StateGraph } from "@langchain/langgraph";
import { aggregate } from "../nodes/aggregate.js";
import { emotionAgent } from "../nodes/emotionAgent.js";
import { recognize } from "../nodes/recognize.js";
import { RunOptions } from "./context.js";
import { InsideOutState } from "./state.js";

export const builder = new StateGraph(InsideOutState, RunOptions)
  .addNode("recognize", recognize)
  .addNode("anger", emotionAgent("anger", "erg"))
  .addNode("disgust", emotionAgent("disgust", "erg"))
  .addNode("fear", emotionAgent("fear", "erg"))
  .addNode("happiness", emotionAgent("happiness", "erg"))
  .addNode("sadness", emotionAgent("sadness", "erg"))
  .addNode("surprise", emotionAgent("surprise", "erg"))
  .addNode("aggregate", aggregate("erg"))
  .addEdge(START, "recognize")
  .addEdge("recognize", "anger")
  .addEdge("recognize", "disgust")
  .addEdge("recognize", "fear")
  .addEdge("recognize", "happiness")
  .addEdge("recognize", "sadness")
  .addEdge("recognize", "surprise")
  .addEdge(["anger", "disgust", "fear", "happiness", "sadness", "surprise"], "aggregate")
  .addEdge("aggregate", END);

export const graph = builder.compile();
graph.name = "erg";
