/**
 * InsideOut as LangChain v1 agent middleware: `createAgent({ model, tools, middleware: [insideOutMiddleware({ model:
 * "openai:gpt-4o-mini" })] })` makes any agent emotion-aware. Before the agent's model call, InsideOut ERC (the method
 * asked for, InsideOut's five agents by default) reads the conversation; the agent's model is then told the emotion
 * and what each agent saw (an addition to its system prompt), and the reading stays in the agent's state under
 * `insideout`. Recognised once per user turn: the model calls that follow tool calls in the same turn reuse it.
 *
 * Needs the `langchain` package (an optional peer dependency of insideout).
 */
import { SystemMessage, type BaseMessage } from "@langchain/core/messages";
import { createMiddleware } from "langchain";
import { z } from "zod";
import { builderFor, ERC_METHODS } from "../graphs/methods.js";
import { runContext } from "../state/runOptions.js";
import type { FinalEmotion, Opinion } from "../state/state.js";
import type { AgentEmotion } from "../taxonomy/agents.js";

export interface InsideOutMiddlewareOptions {
  /** The ERC method: `insideout` (the emotion agents and the aggregate agent, the default), `baseline`, `self-consistency`. */
  method?: (typeof ERC_METHODS)[number];
  /** InsideOut's own model, e.g. `openai:gpt-4o-mini` (run option `model`; `auto` by default). */
  model?: string;
  /** The emotion agents that take part (run option `agents`; the five Ekman emotions by default). */
  agents?: AgentEmotion[];
  /** Any other run options (labels, aggregation, temperature, …), as an ERC graph takes them in its `context`. */
  options?: Omit<NonNullable<Parameters<typeof runContext>[0]>, "model" | "agents" | "respond">;
}

/** What the middleware keeps in the agent's state: the turn it read, the emotion, and each agent's view. */
export const InsideOutReading = z.object({
  /** The id of the user message the reading is for (the turn's last human message). */
  turn: z.string(),
  emotion: z.object({ emotion: z.string(), confidence: z.number(), rationale: z.string(), decidedBy: z.string() }),
  views: z.record(z.string(), z.object({ emotion: z.string(), confidence: z.number(), rationale: z.string() })),
});
export type InsideOutReading = z.infer<typeof InsideOutReading>;

/** The system prompt addition that tells the agent's model the reading. */
export function emotionPrompt(reading: Pick<InsideOutReading, "emotion" | "views">): string {
  const e = reading.emotion;
  const views = Object.entries(reading.views).map(([agent, v]) => `- ${agent}: ${v.emotion} (${v.confidence.toFixed(2)}): ${v.rationale}`);
  return [
    `InsideOut read the user's last message: the user seems to feel ${e.emotion} (confidence ${e.confidence.toFixed(2)}).`,
    ...(views.length ? ["Its emotion agents' views:", ...views] : []),
    "Acknowledge how the user feels and answer with that in mind.",
  ].join("\n");
}

const lastHumanId = (messages: readonly BaseMessage[]): string | undefined =>
  [...messages].reverse().find((m) => m.getType() === "human")?.id;

export function insideOutMiddleware(options: InsideOutMiddlewareOptions = {}) {
  // Checked now, so a bad option is one error when the agent is built rather than at its first turn.
  const context = runContext({ ...options.options, ...(options.model ? { model: options.model } : {}), ...(options.agents ? { agents: options.agents } : {}) });
  const erc = builderFor("erc", options.method ?? "insideout").compile();
  return createMiddleware({
    name: "InsideOutMiddleware",
    stateSchema: z.object({ insideout: InsideOutReading.optional() }),
    beforeModel: async (state, runtime) => {
      const turn = lastHumanId(state.messages);
      if (!turn || state.insideout?.turn === turn) return undefined;
      // Run inside the agent's node, the ERC graph is its subgraph: its calls are traced under the agent's and stay
      // out of the agent's chat stream (models/ask.ts), and it writes nothing to the agent's messages (ui/views.ts).
      const out = await erc.invoke({ messages: state.messages }, { context, ...(runtime.signal ? { signal: runtime.signal } : {}) });
      const emotion: FinalEmotion | undefined = out.emotion;
      if (!emotion) return undefined;
      // The agents' opinions (self-consistency: the samples'), but for those that failed.
      const views: Record<string, Opinion> = Object.fromEntries(Object.entries(out.opinions).filter(([who]) => out.failures[who] === undefined));
      return { insideout: { turn, emotion, views } };
    },
    wrapModelCall: async (request, handler) => {
      const reading = request.state.insideout;
      if (!reading) return handler(request);
      const system = request.systemMessage;
      const addition = emotionPrompt(reading);
      // A text prompt stays one text (SystemMessage.concat would make it a list of blocks); blocks get one more.
      const systemMessage =
        typeof system.content === "string"
          ? new SystemMessage({ ...system, content: system.content ? `${system.content}\n\n${addition}` : addition })
          : system.concat(addition);
      return handler({ ...request, systemMessage });
    },
  });
}
