/**
 * The graphs' schemas at run time: LangGraph checks each node's update against the state, the run's input against the
 * input schema (the dialogue or chat messages), and the run's context against its task's options, before any node runs.
 */
import { describe, expect, it } from "@jest/globals";
import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { END, START, StateGraph } from "@langchain/langgraph";
import { ErcRunOptions, ErgRunOptions, runContext, runOptions } from "../../state/runOptions.js";
import { InsideOutInput, InsideOutState, type Update } from "../../state/state.js";

const opinion = { emotion: "sad", confidence: 0.5, rationale: "r" };

/** The real graphs (their nodes are not run here), loaded when a test needs them. */
const graphs = async () => ({ erc: (await import("../../graphs/erc.js")).builder, erg: (await import("../../graphs/erg.js")).builder });

/** A graph over the real schemas whose one node records that it ran and writes `update`. */
function probe(context: typeof ErcRunOptions | typeof ErgRunOptions, update: Update = {}) {
  const ran: string[] = [];
  const graph = new StateGraph({ state: InsideOutState, input: InsideOutInput, context })
    .addNode("node", async () => {
      ran.push("node");
      return update;
    })
    .addEdge(START, "node")
    .addEdge("node", END)
    .compile();
  return { graph, ran };
}

describe("the state", () => {
  it("merges what parallel branches write to reducer keys", async () => {
    const graph = new StateGraph(InsideOutState)
      .addNode("fear", async (): Promise<Update> => ({ opinions: { fear: opinion }, notes: ["trimmed"] }))
      .addNode("anger", async (): Promise<Update> => ({ opinions: { anger: { ...opinion, emotion: "angry" } }, notes: ["trimmed"] }))
      .addEdge(START, "fear")
      .addEdge(START, "anger")
      .addEdge("fear", END)
      .addEdge("anger", END)
      .compile();
    const out = await graph.invoke({ dialogue: ["hello"] });
    expect(out.opinions).toEqual({ fear: opinion, anger: { ...opinion, emotion: "angry" } });
    expect(out.notes).toEqual(["trimmed"]); // said once
  });

  it("LangGraph rejects a node update that does not fit it", async () => {
    const { graph } = probe(ErcRunOptions, { opinions: { fear: { ...opinion, confidence: "high" } } } as unknown as Update);
    await expect(graph.invoke({ dialogue: ["hello"] })).rejects.toThrow(/confidence/);
  });
});

describe("the input: the dialogue", () => {
  it("keeps the dialogue and nothing else a caller sends", async () => {
    const { graph } = probe(ErcRunOptions);
    const out = await graph.invoke({ dialogue: ["hello"], emotion: { ...opinion, decidedBy: "caller" } } as never);
    expect(out.dialogue).toEqual(["hello"]);
    expect(out.emotion).toBeUndefined();
  });

  it.each([[["", "  "]], [[]]])("an empty dialogue %j is one error before any node runs", async (dialogue) => {
    const { graph, ran } = probe(ErcRunOptions);
    await expect(graph.invoke({ dialogue })).rejects.toThrow(/The dialogue is empty/);
    expect(ran).toEqual([]);
  });

  it("the real graphs refuse an empty dialogue before any node (so before any model is resolved or called)", async () => {
    const { erc: ercBuilder, erg: ergBuilder } = await graphs();
    // No model server, no key: a node that ran would fail differently.
    const empty = { dialogue: [" "] };
    await expect(ercBuilder.compile().invoke(empty, { context: runContext({ model: "openai:nowhere" }) })).rejects.toThrow(/The dialogue is empty/);
    await expect(ergBuilder.compile().invoke(empty, { context: runContext({ model: "openai:nowhere" }, "erg") })).rejects.toThrow(/The dialogue is empty/);
  });
});

describe("the input: or the conversation as chat messages", () => {
  it("keeps messages (coerced to LangChain messages by the messages reducer) and nothing else", async () => {
    const { graph } = probe(ErcRunOptions);
    const out = await graph.invoke({ messages: [{ role: "user", content: "hello" }], reply: { text: "x", author: "caller" } } as never);
    expect(out.messages.map((m) => [m.getType(), m.content])).toEqual([["human", "hello"]]);
    expect(out.dialogue).toBeUndefined();
    expect(out.reply).toBeUndefined();
  });

  it("a node's AIMessage is appended to the messages, the run's own kept", async () => {
    const { graph } = probe(ErgRunOptions, { messages: [new AIMessage("there")] });
    const out = await graph.invoke({ messages: [new HumanMessage("hi")] });
    expect(out.messages.map((m) => [m.getType(), m.content])).toEqual([["human", "hi"], ["ai", "there"]]);
  });

  it("a null failure removes that node's failure; other failures stay", async () => {
    const graph = new StateGraph(InsideOutState)
      .addNode("one", async (): Promise<Update> => ({ failures: { fear: "timeout", anger: "bad" } }))
      .addNode("two", async (): Promise<Update> => ({ failures: { fear: null } }))
      .addEdge(START, "one")
      .addEdge("one", "two")
      .addEdge("two", END)
      .compile();
    expect((await graph.invoke({ dialogue: ["hello"] })).failures).toEqual({ anger: "bad" });
  });

  it("the input schema offers both keys (and speakers, which goes with dialogue)", () => {
    expect(Object.keys(InsideOutInput.shape).sort()).toEqual(["dialogue", "messages", "speakers"]);
  });
});

