/**
 * anthropic:, google-genai: and gigachat: over real HTTP against loopback stand-ins of their APIs: the built CLI
 * recognises a dialogue with six structured calls (five agents, the aggregator) asked in each provider's own way,
 * GigaChat with one OAuth token for the whole run; a refused key is a ModelCallFailure of kind "auth"; a missing
 * credential is one line naming its variable, before any request.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { z } from "zod";
import { ModelCallFailure } from "../../core/errors.js";
import { askOnce } from "../../models/ask.js";
import { resolveModel } from "../../models/factory.js";
import { toModelCallFailure } from "../../models/failures.js";
import { runCli } from "../helpers/cli.js";
import { startAnthropic, startGemini, startGigaChat, type GigaChatStand, type Script, type Stand } from "../helpers/providerServers.js";

/** Three agents say sad, fear says afraid, joy says hopeful; the aggregator says devastated: known in advance. */
const byAgent: Record<string, string> = { fear: "afraid", happiness: "hopeful" };
const script: Script = { emotion: (role) => (role.kind === "agent" ? (byAgent[role.emotion] ?? "sad") : role.kind === "aggregate" ? "devastated" : "lonely") };
const turns = ["My dog died last week.", "Oh no, I'm so sorry.", "The house feels empty without him."];

const GIGA_CREDENTIALS = Buffer.from("client-id-123:client-secret-456").toString("base64");
const ANTHROPIC_KEY = "anthropic-test-key-7f6e5d4c3b2a";
const GOOGLE_KEY = "google-test-key-1a2b3c4d5e6f";

let giga: GigaChatStand;
let anthropic: Stand;
let gemini: Stand;

beforeAll(async () => {
  giga = await startGigaChat(script, GIGA_CREDENTIALS);
  anthropic = await startAnthropic(script, ANTHROPIC_KEY);
  gemini = await startGemini(script, GOOGLE_KEY);
});
afterAll(async () => {
  await giga.close();
  await anthropic.close();
  await gemini.close();
});

const gigaEnv = (credentials = GIGA_CREDENTIALS) => ({
  GIGACHAT_CREDENTIALS: credentials,
  GIGACHAT_BASE_URL: `${giga.url}/api/v1`,
  GIGACHAT_AUTH_URL: `${giga.url}/api/v2/oauth`,
});
const anthropicEnv = (key = ANTHROPIC_KEY) => ({ ANTHROPIC_API_KEY: key, ANTHROPIC_BASE_URL: anthropic.url });
const geminiEnv = (key = GOOGLE_KEY) => ({ GOOGLE_API_KEY: key, GOOGLE_GEMINI_BASE_URL: gemini.url });

function expectRecognised(r: { code: number; stdout: string; stderr: string }) {
  expect(r.stderr).toBe("");
  expect(r.code).toBe(0);
  const out = JSON.parse(r.stdout);
  expect(out.emotion.emotion).toBe("devastated");
  expect(out.opinions.fear.emotion).toBe("afraid");
  expect(out.opinions.happiness.emotion).toBe("hopeful");
  expect(out.opinions.sadness.emotion).toBe("sad");
  expect(out.failures).toEqual({});
  expect(out.usage.llmCalls).toBe(6);
}

