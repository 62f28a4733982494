/**
 * eval --batch: the chat-completion requests of a whole graph stage (the agents of every example, then their
 * aggregators, ...) sent as one OpenAI batch. The collector is the `fetch` ChatOpenAI is given (its documented option),
 * so each line of the batch is exactly the body ChatOpenAI would have sent, and each answer is handed back to it as the
 * HTTP answer it would have got: parsing, validation, the repair retry and the LLM cache (models/structured.ts) are
 * the same code as without --batch, hence the same metrics.
 *
 * When to submit: every example of the run is in flight at once; once no new request has come for a moment
 * (`settleMs`, on a process that has nothing else to do then), every example is waiting on the collector, and what it
 * holds is the stage. Each request's key (a line's custom_id) is the SHA-256 of its body. Before a request is
 * submitted, the experiment store (store/batches.ts) is asked whether an earlier run already submitted it: then its
 * batch is polled (or, for a file uploaded just before a kill, found or created), never submitted again.
 *
 * A request its batch did not answer (a failed line, more than one line, a failed or expired batch) is a ModelCallFailure: its example
 * stays unfinished, and its key is released for the next run. A batch that could not be polled keeps its record:
 * the next run polls it again.
 */
import { createHash } from "node:crypto";
import { ModelCallFailure, type CallFailureKind } from "../../core/errors.js";
import { toModelCallFailure } from "../failures.js";
import { notACompletionBody } from "../limits.js";
import { answeredNoter } from "../answeredUsage.js";
import type { BatchTransport } from "../types.js";
import { BATCH_ENDPOINT, type BatchApi, type BatchLine, type BatchOutcome, type BatchStatus } from "./api.js";

/** The experiment store's batch records, as the collector uses them (store/batches.ts BatchLedger). */
export interface BatchRecords {
  find(key: string): { inputFileId: string; batchId?: string } | undefined;
  recordUpload(inputFileId: string, keys: readonly string[]): void;
  recordBatch(inputFileId: string, batchId: string): void;
  release(keys: readonly string[]): void;
}

export interface BatchStats {
  /** Batches created by this run. */
  submitted: number;
  /** Batches of an earlier run polled by this one. */
  resumed: number;
  /** Requests answered through batches. */
  answered: number;
  promptTokens: number;
  completionTokens: number;
}

export interface CollectorOptions {
  /** Quiet time after the last request before the stage is submitted. */
  settleMs?: number;
  /** One line per change of a batch's status (progress). */
  notify?: (line: string) => void;
  /** What a user must hear even without progress: lines a batch's files held that answer nothing. */
  warn?: (line: string) => void;
}

/** OpenAI's limits per batch: 50 000 requests, a 200 MB input file (kept under, with room). */
const MAX_LINES = 50_000;
const MAX_BYTES = 180 * 1024 ** 2;
/** A request waits at most its batch's 24 h window and the time to poll and read it. */
export const MAX_WAIT_MS = 25 * 3600 * 1000;

interface Waiting {
  line: string;
  keys: number;
  waiters: { resolve: (r: Promise<Response>) => void; reject: (e: unknown) => void; note: (body: unknown) => void }[];
}

export class BatchCollector implements BatchTransport {
  readonly maxWaitMs = MAX_WAIT_MS;
  private readonly pending = new Map<string, Waiting>();
  /** The outcome each key of this run waits for, once it is in a batch (submitted now or earlier). */
  private readonly outcomes = new Map<string, Promise<BatchOutcome>>();
  private readonly byFile = new Map<string, Promise<BatchOutcome>>();
  private readonly counted = new Set<string>();
  private readonly stopped = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private arrivals = 0;
  private readonly settleMs: number;
  private readonly notify: (line: string) => void;
  private readonly warn: (line: string) => void;
  private readonly counts: BatchStats = { submitted: 0, resumed: 0, answered: 0, promptTokens: 0, completionTokens: 0 };