describe("the input: speakers of a multi-party dialogue", () => {
  it("keeps the speaker names beside the dialogue", async () => {
    const { graph } = probe(ErcRunOptions);
    const out = await graph.invoke({ dialogue: ["hi", "hey"], speakers: ["Ross", "Rachel"] });
    expect(out.speakers).toEqual(["Ross", "Rachel"]);
  });

  it.each([
    [{ dialogue: ["hi", "hey"], speakers: ["Ross"] }, /1 speakers for 2 dialogue turns/],
    [{ dialogue: ["hi"], speakers: [" "] }, /Speaker 1 is blank/],
    [{ messages: [{ role: "user", content: "hi" }], speakers: ["Ross"] }, /`speakers` goes with `dialogue`/],
  ])("the real ERC graph refuses %j before any node", async (input, message) => {
    const { erc } = await graphs();
    // No model server, no key: a node that ran would fail differently.
    await expect(erc.compile().invoke(input as never, { context: runContext({ model: "openai:nowhere" }) })).rejects.toThrow(message);
  });
});

describe("run options per task", () => {
  it("ERC takes vote and respond; ERG refuses vote before any node runs", async () => {
    const erc = probe(ErcRunOptions);
    await erc.graph.invoke({ dialogue: ["hi"] }, { context: { aggregation: "vote", respond: true } as never });
    expect(erc.ran).toEqual(["node"]);
    const erg = probe(ErgRunOptions);
    await expect(erg.graph.invoke({ dialogue: ["hi"] }, { context: { aggregation: "vote" } as never })).rejects.toThrow(/llm or weighted/);
    expect(erg.ran).toEqual([]);
    const { erg: ergBuilder } = await graphs();
    await expect(ergBuilder.compile().invoke({ dialogue: ["hi"] }, { context: { aggregation: "vote" } as never })).rejects.toThrow(/llm or weighted/);
  });

  it("runOptions gives a complete set for either task; ERG's respond is always false", () => {
    const context = { model: "openai:m", aggregation: "weighted", respond: true };
    expect(runOptions({ context }, "erc")).toEqual({
      model: "openai:m",
      agents: ["anger", "disgust", "fear", "happiness", "sadness"],
      aggregation: "weighted",
      labels: "ed32",
      temperature: 0,
      respond: true,
      // Self-consistency's, documented defaults.
      samples: 5,
      sampleTemperature: 0.7,
    });
    expect(runOptions({ context }, "erg")).toMatchObject({ model: "openai:m", aggregation: "weighted", respond: false });
    // Asked again with the same context object: the same answer per task, not the other task's.
    expect(runOptions({ context }, "erc").respond).toBe(true);
    expect(runOptions({ context }, "erg").respond).toBe(false);
    expect(runOptions(undefined)).toMatchObject({ model: "auto", aggregation: "llm", respond: false });
  });

  it("a bad option is one line naming it", () => {
    expect(() => runOptions({ context: { aggregation: "vote" } }, "erg")).toThrow(/^Invalid run option aggregation \("vote"\): ERG aggregation is llm or weighted/);
    expect(() => runContext({ temperature: 5 })).toThrow(/^Invalid run option temperature \(5\): /);
    expect(() => runContext({ agents: [] })).toThrow(/^Invalid run option agents: name at least one of anger, disgust, fear, happiness, sadness, surprise$/);
    expect(() => runContext({ samples: 0 })).toThrow(/^Invalid run option samples \(0\): self-consistency needs at least one sample$/);
    expect(() => runContext({ sampleTemperature: 0 })).toThrow(/^Invalid run option sampleTemperature \(0\): self-consistency samples need a temperature above 0/);
    // A mutated context is parsed again.
    const context: Record<string, unknown> = { temperature: 1 };
    expect(runOptions({ context }).temperature).toBe(1);
    context.temperature = 9;
    expect(() => runOptions({ context })).toThrow(/temperature/);
  });
});