describe("recognize --method insideout through each provider's API", () => {
  it("gigachat: one token request, six function-calling chat calls, a label of the set", async () => {
    const before = giga.requests.length;
    const r = await runCli(["recognize", "--json", "--method", "insideout", "--model", "gigachat:GigaChat-2-Max", ...turns], gigaEnv());
    expectRecognised(r);
    const sent = giga.requests.slice(before);
    expect(sent.filter((q) => q.path === "/api/v2/oauth")).toHaveLength(1);
    const chats = sent.filter((q) => q.path === "/api/v1/chat/completions");
    expect(chats).toHaveLength(6);
    for (const q of chats) {
      expect(q.body.model).toBe("GigaChat-2-Max");
      const fn = (q.body.functions as { name: string; parameters: { properties: { emotion: { enum: string[] } } } }[])[0]!;
      expect(q.body.function_call).toEqual({ name: fn.name });
      expect(fn.parameters.properties.emotion.enum).toHaveLength(32);
    }
  });

  it("anthropic: six Messages API calls with a forced tool, a label of the set", async () => {
    const before = anthropic.requests.length;
    const r = await runCli(["recognize", "--json", "--method", "insideout", "--model", "anthropic:claude-sonnet-4-5", ...turns], anthropicEnv());
    expectRecognised(r);
    const sent = anthropic.requests.slice(before);
    expect(sent).toHaveLength(6);
    for (const q of sent) {
      expect(q.path).toBe("/v1/messages");
      expect(q.body.model).toBe("claude-sonnet-4-5");
      const tool = (q.body.tools as { name: string }[])[0]!;
      expect(q.body.tool_choice).toMatchObject({ type: "tool", name: tool.name });
    }
  });

  it("google-genai: six generateContent calls with a response schema, a label of the set", async () => {
    const before = gemini.requests.length;
    const r = await runCli(["recognize", "--json", "--method", "insideout", "--model", "google-genai:gemini-2.5-flash", ...turns], geminiEnv());
    expectRecognised(r);
    const sent = gemini.requests.slice(before);
    expect(sent).toHaveLength(6);
    for (const q of sent) {
      expect(q.path).toMatch(/^\/v1beta\/models\/gemini-2\.5-flash:generateContent/);
      expect((q.body.generationConfig as { responseMimeType?: string }).responseMimeType).toBe("application/json");
    }
  });
});

describe("credentials", () => {
  it.each([
    ["gigachat:GigaChat-2-Max", "GIGACHAT_CREDENTIALS"],
    ["anthropic:claude-sonnet-4-5", "ANTHROPIC_API_KEY"],
    ["google-genai:gemini-2.5-flash", "GOOGLE_API_KEY"],
  ])("%s without credentials: one line naming %s, no request", async (model, variable) => {
    const counts = [giga.requests.length, anthropic.requests.length, gemini.requests.length];
    const r = await runCli(["recognize", "--model", model, ...turns], {});
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe("");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain(`${variable} is not set`);
    expect([giga.requests.length, anthropic.requests.length, gemini.requests.length]).toEqual(counts);
  });

  const schema = z.object({ emotion: z.enum(["sad", "afraid"]) });
  const messages = [new SystemMessage("You are Sadness, one of the emotions"), new HumanMessage("hello")];
  const saved = { ...process.env };

  it.each([
    ["gigachat", () => ({ ...gigaEnv(Buffer.from("wrong:wrong").toString("base64")) }), "GIGACHAT_CREDENTIALS"],
    ["anthropic", () => anthropicEnv("anthropic-wrong-key-000000"), "ANTHROPIC_API_KEY"],
    ["google-genai", () => geminiEnv("google-wrong-key-0000000"), "GOOGLE_API_KEY"],
  ])("%s: a refused key is a ModelCallFailure of kind auth, naming the provider's variable", async (provider, env, variable) => {
    process.env = { ...saved, ...env(), INSIDEOUT_MAX_RETRIES: "0" };
    try {
      const model = await resolveModel(`${provider}:m-${Math.random()}`, { temperature: 0.5 });
      const error = await askOnce(model, messages, schema, { runName: "t" }).then(
        () => undefined,
        (e: unknown) => e,
      );
      const failure = toModelCallFailure(error, model.identity.endpoint, model.variables);
      expect(failure).toBeInstanceOf(ModelCallFailure);
      expect(failure?.kind).toBe("auth");
      expect(failure?.message).toContain("HTTP 401");
      expect(failure?.message).toContain(`check ${variable}`);
      expect(failure?.message).not.toContain("OPENAI");
    } finally {
      process.env = { ...saved };
    }
  });

  it("each model's identity names its endpoint, model and temperature", async () => {
    process.env = { ...saved, ...gigaEnv(), ...anthropicEnv(), ...geminiEnv() };
    try {
      expect((await resolveModel("gigachat:GigaChat-2-Max", { temperature: 0.3 })).identity).toEqual({
        provider: "gigachat", endpoint: `${giga.url}/api/v1`, model: "GigaChat-2-Max", params: { temperature: 0.3 },
      });
      expect((await resolveModel("anthropic:claude-x")).identity).toEqual({ provider: "anthropic", endpoint: anthropic.url, model: "claude-x", params: { temperature: 0 } });
      expect((await resolveModel("google-genai:gemini-x")).identity).toEqual({ provider: "google-genai", endpoint: gemini.url, model: "gemini-x", params: { temperature: 0 } });
    } finally {
      process.env = { ...saved };
    }
  });
});
