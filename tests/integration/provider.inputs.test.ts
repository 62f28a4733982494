/**
 * What a user's provider settings and a model server's odd answers turn into (issue 23, second probe): a key with a
 * line break or control character, a base URL with a query string or of another scheme, an answer in a code fence or
 * after prose, an answer cut off at the length limit or by a content filter, a label of thousands of characters, a
 * dialogue of invisible characters. Each is one line naming the cause, before any call where it can be, and no key or
 * URL secret is ever printed. CLI runs are the built bundle in child processes against a loopback server.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { maskSecrets } from "../../core/secrets.js";
import { resolveModel } from "../../models/factory.js";
import { invokeStructured } from "../../models/structured.js";
import { runCli } from "../helpers/cli.js";
import { answerFromSchema, completion, requestedSchema, startFakeOpenAI, type ChatRequest, type FakeOpenAI } from "../helpers/openaiServer.js";

type Mode = "plain" | "fenced" | "prose" | "length" | "content_filter";
let mode: Mode = "plain";
let server: FakeOpenAI;
let dir: string;

/** Schema-valid JSON for what was asked, wrapped or cut off as the mode says. */
function answer(req: ChatRequest) {
  const schema = requestedSchema(req);
  const json = schema ? JSON.stringify(answerFromSchema(schema)) : "A reply.";
  switch (mode) {
    case "fenced":
      return "```json\n" + json + "\n```";
    case "prose":
      return `Sure! Here it is: ${json}`;
    case "length":
    case "content_filter": {
      const c = completion(req, json.slice(0, 10));
      c.choices[0]!.finish_reason = mode;
      return { garbage: JSON.stringify(c) };
    }
    default:
      return json;
  }
}

