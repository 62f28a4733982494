/**
 * A scripted chat model for graph tests: a function of the request decides each answer, so parallel branches get the
 * answer meant for them whatever order they run in. Registered as provider `scripted:<name>`.
 */
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import { registerProvider } from "../../models/factory.js";
import { promptText, roleOf, type Role } from "./roles.js";

export interface ScriptCall {
  role: Role;
  system: string;
  messages: BaseMessage[];
}

export type Script = (call: ScriptCall) => string | Promise<string>;

function text(m: BaseMessage): string {
  return typeof m.content === "string" ? m.content : JSON.stringify(m.content);
}

export class ScriptedChatModel extends BaseChatModel {
  readonly calls: ScriptCall[] = [];
  inFlight = 0;
  maxInFlight = 0;

  constructor(
    private readonly script: Script,
    private readonly delayMs = 0,
  ) {
    super({});
  }

  _llmType(): string {
    return "scripted";
  }

  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    const system = messages.filter((m) => m.getType() === "system").map(text)[0] ?? "";
    const call: ScriptCall = { role: roleOf(promptText(messages)), system, messages };
    this.calls.push(call);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      if (this.delayMs) await new Promise((r) => setTimeout(r, this.delayMs));
      const content = await this.script(call);
      const message = new AIMessage({
        content,
        usage_metadata: { input_tokens: 10, output_tokens: 5, total_tokens: 15 },
      });
      return { generations: [{ text: content, message }] };
    } finally {
      this.inFlight--;
    }
  }
}

let counter = 0;

/** Registers a scripted model and returns its model string and the model (to inspect its calls). */
export function scripted(script: Script, delayMs = 0): { spec: string; model: ScriptedChatModel } {
  const model = new ScriptedChatModel(script, delayMs);
  const name = `m${++counter}`;
  registerProvider(`scripted${name}`, () => ({ spec: `scripted${name}:x`, provider: "scripted", name: "x", chat: model, structuredMethod: "prompt", identity: { provider: "scripted", endpoint: `scripted${name}`, model: "x", params: {} } }));
  return { spec: `scripted${name}:x`, model };
}

export const opinion = (emotion: string, confidence = 0.8, rationale = "because") =>
  JSON.stringify({ emotion, confidence, rationale });
