/**
 * The LangGraph dev server as someone who can reach its port sees it (`npm run dev`): a run's `labels` and `model`
 * cannot make it read files outside the folders it allows, a refusal reads the same whether or not a file is there,
 * nothing of a file's content comes back or goes to the log, and a run's error is one readable line. The model is
 * ChatOpenAI against an OpenAI-compatible server on 127.0.0.1 whose answers are a known function of the request.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Client } from "@langchain/langgraph-sdk";
import { startDevServer, type DevServer } from "../helpers/devServer.js";
import { answerFromSchema, requestedSchema, startFakeOpenAI, promptOf, type FakeOpenAI, type Handler } from "../helpers/openaiServer.js";
import { roleOf } from "../helpers/roles.js";

/** Strings that exist only inside files outside the allowed folders: none may appear in a response or the log. */
const SECRET_LABEL = "zanzibarsecret";
const SECRET_BYTES = "QUOKKA-SECRET-CONTENT";

/**
 * Schema-valid answers choosing the LAST offered label (so a label set's own labels show in the result); `garbage-*`
 * models answer text that is no JSON: the anger agent only (`garbage-anger`), or every agent (`garbage-all`).
 */
const handler: Handler = (req) => {
  const role = roleOf(promptOf(req));
  const broken = req.model === "garbage-all" ? role.kind === "agent" : req.model === "garbage-anger" && role.kind === "agent" && role.emotion === "anger";
  if (broken) return "this is not JSON";
  const schema = requestedSchema(req);
  if (!schema) return "Plain text.";
  return JSON.stringify(answerFromSchema(schema, (prop, options) => (prop === "emotion" ? options[options.length - 1] : options[0])));
};

const dialogue = ["My dog died last week.", "Oh no, I'm so sorry."];
let dir: string;
let openai: FakeOpenAI;
let dev: DevServer;
let client: Client;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "insideout-exposed-"));
  const labels = join(dir, "labels");
  const models = join(dir, "models");
  const outside = join(dir, "outside");
  for (const d of [labels, models, outside]) mkdirSync(d);
  writeFileSync(join(labels, "mine.json"), JSON.stringify({ labels: ["gloomy", "sunny"] }));
  writeFileSync(join(outside, "secret.json"), JSON.stringify({ labels: [SECRET_LABEL, "other"] }));
  writeFileSync(join(outside, "notjson.json"), `${SECRET_BYTES} not json`);
  writeFileSync(join(outside, "model.gguf"), `GGUF${SECRET_BYTES}`);
  // Names inside the allowed folders that lead out of them.
  symlinkSync(join(outside, "secret.json"), join(labels, "link.json"));
  symlinkSync(join(outside, "model.gguf"), join(models, "link.gguf"));
  openai = await startFakeOpenAI(handler);
  dev = await startDevServer({ OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: "sk-test-exposed", INSIDEOUT_LABELS_DIR: labels, INSIDEOUT_MODELS_DIR: models });
  client = new Client({ apiUrl: dev.url });
}, 180_000);

afterAll(async () => {
  await dev?.stop();
  await openai?.close();
  rmSync(dir, { recursive: true, force: true });
}, 30_000);

/** A run on the server: its final values, or its error's message. */
async function run(graph: string, context: Record<string, unknown>): Promise<{ values?: Record<string, unknown>; error?: string; raw: string }> {
  const thread = await client.threads.create();
  const started = await client.runs.create(thread.thread_id, graph, { input: { dialogue }, context });
  const done = (await client.runs.join(thread.thread_id, started.run_id)) as Record<string, unknown> & { __error__?: { message?: string } };
  const raw = JSON.stringify(done);
  if (!done.__error__) return { values: done, raw };
  // langgraph-api 1.5 wraps the error's {error, message} as a JSON string in `message`; the line is the inner message.
  let message = String(done.__error__.message);
  try {
    message = String((JSON.parse(message) as { message: unknown }).message);
  } catch {
    // not wrapped
  }
  return { error: message, raw };
}

const LABEL_REFUSAL = /^Label set "(.*)" is not available on this server: use ed32, ed18, meld7, or the name of a label-set file in the server's INSIDEOUT_LABELS_DIR \(/;
const MODEL_REFUSAL = /^Model "local:(.*)" is not available on this server: use local:default, local:<name of a \.gguf file in the server's INSIDEOUT_MODELS_DIR>, or an openai: or ollama: model \(/;

/** The refusal with the caller's own words taken out: what is left must not depend on the file. */
const shape = (error: string | undefined, given: string) => error?.replace(JSON.stringify(given), "<given>");

