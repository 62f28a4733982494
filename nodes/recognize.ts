/** The zero-shot recogniser: the plain LLM labels the speaker's emotion (baseline ERC, and ERG's first step). */
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { invokeStructured } from "../models/structured.js";
import { DIALOGUE, RECOGNIZE } from "../prompts/erc.js";
import { render } from "../prompts/render.js";
import type { State, Update } from "../graphs/state.js";
import { opinionSchema, repairEmotion, record } from "./common.js";
import { dialogueFor, runEnv } from "./env.js";

const RUN_NAME = "recognize";

export async function recognize(state: State, config: LangGraphRunnableConfig): Promise<Update> {
  const env = await runEnv(config);
  const { text: dialogue, note } = dialogueFor(env, state);
  const system = render(RECOGNIZE, { labels: env.labelSet.labels.join(", ") });
  const { value, usage } = await invokeStructured(
    env.model,
    [new SystemMessage(system), new HumanMessage(render(DIALOGUE, { dialogue }))],
    opinionSchema(env.labelSet),
    { runName: RUN_NAME, repair: repairEmotion(env.labelSet), config, schemaName: "recognition" },
  );
  return { recognized: value, emotion: { ...value, decidedBy: "recognizer" }, calls: [record(RUN_NAME, usage, true)], ...(note ? { notes: [note] } : {}) };
}
