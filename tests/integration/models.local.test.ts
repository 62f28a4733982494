/**
 * `local:` with a real llama.cpp (node-llama-cpp) on a tiny random-weight GGUF that this test writes. Random weights
 * make the model's free text garbage, which is the point: the structured answers must still parse, because the
 * grammar allows nothing else. Batching is checked through the engine's own counters, never through timing.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { HumanMessage, SystemMessage, type BaseMessage } from "@langchain/core/messages";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { z } from "zod";
import { ModelResolver } from "../../models/factory.js";
import { ChatLocalLlama } from "../../models/local/chatModel.js";
import { LocalEngines } from "../../models/local/engine.js";
import { disposeLlamaRuntime } from "../../models/local/runtime.js";
import { invokeStructured, invokeText } from "../../models/structured.js";
import { writeTinyGguf } from "../../bench/tinyGguf.js";

const ED32 = [
  "afraid", "angry", "annoyed", "anticipating", "anxious", "apprehensive", "ashamed", "caring", "confident", "content",
  "devastated", "disappointed", "disgusted", "embarrassed", "excited", "faithful", "furious", "grateful", "guilty",
  "hopeful", "impressed", "jealous", "joyful", "lonely", "nostalgic", "prepared", "proud", "sad", "sentimental",
  "surprised", "terrified", "trusting",
] as const;
const opinion = z.object({ emotion: z.enum(ED32), confidence: z.number().min(0).max(1), rationale: z.string() });
const AGENTS = ["anger", "disgust", "fear", "happiness", "sadness"];

let dir: string;
let tiny: string;
let tinySmall: string;
/** The test's own engines (fresh counters for a test that needs them: `ownEngines`), disposed at the end. */
const registries: LocalEngines[] = [];
function ownEngines(): { engines: LocalEngines; resolver: ModelResolver } {
  const engines = new LocalEngines();
  registries.push(engines);
  return { engines, resolver: new ModelResolver({ engines }) };
}
const { engines, resolver } = ownEngines();
const resolveModel = (spec: string, options?: { temperature?: number }) => resolver.resolve(spec, options);
const savedEnv = { threads: process.env.INSIDEOUT_THREADS, maxString: process.env.INSIDEOUT_LOCAL_MAX_STRING };

function agentMessages(emotion: string): BaseMessage[] {
  return [
    new SystemMessage(`You embody ${emotion}. Read the dialogue and name the speaker's emotion.`),
    new HumanMessage("Speaker: I finally got the job I wanted!\nListener: Congratulations!"),
  ];
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "insideout-local-"));
  tiny = writeTinyGguf(join(dir, "tiny.gguf")).path;
  tinySmall = writeTinyGguf(join(dir, "tiny-2seq.gguf"), { seed: 99 }).path;
  // One thread is fastest for a model this small; short strings keep random-weight answers quick.
  process.env.INSIDEOUT_THREADS = "1";
  process.env.INSIDEOUT_LOCAL_MAX_STRING = "40";
});

