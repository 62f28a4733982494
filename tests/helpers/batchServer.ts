/**
 * A Batch-API-compatible server on 127.0.0.1 (free port): `/v1/files` (multipart upload, content), `/v1/batches`
 * (create, retrieve, list) and, to count them, direct `/v1/chat/completions` calls. Each batch goes validating →
 * in_progress (half of its requests done per poll) → finalizing → completed, unless `hold` is set, which keeps every
 * batch in progress. A line's answer is the handler's answer to its body, as a chat completion (or an error line for
 * a status answer), so a batch answers exactly what the chat server of openaiServer.ts answers the same request.
 * A hostile server's files and statuses on demand: padding lines for other custom_ids, a second answer or many copies
 * of each line, a status the Batch API does not have.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { completion, type ChatRequest, type Handler } from "./openaiServer.js";

interface StoredBatch {
  id: string;
  object: "batch";
  endpoint: string;
  input_file_id: string;
  completion_window: string;
  status: string;
  created_at: number;
  output_file_id?: string;
  error_file_id?: string;
  request_counts: { total: number; completed: number; failed: number };
  metadata?: Record<string, string>;
}

export interface FakeBatchApi {
  url: string;
  /** Batches created, in order, with the custom_ids and bodies of their lines. */
  created: { id: string; customIds: string[]; bodies: ChatRequest[] }[];
  /** Direct chat-completion calls (none expected with --batch). */
  chatCalls: number;
  /** Polls (`GET /batches/:id`) answered. */
  polls: number;
  /** While true, batches stay in progress. */
  hold: boolean;
  /** While true, a batch's output and error files are gone: their content is answered 404 (the batch still names them). */
  filesGone: boolean;
  /**
   * Served before the lines of every output file: `bytes` of lines of `lineBytes` each for custom_ids of no request
   * (a hostile or confused server's), generated as they are sent.
   */
  padOutput?: { bytes: number; lineBytes: number };
  /** Bytes of output and error files sent. */
  fileBytesSent: number;
  /** Lines of `padOutput` sent. */
  padLinesSent: number;
  /** When set, a second output line for every request, answering what this handler answers (a confused server's). */
  alsoAnswer?: Handler;
  /** When set, every line of an output file is sent this many times (generated as it is sent). */
  repeatOutput?: number;
  /** When set, every poll answers this status instead of the batch's own (a status the Batch API does not have). */
  status?: string;
  /** When set, these lines are served before the lines of every output file (a damaged file's). */
  linesBefore?: string[];
  close(): Promise<void>;
}

