/**
 * The aggregate agent, at the centre of the star. ERC: decides the label from the agents' opinions (`llm`, as in the
 * paper, or the deterministic `vote`/`weighted`). ERG: chooses one candidate reply (`llm`, or `weighted`: the
 * candidate its own agent was most confident in). A benchmark question: consolidates the answers (nodes/aggregateAnswers.ts). It runs on whatever opinions survived; if the LLM aggregation itself
 * fails, the confidence-weighted vote stands in and the failure is recorded.
 */
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import { z } from "zod";
import { invokeStructured } from "../models/structured.js";
import { AGGREGATE_ERC, AGGREGATE_ERC_SAMPLES, DIALOGUE, ERC_SHARED } from "../prompts/erc.js";
import { AGGREGATE_ERG, AGGREGATE_ERG_SAMPLES } from "../prompts/erg.js";
import { render } from "../prompts/render.js";
import { runOptions } from "../state/runOptions.js";
import type { State, Update } from "../state/state.js";
import { failureToRecord, opinionSchema, record, repairEmotion, usageOf } from "./common.js";
import { fitShares, LISTED_CHARS } from "./dialogue.js";
import { dialogueFor, reportFailure, runEnv } from "./env.js";
import { aggregateAnswers } from "./aggregateAnswers.js";
import { aggregateOpinions } from "./strategies.js";
import { chatReply } from "./turns.js";
import type { Task } from "./emotionAgent.js";
import { sampleNames } from "../state/state.js";
import { answerId, answerKind, labelAnswer, showView, withView } from "../ui/views.js";

/** Who the aggregate agent listens to: InsideOut's emotion agents, or self-consistency's samples (nodes/sample.ts). */
export type Voices = "agents" | "samples";

export class AllAgentsFailedError extends Error {
  constructor(failures: Record<string, string>, voices: Voices = "agents") {
    const [first] = Object.entries(failures);
    super(`All ${voices === "agents" ? "emotion agents" : "samples"} failed${first ? ` (${first[0]}: ${first[1]})` : ""}.`);
    this.name = "AllAgentsFailedError";
  }
}

const RUN_NAME = "aggregate";

/**
 * Whether an agent's opinion or candidate is this run's: an agent that failed now has a failure (one that succeeded
 * cleared its own), so what an earlier turn of a thread left under its name is not used.
 */
const current = (state: State, agent: string) => state.failures[agent] === undefined;

/**
 * The same node for both: self-consistency's samples are aggregated as the agents' opinions are, with prompts that
 * say what they are (independent readings, not agents biased towards their own emotion).
 */
