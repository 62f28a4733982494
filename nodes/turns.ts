/**
 * The turns of a run, whichever key they came in: `dialogue` (strings, Speaker first) or `messages` (LangChain
 * messages: human = the Speaker, AI = the Listener). Every node reads them through `turnsOf`, so all see the same
 * dialogue; the graphs also call it at START (`turnsChecked`), so a bad conversation is one error before any node.
 *
 * Messages become turns thus: system, tool and other messages are ignored, and so is a message without text (an AI
 * message that only calls tools); consecutive messages of one side are one turn (joined by a newline); AI messages
 * before the first human one are dropped (a greeting), so the dialogue starts with the Speaker as the prompts say.
 * The last kept message must be a human one: the emotion asked for, and the reply written, are the Speaker's.
 *
 * Either way the dialogue is held to the CLI's limits (core/inputLimits.ts: INSIDEOUT_MAX_TURNS,
 * INSIDEOUT_MAX_DIALOGUE_BYTES), so a server's runs, which no CLI read, take no larger one.
 */
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import type { State, Update } from "../state/state.js";
import { LABEL_ID_PREFIX } from "../ui/views.js";
import { EmptyDialogueError } from "../state/state.js";
import { dialogueOverLimits } from "../core/inputLimits.js";
import { asTurn, isBlankTurn, turnProblem } from "../core/turnText.js";

export class ConversationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ConversationError";
  }
}

/** A dialogue beyond the limits a dialogue has (core/inputLimits.ts): refused, not the model's answer to it. */
export class DialogueTooLargeError extends Error {
  /** `what`: "The dialogue", "The question"; `over`: core/inputLimits.ts dialogueOverLimits's phrase. */
  constructor(what: string, over: string) {
    super(`${what} ${over}: give a shorter one, or raise the limit where the graph runs.`);
    this.name = "DialogueTooLargeError";
  }
}

type Conversation = Pick<State, "dialogue" | "messages"> & Partial<Pick<State, "speakers">>;

const hasMessages = (state: Conversation) => (state.messages?.length ?? 0) > 0;

/** Whether the run's turns came as `messages`: its reply then goes back as an AIMessage too (`chatReply`). */
export function fromMessages(state: Conversation): boolean {
  return hasMessages(state);
}

function sideOf(m: BaseMessage): "speaker" | "listener" | undefined {
  const type = m.getType();
  return type === "human" ? "speaker" : type === "ai" ? "listener" : undefined;
}

/** Computed once per messages array, so the parallel nodes of a run share one turns array (and its fitted transcript). */
const byMessages = new WeakMap<readonly BaseMessage[], string[]>();

function turnsOfMessages(messages: readonly BaseMessage[]): string[] {
  const cached = byMessages.get(messages);
  if (cached) return cached;
  const turns: { side: "speaker" | "listener"; text: string }[] = [];
  for (const m of messages) {
    const side = sideOf(m);
    const text = m.text.trim();
    // ERC's answer in a chat (the recognised emotion, ui/views.ts) is a note to the user, not the Listener's words.
    if (!side || text === "" || m.id?.startsWith(LABEL_ID_PREFIX)) continue;
    if (turns.length === 0 && side === "listener") continue;
    const last = turns[turns.length - 1];
    if (last?.side === side) last.text += `\n${text}`;
    else turns.push({ side, text });
  }
  if (turns.length === 0) {
    throw new ConversationError("The messages hold no human message with text: give at least one (the speaker's turn).");
  }
  if (turns[turns.length - 1]!.side !== "speaker") {
    throw new ConversationError("The messages end with an AI message: the last one must be a human message (the speaker's turn to answer).");
  }
  const result = turns.map((t) => t.text);
  byMessages.set(messages, result);
  return result;
}

/**
 * The dialogue of a state, oldest turn first, Speaker first, ending with the Speaker. One key only: a state with both
 * (a run given both, or a thread that started with the other key) is refused, as which one is meant is not known.
 */
export function turnsOf(state: Conversation): string[] {
  const dialogue = state.dialogue;
  if (dialogue !== undefined && hasMessages(state)) {
    throw new ConversationError(
      "The run has both `dialogue` and `messages`: give one of them (on a thread, the one it started with).",
    );
  }
  const turns = hasMessages(state) ? turnsOfMessages(state.messages) : dialogue;
  if (!turns || turns.every(isBlankTurn)) throw new EmptyDialogueError();
  // What the CLI and every data file hold a turn to, for a server's runs too.
  for (const [i, turn] of turns.entries()) {
    const problem = turnProblem(turn);
    if (problem) throw new ConversationError(`Turn ${i + 1} of ${turns.length} ${problem}.`);
  }
  const over = dialogueOverLimits(turns);
  if (over) throw new DialogueTooLargeError("The dialogue", over);
  return turns;
}

/**
 * The speaker names of a multi-party dialogue, one per turn (`speakers` beside `dialogue`), or undefined for the
 * usual Speaker/Listener dialogue. Refused with messages (whose sides are already human and AI) and when the count
 * differs from the dialogue's, as which name goes with which turn would be a guess.
 */
export function speakersOf(state: Conversation): string[] | undefined {
  const speakers = state.speakers;
  if (speakers === undefined) return undefined;
  if (hasMessages(state)) throw new ConversationError("`speakers` goes with `dialogue`, not with `messages`: give the turns as `dialogue`.");
  const turns = turnsOf(state);
  if (speakers.length !== turns.length) {
    throw new ConversationError(`The run has ${speakers.length} speakers for ${turns.length} dialogue turns: give one name per turn.`);
  }
  const blank = speakers.findIndex((s) => s.trim() === "");
  if (blank >= 0) throw new ConversationError(`Speaker ${blank + 1} is blank: give each turn's speaker a name.`);
  return speakers;
}

/** A graph's START router that first checks the conversation, so a bad one fails the run before any node runs. */
export function turnsChecked<S extends Conversation, C, R>(route: (state: S, config: C) => R): (state: S, config: C) => R {
  return (state, config) => {
    turnsOf(state);
    speakersOf(state);
    return route(state, config);
  };
}

/**
 * The update that gives a reply back to a chat: the AIMessage appended to `messages`, when the turns came as messages;
 * with `id` (a chat run's answer message, ui/views.ts), the one the agents' views are attached to.
 */
export function chatReply(state: Conversation, text: string, id?: string): Update {
  if (!fromMessages(state)) return {};
  const content = asTurn(text);
  return { messages: [new AIMessage(id ? { id, content } : content)] };
}