/** Lines of about `lineBytes` each, `bytes` in all, answering custom_ids that no request has. */
function* padding(bytes: number, lineBytes: number): Generator<Buffer> {
  const filler = "x".repeat(Math.max(0, lineBytes - 120));
  for (let sent = 0, i = 0; sent < bytes; i++) {
    const line = Buffer.from(`${JSON.stringify({ id: `req_pad${i}`, custom_id: `pad-${i}`, response: { status_code: 200, body: { choices: [], filler } }, error: null })}\n`);
    sent += line.length;
    yield line;
  }
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

export async function startFakeBatchApi(handler: Handler): Promise<FakeBatchApi> {
  const files = new Map<string, Buffer>();
  const batches: StoredBatch[] = [];
  let fileSeq = 0;
  const state: FakeBatchApi = { url: "", created: [], chatCalls: 0, polls: 0, hold: false, filesGone: false, fileBytesSent: 0, padLinesSent: 0, close: async () => {} };

  /** Answers every line of a finished batch: the output file (2xx) and the error file (the rest). */
  async function finish(b: StoredBatch): Promise<void> {
    const out: string[] = [];
    const errors: string[] = [];
    for (const raw of files.get(b.input_file_id)!.toString("utf8").split("\n")) {
      if (!raw.trim()) continue;
      const line = JSON.parse(raw) as { custom_id: string; body: ChatRequest };
      const answer = await handler(line.body);
      if (typeof answer === "object" && "status" in answer && answer.status >= 200 && answer.status < 300) {
        // A 2xx line with the body as given: JSON when it parses, else the text itself (a hostile server's).
        let body: unknown = answer.body ?? "";
        try {
          body = JSON.parse(String(body));
        } catch {
          // kept as text
        }
        out.push(JSON.stringify({ id: `req_${line.custom_id.slice(0, 8)}`, custom_id: line.custom_id, response: { status_code: answer.status, request_id: "r", body }, error: null }));
      } else if (typeof answer === "object" && "status" in answer) {
        errors.push(JSON.stringify({ id: `req_${line.custom_id.slice(0, 8)}`, custom_id: line.custom_id, response: { status_code: answer.status, body: { error: { message: `status ${answer.status}` } } }, error: null }));
      } else if (typeof answer === "string" || "toolCall" in answer) {
        out.push(JSON.stringify({ id: `req_${line.custom_id.slice(0, 8)}`, custom_id: line.custom_id, response: { status_code: 200, request_id: "r", body: completion(line.body, answer) }, error: null }));
        const second = state.alsoAnswer ? await state.alsoAnswer(line.body) : undefined;
        if (typeof second === "string") {
          out.push(JSON.stringify({ id: `req_${line.custom_id.slice(0, 8)}b`, custom_id: line.custom_id, response: { status_code: 200, request_id: "r2", body: completion(line.body, second) }, error: null }));
        }
      } else {
        errors.push(JSON.stringify({ id: "req_x", custom_id: line.custom_id, response: null, error: { code: "server_error", message: "no answer" } }));
      }
    }
    const store = (lines: string[]) => {
      const id = `file-out-${++fileSeq}`;
      files.set(id, Buffer.from(lines.map((l) => `${l}\n`).join("")));
      return id;
    };
    if (out.length) b.output_file_id = store(out);
    if (errors.length) b.error_file_id = store(errors);
    b.request_counts = { total: b.request_counts.total, completed: out.length, failed: errors.length };
  }

  async function advance(b: StoredBatch): Promise<void> {
    if (b.status === "validating") b.status = "in_progress";
    else if (b.status === "in_progress" && !state.hold) {
      const c = b.request_counts;
      c.completed = Math.min(c.total, c.completed + Math.ceil(c.total / 2));
      if (c.completed === c.total) b.status = "finalizing";
    } else if (b.status === "finalizing") {
      await finish(b);
      b.status = "completed";
    }
  }

  const server = createServer((req, res) => {
    void (async () => {
      try {
        const url = new URL(req.url ?? "/", "http://127.0.0.1");
        const path = url.pathname.replace(/^\/v1/, "");
        const body = await readBody(req);
        if (req.method === "POST" && path === "/chat/completions") {
          state.chatCalls++;
          const answer = await handler(JSON.parse(body.toString("utf8")) as ChatRequest);
          return typeof answer === "string" || (typeof answer === "object" && "toolCall" in answer)
            ? json(res, 200, completion(JSON.parse(body.toString("utf8")) as ChatRequest, answer))
            : json(res, 500, { error: { message: "not answered" } });
        }
        if (req.method === "POST" && path === "/files") {
          const form = await new Request("http://127.0.0.1/", { method: "POST", headers: { "content-type": req.headers["content-type"] ?? "" }, body }).formData();
          const file = form.get("file");
          if (form.get("purpose") !== "batch" || !(file instanceof Blob)) return json(res, 400, { error: { message: "purpose batch and a file expected" } });
          const id = `file-in-${++fileSeq}`;
          const bytes = Buffer.from(await file.arrayBuffer());
          files.set(id, bytes);
          return json(res, 200, { id, object: "file", bytes: bytes.length, created_at: Math.floor(Date.now() / 1000), filename: "batch.jsonl", purpose: "batch", status: "processed" });
        }
        const content = /^\/files\/([^/]+)\/content$/.exec(path);
        if (req.method === "GET" && content) {
          const output = content[1]!.startsWith("file-out-");
          const stored = files.get(content[1]!);
          const bytes = stored && output && state.linesBefore ? Buffer.concat([Buffer.from(state.linesBefore.map((l) => `${l}\n`).join("")), stored]) : stored;
          if (!bytes || (state.filesGone && output)) return json(res, 404, { error: { message: "No such File object" } });
          res.writeHead(200, { "content-type": "application/octet-stream" });
          if (state.repeatOutput && output) {
            const times = state.repeatOutput;
            const lines = bytes.toString("utf8").split("\n").filter((l) => l).map((l) => Buffer.from(`${l}\n`));
            Readable.from((function* () {
              for (const line of lines) {
                for (let i = 0; i < times; i++) {
                  state.fileBytesSent += line.length;
                  yield line;
                }
              }
            })()).pipe(res);
            return;
          }
          if (!state.padOutput || !output) {
            state.fileBytesSent += bytes.length;
            return res.end(bytes);
          }
          const { bytes: padBytes, lineBytes } = state.padOutput;
          // Streamed with back-pressure: the server holds one line at a time, not the file.
          Readable.from((function* () {
            for (const line of padding(padBytes, lineBytes)) {
              state.fileBytesSent += line.length;
              state.padLinesSent++;
              yield line;
            }
            state.fileBytesSent += bytes.length;
            yield bytes;
          })()).pipe(res);
          return;
        }
        if (req.method === "POST" && path === "/batches") {
          const asked = JSON.parse(body.toString("utf8")) as { input_file_id: string; endpoint: string; completion_window: string; metadata?: Record<string, string> };
          const input = files.get(asked.input_file_id);
          if (!input || asked.endpoint !== "/v1/chat/completions") return json(res, 400, { error: { message: "bad input file or endpoint" } });
          const lines = input.toString("utf8").split("\n").filter((l) => l.trim()).map((l) => JSON.parse(l) as { custom_id: string; body: ChatRequest });
          const customIds = lines.map((l) => l.custom_id);
          const b: StoredBatch = {
            id: `batch_${state.created.length + 1}`,
            object: "batch",
            endpoint: asked.endpoint,
            input_file_id: asked.input_file_id,
            completion_window: asked.completion_window,
            status: "validating",
            created_at: Math.floor(Date.now() / 1000),
            request_counts: { total: customIds.length, completed: 0, failed: 0 },
            ...(asked.metadata ? { metadata: asked.metadata } : {}),
          };
          batches.push(b);
          state.created.push({ id: b.id, customIds, bodies: lines.map((l) => l.body) });
          return json(res, 200, b);
        }
        const one = /^\/batches\/([^/]+)$/.exec(path);
        if (req.method === "GET" && one) {
          const b = batches.find((x) => x.id === one[1]);
          if (!b) return json(res, 404, { error: { message: "no such batch" } });
          state.polls++;
          if (state.status !== undefined) return json(res, 200, { ...b, status: state.status });
          await advance(b);
          return json(res, 200, b);
        }
        if (req.method === "GET" && path === "/batches") {
          // Newest first, `limit` a page, `after` the last id of the page before.
          const all = [...batches].reverse();
          const after = url.searchParams.get("after");
          const from = after ? all.findIndex((b) => b.id === after) + 1 : 0;
          const limit = Number(url.searchParams.get("limit") ?? 20);
          const data = all.slice(from, from + limit);
          return json(res, 200, { object: "list", data, first_id: data[0]?.id ?? null, last_id: data.at(-1)?.id ?? null, has_more: from + limit < all.length });
        }
        json(res, 404, { error: { message: `no route ${req.method} ${path}` } });
      } catch (e) {
        json(res, 500, { error: { message: String(e) } });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  state.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  state.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return state;
}
