/**
 * One state for every InsideOut graph; keys the parallel agents write (opinions, candidates, failures, calls) have
 * reducers, so their branches merge. A zod state, because that is the form for which the LangGraph API server shows
 * Studio the state, input, output and context schemas. The input is the conversation only (`InsideOutInput`:
 * `dialogue` or `messages`; nodes/turns.ts reads either), validated before any node runs.
 *
 * Zod 3 (`zod/v3`): LangGraph re-parses a zod state at every update, which Zod 3 does several times faster
 * (docs/bench.md, "The zod state"). Sub-schemas are built per use, so Studio's JSON schemas stay inline (no `$ref`).
 */
import type { BaseMessage } from "@langchain/core/messages";
import { MessagesZodMeta } from "@langchain/langgraph";
import { withLangGraph } from "@langchain/langgraph/zod";
import { z } from "zod/v3";
import { Question } from "./question.js";
import { reduceUi, type UiEvent } from "./ui.js";

const opinion = () =>
  z.object({
    emotion: z.string(),
    confidence: z.number(),
    rationale: z.string(),
  });

export const Opinion = opinion();
export type Opinion = z.infer<typeof Opinion>;

export const Candidate = z.object({
  reply: z.string(),
  /** The agent's own rating; absent for self-consistency's samples (the plain responder rates nothing). */
  confidence: z.number().optional(),
  rationale: z.string().optional(),
});
export type Candidate = z.infer<typeof Candidate>;

export const FinalEmotion = opinion().extend({
  /** How the label was decided: `llm`, `vote`, `weighted`, or `recognizer` for the baseline. */
  decidedBy: z.string(),
});
export type FinalEmotion = z.infer<typeof FinalEmotion>;

export const FinalReply = z.object({
  text: z.string(),
  /** The agent whose candidate was chosen, or `responder`. */
  author: z.string(),
  rationale: z.string().optional(),
});
export type FinalReply = z.infer<typeof FinalReply>;

/**
 * An answer to a benchmark question: EQ-Bench's four emotions' intensities (numbers), or EmoBench's chosen option per
 * field (`emotion`, `cause`; `choice`). `raw` is a free-text answer as the model gave it (EQ-Bench's own prompt), from
 * which `values` were parsed; `confidence` is absent where the answer rates nothing.
 */
export const BenchmarkAnswer = z.object({
  values: z.record(z.string(), z.union([z.string(), z.number()])),
  confidence: z.number().optional(),
  rationale: z.string().optional(),
  raw: z.string().optional(),
});
export type BenchmarkAnswer = z.infer<typeof BenchmarkAnswer>;

export const FinalAnswer = BenchmarkAnswer.extend({
  /** How it was decided: `llm`, `mean`, `median`, `vote`, `weighted`, or `answerer` for the baseline. */
  decidedBy: z.string(),
});
export type FinalAnswer = z.infer<typeof FinalAnswer>;

export const CallRecord = z.object({
  /** Trace name: `agent:fear`, `aggregate`, `recognize`, `respond`. */
  name: z.string(),
  promptTokens: z.number(),
  completionTokens: z.number(),
  /** LLM requests, repair retries included. */
  calls: z.number(),
  latencyMs: z.number(),
  ok: z.boolean(),
});
export type CallRecord = z.infer<typeof CallRecord>;

const merge = <V>(a: Record<string, V>, b: Record<string, V>) => ({ ...a, ...b });
const mergeable = <V extends z.ZodTypeAny>(value: V) =>
  withLangGraph(z.record(z.string(), value), {
    reducer: { fn: merge<z.infer<V>> },
    default: () => ({}),
  });

/**
 * Failures by node, merged; a null in an update removes one. On a thread the state outlives a run: a node that
 * succeeds clears the failure an earlier turn left under its name, and an agent's failure makes the aggregator ignore
 * the opinion or candidate an earlier turn left (nodes/aggregate.ts), so one turn never mixes in another's answers.
 */
const failuresByNode = () =>
  withLangGraph(z.record(z.string(), z.string()), {
    reducer: {
      fn: (a: Record<string, string>, b: Record<string, string | null>) => {
        const merged = { ...a };
        for (const [node, failure] of Object.entries(b)) {
          if (failure === null) delete merged[node];
          else merged[node] = failure;
        }
        return merged;
      },
      schema: z.record(z.string(), z.string().nullable()),
    },
    default: () => ({}),
  });

export class EmptyDialogueError extends Error {
  constructor() {
    super("The dialogue is empty: give at least one non-empty turn from the speaker.");
    this.name = "EmptyDialogueError";
  }
}