export function aggregate(task: Task, voices: Voices = "agents") {
  const prompts = voices === "agents" ? { erc: AGGREGATE_ERC, erg: AGGREGATE_ERG } : { erc: AGGREGATE_ERC_SAMPLES, erg: AGGREGATE_ERG_SAMPLES };
  const decide = async (state: State, config: LangGraphRunnableConfig): Promise<Update> => {
    const env = await runEnv(config);
    const selected: readonly string[] = voices === "agents" ? env.options.agents : sampleNames(env.options.samples);
    if (task === "benchmark") {
      const answers = selected.flatMap((a) => (current(state, a) && state.answers[a] ? [[a, state.answers[a]] as const] : []));
      if (answers.length === 0) throw new AllAgentsFailedError(state.failures, voices);
      return aggregateAnswers(state, config, env, answers, voices === "samples");
    }
    const { text: dialogue } = dialogueFor(env, state);
    if (task === "erc") {
      const opinions = selected.flatMap((a) => (current(state, a) && state.opinions[a] ? [[a, state.opinions[a]] as const] : []));
      if (opinions.length === 0) throw new AllAgentsFailedError(state.failures, voices);
      const fallback = () => aggregateOpinions("weighted", opinions.map(([, o]) => o), env.labelSet.labels);
      // ERC's aggregations are its schema's (no mean or median: a label is voted on), checked there.
      const rule = runOptions(config, "erc").aggregation;
      if (rule !== "llm") {
        const decided = aggregateOpinions(rule, opinions.map(([, o]) => o), env.labelSet.labels);
        return { emotion: { ...decided, decidedBy: rule }, failures: { aggregate: null } };
      }
      // Each rationale gets its share of the prompt, so five long answers cannot make a prompt of their sum.
      const rationales = fitShares(opinions.map(([a, o]) => ({ name: a, text: o.rationale })), LISTED_CHARS, "agents' rationales");
      const notes = rationales.note ? { notes: [rationales.note] } : {};
      const listed = opinions
        .map(([a, o], i) => `- ${a}: ${o.emotion} (confidence ${o.confidence.toFixed(2)}): ${rationales.texts[i]}`)
        .join("\n");
      // The agents' shared part and the conversation first, then the aggregate agent's own instruction (prompts/erc.ts).
      const shared = render(ERC_SHARED, { labels: env.labelSet.labels.join(", ") });
      const own = render(prompts.erc, { opinions: listed });
      try {
        const { value, usage } = await invokeStructured(
          env.model,
          [new SystemMessage(shared), new HumanMessage(render(DIALOGUE, { dialogue })), new HumanMessage(own)],
          opinionSchema(env.labelSet),
          { runName: RUN_NAME, repair: repairEmotion(env.labelSet), config, schemaName: "decision" },
        );
        return { emotion: { ...value, decidedBy: "llm" }, failures: { aggregate: null }, calls: [record(RUN_NAME, usage, true)], ...notes };
      } catch (error) {
        return {
          ...notes,
          emotion: { ...fallback(), decidedBy: "weighted" },
          failures: { aggregate: reportFailure(config, "aggregate", failureToRecord(error, config)) },
          calls: [record(RUN_NAME, usageOf(error), false)],
        };
      }
    }

    const candidates = selected.flatMap((a) => (current(state, a) && state.candidates[a] ? [[a, state.candidates[a]] as const] : []));
    if (candidates.length === 0) throw new AllAgentsFailedError(state.failures, voices);
    const mostConfident = () => {
      // Stable sort keeps the agents' order for equal confidence, so ties go to the earlier agent (and samples, which
      // rate nothing, to the first sample).
      const [author, c] = [...candidates].sort((x, y) => (y[1].confidence ?? 0) - (x[1].confidence ?? 0))[0]!;
      const rationale = c.confidence === undefined ? "The first sample (samples carry no confidence)." : `Highest self-rated confidence (${c.confidence.toFixed(2)}).`;
      return { text: c.reply, author, rationale };
    };
    // ERG's aggregations are its schema's (no vote: replies carry no label), checked there with options from any source.
    if (runOptions(config, "erg").aggregation !== "llm") {
      const reply = mostConfident();
      return { reply, ...chatReply(state, reply.text), failures: { aggregate: null } };
    }
    const names = candidates.map(([a]) => a);
    const replies = fitShares(candidates.map(([a, c]) => ({ name: a, text: c.reply })), LISTED_CHARS, "candidate replies");
    const notes = replies.note ? { notes: [replies.note] } : {};
    const listed = candidates.map(([a], i) => `- ${a}: "${replies.texts[i]}"`).join("\n");
    const system = render(prompts.erg, {
      emotion: state.recognized?.emotion ?? "an emotion that is not yet clear",
      candidates: listed,
      names: names.join(", "),
    });
    const Choice = z.object({ choice: z.enum(names as [string, ...string[]]), rationale: z.string() });
    try {
      const { value, usage } = await invokeStructured(
        env.model,
        [new SystemMessage(system), new HumanMessage(render(DIALOGUE, { dialogue }))],
        Choice,
        {
          runName: RUN_NAME,
          config,
          schemaName: "choice",
          repair: (v) =>
            v && typeof v === "object" && "choice" in v && typeof v.choice === "string"
              ? { ...v, choice: v.choice.trim().toLowerCase() }
              : v,
        },
      );
      const chosen = candidates.find(([a]) => a === value.choice)!;
      return {
        reply: { text: chosen[1].reply, author: value.choice, rationale: value.rationale },
        ...chatReply(state, chosen[1].reply),
        failures: { aggregate: null },
        calls: [record(RUN_NAME, usage, true)],
        ...notes,
      };
    } catch (error) {
      const reply = mostConfident();
      return { ...notes, reply, ...chatReply(state, reply.text), failures: { aggregate: reportFailure(config, "aggregate", failureToRecord(error, config)) }, calls: [record(RUN_NAME, usageOf(error), false)] };
    }
  };
  return async function aggregateNode(state: State, config: LangGraphRunnableConfig): Promise<Update> {
    // A benchmark question is no chat turn: its answer is the state's `answer`, no message or view.
    const update = await decide(state, config);
    return task === "benchmark" ? update : inChat(task, state, config, update);
  };
}

/**
 * In a chat run (ui/views.ts), the decision as a view, and the turn's answer message: ERC's recognised emotion
 * (without `respond`, whose reply the responder writes), ERG's chosen reply.
 */
async function inChat(task: Exclude<Task, "benchmark">, state: State, config: LangGraphRunnableConfig, update: Update): Promise<Update> {
  const { options } = await runEnv(config);
  const id = answerId(state.messages, config, answerKind(task, options));
  if (!id) return update;
  const recognized = state.recognized?.emotion;
  if (task === "erc") {
    const e = update.emotion!;
    const view = showView(config, id, { key: "decision", name: "decision", props: { task, emotion: e.emotion, confidence: e.confidence, decidedBy: e.decidedBy, rationale: e.rationale } });
    return withView({ ...update, ...labelAnswer(state.messages, config, options, e) }, view);
  }
  const reply = update.reply!;
  const view = showView(config, id, {
    key: "decision",
    name: "decision",
    props: { task, author: reply.author, ...(reply.rationale ? { rationale: reply.rationale } : {}), ...(recognized ? { recognized } : {}) },
  });
  return withView({ ...update, ...chatReply(state, reply.text, id) }, view);
}
