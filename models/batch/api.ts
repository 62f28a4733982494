/**
 * The OpenAI Batch API through the OpenAI SDK (re-exported by @langchain/openai as `OpenAIClient`): upload a JSONL
 * file of requests (`files.create`), create a batch from it (`batches.create`), poll it (`batches.retrieve`) and read
 * its output and error files (`files.content`). Its HTTP goes through our resilient fetch (models/limits.ts): retries,
 * timeouts, masked errors, and a byte cap on the files read. Those files are read as a stream of lines, each bounded,
 * keeping only the lines of the requests waited for: memory follows the answers kept, not the file's size. A request
 * with more than one line is no answer (which one the model gave cannot be told): only its id is kept, not its lines.
 */
import { OpenAIClient, toFile } from "@langchain/openai";
import { splitLines } from "../../core/lines.js";
import { formatBytes } from "../../core/inputLimits.js";
import { setting } from "../../core/settings.js";
import { resilientFetch, sleep, type FetchLike } from "../limits.js";
import { openaiConnection } from "../openai.js";

/** The endpoint every line of our batches asks (chat completions: what ChatOpenAI sends). */
export const BATCH_ENDPOINT = "/v1/chat/completions";

/** One line of a batch's output or error file. */
export interface BatchLine {
  custom_id: string;
  response?: { status_code: number; body?: unknown } | null;
  error?: { code?: string | null; message?: string | null } | null;
}

/** How a batch ended, with its lines by custom_id. */
export interface BatchOutcome {
  batchId: string;
  status: "completed" | "failed" | "expired" | "cancelled";
  lines: Map<string, BatchLine>;
  /** Why the whole batch failed, in the server's words, when it did. */
  reason?: string;
  /** Lines skipped for being longer than an answer may be (their requests have no line). */
  oversized?: number;
  /** A file the batch names that the server no longer has (HTTP 404): its lines are lost. */
  missingFile?: { fileId: string; which: "output" | "error" };
  /** Requests of this batch with more than one line (in either file): none of their lines is an answer. */
  repeated?: Set<string>;
  /** Lines for a custom_id this batch did not hold: ignored, counted. */
  foreign?: number;
  /** Lines that are not JSON objects with a custom_id: read past, counted (their requests have no line). */
  unreadable?: number;
}

const TERMINAL = new Set(["completed", "failed", "expired", "cancelled"]);
/** The Batch API's statuses on the way to one of TERMINAL. */
const PENDING = new Set(["validating", "in_progress", "finalizing", "cancelling"]);
/** Polls a batch may answer with a status of neither kind before it is given up on (for this run: it is not released). */
export const UNKNOWN_STATUS_POLLS = 3;
/** Bytes of an output or error file (INSIDEOUT_MAX_BATCH_FILE_BYTES, default 1 GiB). */
function batchFileBytes(): number {
  return setting("INSIDEOUT_MAX_BATCH_FILE_BYTES");
}
/** Room for a line's wrapper (custom_id, status, ids) around an answer of INSIDEOUT_MAX_ANSWER_BYTES. */
const LINE_WRAPPER_BYTES = 64 * 1024;
/** Batches looked through when a killed run's uploaded file is matched to the batch it may have become. */
const MAX_LISTED = 2000;

/** How often a pending batch is asked about (INSIDEOUT_BATCH_POLL_MS, default 30 s). */
export function batchPollMs(): number {
  return setting("INSIDEOUT_BATCH_POLL_MS");
}

/** Quiet time after a stage's last request before it is submitted (INSIDEOUT_BATCH_SETTLE_MS, default 200 ms). */
export function batchSettleMs(): number {
  return setting("INSIDEOUT_BATCH_SETTLE_MS");
}

export interface BatchStatus {
  batchId: string;
  status: string;
  done: number;
  failed: number;
  total: number;
}

export class BatchApi {
  private readonly client: OpenAIClient;
  /** Where the batches go, as failures name it. */
  readonly endpoint: string;

  constructor(private readonly pollMs = batchPollMs()) {
    const { baseURL, apiKey } = openaiConnection();
    this.endpoint = (baseURL ?? "https://api.openai.com/v1").replace(/\/+$/, "");
    this.client = new OpenAIClient({
      apiKey,
      ...(baseURL ? { baseURL } : {}),
      // Uploads and downloads of whole files: more time per attempt than one answer, and a cap for files, not answers.
      // The transport's cap is a backstop: the line reader's own bound (half of it) names the file first.
      fetch: resilientFetch({ timeoutMs: 300_000, totalMs: 900_000, maxAnswerBytes: 2 * batchFileBytes(), provider: "openai batch" }, jsonLinesFiles),
      maxRetries: 0,
      timeout: 960_000,
    });
  }

  /** Uploads the JSONL of requests; returns the file's id. */
  async upload(jsonl: string, signal?: AbortSignal): Promise<string> {
    const file = await toFile(Buffer.from(jsonl, "utf8"), "insideout-batch.jsonl");
    return (await this.call(signal, (o) => this.client.files.create({ file, purpose: "batch" }, o))).id;
  }

  async create(inputFileId: string, signal?: AbortSignal): Promise<string> {
    const asked = { input_file_id: inputFileId, endpoint: BATCH_ENDPOINT, completion_window: "24h", metadata: { made_by: "insideout eval --batch" } } as const;
    return (await this.call(signal, (o) => this.client.batches.create(asked, o))).id;
  }

  /** The batch created from an uploaded file, if there is one (a run killed between upload and recording the id). */
  async findByInputFile(inputFileId: string, signal?: AbortSignal): Promise<string | undefined> {
    return this.call(signal, async (o) => {
      let seen = 0;
      for await (const b of this.client.batches.list({ limit: 100 }, o)) {
        if (b.input_file_id === inputFileId) return b.id;
        if (++seen >= MAX_LISTED) break;
      }
      return undefined;
    });
  }