/** The conversation, oldest turn first; turns alternate Speaker, Listener, Speaker, … and end with the Speaker. */
const dialogue = () =>
  z
    .array(z.string())
    // Checked when the run starts (LangGraph validates the input against the graph's input schema), so an empty
    // dialogue is one error before any LLM call rather than one error per parallel agent. Thrown, not returned as an
    // issue: zod passes a refinement's own error on, so the run's error is this one line, not a list of zod issues.
    .superRefine((turns) => {
      if (!turns.some((t) => t.trim() !== "")) throw new EmptyDialogueError();
    })
    .describe("Turns, oldest first, alternating Speaker/Listener, ending with the Speaker");

/** Multi-party conversations (MELD): the name of each dialogue turn's speaker; the emotion asked for is the last one's. */
const speakers = () =>
  z
    .array(z.string())
    .describe("Optional, with dialogue: each turn's speaker name, one per turn (multi-party conversations); without it turns alternate Speaker/Listener");

/**
 * The conversation as LangChain messages with LangGraph's messages reducer (a thread's messages accumulate, as in
 * `MessagesAnnotation`): human messages are the Speaker's turns, AI messages the Listener's; others are ignored.
 */
const messages = () =>
  // Described before `withLangGraph`: `describe` returns a new schema, which would not carry the reducer.
  withLangGraph(
    z.custom<BaseMessage[]>().describe("Chat messages, oldest first: human = the Speaker, AI = the Listener; ending with a human message"),
    MessagesZodMeta,
  );

/**
 * What a run is given: `dialogue` (with `speakers` for a multi-party one) or `messages` (one of them). Studio's input form; everything else is the graphs' to
 * write.
 */
export const InsideOutInput = z.object({ dialogue: dialogue().optional(), speakers: speakers().optional(), messages: messages() });
/**
 * What a benchmark graph is given: the question. Optional in the schema (Studio's form still shows its shape) so that a
 * run without one gets the graph's one-line NoQuestionError at START, not the input check's list of zod issues.
 */
export const BenchmarkInput = z.object({ question: Question.optional() });
export type InsideOutInput = z.input<typeof InsideOutInput>;

export const InsideOutState = z.object({
  /** Set when the run was given `dialogue`; the turns are read through `nodes/turns.ts` `turnsOf`, never directly. */
  dialogue: dialogue().optional(),
  /** With `dialogue`, for a multi-party conversation: read through `nodes/turns.ts` `speakersOf`. */
  speakers: speakers().optional(),
  /** Set when the run was given `messages`; ERG (and ERC with `respond`) appends its reply here as an AIMessage. */
  messages: messages(),
  opinions: mergeable(Opinion),
  candidates: mergeable(Candidate),
  failures: failuresByNode(),
  calls: withLangGraph(z.array(CallRecord), {
    reducer: { fn: (a: CallRecord[], b: CallRecord[]) => [...a, ...b] },
    default: () => [],
  }),
  /** Things the user should know about the run, e.g. that a long dialogue was trimmed; each said once. */
  notes: withLangGraph(z.array(z.string()), {
    reducer: { fn: (a: string[], b: string[]) => [...new Set([...a, ...b])] },
    default: () => [],
  }),
  /** The zero-shot recogniser's estimate (baseline ERC's answer; ERG's first step). */
  recognized: opinion().optional(),
  /** The final emotion label (ERC). */
  emotion: FinalEmotion.optional(),
  /** The final reply (ERG, or ERC with `respond`). */
  reply: FinalReply.optional(),
  /** A benchmark question (state/question.ts): what the benchmark graphs answer instead of a dialogue's emotion. */
  question: Question.optional(),
  /** Each agent's or sample's answer to `question`, by name. */
  answers: mergeable(BenchmarkAnswer),
  /** The final answer to `question`. */
  answer: FinalAnswer.optional(),
  /** In a chat run, the agents' views as generative UI, attached to the turn's answer message (ui/views.ts). */
  ui: withLangGraph(z.array(z.custom<UiEvent>()), {
    reducer: { fn: reduceUi },
    default: () => [],
  }),
});

export type State = z.infer<typeof InsideOutState>;

/** What one self-consistency sample node is given (graphs/fanout.ts `eachSample`): the state and its index, from 1. */
export const SampleInput = InsideOutState.extend({ sample: z.number().int().min(1) });
export type SampleInput = z.infer<typeof SampleInput>;
/** What a node returns: any keys of the state; reducer keys are merged (a null failure removes one), the others replaced. */
export type Update = Partial<Omit<z.input<typeof InsideOutState>, "failures">> & { failures?: Record<string, string | null> };

/** The names self-consistency's samples go by in the state (opinions, candidates, failures): sample-1 … sample-k. */
export function sampleNames(k: number): string[] {
  return Array.from({ length: k }, (_, i) => sampleName(i + 1));
}

export const sampleName = (index: number): string => `sample-${index}`;
