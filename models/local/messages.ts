/** LangChain messages → node-llama-cpp chat history; the GGUF's chat template then renders it. */
import type { BaseMessage } from "@langchain/core/messages";
import type { ChatHistoryItem } from "node-llama-cpp";

export function toChatHistory(messages: readonly BaseMessage[]): ChatHistoryItem[] {
  const history: ChatHistoryItem[] = [];
  for (const message of messages) {
    const text = message.text;
    switch (message.getType()) {
      case "system":
        history.push({ type: "system", text });
        break;
      case "ai":
        history.push({ type: "model", response: [text] });
        break;
      case "tool":
        // Small local templates have no tool role; the result is shown to the model as a user turn.
        history.push({ type: "user", text: `Tool result:\n${text}` });
        break;
      default:
        history.push({ type: "user", text });
    }
  }
  return history;
}
