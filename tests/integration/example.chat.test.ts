/**
 * examples/emotion-aware-chat: a user's own MessagesAnnotation chat agent with the compiled InsideOut ERC graph as a
 * subgraph node in front of it. Scripted models: InsideOut's (per role) and the user's chat model, whose system prompt
 * must carry the emotion InsideOut's aggregator decided.
 */
import { describe, expect, it } from "@jest/globals";
import { HumanMessage } from "@langchain/core/messages";
import { MemorySaver } from "@langchain/langgraph";
import { buildChatGraph } from "../../examples/emotion-aware-chat/graph.js";
import { ScriptedChatModel, opinion, scripted, type ScriptCall } from "../helpers/scriptedModel.js";

/** InsideOut's model: the agents say sad (or joyful once the speaker got the job); the aggregator decides from that. */
const insideOut = ({ role, messages }: ScriptCall) => {
  const happy = messages.some((m) => String(m.content).includes("got the job"));
  if (role.kind === "agent") return opinion(happy ? "joyful" : "sad", 0.7);
  if (role.kind === "aggregate") return opinion(happy ? "excited" : "devastated", 0.9);
  throw new Error(`unexpected ${role.kind}`);
};

describe("examples/emotion-aware-chat", () => {
  it("the chat agent's system prompt carries the emotion InsideOut recognised, and its reply is the last message", async () => {
    const { spec, model: insideOutModel } = scripted(insideOut);
    const chatModel = new ScriptedChatModel(() => "I'm so sorry. Do you want to talk about him?");
    const out = await buildChatGraph(chatModel).invoke(
      { messages: [new HumanMessage("My dog died last week.")] },
      { context: { model: spec } },
    );
    expect(insideOutModel.calls).toHaveLength(6); // five agents and the aggregator
    expect(out.emotion).toMatchObject({ emotion: "devastated", decidedBy: "llm" });
    expect(chatModel.calls).toHaveLength(1);
    expect(chatModel.calls[0]!.system).toBe(
      "You are a warm, helpful assistant. The user seems to feel devastated (confidence 0.90): acknowledge it and answer with that in mind.",
    );
    // The agent saw the conversation itself after its system prompt.
    expect(chatModel.calls[0]!.messages.slice(1).map((m) => m.content)).toEqual(["My dog died last week."]);
    // InsideOut added no message of its own: human, then the agent's reply.
    expect(out.messages.map((m) => m.getType())).toEqual(["human", "ai"]);
    expect(out.messages.at(-1)!.content).toBe("I'm so sorry. Do you want to talk about him?");
  });

  it("on a thread, each turn is recognised afresh from the whole conversation", async () => {
    const { spec, model: insideOutModel } = scripted(insideOut);
    const chatModel = new ScriptedChatModel(() => "I hear you.");
    const chat = buildChatGraph(chatModel, { checkpointer: new MemorySaver() });
    const options = { context: { model: spec }, configurable: { thread_id: "t1" } };
    await chat.invoke({ messages: [new HumanMessage("My dog died last week.")] }, options);
    const out = await chat.invoke({ messages: [new HumanMessage("But I got the job today!")] }, options);
    expect(out.emotion?.emotion).toBe("excited");
    expect(chatModel.calls.map((c) => /feel (\w+)/.exec(c.system)?.[1])).toEqual(["devastated", "excited"]);
    expect(out.messages.map((m) => m.getType())).toEqual(["human", "ai", "human", "ai"]);
    // The second turn's six calls saw both turns, the agent's first reply as the Listener's.
    const shown = insideOutModel.calls.slice(6).map((c) => c.messages.map((m) => String(m.content)).find((t) => t.startsWith("Conversation:")));
    expect(new Set(shown)).toEqual(new Set(["Conversation:\nSpeaker: My dog died last week.\nListener: I hear you.\nSpeaker: But I got the job today!"]));
  });
});