  constructor(
    private readonly api: BatchApi,
    private readonly records: BatchRecords,
    o: CollectorOptions = {},
  ) {
    this.settleMs = o.settleMs ?? 200;
    this.notify = o.notify ?? (() => {});
    this.warn = o.warn ?? this.notify;
  }

  stats(): BatchStats {
    return { ...this.counts };
  }

  /** Stops polling; requests still waiting fail as stopped. */
  close(): void {
    if (this.timer) clearTimeout(this.timer);
    this.stopped.abort(new Error("the eval stopped"));
  }

  readonly fetch = (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
    const body = init?.body;
    if ((init?.method ?? "GET").toUpperCase() !== "POST" || !/\/chat\/completions(\?|$)/.test(url) || typeof body !== "string") {
      // Not a result of the model: a call that could not be made this way.
      return Promise.reject(new ModelCallFailure("protocol", `--batch sends chat completions only; the OpenAI client asked for ${new URL(url).pathname}: run without --batch.`));
    }
    const key = createHash("sha256").update(body).digest("hex");
    return new Promise<Response>((resolve, reject) => {
      const signal = init?.signal;
      if (signal?.aborted) return reject(signal.reason as Error);
      // Its answer's usage goes to the call that asked, as the transport's does (models/answeredUsage.ts).
      const waiter = { resolve: (r: Promise<Response>) => r.then(resolve, reject), reject, note: answeredNoter() };
      signal?.addEventListener("abort", () => this.drop(key, waiter, signal.reason), { once: true });
      this.route(key, body, waiter);
    });
  };

  private route(key: string, body: string, waiter: Waiting["waiters"][number]): void {
    const known = this.outcomes.get(key) ?? this.earlier(key);
    if (known) return waiter.resolve(known.then((o) => this.answer(o, key, waiter.note)));
    const waiting = this.pending.get(key);
    if (waiting) {
      waiting.waiters.push(waiter);
      return;
    }
    const line = JSON.stringify({ custom_id: key, method: "POST", url: BATCH_ENDPOINT, body: JSON.parse(body) as unknown });
    this.pending.set(key, { line, keys: 1, waiters: [waiter] });
    this.arrivals++;
    this.schedule();
  }

  /** A batch an earlier run put this request in: polled (or found, or created from its uploaded file) once. */
  private earlier(key: string): Promise<BatchOutcome> | undefined {
    const stored = this.records.find(key);
    if (!stored) return undefined;
    let outcome = this.byFile.get(stored.inputFileId);
    if (!outcome) {
      outcome = this.resume(stored.inputFileId, stored.batchId);
      this.byFile.set(stored.inputFileId, outcome);
      outcome.catch(() => {});
    }
    this.outcomes.set(key, outcome);
    return outcome;
  }

  private async resume(inputFileId: string, batchId: string | undefined): Promise<BatchOutcome> {
    const signal = this.stopped.signal;
    let id = batchId;
    try {
      id ??= await this.api.findByInputFile(inputFileId, signal);
      if (!id) {
        id = await this.api.create(inputFileId, signal);
        this.counts.submitted++;
        this.notify(`Batch API: created ${id} from the file an interrupted run uploaded`);
      } else {
        this.counts.resumed++;
        this.notify(`Batch API: resuming ${id}, submitted by an earlier run`);
      }
      this.records.recordBatch(inputFileId, id);
      return this.settle(await this.api.wait(id, (s) => this.progress(s), signal, this.ours(inputFileId)));
    } catch (e) {
      throw this.failure(e, `could not resume the batch of file ${inputFileId}${id ? ` (${id})` : ""} (the next run tries again)`);
    }
  }

  private drop(key: string, waiter: Waiting["waiters"][number], reason: unknown): void {
    const waiting = this.pending.get(key);
    if (waiting) {
      waiting.waiters = waiting.waiters.filter((w) => w !== waiter);
      if (waiting.waiters.length === 0) this.pending.delete(key);
    }
    waiter.reject(reason);
  }

