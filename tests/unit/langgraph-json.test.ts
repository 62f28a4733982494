/**
 * Every graph that langgraph.json lists (what `langgraphjs dev` and Studio load) exists: its module exports a compiled
 * graph under the named symbol, with the nodes of the paper's figure, named after its id; and the module's `builder`
 * compiles with a caller's checkpointer, as tests and embedders need; and LangGraph's schema extraction, which the API
 * server answers `getSchemas()` with, gives Studio the state, input, output and context schemas of each.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "@jest/globals";
import { CompiledStateGraph, MemorySaver, StateGraph } from "@langchain/langgraph";
import { getConfigTypeSchema, getInputTypeSchema, getOutputTypeSchema, getUpdateTypeSchema } from "@langchain/langgraph/zod/schema";
import { GRAPH_IDS } from "../../graphs/methods.js";
import { REPO } from "../helpers/cli.js";

interface LangGraphJson {
  node_version?: string;
  graphs: Record<string, { path: string; description?: string }>;
}

const config = JSON.parse(readFileSync(path.join(REPO, "langgraph.json"), "utf8")) as LangGraphJson;

const AGENTS = ["anger", "disgust", "fear", "happiness", "sadness", "surprise"];
const EXPECTED_NODES: Record<string, string[]> = {
  erc: [...AGENTS, "aggregate", "respond"],
  erg: ["recognize", ...AGENTS, "aggregate"],
  baseline_erc: ["recognize", "respond"],
  baseline_erg: ["respond"],
  erc_baseline_erg: ["recognize", "respond"],
  // Self-consistency: one sample node that LangGraph's Send runs k times, and the aggregator (ERC: then the responder if asked).
  self_consistency_erc: ["sample", "aggregate", "respond"],
  self_consistency_erg: ["sample", "aggregate"],
  erc_self_consistency_erg: ["recognize", "sample", "aggregate"],
  // The benchmark questions (EQ-Bench, EmoBench): the same agents and aggregator, or the plain answerer.
  benchmark: [...AGENTS, "aggregate"],
  baseline_benchmark: ["answerer"],
  self_consistency_benchmark: ["sample", "aggregate"],
};

async function load(spec: string): Promise<{ mod: Record<string, unknown>; symbol: string }> {
  const [file, symbol = "default"] = spec.split(":");
  // Jest resolves the .ts source; the server does the same through tsx.
  const mod = (await import(pathToFileURL(path.join(REPO, file!)).href)) as Record<string, unknown>;
  return { mod, symbol };
}

describe("langgraph.json", () => {
  it("lists every method's graph, each with a description", () => {
    const ids = [...Object.values(GRAPH_IDS.erc), ...Object.values(GRAPH_IDS.erg), ...Object.values(GRAPH_IDS.benchmark)].sort();
    expect(Object.keys(config.graphs).sort()).toEqual(ids);
    for (const g of Object.values(config.graphs)) expect(g.description?.length).toBeGreaterThan(20);
  });

  it.each(Object.entries(config.graphs))("%s: the path exports a compiled graph with the expected nodes", async (id, entry) => {
    const { mod, symbol } = await load(entry.path);
    const graph = mod[symbol];
    expect(graph).toBeInstanceOf(CompiledStateGraph);
    const compiled = graph as CompiledStateGraph<unknown, unknown, string>;
    expect(compiled.name).toBe(id);
    const nodes = Object.keys(compiled.nodes).filter((n) => n !== "__start__");
    expect(nodes.sort()).toEqual([...EXPECTED_NODES[id]!].sort());
  });

  it.each(Object.entries(config.graphs))("%s: the builder compiles with a MemorySaver", async (_id, entry) => {
    const { mod } = await load(entry.path);
    expect(mod.builder).toBeInstanceOf(StateGraph);
    const checkpointer = new MemorySaver();
    const compiled = (mod.builder as StateGraph<unknown>).compile({ checkpointer });
    expect(compiled.checkpointer).toBe(checkpointer);
  });

  // langgraph-api 1.5 reports, for a graph whose state is a zod object, exactly these four (state is the update schema).
  it.each(Object.entries(config.graphs))("%s: state, input, output and context schemas for Studio", async (id, entry) => {
    const { mod, symbol } = await load(entry.path);
    const graph = mod[symbol] as CompiledStateGraph<unknown, unknown, string>;
    const keys = (schema: unknown) => Object.keys((schema as { properties?: object } | undefined)?.properties ?? {}).sort();
    // `ui`: the agents' views a chat client shows (ui/views.ts); `question`, `answers`, `answer`: the benchmark graphs'.
    const stateKeys = ["answer", "answers", "calls", "candidates", "dialogue", "emotion", "failures", "messages", "notes", "opinions", "question", "recognized", "reply", "speakers", "ui"];
    expect(keys(getUpdateTypeSchema(graph))).toEqual(stateKeys);
    const benchmark = Object.values(GRAPH_IDS.benchmark).includes(id as never);
    // A run gives the dialogue as turns (with speakers for a multi-party one) or as chat messages; a benchmark graph, its question.
    expect(keys(getInputTypeSchema(graph))).toEqual(benchmark ? ["question"] : ["dialogue", "messages", "speakers"]);
    expect(keys(getOutputTypeSchema(graph))).toEqual(stateKeys);
    const context = getConfigTypeSchema(graph) as { properties: Record<string, { enum?: string[] }> };
    // ERC: vote, and an optional reply after the label; ERG replies already, and replies carry no label to vote on.
    const erc = Object.values(GRAPH_IDS.erc).includes(id as never);
    expect(keys(context)).toEqual(["agents", "aggregation", "labels", "model", ...(erc ? ["respond"] : []), "sampleTemperature", "samples", "temperature"]);
    expect(context.properties.aggregation?.enum).toEqual(
      benchmark ? ["llm", "vote", "weighted", "mean", "median"] : erc ? ["llm", "vote", "weighted"] : ["llm", "weighted"],
    );
    const opinions = (getOutputTypeSchema(graph) as { properties: Record<string, { additionalProperties?: object }> }).properties.opinions;
    expect(opinions?.additionalProperties).toMatchObject({ properties: { emotion: { type: "string" }, confidence: { type: "number" } } });
  });
});
