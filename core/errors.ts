/**
 * Failures that are never results. A `NotAResult` anywhere under an example (an agent, the aggregator, the judge)
 * means the example gets no record: it stays unfinished and the next run retries it. Nodes re-throw these instead of
 * recording them as an agent's failure; only the model's own answers (valid, or still invalid after the repair retry)
 * are results.
 */
export abstract class NotAResult extends Error {
  /** True when going on cannot help (a rejected key, a damaged file, a full disk): the run stops at once. */
  abstract readonly stopsRun: boolean;
}

export type CallFailureKind = "connection" | "timeout" | "auth" | "rate-limit" | "server" | "not-found" | "protocol" | "request";

/** A model call that got no answer from the model: the server was unreachable, refused the key, or failed. */
export class ModelCallFailure extends NotAResult {
  constructor(
    readonly kind: CallFailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "ModelCallFailure";
  }

  get stopsRun(): boolean {
    return this.kind === "auth" || this.kind === "not-found";
  }
}

/** The experiment store, the LLM cache or an output file cannot be read or written (damaged, full, read-only). */
export class StorageError extends NotAResult {
  readonly stopsRun = true;
  constructor(
    message: string,
    readonly path: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "StorageError";
  }
}

export type ServerFailureKind = "unreachable" | "server" | "model" | "refused";

/**
 * A LangGraph server run (core/langgraphServer.ts) that gave no result: the server was not reached or failed, the
 * model on the server got no answer, or the server refused the run's options (which every run would meet alike:
 * `stopsRun`).
 */
export class ServerRunFailure extends NotAResult {
  constructor(
    readonly kind: ServerFailureKind,
    message: string,
  ) {
    super(message);
    this.name = "ServerRunFailure";
  }

  get stopsRun(): boolean {
    return this.kind === "refused";
  }
}

/** The first NotAResult in an error, its `cause` chain or an AggregateError's errors (parallel branches). */
export function notAResultIn(error: unknown, depth = 0): NotAResult | undefined {
  if (depth > 8 || error === null || typeof error !== "object") return undefined;
  if (error instanceof NotAResult) return error;
  if (error instanceof AggregateError) {
    for (const e of error.errors) {
      const found = notAResultIn(e, depth + 1);
      if (found) return found;
    }
  }
  return notAResultIn((error as { cause?: unknown }).cause, depth + 1);
}
