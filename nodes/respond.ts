/** The plain responder ("simple agent"): replies to the speaker, told the recognised emotion when there is one. */
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { invokeText, type Usage } from "../models/structured.js";
import type { ResolvedModel } from "../models/types.js";
import { DIALOGUE } from "../prompts/erc.js";
import { RESPOND, RESPOND_WITH_EMOTION } from "../prompts/erg.js";
import { render } from "../prompts/render.js";
import type { State, Update } from "../state/state.js";
import { record } from "./common.js";
import { dialogueFor, runEnv, type RunEnv } from "./env.js";
import { chatReply } from "./turns.js";
import { answerId } from "../ui/views.js";

const RUN_NAME = "respond";

/** One question to the responder; self-consistency asks it k times, each its own `sample` (models/answerKey.ts). */
export async function askResponder(
  env: RunEnv,
  state: State,
  config: LangGraphRunnableConfig,
  how: { model: ResolvedModel; runName: string; sample?: number; toChat?: boolean },
): Promise<{ text: string; usage: Usage; note?: string }> {
  const { text: dialogue, note } = dialogueFor(env, state);
  const emotion = state.emotion?.emotion ?? state.recognized?.emotion;
  const system = emotion ? render(RESPOND_WITH_EMOTION, { emotion }) : RESPOND;
  const { text, usage } = await invokeText(
    how.model,
    [new SystemMessage(system), new HumanMessage(render(DIALOGUE, { dialogue }))],
    { runName: how.runName, config, toChat: how.toChat ?? false, sample: how.sample },
  );
  return { text, usage, ...(note ? { note } : {}) };
}

export async function respond(state: State, config: LangGraphRunnableConfig): Promise<Update> {
  const env = await runEnv(config);
  // The reply is what the chat shows: its tokens stream to the client as the model writes them.
  const { text, usage, note } = await askResponder(env, state, config, { model: env.model, runName: RUN_NAME, toChat: true });
  return { reply: { text, author: "responder" }, ...chatReply(state, text, answerId(state.messages, config, "reply")), calls: [record(RUN_NAME, usage, true)], ...(note ? { notes: [note] } : {}) };
}
