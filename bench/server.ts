/**
 * The benchmark's model: an OpenAI-compatible chat-completions server on 127.0.0.1 that answers every structured
 * request with a schema-valid JSON object after a fixed latency. Run as a child process (`node server.js <latencyMs>
 * [<rpm> <tpm> <retry-after 0|1>]` prints its URL), so that its CPU time is not charged to the client being measured.
 * With limits it enforces OpenAI-style rate-limit buckets (bench/buckets.ts) and `GET /stats` tells what they saw.
 */
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { RateLimitBuckets, type BucketLimits } from "./buckets.js";

interface Schema {
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, Schema>;
  minimum?: number;
  maximum?: number;
}

interface Body {
  model: string;
  messages: { role: string; content: string | null }[];
  response_format?: { json_schema?: { schema: Schema } };
  tools?: { function: { parameters: Schema } }[];
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
}

/** A streamed answer as OpenAI sends it: about one token (4 characters) a chunk, then usage if asked, then [DONE]. */
function streamed(model: string, content: string, usage: Record<string, number>, withUsage: boolean): string {
  const base = { id: "chatcmpl-bench", object: "chat.completion.chunk", created: 0, model };
  const events: object[] = [{ ...base, choices: [{ index: 0, delta: { role: "assistant", content: "" }, finish_reason: null }] }];
  for (let i = 0; i < content.length; i += 4) events.push({ ...base, choices: [{ index: 0, delta: { content: content.slice(i, i + 4) }, finish_reason: null }] });
  events.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: "stop" }] });
  if (withUsage) events.push({ ...base, choices: [], usage });
  return events.map((e) => `data: ${JSON.stringify(e)}\n\n`).join("") + "data: [DONE]\n\n";
}

/** Roughly what a GPT tokenizer gives for English prose: 4 characters a token. */
export const tokensOf = (chars: number) => Math.ceil(chars / 4);

const RATIONALE = "The speaker describes a loss and the words around it carry sadness more than anything else, so this label fits.";

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619) >>> 0;
  return h;
}

/** Enum values are picked by a hash of the dialogue, so labels vary across examples but not across runs. */
function answer(schema: Schema, seed: number): unknown {
  if (schema.enum) return schema.enum[seed % schema.enum.length];
  const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
  if (type === "object") {
    return Object.fromEntries(Object.entries(schema.properties ?? {}).map(([k, s]) => [k, answer(s, seed)]));
  }
  if (type === "number" || type === "integer") return ((schema.minimum ?? 0) + (schema.maximum ?? 1)) / 2;
  return RATIONALE;
}

export async function startBenchServer(latencyMs: number, limits?: BucketLimits): Promise<{ url: string; close: () => Promise<void> }> {
  const buckets = limits ? new RateLimitBuckets(limits) : undefined;
  const server = createServer((req, res) => {
    if (req.method === "GET" && req.url === "/stats") {
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ ...buckets?.stats, idealMs: buckets?.idealMs(latencyMs) }));
      return;
    }
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const raw = Buffer.concat(chunks).toString("utf8");
      const body = JSON.parse(raw) as Body;
      const verdict = buckets?.admit(body);
      if (verdict && !verdict.ok) {
        res.writeHead(429, { "content-type": "application/json", ...verdict.headers }).end(verdict.body);
        return;
      }
      const rateHeaders = verdict?.headers ?? {};
      const send = (type: string, text: string) => {
        res.writeHead(200, { "content-type": type, ...rateHeaders }).end(text);
        buckets?.answered();
      };
      const schema = body.response_format?.json_schema?.schema ?? body.tools?.[0]?.function.parameters;
      const dialogue = body.messages.filter((m) => m.role === "user").map((m) => m.content ?? "").join("\n");
      const content = schema ? JSON.stringify(answer(schema, hash(dialogue))) : "I'm so sorry to hear that. Do you want to talk about it?";
      // The prompt as the provider would count it: every message plus the schema it was sent.
      const promptChars = body.messages.reduce((n, m) => n + (m.content ?? "").length, 0) + (schema ? JSON.stringify(schema).length : 0);
      const usage = { prompt_tokens: tokensOf(promptChars), completion_tokens: tokensOf(content.length) };
      if (body.stream) {
        const events = streamed(body.model, content, { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens }, body.stream_options?.include_usage === true);
        setTimeout(() => send("text/event-stream", events), latencyMs);
        return;
      }
      const reply = JSON.stringify({
        id: "chatcmpl-bench",
        object: "chat.completion",
        created: 0,
        model: body.model,
        choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
        usage: { ...usage, total_tokens: usage.prompt_tokens + usage.completion_tokens },
      });
      setTimeout(() => send("application/json", reply), latencyMs);
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// As a child process: start, print the URL, and exit when the parent goes away.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/"))) {
  const latency = Number(process.argv[2] ?? 0);
  const [rpm, tpm, retryAfter] = process.argv.slice(3).map(Number);
  const limits = rpm && tpm ? { rpm, tpm, retryAfter: retryAfter === 1 } : undefined;
  void startBenchServer(latency, limits).then(({ url }) => {
    process.stdout.write(`${url}\n`);
    process.stdin.resume();
    process.stdin.on("end", () => process.exit(0));
  });
}
