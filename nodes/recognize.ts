/** The zero-shot recogniser: the plain LLM labels the speaker's emotion (baseline ERC, and ERG's first step). */
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { invokeStructured, type Usage } from "../models/structured.js";
import type { ResolvedModel } from "../models/types.js";
import { DIALOGUE, RECOGNIZE } from "../prompts/erc.js";
import { render } from "../prompts/render.js";
import type { Opinion, State, Update } from "../state/state.js";
import { opinionSchema, repairEmotion, record } from "./common.js";
import { dialogueFor, runEnv, type RunEnv } from "./env.js";
import { labelAnswer } from "../ui/views.js";

const RUN_NAME = "recognize";

/** One question to the recogniser; self-consistency asks it k times, each its own `sample` (models/answerKey.ts). */
export async function askRecognizer(
  env: RunEnv,
  state: State,
  config: LangGraphRunnableConfig,
  how: { model: ResolvedModel; runName: string; sample?: number },
): Promise<{ value: Opinion; usage: Usage; note?: string }> {
  const { text: dialogue, note } = dialogueFor(env, state);
  const system = render(RECOGNIZE, { labels: env.labelSet.labels.join(", ") });
  const { value, usage } = await invokeStructured(
    how.model,
    [new SystemMessage(system), new HumanMessage(render(DIALOGUE, { dialogue }))],
    opinionSchema(env.labelSet),
    { runName: how.runName, repair: repairEmotion(env.labelSet), config, schemaName: "recognition", sample: how.sample },
  );
  return { value, usage, ...(note ? { note } : {}) };
}

export async function recognize(state: State, config: LangGraphRunnableConfig): Promise<Update> {
  const env = await runEnv(config);
  const { value, usage, note } = await askRecognizer(env, state, config, { model: env.model, runName: RUN_NAME });
  return { recognized: value, emotion: { ...value, decidedBy: "recognizer" }, calls: [record(RUN_NAME, usage, true)], ...(note ? { notes: [note] } : {}) };
}

/** Baseline ERC's recogniser, whose label is the run's answer: in a chat, ERC's answer message as InsideOut's. */
export async function recognizeAndAnswer(state: State, config: LangGraphRunnableConfig): Promise<Update> {
  const update = await recognize(state, config);
  return { ...update, ...labelAnswer(state.messages, config, (await runEnv(config)).options, update.emotion!) };
}