  /**
   * Polls until the batch ends, telling `onStatus` whenever its status or counts change; then reads its files, keeping
   * the lines whose custom_id `wanted` accepts.
   */
  async wait(batchId: string, onStatus: (s: BatchStatus) => void, signal?: AbortSignal, wanted: (customId: string) => boolean = () => true): Promise<BatchOutcome> {
    let last = "";
    let unknown = 0;
    for (;;) {
      const b = await this.call(signal, (o) => this.client.batches.retrieve(batchId, o));
      const counts = b.request_counts;
      const status: BatchStatus = { batchId, status: b.status, done: counts?.completed ?? 0, failed: counts?.failed ?? 0, total: counts?.total ?? 0 };
      const now = `${status.status} ${status.done} ${status.failed} ${status.total}`;
      if (now !== last) onStatus(status);
      last = now;
      if (TERMINAL.has(b.status)) {
        const outcome: BatchOutcome = { batchId, status: b.status as BatchOutcome["status"], lines: new Map() };
        const reason = b.errors?.data?.map((e) => e.message).find((m) => m);
        if (reason) outcome.reason = reason;
        const files = [["error", b.error_file_id], ["output", b.output_file_id]] as const;
        for (const [which, fileId] of files) if (fileId) await this.readLines(outcome, which, fileId, wanted, signal);
        return outcome;
      }
      unknown = PENDING.has(b.status) ? 0 : unknown + 1;
      if (unknown >= UNKNOWN_STATUS_POLLS) {
        throw new Error(
          `batch ${batchId} answered with the status ${JSON.stringify(String(b.status).slice(0, 40))}, which the Batch API does not have, ${unknown} polls in a row`,
        );
      }
      await sleep(this.pollMs, signal);
    }
  }

  /**
   * One SDK call under its own signal, tied to the run's for the call's duration only: the client adds a listener to
   * the signal it is given and keeps it, which over a day of polls would pile up on one long-lived signal.
   */
  private async call<T>(signal: AbortSignal | undefined, fn: (o: { signal: AbortSignal } | undefined) => Promise<T>): Promise<T> {
    if (!signal) return fn(undefined);
    const own = new AbortController();
    const onAbort = () => own.abort(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener("abort", onAbort, { once: true });
    try {
      return await fn({ signal: own.signal });
    } finally {
      signal.removeEventListener("abort", onAbort);
    }
  }

  /** Reads one of the batch's files into `outcome`, line by line; a file the server no longer has is noted, not thrown. */
  private async readLines(outcome: BatchOutcome, which: "output" | "error", fileId: string, wanted: (customId: string) => boolean, signal?: AbortSignal): Promise<void> {
    const bounds = { lineBytes: setting("INSIDEOUT_MAX_ANSWER_BYTES") + LINE_WRAPPER_BYTES, totalBytes: batchFileBytes() };
    const tooMuch = () =>
      new Error(`its ${which} file ${fileId} holds more than ${formatBytes(bounds.totalBytes)}: raise INSIDEOUT_MAX_BATCH_FILE_BYTES (now ${bounds.totalBytes}) if that is right`);
    try {
      // Read within the call, so that the run's signal also stops the download.
      await this.call(signal, async (o) => {
        const body = (await this.client.files.content(fileId, o)).body;
        if (!body) return;
        for await (const raw of splitLines(body as AsyncIterable<Uint8Array>, bounds, tooMuch)) {
          if (raw.tooLong) {
            outcome.oversized = (outcome.oversized ?? 0) + 1;
            continue;
          }
          const line = parseLine(raw.bytes);
          if (line) keep(outcome, line, wanted);
          else if (raw.bytes.toString("utf8").trim()) outcome.unreadable = (outcome.unreadable ?? 0) + 1;
        }
      });
    } catch (e) {
      if (!(e instanceof OpenAIClient.NotFoundError)) throw e;
      outcome.missingFile ??= { fileId, which };
    }
  }
}

/** Files a line under its request; a second line for a request makes it a repeat, and neither line is kept. */
function keep(outcome: BatchOutcome, line: BatchLine, wanted: (customId: string) => boolean): void {
  const id = line.custom_id;
  if (outcome.repeated?.has(id)) return;
  if (outcome.lines.has(id)) {
    outcome.lines.delete(id);
    (outcome.repeated ??= new Set()).add(id);
    return;
  }
  if (!wanted(id)) {
    outcome.foreign = (outcome.foreign ?? 0) + 1;
    return;
  }
  outcome.lines.set(id, line);
}

/** One line of a batch file, or undefined: a line we cannot read answers nothing (its request counts as unanswered). */
function parseLine(bytes: Buffer): BatchLine | undefined {
  let line: unknown;
  try {
    line = JSON.parse(bytes.toString("utf8"));
  } catch {
    return undefined;
  }
  return line && typeof line === "object" && typeof (line as BatchLine).custom_id === "string" ? (line as BatchLine) : undefined;
}

/**
 * Output and error files are JSON Lines, which OpenAI serves as application/octet-stream: labelled as what they are,
 * the transport passes them on as a stream (capped) instead of holding a whole file, which may be hundreds of MB.
 */
const jsonLinesFiles: FetchLike = async (input, init) => {
  const res = await fetch(input, init);
  const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
  if (!res.ok || !/\/files\/[^/?]+\/content(\?|$)/.test(url)) return res;
  const headers = new Headers(res.headers);
  headers.set("content-type", "application/x-ndjson");
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
};
