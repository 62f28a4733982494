/**
 * `insideout data upload` against a loopback stand-in for LangSmith that implements just the endpoints langsmith's
 * Client (0.10.5) calls for this: GET /info, GET/POST /datasets, GET /examples, GET /examples/:id, and the multipart
 * POST/PATCH /v1/platform/datasets/:id/examples. Like LangSmith, it keeps an example's split in
 * metadata.dataset_split.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, jest, test } from "@jest/globals";
import { randomUUID } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Client } from "langsmith";
import { dataCommand } from "../../cli/commands/data.js";
import { uploadToLangSmith, type UploadResult } from "../../evaluations/data/langsmith.js";

interface StoredExample {
  id: string;
  dataset_id: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown>;
  metadata: Record<string, unknown>;
  created_at: string;
  modified_at: string;
}

const datasets: Array<{ id: string; name: string; description?: string }> = [];
const examples: StoredExample[] = [];
const log: string[] = [];
let server: Server;
let apiUrl = "";

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

/** The multipart body the client sends: parts `<id>` (metadata, split), `<id>.inputs`, `<id>.outputs`. */
async function parseExamples(req: IncomingMessage, body: Buffer): Promise<Map<string, Record<string, unknown>>> {
  const form = await new Response(body, { headers: { "content-type": String(req.headers["content-type"]) } }).formData();
  const byId = new Map<string, Record<string, unknown>>();
  for (const [name, value] of form.entries()) {
    const [id, part] = name.split(".") as [string, string | undefined];
    const entry = byId.get(id) ?? {};
    const json = JSON.parse(typeof value === "string" ? value : await value.text()) as Record<string, unknown>;
    if (part === undefined) Object.assign(entry, json);
    else entry[part] = json;
    byId.set(id, entry);
  }
  return byId;
}

function withSplit(metadata: unknown, split: unknown): Record<string, unknown> {
  const m = { ...((metadata as Record<string, unknown> | undefined) ?? {}) };
  if (split !== undefined) m.dataset_split = Array.isArray(split) ? split : [split];
  return m;
}

async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://x");
  const body = await readBody(req);
  log.push(`${req.method} ${url.pathname}`);
  if (req.method === "GET" && url.pathname === "/info") {
    return send(res, 200, { version: "0.10.0", instance_flags: { dataset_examples_multipart_enabled: true } });
  }
  if (url.pathname === "/datasets" && req.method === "GET") {
    const name = url.searchParams.get("name");
    return send(res, 200, datasets.filter((d) => name === null || d.name === name).slice(0, Number(url.searchParams.get("limit") ?? 100)));
  }
  if (url.pathname === "/datasets" && req.method === "POST") {
    const b = JSON.parse(body.toString()) as { name: string; description?: string };
    if (datasets.some((d) => d.name === b.name)) return send(res, 409, { detail: "exists" });
    const ds = { id: randomUUID(), name: b.name, description: b.description, created_at: new Date().toISOString() };
    datasets.push(ds);
    return send(res, 200, ds);
  }
  if (url.pathname === "/examples" && req.method === "GET") {
    const offset = Number(url.searchParams.get("offset") ?? 0);
    const limit = Number(url.searchParams.get("limit") ?? 100);
    return send(res, 200, examples.filter((e) => e.dataset_id === url.searchParams.get("dataset")).slice(offset, offset + limit));
  }
  const one = /^\/examples\/([0-9a-f-]{36})$/.exec(url.pathname);
  if (one && req.method === "GET") {
    const ex = examples.find((e) => e.id === one[1]);
    return ex ? send(res, 200, ex) : send(res, 404, { detail: "not found" });
  }
  const multi = /^\/v1\/platform\/datasets\/([0-9a-f-]{36})\/examples$/.exec(url.pathname);
  if (multi && (req.method === "POST" || req.method === "PATCH")) {
    const parsed = await parseExamples(req, body);
    const now = new Date().toISOString();
    for (const [id, e] of parsed) {
      if (req.method === "POST") {
        examples.push({
          id,
          dataset_id: multi[1]!,
          inputs: e.inputs as Record<string, unknown>,
          outputs: (e.outputs as Record<string, unknown>) ?? {},
          metadata: withSplit(e.metadata, e.split),
          created_at: now,
          modified_at: now,
        });
      } else {
        const ex = examples.find((x) => x.id === id);
        if (!ex) return send(res, 404, { detail: `no example ${id}` });
        if (e.inputs) ex.inputs = e.inputs as Record<string, unknown>;
        if (e.outputs) ex.outputs = e.outputs as Record<string, unknown>;
        ex.metadata = withSplit(e.metadata ?? ex.metadata, e.split);
        ex.modified_at = now;
      }
    }
    return send(res, 200, { example_ids: [...parsed.keys()], count: parsed.size });
  }
  send(res, 404, { detail: `not implemented: ${req.method} ${url.pathname}` });
}