  /** Submits once no request has come for `settleMs`: every example is then waiting on this stage's answers. */
  private schedule(): void {
    if (this.timer) return;
    const seen = this.arrivals;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.pending.size === 0) return;
      if (this.arrivals !== seen) return this.schedule();
      this.flush();
    }, this.settleMs);
  }

  private flush(): void {
    const all = [...this.pending];
    this.pending.clear();
    for (const chunk of chunks(all)) {
      const outcome = this.submit(chunk.map(([key]) => key), chunk.map(([, w]) => w.line));
      outcome.catch(() => {});
      for (const [key, w] of chunk) {
        this.outcomes.set(key, outcome);
        for (const waiter of w.waiters) waiter.resolve(outcome.then((o) => this.answer(o, key, waiter.note)));
      }
    }
  }

  private async submit(keys: string[], lines: string[]): Promise<BatchOutcome> {
    const signal = this.stopped.signal;
    let inputFileId: string;
    let batchId: string;
    try {
      inputFileId = await this.api.upload(`${lines.join("\n")}\n`, signal);
      // Recorded before the batch exists: a kill after `create` finds the file and the batch made from it.
      this.records.recordUpload(inputFileId, keys);
      batchId = await this.api.create(inputFileId, signal);
    } catch (e) {
      throw this.failure(e, "could not submit a batch");
    }
    this.records.recordBatch(inputFileId, batchId);
    this.counts.submitted++;
    this.notify(`Batch API: submitted ${batchId} with ${keys.length} request${keys.length === 1 ? "" : "s"}`);
    try {
      return this.settle(await this.api.wait(batchId, (s) => this.progress(s), signal, this.ours(inputFileId)));
    } catch (e) {
      throw this.failure(e, `could not poll batch ${batchId} (the next run polls it again)`);
    }
  }

  /** Whether a line of a batch's files answers a request of ours in it: the lines of nothing we wait for are not kept. */
  private ours(inputFileId: string): (customId: string) => boolean {
    return (customId) => this.records.find(customId)?.inputFileId === inputFileId;
  }

  private settle(o: BatchOutcome): BatchOutcome {
    const failed = [...o.lines.values()].filter((l) => !answered(l)).length;
    const notes = [
      ...(failed ? [`${failed} line${failed === 1 ? "" : "s"} without an answer`] : []),
      ...(o.oversized ? [`${o.oversized} line${o.oversized === 1 ? "" : "s"} longer than an answer may be, skipped`] : []),
      ...(o.missingFile ? [`its ${o.missingFile.which} file ${o.missingFile.fileId} is gone`] : []),
      ...(o.repeated ? [`${o.repeated.size} request${o.repeated.size === 1 ? "" : "s"} answered more than once, so not answered`] : []),
      ...(o.foreign ? [`${o.foreign} line${o.foreign === 1 ? "" : "s"} for requests not in this batch, ignored`] : []),
      ...(o.unreadable ? [`${o.unreadable} line${o.unreadable === 1 ? "" : "s"} not JSON with a custom_id, skipped`] : []),
    ];
    const line = `Batch API: ${o.batchId} ended ${o.status}${notes.map((n) => `, ${n}`).join("")}`;
    if (o.repeated || o.foreign || o.unreadable) this.warn(line);
    else if (notes.length || o.status !== "completed") this.notify(line);
    return o;
  }

  private progress(s: BatchStatus): void {
    const counts = s.total ? `, ${s.done + s.failed} of ${s.total} requests done${s.failed ? ` (${s.failed} failed)` : ""}` : "";
    this.notify(`Batch API: ${s.batchId} ${s.status.replace(/_/g, " ")}${counts}`);
  }

  /** The HTTP answer ChatOpenAI would have had for this request, or why there is none. */
  private answer(o: BatchOutcome, key: string, note: (body: unknown) => void): Response {
    const line = o.lines.get(key);
    if (!line || !answered(line)) {
      // Not answered is not submitted: a later run may ask again.
      this.records.release([key]);
      throw unanswered(o, key, line, this.api.endpoint);
    }
    // A 2xx line that is no completion (`choices: []`, a body that is not JSON) is no answer, as it is without --batch.
    const notACompletion = notACompletionBody(line.response!.body);
    if (notACompletion) {
      this.records.release([key]);
      throw new ModelCallFailure("protocol", `The Batch API at ${this.api.endpoint}: batch ${o.batchId} answered this request with ${notACompletion}; run the same command again to ask it again.`);
    }
    const body = line.response!.body as { usage?: { prompt_tokens?: number; completion_tokens?: number } };
    note(body);
    if (!this.counted.has(key)) {
      this.counted.add(key);
      this.counts.answered++;
      this.counts.promptTokens += body.usage?.prompt_tokens ?? 0;
      this.counts.completionTokens += body.usage?.completion_tokens ?? 0;
    }
    return new Response(JSON.stringify(body), { status: line.response!.status_code, headers: { "content-type": "application/json" } });
  }

  private failure(e: unknown, what: string): unknown {
    if (this.stopped.signal.aborted) return e;
    return (
      toModelCallFailure(e, this.api.endpoint) ??
      new ModelCallFailure("protocol", `The Batch API at ${this.api.endpoint} ${what}: ${e instanceof Error ? e.message : String(e)}`, { cause: e })
    );
  }
}

