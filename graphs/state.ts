/**
 * One state for every InsideOut graph. Keys written by the parallel emotion agents (opinions, candidates, failures,
 * calls) have reducers, so the branches merge instead of overwriting each other.
 *
 * Written as a zod object with reducers in LangGraph's zod registry rather than as a `StateSchema`: the LangGraph API
 * server (langgraph-api 1.5) reports no context schema for `StateSchema` graphs, so Studio would not show the typed
 * run options. With a zod state it reports state, input, output and context schemas.
 */
import { registry, type UpdateType } from "@langchain/langgraph/zod";
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
const mergeable = <V extends z.ZodType>(value: V) =>
  z.record(z.string(), value).register(registry, {
    reducer: { fn: merge<z.infer<V>> },
    default: () => ({}),
  });

export const InsideOutState = z.object({
  /** The conversation, oldest turn first; turns alternate Speaker, Listener, Speaker, … and end with the Speaker. */
  // Checked when the run starts (LangGraph validates input against the zod state), so an empty dialogue is one error
  // before any LLM call rather than one error per parallel agent.
  dialogue: z
    .array(z.string())
    .refine((turns) => turns.some((t) => t.trim() !== ""), {
      message: "The dialogue is empty: give at least one non-empty turn from the speaker.",
    })
    .describe("Turns, oldest first, alternating Speaker/Listener, ending with the Speaker"),
  opinions: mergeable(Opinion),
  candidates: mergeable(Candidate),
  failures: mergeable(z.string()),
  calls: z.array(CallRecord).register(registry, {
    reducer: { fn: (a: CallRecord[], b: CallRecord[]) => [...a, ...b] },
    default: () => [],
  }),
  /** Things the user should know about the run, e.g. that a long dialogue was trimmed; each said once. */
  notes: z.array(z.string()).register(registry, {
    reducer: { fn: (a: string[], b: string[]) => [...new Set([...a, ...b])] },
    default: () => [],
  }),
  /** The zero-shot recogniser's estimate (baseline ERC's answer; ERG's first step). */
  recognized: Opinion.optional(),
  /** The final emotion label (ERC). */
  emotion: FinalEmotion.optional(),
  /** The final reply (ERG, or ERC with `respond`). */
  reply: FinalReply.optional(),
});

export type State = z.infer<typeof InsideOutState>;
export type Update = UpdateType<typeof InsideOutState>;