describe("a dev server reached by anyone", () => {
  it("refuses label files outside the allowed folder with one line that does not depend on the file", async () => {
    const before = openai.requests.length;
    const given = ["/etc/passwd.json", "../x.json", join(dir, "outside/secret.json"), join(dir, "outside/missing.json"), join(dir, "outside/notjson.json"), "link.json", "missing.json", "../outside/secret.json"];
    const errors: string[] = [];
    for (const labels of given) {
      const r = await run("erc", { model: "openai:m", labels });
      expect(r.values).toBeUndefined();
      expect(r.error).toMatch(LABEL_REFUSAL);
      expect(r.error).not.toContain("\n");
      expect(r.raw).not.toContain(SECRET_LABEL);
      expect(r.raw).not.toContain(SECRET_BYTES);
      errors.push(shape(r.error, labels)!);
    }
    // Existing and missing, outside or through a symlink: the same words.
    expect(new Set(errors).size).toBe(1);
    for (const name of ["baseline_erc", "erg"]) {
      const r = await run(name, { model: "openai:m", labels: join(dir, "outside/secret.json") });
      expect(shape(r.error, join(dir, "outside/secret.json"))).toBe(errors[0]);
    }
    // Refused before any model call.
    expect(openai.requests.length).toBe(before);
  });

  it("refuses local models outside the allowed folder the same way for existing and missing files", async () => {
    const given = ["/etc/hostname", "/nonexistent.gguf", join(dir, "outside/model.gguf"), join(dir, "outside/none.gguf"), "link.gguf", "missing.gguf", "~/x.gguf", "hf:someone/repo/model.gguf"];
    const errors: string[] = [];
    for (const name of given) {
      const r = await run("baseline_erc", { model: `local:${name}` });
      expect(r.error).toMatch(MODEL_REFUSAL);
      expect(r.error).not.toContain("\n");
      expect(r.raw).not.toContain(SECRET_BYTES);
      errors.push(shape(r.error, `local:${name}`)!);
    }
    expect(new Set(errors).size).toBe(1);
  });

  it("serves a label set by name from the allowed folder", async () => {
    for (const labels of ["mine", "mine.json"]) {
      const r = await run("erc", { model: "openai:m", labels, aggregation: "vote" });
      expect(r.error).toBeUndefined();
      const opinions = r.values!.opinions as Record<string, { emotion: string }>;
      // The fake model picks the last label it is offered: the file's, not ed32's.
      expect(Object.values(opinions).map((o) => o.emotion)).toEqual(["sunny", "sunny", "sunny", "sunny", "sunny"]);
      expect((r.values!.emotion as { emotion: string }).emotion).toBe("sunny");
    }
    expect(promptOf(openai.requests.at(-1)!)).toContain("gloomy, sunny");
  });

  it.each<[Record<string, unknown>, string]>([
    [{ model: "openai:m", temperature: 7 }, "Invalid run option temperature (7): Too big: expected number to be <=2"],
    [{ model: "openai:m", agents: ["anger", "joy"] }, `Invalid run option agents.1 ("joy"): Invalid option: expected one of "anger"|"disgust"|"fear"|"happiness"|"sadness"|"surprise"`],
    [{ model: "openai:m", aggregation: "vote" }, `Invalid run option aggregation ("vote"): ERG aggregation is llm or weighted (replies carry no label to vote on)`],
    [{ model: "nope:x" }, `Unknown model provider "nope" in "nope:x": use one of openai, ollama, local, anthropic, google-genai, gigachat.`],
  ])("bad options %j are one line: %s", async (context, line) => {
    const graph = context["aggregation"] === "vote" ? "erg" : "erc";
    const r = await run(graph, context);
    expect(r.error).toBe(line);
  });

  it("a failing agent's cause is in the run's failures and in the server's log", async () => {
    const r = await run("erc", { model: "openai:garbage-anger", aggregation: "vote" });
    expect(r.error).toBeUndefined();
    const failures = r.values!.failures as Record<string, string>;
    expect(Object.keys(failures)).toEqual(["anger"]);
    expect(failures.anger).toMatch(/invalid answer/i);
    expect(failures.anger).not.toContain("\n");
    await waitFor(() => dev.output().includes(`anger failed: ${failures.anger}`));
  });

  it("an all-agents-failed run names the first cause in one line", async () => {
    const r = await run("erc", { model: "openai:garbage-all" });
    expect(r.error).toMatch(/^All emotion agents failed \((anger|disgust|fear|happiness|sadness): invalid answer[^\n]*\)\.$/i);
  });

  it("the log holds no file content", () => {
    expect(dev.output()).not.toContain(SECRET_LABEL);
    expect(dev.output()).not.toContain(SECRET_BYTES);
  });
});

async function waitFor(ok: () => boolean, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`not seen within ${ms} ms:\n${dev.output().slice(-3000)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
