/**
 * A stand-in LangSmith API on 127.0.0.1 that records what the langsmith client sends: `/info`, multipart run
 * ingestion (`/runs/multipart`), JSON batches (`/runs/batch`) and single runs (`POST /runs`, `PATCH /runs/:id`).
 * Bodies are kept raw (for "does this text appear anywhere") and merged into runs by id (for names and tags).
 */
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { gunzipSync } from "node:zlib";

export interface CapturedRun {
  id: string;
  name?: string;
  run_type?: string;
  tags?: string[];
  parent_run_id?: string;
  inputs?: unknown;
  outputs?: unknown;
  extra?: { metadata?: Record<string, unknown> };
  [k: string]: unknown;
}

export interface LangSmithCapture {
  url: string;
  /** Every request body, decompressed, as text. */
  bodies: string[];
  runs: Map<string, CapturedRun>;
  close(): Promise<void>;
}

async function bodyOf(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  const raw = Buffer.concat(chunks);
  return req.headers["content-encoding"] === "gzip" ? gunzipSync(raw) : raw;
}

function merge(runs: Map<string, CapturedRun>, id: string, fields: Record<string, unknown>): void {
  runs.set(id, { ...(runs.get(id) ?? { id }), ...fields, id });
}

/** Parts named `post.<id>`, `patch.<id>`, `post.<id>.inputs`, `patch.<id>.outputs`, ... each with a JSON body. */
function ingestMultipart(runs: Map<string, CapturedRun>, body: string, contentType: string): void {
  const boundary = /boundary=("?)([^";]+)\1/.exec(contentType)?.[2];
  if (!boundary) return;
  for (const part of body.split(`--${boundary}`)) {
    const name = /name="([^"]+)"/.exec(part)?.[1];
    const split = part.indexOf("\r\n\r\n");
    if (!name || split < 0) continue;
    const text = part.slice(split + 4).replace(/\r\n$/, "");
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      continue;
    }
    const [, id, field] = name.split(".");
    if (!id) continue;
    if (field) merge(runs, id, { [field]: value });
    else merge(runs, id, value as Record<string, unknown>);
  }
}

export async function startLangSmithCapture(): Promise<LangSmithCapture> {
  const bodies: string[] = [];
  const runs = new Map<string, CapturedRun>();
  const server = createServer((req, res) => {
    void (async () => {
      const body = (await bodyOf(req)).toString("utf8");
      if (body) bodies.push(body);
      const url = new URL(req.url ?? "/", "http://x");
      const json = (status: number, value: unknown) => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(value));
      try {
        if (req.method === "GET" && url.pathname === "/info") {
          return json(200, { version: "0.0.0-capture", batch_ingest_config: { use_multipart_endpoint: true }, instance_flags: {} });
        }
        if (req.method === "POST" && url.pathname === "/runs/multipart") {
          ingestMultipart(runs, body, String(req.headers["content-type"] ?? ""));
          return json(202, {});
        }
        if (req.method === "POST" && url.pathname === "/runs/batch") {
          const batch = JSON.parse(body) as { post?: CapturedRun[]; patch?: CapturedRun[] };
          for (const r of [...(batch.post ?? []), ...(batch.patch ?? [])]) merge(runs, r.id, r);
          return json(202, {});
        }
        if (req.method === "POST" && url.pathname === "/runs") {
          const r = JSON.parse(body) as CapturedRun;
          merge(runs, r.id, r);
          return json(202, {});
        }
        const patch = /^\/runs\/([^/]+)$/.exec(url.pathname);
        if (req.method === "PATCH" && patch) {
          merge(runs, patch[1]!, JSON.parse(body) as Record<string, unknown>);
          return json(202, {});
        }
        return json(404, { detail: "not captured" });
      } catch (e) {
        return json(500, { detail: String(e) });
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bodies,
    runs,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
