/**
 * The graphs as chat graphs: the conversation as LangChain messages (human = Speaker, AI = Listener), every node seeing
 * the same dialogue as from `dialogue`, ERG's reply appended as an AIMessage (a thread's second turn included), and a
 * conversation that cannot be read refused before any model call.
 */
import { describe, expect, it } from "@jest/globals";
import { AIMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from "@langchain/core/messages";
import { MemorySaver } from "@langchain/langgraph";
import { builder as baselineErcBuilder } from "../../graphs/baseline_erc.js";
import { builder as baselineErgBuilder } from "../../graphs/baseline_erg.js";
import { runContext } from "../../state/runOptions.js";
import { builder as ercBuilder } from "../../graphs/erc.js";
import { builder as ercBaselineErgBuilder } from "../../graphs/erc_baseline_erg.js";
import { builder as ergBuilder } from "../../graphs/erg.js";
import { builder as selfConsistencyErcBuilder } from "../../graphs/self_consistency_erc.js";
import { opinion, scripted, type ScriptCall } from "../helpers/scriptedModel.js";

/** What the prompts must show of the three-turn conversation below, written out by hand. */
const TRANSCRIPT = "Conversation:\nSpeaker: My dog died last week.\nListener: Oh no, I'm so sorry.\nSpeaker: The house feels empty.";
const chat = () => [new HumanMessage("My dog died last week."), new AIMessage("Oh no, I'm so sorry."), new HumanMessage("The house feels empty.")];

/** ERG's roles: the recogniser says sad, each agent proposes "reply from <agent>", the aggregator picks sadness's. */
const ergScript = ({ role }: ScriptCall) => {
  if (role.kind === "recognize") return opinion("sad");
  if (role.kind === "agent") return JSON.stringify({ reply: `reply from ${role.emotion}`, confidence: 0.5, rationale: "r" });
  if (role.kind === "aggregate") return JSON.stringify({ choice: "sadness", rationale: "kindest" });
  return "I'm here for you.";
};

/** The dialogue each call was shown (the prompt-method model also gets a schema message after it). */
const userPrompts = (calls: ScriptCall[]) =>
  calls.map((c) => c.messages.map((m) => String(m.content)).find((t) => t.startsWith("Conversation:")) ?? "(none)");
const typesOf = (messages: BaseMessage[]) => messages.map((m) => m.getType());

describe("messages in, the reply out as an AIMessage", () => {
  it("erg: every call sees the dialogue the messages make, and the last message is the chosen reply", async () => {
    const { spec, model } = scripted(ergScript);
    const out = await ergBuilder.compile().invoke({ messages: chat() }, { context: runContext({ model: spec }, "erg") });
    expect(model.calls).toHaveLength(7);
    expect(new Set(userPrompts(model.calls))).toEqual(new Set([TRANSCRIPT]));
    expect(out.reply).toEqual({ text: "reply from sadness", author: "sadness", rationale: "kindest" });
    expect(typesOf(out.messages)).toEqual(["human", "ai", "human", "ai"]);
    expect(out.messages.at(-1)!.content).toBe("reply from sadness");
    expect(out.dialogue).toBeUndefined();
  });

  it("the same dialogue as `dialogue` gives the same prompts, and then no messages are written", async () => {
    const { spec, model } = scripted(ergScript);
    const dialogue = ["My dog died last week.", "Oh no, I'm so sorry.", "The house feels empty."];
    const out = await ergBuilder.compile().invoke({ dialogue }, { context: runContext({ model: spec }, "erg") });
    expect(new Set(userPrompts(model.calls))).toEqual(new Set([TRANSCRIPT]));
    expect(out.reply?.text).toBe("reply from sadness");
    expect(out.messages).toEqual([]);
  });

  it("a thread's second turn: the messages so far plus the new human message", async () => {
    const { spec, model } = scripted(ergScript);
    const graph = ergBuilder.compile({ checkpointer: new MemorySaver() });
    const options = { context: runContext({ model: spec }, "erg"), configurable: { thread_id: "chat-1" } };
    await graph.invoke({ messages: [new HumanMessage("My dog died last week.")] }, options);
    const before = model.calls.length;
    const out = await graph.invoke({ messages: [new HumanMessage("The house feels empty.")] }, options);
    const second = userPrompts(model.calls.slice(before));
    expect(new Set(second)).toEqual(new Set(["Conversation:\nSpeaker: My dog died last week.\nListener: reply from sadness\nSpeaker: The house feels empty."]));
    expect(typesOf(out.messages)).toEqual(["human", "ai", "human", "ai"]);
    expect(out.messages.at(-1)!.content).toBe("reply from sadness");
  });

  it("a thread's second turn uses only its own answers: an agent failing now does not bring back its earlier candidate", async () => {
    // Turn 1: disgust fails; turn 2: fear fails. The aggregator would choose fear whenever fear is offered.
    const { spec, model } = scripted(({ role, messages }) => {
      const turn = messages.some((m) => String(m.content).includes("feels empty")) ? 2 : 1;
      if (role.kind === "recognize") return opinion("sad");
      if (role.kind === "agent") {
        if ((turn === 1 && role.emotion === "disgust") || (turn === 2 && role.emotion === "fear")) return "no JSON here";
        return JSON.stringify({ reply: `turn ${turn} from ${role.emotion}`, confidence: 0.5, rationale: "r" });
      }
      const offered = /- (\w+): "/g;
      const names = [...model.calls.at(-1)!.system.matchAll(offered)].map((m) => m[1]);
      return JSON.stringify({ choice: names.includes("fear") ? "fear" : "sadness", rationale: "r" });
    });
    const graph = ergBuilder.compile({ checkpointer: new MemorySaver() });
    const options = { context: runContext({ model: spec }, "erg"), configurable: { thread_id: "chat-2" } };
    const first = await graph.invoke({ messages: [new HumanMessage("My dog died last week.")] }, options);
    expect(first.reply?.text).toBe("turn 1 from fear");
    expect(Object.keys(first.failures)).toEqual(["disgust"]);
    const before = model.calls.length;
    const out = await graph.invoke({ messages: [new HumanMessage("The house feels empty.")] }, options);
    expect(out.reply?.text).toBe("turn 2 from sadness");
    const aggregator = model.calls.slice(before).find((c) => c.role.kind === "aggregate")!;
    expect(aggregator.system).not.toMatch(/turn 1 from/);
    expect(aggregator.system).toMatch(/- disgust: "turn 2 from disgust"/);
    // disgust's failure of turn 1 is gone; fear's of turn 2 is there.
    expect(Object.keys(out.failures)).toEqual(["fear"]);
  });

  it("messages as a chat UI sends them: role dicts and text content blocks", async () => {
    const { spec, model } = scripted(() => opinion("lonely"));
    const messages = [
      { role: "user", content: [{ type: "text", text: "My dog died last week." }] },
      { role: "assistant", content: "Oh no, I'm so sorry." },
      { type: "human", content: "The house feels empty." },
    ];
    const out = await baselineErcBuilder.compile().invoke({ messages } as never, { context: runContext({ model: spec }) });
    expect(userPrompts(model.calls)).toEqual([TRANSCRIPT]);
    expect(out.emotion?.emotion).toBe("lonely");
    // ERC without respond answers with the recognised emotion: one AI message after the three.
    expect(out.messages).toHaveLength(4);
    expect(out.messages.at(-1)!.content).toBe("You seem to feel **lonely** (confidence 0.80).");
  });

  it("system and tool messages are ignored, a leading AI greeting dropped, and one side's consecutive messages one turn", async () => {
    const { spec, model } = scripted(() => opinion("lonely"));
    const messages = [
      new SystemMessage("You are a helpful assistant."),
      new AIMessage("Hi! How can I help?"),
      new HumanMessage("My dog died"),
      new HumanMessage("last week."),
      new AIMessage({ content: "", tool_calls: [{ id: "c1", name: "lookup", args: {} }] }),
      new ToolMessage({ content: "tool output", tool_call_id: "c1" }),
      new AIMessage("Oh no, I'm so sorry."),
      new HumanMessage("The house feels empty."),
    ];
    await baselineErcBuilder.compile().invoke({ messages }, { context: runContext({ model: spec }) });
    expect(userPrompts(model.calls)).toEqual([
      // One turn is one line of the transcript: the two messages joined by a space (nodes/dialogue.ts).
      "Conversation:\nSpeaker: My dog died last week.\nListener: Oh no, I'm so sorry.\nSpeaker: The house feels empty.",
    ]);
  });

  // Every ERC graph answers a chat as InsideOut's does: the emotion it decided, as an AI message of its own. Its
  // confidence: the recogniser's own (0.7), or a vote's share of the voices (all of them say sad: 1).
  it.each([
    ["erc", ercBuilder, { aggregation: "vote" }, 5, "1.00"],
    ["baseline_erc", baselineErcBuilder, {}, 1, "0.70"],
    ["self_consistency_erc", selfConsistencyErcBuilder, { aggregation: "vote", samples: 3 }, 3, "1.00"],
  ] as const)("%s answers with the recognised emotion, which a second turn does not read as the Listener's", async (_name, builder, options, calls, confidence) => {
    const { spec, model } = scripted(() => opinion("sad", 0.7));
    const graph = builder.compile({ checkpointer: new MemorySaver() });
    const config = { context: { ...options, model: spec }, configurable: { thread_id: `label-${_name}` } };
    const first = await graph.invoke({ messages: [new HumanMessage("My dog died last week.")] }, config);
    expect(model.calls).toHaveLength(calls);
    expect(typesOf(first.messages)).toEqual(["human", "ai"]);
    expect(first.messages[1]!.content).toBe(`You seem to feel **sad** (confidence ${confidence}).`);
    const second = await graph.invoke({ messages: [new HumanMessage("The house feels empty.")] }, config);
    expect(typesOf(second.messages)).toEqual(["human", "ai", "human", "ai"]);
    // Both of the speaker's turns, and no Listener: the first answer was a note to the user.
    expect(new Set(userPrompts(model.calls.slice(calls)))).toEqual(new Set(["Conversation:\nSpeaker: My dog died last week. The house feels empty."]));
  });

  it.each([
    ["erc with respond", ercBuilder, runContext({ aggregation: "vote", respond: true })],
    ["baseline_erc with respond", baselineErcBuilder, runContext({ respond: true })],
    ["self_consistency_erc with respond", selfConsistencyErcBuilder, runContext({ aggregation: "vote", samples: 2, respond: true })],
    ["baseline_erg", baselineErgBuilder, runContext({}, "erg")],
    ["erc_baseline_erg", ercBaselineErgBuilder, runContext({}, "erg")],
  ] as const)("%s appends the responder's reply", async (_name, builder, context) => {
    const { spec } = scripted(({ role }) => (role.kind === "respond" ? "I'm here for you." : opinion("sad")));
    const out = await builder.compile().invoke({ messages: chat() }, { context: { ...context, model: spec } as never });
    expect(out.reply).toEqual({ text: "I'm here for you.", author: "responder" });
    expect(typesOf(out.messages)).toEqual(["human", "ai", "human", "ai"]);
    expect(out.messages.at(-1)!.content).toBe("I'm here for you.");
  });
});

describe("a reply holding control characters", () => {
  it("is the model's answer in `reply`, and a turn with spaces for them in `messages`: the thread goes on", async () => {
    const { spec, model } = scripted(({ role }) => (role.kind === "respond" ? "I'm here\x07 for\x00you." : opinion("sad")));
    const graph = baselineErgBuilder.compile({ checkpointer: new MemorySaver() });
    const options = { context: { ...runContext({}, "erg"), model: spec } as never, configurable: { thread_id: "bel" } };
    const first = await graph.invoke({ messages: [new HumanMessage("My dog died last week.")] }, options);
    expect(first.reply).toEqual({ text: "I'm here\x07 for\x00you.", author: "responder" });
    expect(first.messages.at(-1)!.content).toBe("I'm here  for you.");
    const before = model.calls.length;
    const second = await graph.invoke({ messages: [new HumanMessage("The house feels empty.")] }, options);
    expect(userPrompts(model.calls.slice(before))).toEqual(["Conversation:\nSpeaker: My dog died last week.\nListener: I'm here  for you.\nSpeaker: The house feels empty."]);
    expect(typesOf(second.messages)).toEqual(["human", "ai", "human", "ai"]);
  });
});

describe("a conversation that cannot be read is one error before any model call", () => {
  const graphs = { erc: ercBuilder, erg: ergBuilder, baseline_erc: baselineErcBuilder, baseline_erg: baselineErgBuilder, erc_baseline_erg: ercBaselineErgBuilder };
  const cases: [string, unknown, RegExp][] = [
    ["ends with an AI message", { messages: [new HumanMessage("hi"), new AIMessage("hello")] }, /^The messages end with an AI message: the last one must be a human message/],
    ["has no human text", { messages: [new SystemMessage("be kind"), new HumanMessage("  ")] }, /^The messages hold no human message with text/],
    ["gives both keys", { dialogue: ["hi"], messages: [new HumanMessage("hi")] }, /^The run has both `dialogue` and `messages`: give one of them/],
    ["gives neither", {}, /^The dialogue is empty/],
  ];
  it.each(Object.keys(graphs).flatMap((g) => cases.map((c) => [g, ...c] as const)))("%s: a run that %s", async (id, _what, input, error) => {
    const { spec, model } = scripted(ergScript);
    const task = id.includes("erg") ? "erg" : "erc";
    const graph = graphs[id as keyof typeof graphs].compile();
    const ran: string[] = [];
    const run = (async () => {
      for await (const update of await graph.stream(input as never, { context: runContext({ model: spec }, task) as never, streamMode: "updates" })) {
        ran.push(...Object.keys(update as object));
      }
    })();
    await expect(run).rejects.toThrow(error);
    expect(ran).toEqual([]);
    expect(model.calls).toHaveLength(0);
  });
});
