/**
 * One state for every InsideOut graph. Keys written by the parallel emotion agents (opinions, candidates, failures,
 * calls) have reducers, so the branches merge instead of overwriting each other.
 */
import { ReducedValue, StateSchema } from "@langchain/langgraph";
import { z } from "zod";

export const Opinion = z.object({
  emotion: z.string(),
  confidence: z.number(),
  rationale: z.string(),
});
export type Opinion = z.infer<typeof Opinion>;

export const Candidate = z.object({
  reply: z.string(),
  confidence: z.number(),
  rationale: z.string(),
});
export type Candidate = z.infer<typeof Candidate>;

export const FinalEmotion = Opinion.extend({
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

export const InsideOutState = new StateSchema({
  /** The conversation, oldest turn first; turns alternate Speaker, Listener, Speaker, … and end with the Speaker. */
  dialogue: z
    .array(z.string())
    .refine((turns) => turns.some((t) => t.trim() !== ""), "The dialogue is empty: give at least one non-empty turn from the speaker.")
    .describe("Turns, oldest first, alternating Speaker/Listener, ending with the Speaker"),
  opinions: new ReducedValue(z.record(z.string(), Opinion).default(() => ({})), { reducer: merge }),
  candidates: new ReducedValue(z.record(z.string(), Candidate).default(() => ({})), { reducer: merge }),
  failures: new ReducedValue(z.record(z.string(), z.string()).default(() => ({})), { reducer: merge }),
  calls: new ReducedValue(z.array(CallRecord).default(() => []), { reducer: (a, b) => [...a, ...b] }),
  /** The zero-shot recogniser's estimate (baseline ERC's answer; ERG's first step). */
  recognized: Opinion.optional(),
  /** The final emotion label (ERC). */
  emotion: FinalEmotion.optional(),
  /** The final reply (ERG, or ERC with `respond`). */
  reply: FinalReply.optional(),
});

export type State = typeof InsideOutState.State;
export type Update = typeof InsideOutState.Update;
