/** A chat model with zero latency and no I/O, for measuring what our code costs around the LLM calls. */
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { registerProvider } from "../models/factory.js";

const ANSWER = JSON.stringify({ emotion: "sad", confidence: 0.7, rationale: "The speaker describes a loss." });

export class InstantChatModel extends BaseChatModel {
  constructor() {
    super({});
  }

  _llmType(): string {
    return "instant";
  }

  async _generate(): Promise<ChatResult> {
    const message = new AIMessage({ content: ANSWER, usage_metadata: { input_tokens: 0, output_tokens: 0, total_tokens: 0 } });
    return { generations: [{ text: ANSWER, message }] };
  }
}

/** Registers `instant:x` and returns its spec. Structured output by prompt: our schema, parsing and zod all run. */
export function registerInstant(): string {
  const chat = new InstantChatModel();
  registerProvider("instant", (name) => ({ spec: `instant:${name}`, provider: "instant", name, chat, structuredMethod: "prompt", identity: { provider: "instant", endpoint: "instant", model: name, params: {} } }));
  return "instant:x";
}