function answered(line: BatchLine | undefined): boolean {
  const s = line?.response?.status_code;
  return !line?.error && s !== undefined && s >= 200 && s < 300 && line!.response!.body !== undefined;
}

function unanswered(o: BatchOutcome, key: string, line: BatchLine | undefined, endpoint: string): ModelCallFailure {
  const at = `The Batch API at ${endpoint}`;
  let kind: CallFailureKind = "server";
  let why: string;
  if (o.status === "expired") {
    kind = "timeout";
    why = `batch ${o.batchId} expired (24 h) before answering this request`;
  } else if (o.status === "failed") {
    why = `batch ${o.batchId} failed${o.reason ? `: ${o.reason}` : ""}`;
  } else if (o.status === "cancelled") {
    why = `batch ${o.batchId} was cancelled before answering this request`;
  } else if (o.repeated?.has(key)) {
    // Two answers for one request: which one the model gave cannot be told, so neither is taken.
    why = `batch ${o.batchId} has more than one line for this request, so none of them is its answer`;
  } else if (!line && o.missingFile) {
    // Its answers are lost with the file: releasing the request lets the next run submit it anew.
    why = `batch ${o.batchId} ended ${o.status}, but its ${o.missingFile.which} file ${o.missingFile.fileId} is gone from the server (HTTP 404), so its answers cannot be read`;
  } else if (!line && (o.oversized || o.unreadable)) {
    const skipped = [
      ...(o.oversized ? [`${o.oversized} longer than INSIDEOUT_MAX_ANSWER_BYTES`] : []),
      ...(o.unreadable ? [`${o.unreadable} not JSON with a custom_id`] : []),
    ];
    why = `batch ${o.batchId} has no readable line for this request (lines skipped: ${skipped.join(", ")})`;
  } else if (!line) {
    why = `batch ${o.batchId} has no line for this request`;
  } else {
    const status = line.response?.status_code;
    const message = line.error?.message ?? (line.response?.body as { error?: { message?: string } } | undefined)?.error?.message;
    why = `batch ${o.batchId} answered this request with ${status ? `HTTP ${status}` : "an error"}${message ? `: ${String(message).replace(/\s+/g, " ").slice(0, 160)}` : ""}`;
  }
  return new ModelCallFailure(kind, `${at}: ${why}; run the same command again to ask it again.`);
}

/** The stage's requests in batches within OpenAI's limits. */
function chunks<T extends [string, Waiting]>(all: T[]): T[][] {
  const out: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const entry of all) {
    const size = Buffer.byteLength(entry[1].line) + 1;
    if (current.length > 0 && (current.length >= MAX_LINES || bytes + size > MAX_BYTES)) {
      out.push(current);
      current = [];
      bytes = 0;
    }
    current.push(entry);
    bytes += size;
  }
  if (current.length) out.push(current);
  return out;
}