beforeAll(async () => {
  server = await startFakeOpenAI(answer);
  dir = mkdtempSync(join(tmpdir(), "provider-inputs-"));
});
afterAll(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A CLI run against the loopback server (or what `env` overrides), its own cache; and how many requests it made. */
async function cli(args: string[], env: Record<string, string> = {}) {
  const before = server.requests.length;
  const r = await runCli(args, { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "sk-test-provider-inputs", XDG_CACHE_HOME: join(dir, "cache"), ...env });
  return { ...r, requests: server.requests.length - before, out: r.stdout + r.stderr, lines: r.stderr.trim().split("\n") };
}

const RECOGNIZE = ["recognize", "--model", "openai:gpt-4o-mini", "--method", "baseline", "I lost my job today."];

describe("a credential with a line break, space, control or invisible character inside", () => {
  const cases: [string, string, string[], string[]][] = [
    // variable, value, the parts that must never be printed, the CLI arguments
    ["OPENAI_API_KEY", "sk-proj-SECRETPARTONE\nSECRETPARTTWO", ["SECRETPARTONE", "SECRETPARTTWO"], RECOGNIZE],
    ["OPENAI_API_KEY", "sk-abc\ndef", ["sk-abc", "def\n"], RECOGNIZE],
    ["OPENAI_API_KEY", "sk-abcdefgh\u0001ijklmnop", ["abcdefgh", "ijklmnop"], RECOGNIZE],
    // A zero-width space: invisible where it was pasted, and no header can carry it.
    ["OPENAI_API_KEY", "sk-abcdefgh\u200bijklmnop", ["abcdefgh", "ijklmnop"], RECOGNIZE],
    ["ANTHROPIC_API_KEY", "ant-SECRETPARTONE SECRETPARTTWO", ["SECRETPARTONE", "SECRETPARTTWO"], ["recognize", "--model", "anthropic:claude-x", "hello"]],
    ["GOOGLE_API_KEY", "goog-SECRETPARTONE\tSECRETPARTTWO", ["SECRETPARTONE", "SECRETPARTTWO"], ["recognize", "--model", "google-genai:gemini-x", "hello"]],
    ["GIGACHAT_CREDENTIALS", "Z2lnYS1TRUNSRVQ=\r\nMORE", ["Z2lnYS1TRUNSRVQ", "MORE"], ["recognize", "--model", "gigachat:GigaChat-2-Max", "hello"]],
  ];
  it.each(cases)("%s: one line naming the variable, never the value, no request sent", async (variable, value, parts, args) => {
    const r = await cli(args, { [variable]: value });
    expect(r.code).toBe(1);
    expect(r.lines).toHaveLength(1);
    expect(r.stderr).toContain(`${variable} holds a character a key cannot hold (a space, line break, control, invisible or non-ASCII character; the value is not printed)`);
    for (const p of parts) expect(r.out).not.toContain(p);
    expect(r.requests).toBe(0);
  }, 30_000);

  it("LANGSMITH_API_KEY with tracing on, and LANGSMITH_ENDPOINT with a query string: one line, before any call", async () => {
    const a = await cli(RECOGNIZE, { LANGSMITH_TRACING: "true", LANGSMITH_API_KEY: "lsv2_pt_SECRETPARTONE\nSECRETPARTTWO" });
    expect(a.stderr).toContain("LANGSMITH_API_KEY holds a character a key cannot hold");
    const b = await cli(RECOGNIZE, { LANGSMITH_TRACING: "true", LANGSMITH_API_KEY: "lsv2_pt_0123456789", LANGSMITH_ENDPOINT: "http://127.0.0.1:9/?key=sekrit123" });
    expect(b.stderr).toContain("LANGSMITH_ENDPOINT holds a query string or fragment");
    for (const r of [a, b]) {
      expect(r.code).toBe(1);
      expect(r.lines).toHaveLength(1);
      expect(r.out).not.toMatch(/SECRETPART|sekrit123/);
      expect(r.requests).toBe(0);
    }
  }, 30_000);

  it("whitespace around a key is not inside it: the key is sent trimmed and works", async () => {
    const r = await cli(RECOGNIZE, { OPENAI_API_KEY: "  sk-test-trimmed-0123\n" });
    expect(r.code).toBe(0);
    expect(server.headers.at(-1)?.authorization).toBe("Bearer sk-test-trimmed-0123");
  }, 30_000);

  it("masking finds a key wherever whitespace splits it in a message", () => {
    const key = "sk-proj-SECRETPARTONE";
    expect(maskSecrets(`Headers.append: "Bearer sk-proj-SECRET\nPARTONE" is an invalid header value.`, [key])).toBe('Headers.append: "Bearer [secret]" is an invalid header value.');
    // A key holding a line break, printed with the break turned into a space.
    expect(maskSecrets("Bearer sk-abc def!", ["sk-abc\ndef"])).toBe("Bearer [secret]!");
  });
});

describe("a base URL that is not a plain http(s) URL", () => {
  it("OPENAI_BASE_URL with a query string: one line, the secret not printed, no request", async () => {
    const r = await cli(RECOGNIZE, { OPENAI_BASE_URL: `${server.url}?key=sekrit123` });
    expect(r.code).toBe(1);
    expect(r.lines).toHaveLength(1);
    expect(r.stderr).toContain(`OPENAI_BASE_URL holds a query string or fragment (after ${server.url})`);
    expect(r.out).not.toContain("sekrit123");
    expect(r.requests).toBe(0);
  }, 30_000);

  it("OPENAI_BASE_URL with a fragment, and OLLAMA_HOST with a query string: the same", async () => {
    const a = await cli(RECOGNIZE, { OPENAI_BASE_URL: `${server.url}#sekrit123` });
    expect(a.stderr).toContain("OPENAI_BASE_URL holds a query string or fragment");
    const b = await cli(["recognize", "--model", "ollama:llama3.2", "hello"], { OLLAMA_HOST: "http://127.0.0.1:9/?token=sekrit123" });
    expect(b.stderr).toContain("OLLAMA_HOST holds a query string or fragment");
    for (const r of [a, b]) {
      expect(r.code).toBe(1);
      expect(r.lines).toHaveLength(1);
      expect(r.out).not.toContain("sekrit123");
    }
  }, 30_000);

  it("a file: URL is refused as such at once, not retried as a connection that closed", async () => {
    const r = await cli(RECOGNIZE, { OPENAI_BASE_URL: "file:///etc/passwd" });
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe("insideout: OPENAI_BASE_URL must be an http:// or https:// URL, not file:.");
    expect(r.ms).toBeLessThan(10_000);
  }, 30_000);

  it("a --server URL with a query string is refused as OPENAI_BASE_URL's is, before any request, without printing it", async () => {
    const r = await cli(["recognize", "--server", "http://127.0.0.1:9/?key=sekrit123", "--model", "openai:gpt-4o-mini", "hello"]);
    expect(r.code).toBe(1);
    expect(r.lines).toHaveLength(1);
    expect(r.stderr).toContain("--server holds a query string or fragment");
    expect(r.out).not.toContain("sekrit123");
    const f = await cli(["recognize", "--server", "file:///etc/passwd", "--model", "openai:gpt-4o-mini", "hello"]);
    expect(f.stderr.trim()).toBe("insideout: --server must be an http:// or https:// URL, not file:.");
  }, 30_000);

  it("an error line that shows a URL shows no query string", () => {
    expect(maskSecrets("Cannot reach the server at http://127.0.0.1:1/v1?key=sekrit123: start it", [])).toBe("Cannot reach the server at http://127.0.0.1:1/v1?[secret]: start it");
    // Inside JSON, the mask stops at the quote, so the text stays JSON.
    expect(JSON.parse(maskSecrets(JSON.stringify({ url: "https://h/x?sig=abc" }), []))).toEqual({ url: "https://h/x?[secret]" });
  });
});

describe("an answer around its JSON object", () => {
  const Schema = z.object({ emotion: z.enum(["sad", "joyful"]), confidence: z.number().min(0).max(1) });
  const messages = [new SystemMessage("You are an expert in emotions."), new HumanMessage("My cat died.")];

  it.each(["fenced", "prose"] as const)("%s, asked with the schema in the prompt: read, validated", async (m) => {
    // No schema on the wire in prompt mode: this server's answer is the object below, wrapped.
    const json = '{"emotion": "sad", "confidence": 0.5}';
    const own = await startFakeOpenAI(() => (m === "fenced" ? "```json\n" + json + "\n```" : `Sure! Here: ${json}`));
    Object.assign(process.env, { OPENAI_BASE_URL: own.url, OPENAI_API_KEY: "sk-test", INSIDEOUT_STRUCTURED_OUTPUT: "prompt" });
    try {
      const { value, usage } = await invokeStructured(await resolveModel("openai:any"), messages, Schema, { runName: "t" });
      expect(value).toEqual({ emotion: "sad", confidence: 0.5 });
      expect(usage.calls).toBe(1);
    } finally {
      for (const v of ["OPENAI_BASE_URL", "OPENAI_API_KEY", "INSIDEOUT_STRUCTURED_OUTPUT"]) delete process.env[v];
      await own.close();
    }
  });

  it.each(["fenced", "prose"] as const)("%s, asked by response_format: a true line, and nothing cached in the answer's place", async (m) => {
    const data = join(dir, `data-${m}.jsonl`);
    writeFileSync(data, `${JSON.stringify({ id: "q1", dialogue: ["I lost my job today."], emotion: "sad" })}\n`);
    const cache = join(dir, `cache-${m}`);
    const args = (out: string) => ["eval", "--task", "erc", "--method", "baseline", "--model", "openai:gpt-4o-mini", "--data", data, "--out", join(dir, out)];
    mode = m;
    const first = await cli(args(`out-${m}-1`), { XDG_CACHE_HOME: cache });
    mode = "plain";
    expect(first.requests).toBe(2); // the answer and its repair retry
    expect(first.out).not.toContain("contains no JSON object");
    // The model's invalid answer, counted as wrong with the reason it was invalid.
    expect(readFileSync(join(dir, `out-${m}-1`, "predictions.jsonl"), "utf8")).toContain("not one bare JSON object");
    // The same request again, into a new experiment, with the same cache: asked anew (nothing stored for it), answered.
    const second = await cli(args(`out-${m}-2`), { XDG_CACHE_HOME: cache });
    expect(second.requests).toBe(1);
    expect(second.code).toBe(0);
  }, 60_000);
});

describe("an answer the server cut off", () => {
  it.each([
    ["length", 'cut openai:gpt-4o-mini\'s answer off at its length limit (finish_reason "length")', "INSIDEOUT_CONTEXT_TOKENS"],
    ["content_filter", 'withheld openai:gpt-4o-mini\'s answer by its content filter (finish_reason "content_filter")', "the provider refused this dialogue"],
  ] as const)("finish_reason %s: one line naming the server, the model and what to do", async (m, said, todo) => {
    mode = m;
    const r = await cli(RECOGNIZE);
    mode = "plain";
    expect(r.code).not.toBe(0);
    expect(r.lines).toHaveLength(1);
    expect(r.stderr).toContain(`The model server at ${server.url} ${said}`);
    expect(r.stderr).toContain(todo);
    expect(r.out).not.toContain("Could not parse response content");
  }, 30_000);
});

describe("a label set's labels", () => {
  it("a label longer than INSIDEOUT_MAX_LABEL_CHARS (64): one line before any call; a raised limit admits it", async () => {
    const long = "a".repeat(65);
    const file = join(dir, "long-labels.json");
    writeFileSync(file, JSON.stringify({ labels: ["sad", long] }));
    const r = await cli(["recognize", "--model", "openai:gpt-4o-mini", "--method", "baseline", "--labels", file, "I lost my job today."]);
    expect(r.code).toBe(1);
    expect(r.lines).toHaveLength(1);
    expect(r.stderr).toContain(`label 2 ("${"a".repeat(24)}…") has 65 characters, more than 64`);
    expect(r.stderr).toContain("INSIDEOUT_MAX_LABEL_CHARS");
    expect(r.requests).toBe(0);
    const raised = await cli(["recognize", "--model", "openai:gpt-4o-mini", "--method", "baseline", "--labels", file, "I lost my job today."], { INSIDEOUT_MAX_LABEL_CHARS: "65" });
    expect(raised.stderr).not.toContain("INSIDEOUT_MAX_LABEL_CHARS");
    expect(raised.requests).toBeGreaterThan(0);
  }, 30_000);
});

describe("a dialogue of invisible characters, or with a NUL", () => {
  // Zero-width space/joiners, BOM, word joiner, soft hyphen, direction marks, an invisible operator, the combining
  // grapheme joiner, a Hangul filler, the blank braille cell: nothing a reader sees.
  const invisible = ["\u200b\u200d\ufeff", "\u2060", "\u00ad", "\u200e\u200f", "\u2063", "\u034f", "\u3164", "\u2800"];

  it.each(invisible.map((t) => [JSON.stringify(t), t]))("recognize %s: blank, refused before any call", async (_shown, turn) => {
    const r = await cli(["recognize", "--model", "openai:gpt-4o-mini", "--method", "baseline", turn]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("is blank");
    expect(r.requests).toBe(0);
  }, 30_000);

  it("in an eval data file: every invisible turn and a NUL named by line, before any call", async () => {
    const lines = [
      ...invisible.map((t, i) => JSON.stringify({ id: `z${i}`, dialogue: [t], emotion: "sad" })),
      JSON.stringify({ id: "nul", dialogue: ["hi\u0000there"], emotion: "sad" }),
    ];
    for (const [i, line] of lines.entries()) {
      const data = join(dir, `bad-${i}.jsonl`);
      writeFileSync(data, `${JSON.stringify({ id: "ok", dialogue: ["I lost my job today."], emotion: "sad" })}\n${line}\n`);
      const r = await cli(["eval", "--task", "erc", "--method", "baseline", "--model", "openai:gpt-4o-mini", "--data", data, "--out", join(dir, `bad-out-${i}`)]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`on line 2 of ${data}`);
      expect(r.stderr).toContain(i < invisible.length ? "is blank" : "U+0000 (NUL)");
      expect(r.requests).toBe(0);
    }
  }, 120_000);

  it("a turn with a zero-width joiner inside visible text is kept (emoji, Persian)", async () => {
    const r = await cli(["recognize", "--model", "openai:gpt-4o-mini", "--method", "baseline", "my family 👨\u200d👩\u200d👧 left"]);
    expect(r.code).toBe(0);
    expect(r.requests).toBe(1);
  }, 30_000);
});
