/** The plain responder ("simple agent"): replies to the speaker, told the recognised emotion when there is one. */
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { invokeText } from "../models/structured.js";
import { DIALOGUE } from "../prompts/erc.js";
import { RESPOND, RESPOND_WITH_EMOTION } from "../prompts/erg.js";
import { render } from "../prompts/render.js";
import type { State, Update } from "../graphs/state.js";
import { record } from "./common.js";
import { dialogueFor, runEnv } from "./env.js";
import { chatReply } from "./turns.js";

const RUN_NAME = "respond";

export async function respond(state: State, config: LangGraphRunnableConfig): Promise<Update> {
  const env = await runEnv(config);
  const { text: dialogue, note } = dialogueFor(env, state);
  const emotion = state.emotion?.emotion ?? state.recognized?.emotion;
  const system = emotion ? render(RESPOND_WITH_EMOTION, { emotion }) : RESPOND;
  const { text, usage } = await invokeText(
    env.model,
    [new SystemMessage(system), new HumanMessage(render(DIALOGUE, { dialogue }))],
    { runName: RUN_NAME, config },
  );
  return { reply: { text, author: "responder" }, ...chatReply(state, text), calls: [record(RUN_NAME, usage, true)], ...(note ? { notes: [note] } : {}) };
}
