/**
 * What a chat client sees of a run: one AI message per turn (the answer) and, attached to it, the agents' views as
 * LangGraph generative UI (components in ui/components.jsx, listed under `ui` in langgraph.json; agent-chat-ui and any
 * `useStream` client with LoadExternalComponent render them). The answer message is written empty by the first view,
 * so the views show while the run goes, and filled in by the node that answers (same id: the messages reducer
 * replaces it). An empty AI message is no turn of the dialogue (nodes/turns.ts), so the nodes never read it.
 *
 * Only a chat run gets them: turns given as `messages`, and the graph run as itself, not as a user's subgraph (whose
 * chat is the user's graph's to write).
 */
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { Update } from "../state/state.js";
import type { UiEvent } from "../state/ui.js";

/** Ids of ERC's answer when it is the recognised emotion only: a note to the chat, not the Listener's words. */
export const LABEL_ID_PREFIX = "insideout-label-";
const REPLY_ID_PREFIX = "insideout-reply-";

/** What an agent (or self-consistency's sample) made of the turn. */
export interface AgentViewProps {
  agent: string;
  task: "erc" | "erg";
  emotion?: string;
  confidence?: number;
  rationale?: string;
  reply?: string;
  failed?: string;
}

/** What the aggregate agent decided. */
export interface DecisionProps {
  task: "erc" | "erg";
  emotion?: string;
  confidence?: number;
  decidedBy?: string;
  author?: string;
  rationale?: string;
  /** ERG: the recogniser's estimate the agents were told. */
  recognized?: string;
}

/** Whether this run is a chat's own (see the module comment). */
function isChatRun(messages: readonly BaseMessage[] | undefined, config: LangGraphRunnableConfig): boolean {
  if (!messages || messages.length === 0) return false;
  // A node's namespace is `node:task`; under a parent graph it is `parent:task|node:task`.
  const ns: unknown = config.configurable?.checkpoint_ns;
  return !(typeof ns === "string" && ns.includes("|"));
}

/**
 * The id of this turn's answer message in a chat run, else undefined. `label`: ERC answering with the emotion alone;
 * `reply`: a reply (ERG, ERC with respond). Derived from the turn's human message, so every node of the run agrees.
 */
export function answerId(messages: readonly BaseMessage[] | undefined, config: LangGraphRunnableConfig, kind: "label" | "reply"): string | undefined {
  if (!isChatRun(messages, config)) return undefined;
  const human = [...messages!].reverse().find((m) => m.getType() === "human");
  const run = config.metadata?.run_id ?? config.runId;
  const turn = human?.id ?? (typeof run === "string" ? run : "turn");
  return (kind === "label" ? LABEL_ID_PREFIX : REPLY_ID_PREFIX) + turn;
}

/**
 * ERC's answer in a chat run without `respond`, whichever node decided the emotion (the aggregate agent, baseline's
 * recogniser): a note to the user, marked by its id as no turn of the dialogue (nodes/turns.ts). With `respond` the
 * responder's reply is the answer, so nothing here.
 */
export function labelAnswer(
  messages: readonly BaseMessage[] | undefined,
  config: LangGraphRunnableConfig,
  options: { respond: boolean },
  decided: { emotion: string; confidence: number },
): Update {
  const id = answerId(messages, config, answerKind("erc", options));
  if (!id || options.respond) return {};
  return { messages: [new AIMessage({ id, content: `You seem to feel **${decided.emotion}** (confidence ${decided.confidence.toFixed(2)}).` })] };
}

/** The kind of answer a run of `task` gives: ERC without `respond` answers with the emotion alone. */
export function answerKind(task: "erc" | "erg", options: { respond: boolean }): "label" | "reply" {
  return task === "erc" && !options.respond ? "label" : "reply";
}

/**
 * Shows one view in the chat now (a custom stream event, as LangGraph's `typedUi` sends it) and keeps it in the
 * state's `ui` (so a reloaded thread shows it too), attached to the answer message, which the update creates empty
 * if it is not there yet. Nothing outside a chat run.
 */
export function showView(
  config: LangGraphRunnableConfig,
  message: string | undefined,
  view: { key: string } & ({ name: "agent_view"; props: AgentViewProps } | { name: "decision"; props: DecisionProps }),
): Update {
  if (!message) return {};
  const run = config.metadata?.run_id;
  const event: UiEvent = {
    type: "ui",
    id: `${message}-${view.key}`,
    name: view.name,
    props: { ...view.props },
    metadata: { message_id: message, ...(typeof run === "string" ? { run_id: run } : {}) },
  };
  config.writer?.(event);
  return { ui: [event], messages: [new AIMessage({ id: message, content: "" })] };
}

/** Merges two updates' `ui` and `messages` lists (a node that shows a view and answers in one update). */
export function withView(update: Update, view: Update): Update {
  return {
    ...update,
    ...(view.ui || update.ui ? { ui: [...(update.ui ?? []), ...(view.ui ?? [])] } : {}),
    // The node's own answer, when it gives one, stands in for the view's empty one (the same id).
    ...(update.messages ?? view.messages ? { messages: update.messages ?? view.messages } : {}),
  };
}