afterAll(async () => {
  for (const r of registries) await r.dispose();
  await disposeLlamaRuntime();
  for (const [key, value] of [["INSIDEOUT_THREADS", savedEnv.threads], ["INSIDEOUT_LOCAL_MAX_STRING", savedEnv.maxString]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("local: provider on a tiny GGUF", () => {
  test("resolving loads the model once; later resolutions share it (and the chat-model object)", async () => {
    expect(engines.loads(tiny)).toBe(0);
    const a = await resolveModel(`local:${tiny}`);
    const b = await resolveModel(`local:${tiny}`);
    expect(a.provider).toBe("local");
    expect(a.chat).toBeInstanceOf(ChatLocalLlama);
    expect(a.chat).toBe(b.chat);
    // The tiny GGUF declares a 4096-token training context, and 4096 is the default per-sequence context.
    expect(a.contextTokens).toBe(4096);
    expect(engines.loads(tiny)).toBe(1);
    // A different setting is a different chat model, still on the same engine.
    const c = await resolveModel(`local:${tiny}`, { temperature: 0.5 });
    expect(c.chat).not.toBe(a.chat);
    const [ea, ec] = await Promise.all([(a.chat as ChatLocalLlama).engine(), (c.chat as ChatLocalLlama).engine()]);
    expect(ea).toBe(ec);
    expect(ea.stats()).toMatchObject({ modelLoads: 1, contextsCreated: 1 });
  });

  test("a structured call parses against a zod schema with a 32-label enum on the first attempt", async () => {
    const model = await resolveModel(`local:${tiny}`);
    const { value, usage } = await invokeStructured(model, agentMessages("joy"), opinion, { runName: "agent:happiness" });
    expect(opinion.safeParse(value).success).toBe(true);
    expect(ED32).toContain(value.emotion);
    // The grammar allows 40 characters; random weights may emit broken UTF-8, which decodes to up to four U+FFFD per
    // grammar character, hence the bound of 160 decoded code points.
    expect([...value.rationale].length).toBeLessThanOrEqual(160);
    expect(usage.calls).toBe(1);
    expect(usage.promptTokens).toBeGreaterThan(20);
    expect(usage.completionTokens).toBeGreaterThan(5);
  });

  test("includeRaw gives {raw, parsed}, and parsed is exactly the raw JSON", async () => {
    const model = await resolveModel(`local:${tiny}`);
    const out = await model.chat.withStructuredOutput(opinion, { includeRaw: true }).invoke(agentMessages("fear"));
    expect(JSON.parse(out.raw.text)).toEqual(out.parsed);
    expect(opinion.safeParse(out.parsed).success).toBe(true);
  });

  test("without the grammar the same weights do not produce a valid answer (so the grammar is doing the work)", async () => {
    const model = await resolveModel(`local:${tiny}`);
    const { text } = await invokeText(model, agentMessages("joy"), { runName: "free" });
    let valid = false;
    try {
      valid = opinion.safeParse(JSON.parse(text)).success;
    } catch {
      valid = false;
    }
    expect(valid).toBe(false);
  });

  test("five agents at once decode as parallel sequences of one context, in shared batches", async () => {
    // Engines of its own: counters from zero.
    const own = ownEngines();
    await own.resolver.resolve(`local:${tiny}`);
    const engine = await own.engines.engine(tiny);
    const loadsBefore = own.engines.loads(tiny);
    const answers = await Promise.all(
      AGENTS.map(async (emotion) => {
        const model = await own.resolver.resolve(`local:${tiny}`);
        return invokeStructured(model, agentMessages(emotion), opinion, { runName: `agent:${emotion}` });
      }),
    );
    for (const a of answers) expect(opinion.safeParse(a.value).success).toBe(true);
    const s = engine.stats();
    expect(own.engines.loads(tiny)).toBe(loadsBefore);
    expect(s.contextsCreated).toBe(1);
    expect(s.calls).toBe(5);
    expect(s.peakActiveCalls).toBe(5);
    expect(s.maxSequencesPerBatch).toBe(5);
    expect(s.multiSequenceBatches).toBeGreaterThan(0);
  });

  test("the same five calls one after another never share a batch (the counters tell the two apart)", async () => {
    const own = ownEngines();
    const model = await own.resolver.resolve(`local:${tiny}`);
    const engine = await own.engines.engine(tiny);
    for (const emotion of AGENTS) await invokeStructured(model, agentMessages(emotion), opinion, { runName: `agent:${emotion}` });
    const s = engine.stats();
    expect(s.calls).toBe(5);
    expect(s.peakActiveCalls).toBe(1);
    expect(s.maxSequencesPerBatch).toBe(1);
    expect(s.multiSequenceBatches).toBe(0);
  });

  test("more calls than sequences wait for a free one instead of opening another context", async () => {
    const chat = new ChatLocalLlama({ modelPath: tinySmall, engines, engine: { sequences: 2, contextSize: 2048, threads: 1 }, grammarLimits: { maxStringLength: 20 } });
    const model = { spec: `local:${tinySmall}`, provider: "local", name: tinySmall, chat, identity: { provider: "local", endpoint: tinySmall, model: "tiny", params: {} } };
    const answers = await Promise.all(AGENTS.map((e) => invokeStructured(model, agentMessages(e), opinion, { runName: e })));
    expect(answers).toHaveLength(5);
    const s = (await chat.engine()).stats();
    expect(s).toMatchObject({ sequences: 2, contextsCreated: 1, modelLoads: 1, calls: 5, peakActiveCalls: 2, waitedCalls: 3, maxSequencesPerBatch: 2 });
  });

  test("temperature 0 is reproducible; with temperature > 0 the seed decides", async () => {
    const messages = [new HumanMessage("Tell me something.")];
    const greedy = new ChatLocalLlama({ modelPath: tiny, engines, maxTokens: 24 });
    const g1 = await greedy.invoke(messages);
    const g2 = await greedy.invoke(messages);
    expect(g1.text).toBe(g2.text);
    const sample = (seed: number) => new ChatLocalLlama({ modelPath: tiny, engines, maxTokens: 24, temperature: 1, seed }).invoke(messages);
    const [s7a, s7b, s8] = [await sample(7), await sample(7), await sample(8)];
    expect(s7a.text).toBe(s7b.text);
    expect(s7a.text).not.toBe(s8.text);
  });

  test("a text answer stops at maxTokens and reports its token usage", async () => {
    const chat = new ChatLocalLlama({ modelPath: tiny, engines, maxTokens: 16 });
    const message = await chat.invoke([new HumanMessage("Reply please.")]);
    expect(message.usage_metadata?.output_tokens).toBeGreaterThan(0);
    expect(message.usage_metadata?.output_tokens).toBeLessThanOrEqual(16);
    expect(message.response_metadata).toMatchObject({ model_provider: "local" });
  });
  test("a call takes the free sequence that holds its prompt's prefix and evaluates only what follows it", async () => {
    const path = writeTinyGguf(join(dir, "tiny-prefix.gguf"), { seed: 7 }).path;
    const engine = await engines.engine(path, { sequences: 2, contextSize: 2048, threads: 1 });
    // 600 bytes shared by two prompts: with a byte-level vocabulary and six merges, at least 300 tokens.
    const shared = "Choose exactly one label from this list. ".repeat(15);
    const conversation = "Conversation:\nSpeaker: I finally got the job I wanted!";
    const prompt = (own: string) => [
      { type: "system" as const, text: shared },
      { type: "user" as const, text: conversation },
      { type: "user" as const, text: own },
    ];
    const call = async (history: ReturnType<typeof prompt>) => {
      const before = engine.stats().evaluatedPromptTokens;
      const r = await engine.generate({ history, temperature: 0, maxTokens: 4 });
      return { prompt: r.promptTokens, evaluated: engine.stats().evaluatedPromptTokens - before };
    };
    const first = await call(prompt("You are Anger."));
    expect(first.prompt).toBeGreaterThan(300);
    // A fresh sequence evaluates the whole prompt (node-llama-cpp may count a token or two of its own on top).
    expect(first.evaluated).toBeGreaterThanOrEqual(first.prompt - 2);
    // An unrelated prompt shares nothing with the first sequence: it takes the other, fresh one.
    const other = await call([{ type: "user", text: "Something else entirely, with no shared start at all." }]);
    expect(other.evaluated).toBeGreaterThanOrEqual(other.prompt - 2);
    // Both sequences are free now; the last released holds the unrelated prompt. The second agent's prompt goes to
    // the sequence holding the shared part, and evaluates little more than its own instruction.
    const second = await call(prompt("You are Fear."));
    expect(second.prompt).toBeGreaterThan(300);
    expect(second.evaluated).toBeLessThan(second.prompt - 300);
    expect(engine.stats().contextsCreated).toBe(1);
  });
});
