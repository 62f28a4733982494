/**
 * A LangGraph server (`npm run dev`, `langgraphjs up`, a LangSmith deployment) as this package uses it, through
 * `@langchain/langgraph-sdk`: a client for its URL, a check that it serves the graphs a caller needs, one graph run
 * streamed to its final state, and what a failed run was. `cli/remote.ts` (one dialogue) and
 * `evaluations/remoteExecutor.ts` (an eval's examples) share it.
 *
 * Runs are stateless (no thread): the server deletes the run's temporary thread when it ends, so no dialogue stays on
 * the server, and `onDisconnect: "cancel"` cancels a run whose caller went away (stopped, killed), so none is left
 * running. Streamed, because the dev server cancels on disconnect only for streamed runs (not for `runs.wait`).
 */
import { Client, type StreamMode } from "@langchain/langgraph-sdk";
import { cappedStream } from "./cappedStream.js";
import { ServerRunFailure } from "./errors.js";
import { formatBytes } from "./inputLimits.js";
import { checkedUrl, setting } from "./settings.js";
import { checkedFinalState, type ExpectedAnswer } from "./serverAnswer.js";

export { ServerRunFailure } from "./errors.js";

/** `url` checked as every URL we are given is (core/settings.ts `checkedUrl`) and written one way, without a trailing slash. */
export function serverUrl(url: string): string {
  return new URL(checkedUrl("--server", url)).href.replace(/\/$/, "");
}

/**
 * fetch with every answer's body cut off past INSIDEOUT_MAX_SERVER_STREAM_BYTES: a server that streams a state of
 * gigabytes fails the run instead of filling this process's memory (the SDK reads each event whole).
 */
function cappedFetch(url: string): typeof fetch {
  return async (input, init) => {
    const res = await fetch(input, init);
    if (!res.body) return res;
    const cap = setting("INSIDEOUT_MAX_SERVER_STREAM_BYTES");
    const tooLarge = () =>
      new ServerRunFailure("server", `The LangGraph server at ${url} sent more than ${formatBytes(cap)} for one run: check the server, or raise INSIDEOUT_MAX_SERVER_STREAM_BYTES.`);
    return new Response(cappedStream(res.body, cap, tooLarge), { status: res.status, statusText: res.statusText, headers: res.headers });
  };
}

export function serverClient(url: string, o: { concurrency?: number } = {}): Client {
  return new Client({
    apiUrl: serverUrl(url),
    // LANGSMITH_API_KEY authenticates against LangSmith deployments; a local dev server ignores it.
    apiKey: setting("LANGSMITH_API_KEY"),
    // The SDK admits 4 requests at once by default; the caller bounds its own (an eval's --concurrency). It retries a
    // refused connection 4 times with backoff (15-30 s per run, each reconnect of a broken stream too): a server
    // that is gone is said at once instead, and the eval resumes what it left unfinished.
    callerOptions: { maxRetries: 0, fetch: cappedFetch(serverUrl(url)), ...(o.concurrency ? { maxConcurrency: o.concurrency } : {}) },
  });
}

/**
 * The graph's own failures, which a local run records as the example's error (counted as wrong): on the model's
 * answers (still invalid after the repair retry; every agent's invalid), or on the example's own dialogue.
 */
const RESULT_ERRORS = new Set(["InvalidAnswerError", "AllAgentsFailedError", "EmptyDialogueError", "ConversationError"]);
/** The server refused the run's options or a file they name: every run would fail the same way. */
const REFUSALS = new Set(["RunRefused"]);
/** The model on the server got no answer (unreachable, key refused, rate-limited): not a result. */
const MODEL_FAILURES = new Set(["ModelCallFailure"]);

/**
 * A server's error message on one line: a zod error's JSON list of issues (the dev server sends the input schema's
 * refusal so) becomes its first issue's message, anything else its whitespace folded, cut at 300 characters.
 */
function oneLine(message: string): string {
  try {
    const issues = JSON.parse(message) as unknown;
    const first = Array.isArray(issues) ? (issues[0] as { message?: unknown; path?: unknown } | undefined) : undefined;
    if (first && typeof first.message === "string") {
      const at = Array.isArray(first.path) && first.path.length ? ` (at ${first.path.join(".")})` : "";
      return `${first.message}${at}`;
    }
  } catch {
    // not JSON: the message as it is
  }
  return message.replace(/\s+/g, " ").trim().slice(0, 300);
}

/**
 * What a run's `error` event (`{ error: <the error's name>, message }`) was. The graph's own failures on the model's
 * answers come back as plain errors of the same name and message as in a local run (recorded, counted as wrong);
 * everything else is a ServerRunFailure. An error whose name we do not know is not taken for a result.
 */
export function runError(url: string, data: unknown): Error {
  const d = (data ?? {}) as { error?: unknown; message?: unknown };
  const name = typeof d.error === "string" ? d.error : "Error";
  const message = oneLine(typeof d.message === "string" ? d.message : JSON.stringify(data));
  if (RESULT_ERRORS.has(name)) {
    const e = new Error(message);
    e.name = name;
    return e;
  }
  if (MODEL_FAILURES.has(name)) return new ServerRunFailure("model", `${message} (on the LangGraph server at ${url})`);
  if (REFUSALS.has(name)) return new ServerRunFailure("refused", `The LangGraph server at ${url} refused the run: ${message}`);
  return new ServerRunFailure("server", `The LangGraph server at ${url} failed the run: ${name}: ${message}`);
}

const UNREACHABLE = /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|fetch failed|Failed to fetch|Unable to connect to LangGraph server|other side closed|socket/i;