beforeAll(async () => {
  server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  apiUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

beforeEach(() => {
  datasets.length = 0;
  examples.length = 0;
  log.length = 0;
});

const line = (conv: string, emotion: string, context: string[], target: string | null): string =>
  JSON.stringify({ conv_id: conv, emotion, situation: `about ${conv}`, context, target });

function dataDir(testTarget = "r2"): string {
  const dir = mkdtempSync(join(tmpdir(), "io-upload-"));
  writeFileSync(
    join(dir, "ed_test_moel_format.jsonl"),
    [
      line("t1", "sad", ["u1"], "r1"),
      line("t1", "sad", ["u1", "r1", "u2"], testTarget),
      line("t2", "proud", ["v1"], null),
    ].join("\n") + "\n",
  );
  writeFileSync(join(dir, "ed_valid_moel_format.jsonl"), [line("v9", "afraid", ["w1"], "x1"), line("v8", "caring", ["y1"], "z1")].join("\n") + "\n");
  return dir;
}

const client = (): Client => new Client({ apiUrl, apiKey: "ls-test-key" });
const writes = (): string[] => log.filter((l) => /^(POST|PATCH) \/v1\/platform/.test(l) || l === "POST /datasets");

describe("data upload", () => {
  test("creates the dataset with splits, and a second upload adds nothing", async () => {
    const dir = dataDir();
    const first = await uploadToLangSmith({ datasetName: "ed-io", dataDir: dir, client: client() });
    expect(first).toMatchObject({ createdDataset: true, created: 5, updated: 0, unchanged: 0, perSplit: { test: 3, valid: 2 } });
    expect(datasets.map((d) => d.name)).toEqual(["ed-io"]);
    expect(examples).toHaveLength(5);
    const byKey = new Map(examples.map((e) => [e.metadata.insideout_id, e]));
    expect(byKey.get("t1#3")).toMatchObject({
      inputs: { dialogue: ["u1", "r1", "u2"], situation: "about t1" },
      outputs: { emotion: "sad", reference: "r2" },
      metadata: { insideout_id: "t1#3", conv_id: "t1", dataset_split: ["test"] },
    });
    expect(byKey.get("t2#1")?.outputs).toEqual({ emotion: "proud", reference: null });
    expect(byKey.get("v9#1")?.metadata.dataset_split).toEqual(["valid"]);

    log.length = 0;
    const second = await uploadToLangSmith({ datasetName: "ed-io", dataDir: dir, client: client() });
    expect(second).toMatchObject({ createdDataset: false, created: 0, updated: 0, unchanged: 5 });
    expect(second.datasetId).toBe(first.datasetId);
    expect(examples).toHaveLength(5);
    expect(writes()).toEqual([]);
  });

  test("a changed example is updated in place, a larger --limit adds only the new ones", async () => {
    await uploadToLangSmith({ datasetName: "ed-io", dataDir: dataDir(), client: client(), splits: ["test"], limit: 2, seed: 1 });
    expect(examples).toHaveLength(2);
    const ids = new Set(examples.map((e) => e.id));

    log.length = 0;
    const grown = await uploadToLangSmith({ datasetName: "ed-io", dataDir: dataDir(), client: client(), splits: ["test"], limit: 3, seed: 1 });
    expect(grown).toMatchObject({ created: 1, updated: 0, unchanged: 2 });
    expect(examples).toHaveLength(3);
    expect(writes()).toEqual(["POST /v1/platform/datasets/" + grown.datasetId + "/examples"]);

    log.length = 0;
    const changed = await uploadToLangSmith({ datasetName: "ed-io", dataDir: dataDir("r2 corrected"), client: client(), splits: ["test"] });
    expect(changed).toMatchObject({ created: 0, updated: 1, unchanged: 2 });
    expect(writes()).toEqual(["PATCH /v1/platform/datasets/" + changed.datasetId + "/examples"]);
    const t13 = examples.find((e) => e.metadata.insideout_id === "t1#3");
    expect(t13?.outputs.reference).toBe("r2 corrected");
    expect(examples).toHaveLength(3);
    // The first two examples kept their LangSmith ids (updated, not re-created).
    for (const id of ids) expect(examples.some((e) => e.id === id)).toBe(true);
  });

  test("a missing split fails before anything is created remotely", async () => {
    const dir = mkdtempSync(join(tmpdir(), "io-upload-empty-"));
    await expect(uploadToLangSmith({ datasetName: "ed-io", dataDir: dir, client: client() })).rejects.toThrow(/insideout data fetch/);
    expect(log).toEqual([]);
  });

  test("the CLI command reads LANGSMITH_ENDPOINT and prints a JSON summary", async () => {
    const saved = { endpoint: process.env.LANGSMITH_ENDPOINT, key: process.env.LANGSMITH_API_KEY };
    process.env.LANGSMITH_ENDPOINT = apiUrl;
    process.env.LANGSMITH_API_KEY = "ls-test-key";
    const out: string[] = [];
    const spy = jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      const args = ["upload", "--dataset", "cli-ds", "--splits", "valid", "--data-dir", dataDir(), "--json"];
      await dataCommand().parseAsync(args, { from: "user" });
      await dataCommand().parseAsync(args, { from: "user" });
    } finally {
      spy.mockRestore();
      for (const [k, v] of [["LANGSMITH_ENDPOINT", saved.endpoint], ["LANGSMITH_API_KEY", saved.key]] as const) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
    const [a, b] = out.join("").trim().split(/\n(?=\{)/).map((s) => JSON.parse(s) as UploadResult);
    expect(a).toMatchObject({ datasetName: "cli-ds", createdDataset: true, created: 2 });
    expect(b).toMatchObject({ createdDataset: false, created: 0, unchanged: 2 });
    expect(examples).toHaveLength(2);
  });
});

describe("LangSmith's problems, named as LangSmith's", () => {
  const savedEnv = { ...process.env };
  afterAll(() => {
    process.env = { ...savedEnv };
  });

  /** A LangSmith stand-in answering every request with `status`; it counts them. */
  async function failingLangSmith(status: number) {
    let count = 0;
    const s = createServer((req, res) => {
      count++;
      req.resume();
      req.on("end", () => res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify({ detail: "nope" })));
    });
    await new Promise<void>((resolve) => s.listen(0, "127.0.0.1", resolve));
    return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, count: () => count, close: () => new Promise<void>((r) => s.close(() => r())) };
  }

  async function uploadError(endpoint: string): Promise<{ message: string; ms: number }> {
    process.env = { ...savedEnv, LANGSMITH_ENDPOINT: endpoint, LANGSMITH_API_KEY: "ls-test-key", OPENAI_BASE_URL: "http://127.0.0.1:1/v1" };
    const t0 = performance.now();
    const error = await uploadToLangSmith({ datasetName: "ed-io", dataDir: dataDir() }).catch((e: unknown) => e);
    return { message: (error as Error).message, ms: performance.now() - t0 };
  }

  // langsmith 0.12's Client forces maxRetries 4 on its caller (~27 s); the upload asks the endpoint's /info first.
  test("unreachable: one line naming LANGSMITH_ENDPOINT, and no model server in it", async () => {
    const s = await failingLangSmith(200);
    await s.close();
    const { message, ms } = await uploadError(s.url);
    expect(message).toBe(`Cannot reach LangSmith at ${s.url}: check LANGSMITH_ENDPOINT (unset means https://api.smith.langchain.com), or leave --langsmith off.`);
    expect(ms).toBeLessThan(6_000);
  }, 20_000);

  test.each([[401, "rejected the API key (HTTP 401): check LANGSMITH_API_KEY."]])("HTTP %i", async (status, words) => {
    const s = await failingLangSmith(status);
    try {
      const { message, ms } = await uploadError(s.url);
      expect(message).toBe(`LangSmith at ${s.url} ${words}`);
      expect(ms).toBeLessThan(8000);
      expect(s.count()).toBeLessThanOrEqual(4);
    } finally {
      await s.close();
    }
  });
});
