/**
 * A LangGraph server's final state crosses a trust boundary: it becomes a record only when it is, checked as strictly
 * as a model's answer, this run's answer — the dialogue we sent (and its speakers), for ERC a label of the set with a
 * confidence in [0, 1], for ERG a reply, for a benchmark question the question we sent and an answer to it; opinions
 * (ERG: candidates) from exactly the agents or samples the run selected, each or its failure; a decision the run's
 * aggregation can make; usage present, in whole numbers within bounds a real run keeps. Anything else is a ServerRunFailure
 * with the reason (the example stays unfinished; recognize exits non-zero), never a result.
 */
import { z } from "zod";
import { ServerRunFailure } from "./errors.js";

export interface ExpectedAnswer {
  /** `benchmark`: a benchmark graph's (EQ-Bench, EmoBench), whose answer is the state's `answer`. */
  task: "erc" | "erg" | "benchmark";
  /** The labels the answer must be among (undefined: the set is the server's own, by name; not checked here). */
  labels?: readonly string[];
  /**
   * The agents or samples the run selected: each has an opinion (ERC) or a candidate (ERG), or a failure; no other
   * name has either. Empty: the method has none. Undefined: not checked.
   */
  voices?: readonly string[];
  /** ERC: how the run's emotion may have been decided (`weighted` under `llm` only with the aggregator's failure). */
  aggregation?: string;
}

const confidence = z.number().min(0).max(1);
const opinion = z.object({ emotion: z.string(), confidence, rationale: z.string() });
/** Bounds no real run reaches: a call record's tokens (the largest contexts are a few million), its requests, its time. */
const MAX_CALL_TOKENS = 100_000_000;
const MAX_CALL_REQUESTS = 1000;
const MAX_CALL_MS = 7 * 24 * 3600 * 1000;
const MAX_CALL_RECORDS = 10_000;
const tokens = z.number().int().min(0).max(MAX_CALL_TOKENS);
const stateShape = z.object({
  dialogue: z.array(z.string()).optional(),
  speakers: z.array(z.string()).optional(),
  opinions: z.record(z.string(), opinion).optional(),
  candidates: z.record(z.string(), z.object({ reply: z.string(), confidence: confidence.optional() })).optional(),
  failures: z.record(z.string(), z.string()).optional(),
  calls: z
    .array(
      z.object({
        promptTokens: tokens,
        completionTokens: tokens,
        calls: z.number().int().min(0).max(MAX_CALL_REQUESTS),
        latencyMs: z.number().min(0).max(MAX_CALL_MS),
        name: z.string(),
        ok: z.boolean(),
      }),
    )
    .max(MAX_CALL_RECORDS)
    .optional(),
  recognized: opinion.optional(),
  emotion: opinion.extend({ decidedBy: z.string() }).optional(),
  reply: z.object({ text: z.string(), author: z.string() }).optional(),
  question: z.unknown().optional(),
  answer: z.object({ values: z.record(z.string(), z.union([z.string(), z.number()])), decidedBy: z.string() }).optional(),
});

/** Input the server's state must echo. */
type SentInput = { dialogue?: readonly string[]; speakers?: readonly string[]; question?: unknown };

/** JSON with object keys sorted: the same value whatever order a server's schema puts its keys in. */
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_, x: unknown) =>
    x && typeof x === "object" && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x,
  );

const sameTurns = (a: readonly string[] | undefined, b: readonly string[] | undefined) =>
  a === b || (a !== undefined && b !== undefined && a.length === b.length && a.every((t, i) => t === b[i]));

/** Why `state` is not the answer to `input`; undefined when it is. */
export function finalStateProblem(state: unknown, input: SentInput, expected: ExpectedAnswer): string | undefined {
  const parsed = stateShape.safeParse(state);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return `${issue.path.join(".") || "the state"}: ${issue.message}`;
  }
  const s = parsed.data;
  if (input.dialogue !== undefined && !sameTurns(s.dialogue, input.dialogue)) return "its dialogue is not the one sent";
  if (input.speakers !== undefined && !sameTurns(s.speakers, input.speakers)) return "its speakers are not the ones sent";
  if (input.question !== undefined && canonical(s.question) !== canonical(input.question)) return "its question is not the one sent";
  const inSet = (label: string) => expected.labels === undefined || expected.labels.includes(label);
  if (expected.task === "benchmark") {
    if (!s.answer) return "it has no answer";
  } else if (expected.task === "erc") {
    if (!s.emotion) return "it has no emotion";
    if (!inSet(s.emotion.emotion)) return `its emotion ${JSON.stringify(s.emotion.emotion.slice(0, 40))} is not a label of the set`;
  } else if (!s.reply || s.reply.text.trim() === "") {
    return "it has no reply";
  }
  for (const [agent, o] of Object.entries(s.opinions ?? {})) {
    if (!inSet(o.emotion)) return `the opinion of ${JSON.stringify(agent.slice(0, 40))} is not a label of the set`;
  }
  // Every graph returns each call's usage: a state without it would report an answer that cost nothing.
  if (!s.calls?.length) return "it records no model call, so its usage is missing";
  return votersProblem(s, expected) ?? decisionProblem(s, expected);
}

const quoted = (name: string) => JSON.stringify(name.slice(0, 40));

/** The opinions (ERC) or candidates (ERG) against the voices the run selected. */
function votersProblem(s: z.infer<typeof stateShape>, expected: ExpectedAnswer): string | undefined {
  if (expected.voices === undefined || expected.task === "benchmark") return undefined;
  const [what, given] = expected.task === "erc" ? ["opinion", s.opinions ?? {}] : ["candidate", s.candidates ?? {}];
  const voices = new Set(expected.voices);
  const stranger = Object.keys(given).find((name) => !voices.has(name));
  if (stranger !== undefined) return `it has an ${what} from ${quoted(stranger)}, which the run did not select`;
  const missing = expected.voices.find((v) => given[v] === undefined && s.failures?.[v] === undefined);
  if (missing !== undefined) return `it has neither an ${what} nor a failure for ${quoted(missing)}`;
  return undefined;
}

/** ERC's decidedBy against the method and the run's aggregation. */
function decisionProblem(s: z.infer<typeof stateShape>, expected: ExpectedAnswer): string | undefined {
  if (expected.task !== "erc" || expected.voices === undefined || !s.emotion) return undefined;
  const by = s.emotion.decidedBy;
  const allowed = expected.voices.length === 0 ? ["recognizer"] : expected.aggregation === undefined ? undefined : [expected.aggregation];
  if (!allowed) return undefined;
  // The LLM aggregator's fallback when it failed: the weighted rule, with the failure recorded (nodes/aggregate.ts).
  if (expected.aggregation === "llm" && by === "weighted" && s.failures?.aggregate !== undefined) return undefined;
  if (!allowed.includes(by)) return `its emotion was decided by ${quoted(by)}, which ${expected.voices.length === 0 ? "this method" : `aggregation ${expected.aggregation}`} does not do`;
  return undefined;
}

/** `state` when it is the answer to `input`; otherwise a ServerRunFailure naming the server and the reason. */
export function checkedFinalState(url: string, state: unknown, input: SentInput, expected: ExpectedAnswer): Record<string, unknown> {
  const problem = finalStateProblem(state, input, expected);
  if (problem) throw new ServerRunFailure("server", `The LangGraph server at ${url} ended the run with a state that is not its answer (${problem.replace(/\s+/g, " ")}).`);
  return state as Record<string, unknown>;
}
