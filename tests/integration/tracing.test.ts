/**
 * LangSmith tracing from the CLI, against a capture server standing in for LangSmith (LANGSMITH_ENDPOINT): the runs
 * are named by graph, node, role and emotion and tagged with method, model and label set; they are all sent before
 * the CLI exits; `--hide-inputs` keeps dialogue text out; API keys appear nowhere in what is sent, even when a model
 * server quotes them in its answers or its errors.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "@jest/globals";
import { runCli } from "../helpers/cli.js";
import { startLangSmithCapture, type CapturedRun, type LangSmithCapture } from "../helpers/langsmithCapture.js";
import { answerFromSchema, requestedSchema, startFakeOpenAI, promptOf, type ChatRequest, type FakeOpenAI } from "../helpers/openaiServer.js";
import { roleOf } from "../helpers/roles.js";

const OPENAI_CANARY = "sk-canary-openai-7f3a9c2e51d04b8e";
const LANGSMITH_CANARY = "lsv2_pt_canary_5b1e8d7c3a9f4e2d";
const turns = ["My grandmother passed away yesterday.", "I'm so sorry. Were you close?", "She raised me; the kitchen smells like her soup."];
const AGENTS = ["anger", "disgust", "fear", "happiness", "sadness"];

function handler(req: ChatRequest) {
  const role = roleOf(promptOf(req));
  const schema = requestedSchema(req);
  if (!schema) return "I'm here with you.";
  return JSON.stringify(answerFromSchema(schema, (prop, options) => (prop === "emotion" ? (role.kind === "aggregate" ? "devastated" : "sad") : options[0])));
}

let openai: FakeOpenAI;
let capture: LangSmithCapture;

beforeAll(async () => {
  openai = await startFakeOpenAI(handler);
  capture = await startLangSmithCapture();
});
afterAll(async () => {
  await openai.close();
  await capture.close();
});
beforeEach(() => {
  capture.bodies.length = 0;
  capture.runs.clear();
});

const env = () => ({
  OPENAI_BASE_URL: openai.url,
  OPENAI_API_KEY: OPENAI_CANARY,
  LANGSMITH_TRACING: "true",
  LANGSMITH_ENDPOINT: capture.url,
  LANGSMITH_API_KEY: LANGSMITH_CANARY,
  LANGSMITH_PROJECT: "insideout-test",
});

const named = (name: string): CapturedRun[] => [...capture.runs.values()].filter((r) => r.name === name);

describe("LangSmith tracing (LANGSMITH_TRACING=true)", () => {
  it("is off by default: nothing is sent without LANGSMITH_TRACING", async () => {
    const { LANGSMITH_TRACING: _off, ...rest } = env();
    const r = await runCli(["recognize", "--json", "--model", "openai:fake-model", ...turns], rest);
    expect(r.code).toBe(0);
    expect(capture.bodies).toHaveLength(0);
  });

  it("sends the graph run, one run per emotion agent, the aggregator and the LLM calls, tagged, before exiting", async () => {
    const r = await runCli(["recognize", "--json", "--model", "openai:fake-model", "--labels", "ed18", ...turns], env());
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    // The CLI has exited: whatever it sent is all there is.
    const [graphRun, ...more] = named("erc");
    expect(more).toHaveLength(0);
    expect(graphRun?.parent_run_id).toBeFalsy();
    expect(graphRun?.tags).toEqual(expect.arrayContaining(["method:insideout", "model:openai:fake-model", "labels:ed18"]));
    expect(graphRun?.outputs).toBeDefined(); // the run was closed, not only opened
    for (const emotion of AGENTS) {
      const node = named(emotion);
      expect(node).toHaveLength(1);
      expect(node[0]!.parent_run_id).toBe(graphRun!.id);
      expect(named(`agent:${emotion}`).length).toBeGreaterThanOrEqual(1);
    }
    expect(named("aggregate").length).toBe(2); // the node, and its LLM call
    const llmRuns = [...capture.runs.values()].filter((x) => x.run_type === "llm");
    expect(llmRuns).toHaveLength(6);
    // Tags and metadata reach every run under the graph, down to the LLM calls.
    for (const llm of llmRuns) expect(llm.tags).toEqual(expect.arrayContaining(["method:insideout", "labels:ed18"]));
    // Without hiding, the dialogue is in the trace (so the hiding test below is meaningful).
    expect(capture.bodies.join("\n")).toContain(turns[2]);
    const everything = [...capture.bodies, r.stdout, r.stderr].join("\n");
    expect(everything).not.toContain(OPENAI_CANARY);
    expect(everything).not.toContain(LANGSMITH_CANARY);
  });

  it("--hide-inputs keeps every dialogue turn out of what is sent; the runs are still there", async () => {
    const r = await runCli(["recognize", "--hide-inputs", "--model", "openai:fake-model", ...turns], env());
    expect(r.code).toBe(0);
    expect(named("erc")).toHaveLength(1);
    expect(named("agent:fear").length).toBeGreaterThanOrEqual(1);
    const sent = capture.bodies.join("\n");
    for (const t of turns) expect(sent).not.toContain(t);
    for (const fragment of ["grandmother", "soup", "raised me"]) expect(sent).not.toContain(fragment);
    expect(sent).not.toContain(OPENAI_CANARY);
    expect(sent).not.toContain(LANGSMITH_CANARY);
  });

  it("LANGSMITH_HIDE_INPUTS=true does the same as --hide-inputs", async () => {
    const r = await runCli(["respond", "--model", "openai:fake-model", ...turns], { ...env(), LANGSMITH_HIDE_INPUTS: "true" });
    expect(r.code).toBe(0);
    expect(named("erg")).toHaveLength(1);
    const sent = capture.bodies.join("\n");
    for (const t of turns) expect(sent).not.toContain(t);
  });

  it("a model server that rejects the key is one line that does not leak the key", async () => {
    const rejecting = await startFakeOpenAI(() => ({ status: 401, body: JSON.stringify({ error: { message: `Incorrect API key provided: ${OPENAI_CANARY}`, code: "invalid_api_key" } }) }));
    const r = await runCli(["recognize", "--model", "openai:fake-model", ...turns], { ...env(), OPENAI_BASE_URL: rejecting.url });
    await rejecting.close();
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/API key/);
    expect(r.stderr + r.stdout).not.toContain(OPENAI_CANARY);
    expect(capture.bodies.join("\n")).not.toContain(OPENAI_CANARY);
  });

  it("a key that a model server quotes, in an answer or in an error, never reaches LangSmith", async () => {
    const echoing = await startFakeOpenAI((req) => {
      const role = roleOf(promptOf(req));
      // An error body that quotes the key (not retried), and an answer that is not JSON and quotes it (a failed agent).
      if (role.kind === "agent" && role.emotion === "anger") return { status: 400, body: JSON.stringify({ error: { message: `Bad request for key ${OPENAI_CANARY}` } }) };
      if (role.kind === "agent" && role.emotion === "disgust") return `Not JSON; your key is ${OPENAI_CANARY}`;
      const schema = requestedSchema(req);
      if (!schema) return `I'm here with you. (${OPENAI_CANARY})`;
      // Answers that are fine but quote the key in free text: they are traced as the LLM runs' outputs.
      return JSON.stringify(answerFromSchema(schema, (prop, options) => (prop === "emotion" ? "sad" : prop === "rationale" ? `Because ${OPENAI_CANARY}.` : options[0])));
    });
    try {
      for (const [command, graph] of [["recognize", "erc"], ["respond", "erg"]]) {
        capture.bodies.length = 0;
        capture.runs.clear();
        await runCli([command!, "--json", "--model", "openai:fake-model", "--agents", "anger,disgust,fear,sadness", ...turns], { ...env(), OPENAI_BASE_URL: echoing.url });
        const sent = capture.bodies.join("\n");
        // The runs were traced (graph, the agents' LLM calls), and what quoted the key was among them, masked.
        expect(named(graph!)).toHaveLength(1);
        expect(named("agent:fear").length).toBeGreaterThanOrEqual(1);
        expect(sent).toContain("[secret]");
        expect(sent).not.toContain(OPENAI_CANARY);
        expect(sent).not.toContain(OPENAI_CANARY.slice(3)); // not even the key without its prefix
        expect(sent).not.toContain(LANGSMITH_CANARY);
      }
    } finally {
      await echoing.close();
    }
  });
});
