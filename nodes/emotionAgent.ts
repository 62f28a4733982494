/**
 * The emotion agent: one implementation, parameterised by the emotion it embodies and the task. In ERC it gives its
 * opinion of the speaker's emotion; in ERG it proposes a reply. A failure is recorded, never thrown, so the other
 * agents' work survives. Our graphs run only the agents the run options select; in a graph that runs them all, an
 * agent not selected does nothing.
 */
import { HumanMessage, SystemMessage, type BaseMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import { invokeStructured } from "../models/structured.js";
import { AGENT_ERC_PERSONA, DIALOGUE, ERC_SHARED } from "../prompts/erc.js";
import { AGENT_ERG, AGENT_ERG_PERSONA } from "../prompts/erg.js";
import { PERSONAS } from "../prompts/personas.js";
import { render } from "../prompts/render.js";
import type { AgentEmotion } from "../taxonomy/agents.js";
import type { State, Update } from "../state/state.js";
import { failureToRecord, opinionSchema, record, repairEmotion, usageOf } from "./common.js";
import { dialogueFor, reportFailure, runEnv } from "./env.js";
import { answerId, answerKind, showView, withView } from "../ui/views.js";

export type Task = "erc" | "erg";

const CandidateSchema = z.object({
  reply: z.string().min(1),
  confidence: z.number().min(0).max(1),
  rationale: z.string(),
});

export function emotionAgent(emotion: AgentEmotion, task: Task) {
  const runName = `agent:${emotion}`;
  return async function agent(state: State, config: LangGraphRunnableConfig): Promise<Update> {
    // An answer-level failure, set-up included, goes into `failures`: parallel branches that throw together surface as
    // one opaque AggregateError, while the aggregator re-raises a shared cause (bad model, empty dialogue) clearly.
    // Failures that are not results (unreachable model, storage) are thrown on: the example stays unfinished.
    let answer: string | undefined;
    try {
      const env = await runEnv(config);
      if (!env.options.agents.includes(emotion)) return {};
      answer = answerId(state.messages, config, answerKind(task, env.options));
      const { text: dialogue, note } = dialogueFor(env, state);
      const notes = note ? { notes: [note] } : {};
      const persona = PERSONAS[emotion];
      const agentName = emotion === "happiness" ? "Joy" : emotion[0]!.toUpperCase() + emotion.slice(1);
      // Shared part first (the same for all agents), then the conversation, then this agent's own instruction as a
      // message of its own: the agents' prompts share their longest prefix (prompts/erc.ts).
      const ownInstruction = (template: string) => new HumanMessage(render(template, { persona, agent: agentName }));
      const conversation = new HumanMessage(render(DIALOGUE, { dialogue }));
      if (task === "erc") {
        const shared = render(ERC_SHARED, { labels: env.labelSet.labels.join(", ") });
        const messages: BaseMessage[] = [new SystemMessage(shared), conversation, ownInstruction(AGENT_ERC_PERSONA)];
        const { value, usage } = await invokeStructured(env.model, messages, opinionSchema(env.labelSet), {
          runName,
          repair: repairEmotion(env.labelSet),
          config,
          schemaName: "opinion",
        });
        const view = showView(config, answer, { key: emotion, name: "agent_view", props: { agent: emotion, task, ...value } });
        return withView({ opinions: { [emotion]: value }, failures: { [emotion]: null }, calls: [record(runName, usage, true)], ...notes }, view);
      }
      const recognized = state.recognized?.emotion ?? "an emotion that is not yet clear";
      const shared = render(AGENT_ERG, { emotion: recognized });
      const messages: BaseMessage[] = [new SystemMessage(shared), conversation, ownInstruction(AGENT_ERG_PERSONA)];
      const { value, usage } = await invokeStructured(env.model, messages, CandidateSchema, {
        runName,
        config,
        schemaName: "candidate",
      });
      const view = showView(config, answer, { key: emotion, name: "agent_view", props: { agent: emotion, task, ...value } });
      return withView({ candidates: { [emotion]: value }, failures: { [emotion]: null }, calls: [record(runName, usage, true)], ...notes }, view);
    } catch (error) {
      const failure = reportFailure(config, emotion, failureToRecord(error, config));
      const view = showView(config, answer, { key: emotion, name: "agent_view", props: { agent: emotion, task, failed: failure } });
      return withView({ failures: { [emotion]: failure }, calls: [record(runName, usageOf(error), false)] }, view);
    }
  };
}
