/**
 * One state for every InsideOut graph. Keys written by the parallel emotion agents (opinions, candidates, failures,
 * calls) have reducers, so the branches merge instead of overwriting each other.
 *
 * A zod object with its reducers in LangGraph's schema registry, rather than a `StateSchema` or an `Annotation.Root`:
 * the LangGraph API server (langgraph-api 1.5) reports no context schema for a `StateSchema` state, and no state
 * schema for an `Annotation` state (even with zod input, output and context options); with a zod state it reports
 * state, input, output and context schemas to Studio, and LangGraph validates the run's input against it (an empty
 * dialogue is one error before any LLM call).
 *
 * Written in Zod 3 (`zod/v3`, which zod 4 keeps exporting) rather than Zod 4, for speed: LangGraph validates every
 * node's update against a zod state, building two partial copies of the state schema each time and parsing with a
 * fresh one. A fresh Zod 4 object schema is costly to build and to parse with once: ~0.2 ms per update, ~1.5 ms of CPU
 * per InsideOut dialogue. The same with Zod 3 takes ~0.03 ms per update. Sub-schemas are built per use (`opinion()`),
 * not shared, so that the JSON schemas Studio gets are inline, without `$ref`s. Everything else in the project is Zod 4.
 *
 * Even in Zod 3 those two partial copies were ~15 % of what an InsideOut dialogue allocates (bench/, part d): the
 * state object remembers its partial copy (see `withStablePartial`).
 */
import { withLangGraph } from "@langchain/langgraph/zod";
import { z } from "zod/v3";

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
  confidence: z.number(),
  rationale: z.string(),
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
 * A zod object whose `partial()` is built once. A zod schema never changes after it is built, so its partial copy is
 * the same every time; LangGraph asks for it (for the state and for its reducer-extended copy) at every node update.
 * `extend()` passes the memory on: the reducer-extended copy is made with it.
 */
export function withStablePartial<S extends z.AnyZodObject>(schema: S): S {
  const partial = schema.partial.bind(schema);
  const extend = schema.extend.bind(schema);
  let whole: z.AnyZodObject | undefined;
  return Object.assign(schema, {
    partial: (mask?: Parameters<S["partial"]>[0]) => (mask ? partial(mask) : (whole ??= partial())),
    extend: (augmentation: z.ZodRawShape) => withStablePartial(extend(augmentation)),
  });
}

export const InsideOutState = withStablePartial(z.object({
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
}));

export type State = z.infer<typeof InsideOutState>;
/** What a node returns: any keys of the state; reducer keys are merged, the others replaced. */
export type Update = Partial<z.input<typeof InsideOutState>>;
