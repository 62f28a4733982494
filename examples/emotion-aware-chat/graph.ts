/**
 * Example: your own chat agent, with InsideOut ERC in front of it.
 *
 * The chat graph's state is LangGraph's `MessagesAnnotation` plus the recognised emotion. Its first node is the
 * compiled InsideOut ERC graph itself (a subgraph: it reads the `messages` key, human = the speaker, AI = the
 * listener, and writes `emotion`); the chat agent then answers with that emotion in its system prompt. ERC without
 * `respond` writes no reply, so the only AI message a turn adds is the agent's.
 *
 * In an app, import from the package instead: `import { graph as erc } from "insideout/graphs/erc.js"`.
 *
 *   const chat = buildChatGraph(new ChatOpenAI({ model: "gpt-4o-mini" }));
 *   const out = await chat.invoke(
 *     { messages: [new HumanMessage("My dog died last week.")] },
 *     { context: { model: "openai:gpt-4o-mini" } }, // InsideOut's run options: its model, agents, …
 *   );
 *   out.emotion?.emotion; // e.g. "devastated"
 *   out.messages.at(-1);  // the agent's reply
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { SystemMessage } from "@langchain/core/messages";
import { Annotation, END, MessagesAnnotation, START, StateGraph, type BaseCheckpointSaver } from "@langchain/langgraph";
import { graph as erc } from "../../graphs/erc.js";
import type { FinalEmotion } from "../../state/state.js";

export const ChatState = Annotation.Root({
  ...MessagesAnnotation.spec,
  /** Written by the InsideOut subgraph at each turn: the speaker's emotion in the last turn. */
  emotion: Annotation<FinalEmotion | undefined>(),
});

/** The chat agent's system prompt, told what the user seems to feel. */
export function systemPrompt(emotion: FinalEmotion | undefined): string {
  const base = "You are a warm, helpful assistant.";
  if (!emotion) return base;
  return `${base} The user seems to feel ${emotion.emotion} (confidence ${emotion.confidence.toFixed(2)}): acknowledge it and answer with that in mind.`;
}

/**
 * Your chat graph: InsideOut ERC, then your agent on `chatModel`. Run it with InsideOut's options as its `context`;
 * with a checkpointer, a thread keeps the conversation and each turn is recognised afresh.
 */
export function buildChatGraph(chatModel: BaseChatModel, options: { checkpointer?: BaseCheckpointSaver } = {}) {
  return new StateGraph(ChatState)
    .addNode("insideout", erc)
    .addNode("agent", async (state: typeof ChatState.State) => ({
      messages: [await chatModel.invoke([new SystemMessage(systemPrompt(state.emotion)), ...state.messages])],
    }))
    .addEdge(START, "insideout")
    .addEdge("insideout", "agent")
    .addEdge("agent", END)
    .compile(options);
}
