/**
 * The OpenAI Batch API through the OpenAI SDK (re-exported by @langchain/openai as `OpenAIClient`): upload a JSONL
 * file of requests (`files.create`), create a batch from it (`batches.create`), poll it (`batches.retrieve`) and read
 * its output and error files (`files.content`). Its HTTP goes through our resilient fetch (models/limits.ts): retries,
 * timeouts, masked errors, and a byte cap on the files read.
 */
import { OpenAIClient, toFile } from "@langchain/openai";
import { setting } from "../../core/settings.js";
import { resilientFetch, sleep } from "../limits.js";
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
}

const TERMINAL = new Set(["completed", "failed", "expired", "cancelled"]);
/** Output and error files: OpenAI's input limit is 200 MB; the answers of 50 000 requests are well under this. */
const MAX_FILE_BYTES = 1024 ** 3;
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
      fetch: resilientFetch({ timeoutMs: 300_000, totalMs: 900_000, maxAnswerBytes: MAX_FILE_BYTES, provider: "openai batch" }),
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

  /** Polls until the batch ends, telling `onStatus` whenever its status or counts change; then reads its files. */
  async wait(batchId: string, onStatus: (s: BatchStatus) => void, signal?: AbortSignal): Promise<BatchOutcome> {
    let last = "";
    for (;;) {
      const b = await this.call(signal, (o) => this.client.batches.retrieve(batchId, o));
      const counts = b.request_counts;
      const status: BatchStatus = { batchId, status: b.status, done: counts?.completed ?? 0, failed: counts?.failed ?? 0, total: counts?.total ?? 0 };
      const now = `${status.status} ${status.done} ${status.failed} ${status.total}`;
      if (now !== last) onStatus(status);
      last = now;
      if (TERMINAL.has(b.status)) {
        const lines = new Map<string, BatchLine>();
        // The error file first, so that an answer in the output file wins for a custom_id present in both.
        for (const fileId of [b.error_file_id, b.output_file_id]) if (fileId) for (const l of await this.lines(fileId, signal)) lines.set(l.custom_id, l);
        const reason = b.errors?.data?.map((e) => e.message).find((m) => m);
        return { batchId, status: b.status as BatchOutcome["status"], lines, ...(reason ? { reason } : {}) };
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

  private async lines(fileId: string, signal?: AbortSignal): Promise<BatchLine[]> {
    const text = await this.call(signal, async (o) => (await this.client.files.content(fileId, o)).text());
    const out: BatchLine[] = [];
    for (const raw of text.split("\n")) {
      if (!raw.trim()) continue;
      let line: unknown;
      try {
        line = JSON.parse(raw);
      } catch {
        continue; // a line we cannot read answers nothing: its request counts as unanswered
      }
      if (line && typeof line === "object" && typeof (line as BatchLine).custom_id === "string") out.push(line as BatchLine);
    }
    return out;
  }
}
