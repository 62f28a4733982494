/**
 * The CLI end to end over real HTTP: the built `insideout` talks to an OpenAI-compatible server on 127.0.0.1 that
 * answers `response_format: json_schema` requests with schema-valid JSON, as any such server would.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { roleHandler, startFakeOpenAI, promptOf, type FakeOpenAI } from "../helpers/openaiServer.js";
import { runCli } from "../helpers/cli.js";
import { roleOf } from "../helpers/roles.js";

const ED32 = 32;
let server: FakeOpenAI;
let slow: FakeOpenAI;

/** Agents answer by persona so the outcome is known in advance: three say sad, fear says afraid, joy says hopeful. */
const byAgent: Record<string, string> = { fear: "afraid", happiness: "hopeful" };
const handler = roleHandler({
  emotion: (role) => (role.kind === "agent" ? (byAgent[role.emotion] ?? "sad") : role.kind === "aggregate" ? "devastated" : "lonely"),
  choice: (offered) => (offered.includes("sadness") ? "sadness" : offered[0]),
  text: () => "I'm so sorry to hear that. Do you want to talk about it?",
});

beforeAll(async () => {
  server = await startFakeOpenAI(handler);
  slow = await startFakeOpenAI(handler, { delayMs: 300 });
});
afterAll(async () => {
  await server.close();
  await slow.close();
});

const env = (s: FakeOpenAI) => ({ OPENAI_BASE_URL: s.url, OPENAI_API_KEY: "sk-test-not-a-real-key" });
const turns = ["My dog died last week.", "Oh no, I'm so sorry.", "The house feels empty without him."];

describe("insideout recognize over HTTP", () => {
  it("returns a label from the set and five opinions (--json)", async () => {
    const before = server.requests.length;
    const r = await runCli(["recognize", "--json", "--model", "openai:any-model", ...turns], env(server));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.emotion.emotion).toBe("devastated");
    expect(Object.keys(out.opinions).sort()).toEqual(["anger", "disgust", "fear", "happiness", "sadness"]);
    expect(out.opinions.fear.emotion).toBe("afraid");
    expect(out.failures).toEqual({});
    expect(out.usage.llmCalls).toBe(6);
    expect(out.usage.promptTokens).toBeGreaterThan(0);
    expect(out.latencyMs).toBeGreaterThan(0);
    const sent = server.requests.slice(before);
    expect(sent).toHaveLength(6);
    // Standard structured-output requests, with the label set as an enum.
    const agentReq = sent.find((q) => roleOf(promptOf(q)).kind === "agent")!;
    expect(agentReq.response_format?.type).toBe("json_schema");
    expect(agentReq.response_format?.json_schema?.schema.properties?.emotion?.enum).toHaveLength(ED32);
    expect(agentReq.model).toBe("any-model");
  });

  it("baseline makes exactly one call, vote exactly five", async () => {
    let before = server.requests.length;
    const b = await runCli(["recognize", "--json", "--method", "baseline", "--model", "openai:m", ...turns], env(server));
    expect(JSON.parse(b.stdout).emotion.emotion).toBe("lonely");
    expect(server.requests.length - before).toBe(1);
    before = server.requests.length;
    const v = await runCli(["recognize", "--json", "--aggregation", "vote", "--model", "openai:m", ...turns], env(server));
    expect(JSON.parse(v.stdout).emotion).toMatchObject({ emotion: "sad", decidedBy: "vote" });
    expect(server.requests.length - before).toBe(5);
  });

  it("runs the agents concurrently: well under 6 x 300 ms against a slow server", async () => {
    const before = slow.requests.length;
    const r = await runCli(["recognize", "--json", "--model", "openai:m", ...turns], env(slow));
    expect(r.code).toBe(0);
    expect(slow.requests.length - before).toBe(6);
    expect(slow.maxConcurrent).toBeGreaterThanOrEqual(5);
    // Two rounds of 300 ms (agents, then aggregator): 600 ms plus our overhead. Six calls one after another can never
    // take less than 1800 ms, so any bound below that tells overlap from none; the slack is for a loaded machine.
    expect(JSON.parse(r.stdout).latencyMs).toBeLessThan(1750);
  });

  it("reads the dialogue from stdin and prints a readable table", async () => {
    const r = await runCli(["recognize", "--model", "openai:m"], env(server), turns.join("\n"));
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Agents:/m);
    expect(r.stdout).toMatch(/fear\s+afraid/);
    expect(r.stdout).toMatch(/^Emotion: devastated/m);
  });

  it("ed18 asks among 18 groups", async () => {
    const before = server.requests.length;
    const r = await runCli(["recognize", "--json", "--labels", "ed18", "--method", "baseline", "--model", "openai:m", ...turns], env(server));
    // The fake still answers "lonely", which ed18 folds into its "sad" group.
    expect(JSON.parse(r.stdout).emotion.emotion).toBe("sad");
    expect(server.requests[before]!.response_format?.json_schema?.schema.properties?.emotion?.enum).toHaveLength(18);
  });
});

describe("insideout respond over HTTP", () => {
  it("erc+insideout returns a reply chosen among five candidates", async () => {
    const before = server.requests.length;
    const r = await runCli(["respond", "--json", "--model", "openai:m", ...turns], env(server));
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.recognized.emotion).toBe("lonely");
    expect(Object.keys(out.candidates)).toHaveLength(5);
    expect(out.reply.author).toBe("sadness");
    expect(out.reply.text).toBe(out.candidates.sadness.reply);
    expect(server.requests.length - before).toBe(7);
  });

  it("baseline replies in one plain call", async () => {
    const r = await runCli(["respond", "--json", "--method", "baseline", "--model", "openai:m", ...turns], env(server));
    expect(JSON.parse(r.stdout).reply.text).toBe("I'm so sorry to hear that. Do you want to talk about it?");
  });
});

describe("clear one-line errors", () => {
  it("no dialogue", async () => {
    const r = await runCli(["recognize", "--model", "openai:m"], env(server), "");
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/No dialogue given/);
  });

  it("unknown provider", async () => {
    const r = await runCli(["recognize", "--model", "nope:x", "hi"], env(server));
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Unknown model provider "nope"/);
  });

  it("missing key and base URL", async () => {
    const r = await runCli(["recognize", "--model", "openai:gpt-4o-mini", "hi"], {});
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/OPENAI_API_KEY is not set/);
  });

  it("unreachable server, and the key is never printed", async () => {
    const r = await runCli(["recognize", "--model", "openai:m", "hi"], {
      OPENAI_BASE_URL: "http://127.0.0.1:9/v1",
      OPENAI_API_KEY: "sk-canary-1234567890",
    });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/Cannot reach the model server/);
    expect(r.stderr + r.stdout).not.toContain("sk-canary-1234567890");
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
  });

  it("unknown label set", async () => {
    const r = await runCli(["recognize", "--labels", "ed7", "--model", "openai:m", "hi"], env(server));
    expect(r.stderr).toMatch(/Unknown label set "ed7"/);
  });
});