/** An SDK exception on one line, cut short; undefined when the server was not reached at all. */
function answeredWith(error: unknown): string | undefined {
  const message = error instanceof Error ? error.message : String(error);
  const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : "";
  if (UNREACHABLE.test(message) || UNREACHABLE.test(cause)) return undefined;
  return oneLine(message);
}

const unreachable = (url: string) => `Cannot reach the LangGraph server at ${url}: start it with \`npm run dev\` or check --server.`;

/** An exception from the SDK (no response, an HTTP error) as a ServerRunFailure naming the server. */
export function transportFailure(url: string, error: unknown): ServerRunFailure {
  const answer = answeredWith(error);
  if (answer === undefined) return new ServerRunFailure("unreachable", unreachable(url));
  return new ServerRunFailure("server", `The LangGraph server at ${url} failed the run: ${answer}`);
}

export interface ServerRun {
  graphId: string;
  /** A dialogue (and its speakers), or a benchmark's question (state/question.ts). */
  input: { dialogue?: string[]; speakers?: string[]; question?: unknown };
  /** What the final state must be to count as the run's answer (core/serverAnswer.ts). */
  expected: ExpectedAnswer;
  context: Record<string, unknown>;
  metadata?: Record<string, unknown>;
  /** `values` is always streamed (the final state); other modes reach `onEvent`. */
  streamMode?: StreamMode[];
  onEvent?: (event: string, data: unknown) => void;
  signal?: AbortSignal;
  /**
   * Longest time without a complete event with data (default INSIDEOUT_SERVER_STALL_MS) and longest run (default
   * INSIDEOUT_SERVER_RUN_DEADLINE_MS).
   */
  stallMs?: number;
  deadlineMs?: number;
}

/**
 * Runs a graph on the server and returns its final state, once checked to be the run's answer. Throws the graph's own failure on the model's answers as a
 * plain error (see runError), a ServerRunFailure for anything else, and, when `signal` aborted, whatever the abort
 * threw.
 */
export async function runOnServer(client: Client, url: string, run: ServerRun): Promise<Record<string, unknown>> {
  const streamMode: StreamMode[] = [...new Set<StreamMode>(["values", ...(run.streamMode ?? [])])];
  let final: Record<string, unknown> | undefined;
  let failed: Error | undefined;
  // Our own signal: the caller's, a stall of the stream, or the run's deadline end it (the server then cancels it).
  const own = new AbortController();
  let gaveUp: ServerRunFailure | undefined;
  const giveUp = (why: string) => {
    gaveUp = new ServerRunFailure("server", `The LangGraph server at ${url} ${why}: the run was cancelled; check the server.`);
    own.abort(gaveUp);
  };
  // A server step is a few model calls (minutes at most); the longest method makes 7 calls per example.
  const stallMs = run.stallMs ?? setting("INSIDEOUT_SERVER_STALL_MS");
  const deadlineMs = run.deadlineMs ?? setting("INSIDEOUT_SERVER_RUN_DEADLINE_MS");
  const stalled = () => giveUp(`sent no complete event for ${Math.round(stallMs / 1000)} s (INSIDEOUT_SERVER_STALL_MS)`);
  let stall = setTimeout(stalled, stallMs);
  const deadline = setTimeout(() => giveUp(`did not end the run within ${Math.round(deadlineMs / 1000)} s (INSIDEOUT_SERVER_RUN_DEADLINE_MS)`), deadlineMs);
  const onAbort = () => own.abort(run.signal?.reason);
  if (run.signal?.aborted) onAbort();
  else run.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const parts = client.runs.stream(null, run.graphId, {
      input: run.input,
      context: run.context,
      ...(run.metadata ? { metadata: run.metadata } : {}),
      streamMode,
      onDisconnect: "cancel",
      signal: own.signal,
    });
    for await (const part of parts) {
      // Progress is an event with data: a heartbeat (an event with no data) keeps the connection, not the run, alive.
      if (part.data !== null && part.data !== undefined) {
        clearTimeout(stall);
        stall = setTimeout(stalled, stallMs);
      }
      if (part.event === "values") final = part.data as Record<string, unknown>;
      else if (part.event === "error") failed = runError(url, part.data);
      else run.onEvent?.(part.event, part.data);
    }
  } catch (e) {
    if (run.signal?.aborted) throw e;
    if (gaveUp) throw gaveUp;
    // The stream cut off past its byte cap (cappedFetch): said as it is.
    if (e instanceof ServerRunFailure) throw e;
    throw transportFailure(url, e);
  } finally {
    clearTimeout(stall);
    clearTimeout(deadline);
    run.signal?.removeEventListener("abort", onAbort);
  }
  if (gaveUp) throw gaveUp;
  if (failed) throw failed;
  if (!final) throw new ServerRunFailure("server", `The LangGraph server at ${url} ended the run without a result.`);
  return checkedFinalState(url, final, run.input, run.expected);
}

/**
 * Before any run: the server answers and serves every graph in `graphIds` (by graph id, as langgraph.json names them).
 * One line otherwise. Makes no run and no model call.
 */
export async function checkServer(client: Client, url: string, graphIds: readonly string[]): Promise<void> {
  for (const graphId of graphIds) {
    let found: unknown[];
    try {
      found = await client.assistants.search({ graphId, limit: 1 });
    } catch (e) {
      const answer = answeredWith(e);
      throw new Error(answer === undefined ? unreachable(url) : `${url} does not answer as a LangGraph server (${answer}): check --server.`);
    }
    if (!Array.isArray(found) || found.length === 0) {
      throw new Error(
        `The LangGraph server at ${url} does not serve the graph "${graphId}": deploy this package's langgraph.json there (docs/studio.md), or check --server.`,
      );
    }
  }
}
