/**
 * The openai: provider over real HTTP in each structured-output mode: what goes on the wire, and that the answer
 * comes back parsed and validated whichever way the server was asked.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "@jest/globals";
import { HumanMessage, SystemMessage } from "@langchain/core/messages";
import { z } from "zod";
import { resolveModel } from "../../models/factory.js";
import { invokeStructured } from "../../models/structured.js";
import { startFakeOpenAI, type ChatRequest, type FakeOpenAI } from "../helpers/openaiServer.js";

const Schema = z.object({ emotion: z.enum(["sad", "joyful"]), confidence: z.number().min(0).max(1), rationale: z.string() });
const ANSWER = { emotion: "sad", confidence: 0.75, rationale: "a loss" };
let server: FakeOpenAI;
let notJsonFirst = false;

function handler(req: ChatRequest) {
  const last = req.messages.at(-1)?.content ?? "";
  if (notJsonFirst && !last.includes("That answer was invalid")) return "The speaker is sad, I think.";
  if (req.tools?.length) return { toolCall: { name: req.tools[0]!.function.name, arguments: JSON.stringify(ANSWER) } };
  return JSON.stringify(ANSWER);
}

beforeAll(async () => {
  server = await startFakeOpenAI(handler);
  process.env.OPENAI_BASE_URL = server.url;
  process.env.OPENAI_API_KEY = "sk-test";
});
afterAll(async () => {
  delete process.env.INSIDEOUT_STRUCTURED_OUTPUT;
  await server.close();
});
afterEach(() => {
  notJsonFirst = false;
  delete process.env.INSIDEOUT_STRUCTURED_OUTPUT;
});

const messages = [new SystemMessage("You are an expert in emotions."), new HumanMessage("My cat died.")];

describe.each([
  ["responseFormat", (r: ChatRequest) => r.response_format?.type === "json_schema" && r.response_format.json_schema?.strict === true],
  ["jsonSchema", (r: ChatRequest) => r.response_format?.type === "json_schema"],
  ["functionCalling", (r: ChatRequest) => (r.tools?.length ?? 0) === 1 && !r.response_format],
  ["jsonMode", (r: ChatRequest) => r.response_format?.type === "json_object" && JSON.stringify(r.messages).includes("JSON schema")],
  ["prompt", (r: ChatRequest) => !r.response_format && !r.tools && JSON.stringify(r.messages).includes("JSON schema")],
])("structured output by %s", (method, wireCheck) => {
  it("asks in that mode and returns the validated answer", async () => {
    process.env.INSIDEOUT_STRUCTURED_OUTPUT = method;
    const before = server.requests.length;
    const model = await resolveModel("openai:any-model");
    const { value, usage } = await invokeStructured(model, messages, Schema, { runName: "recognize" });
    expect(value).toEqual(ANSWER);
    expect(usage.calls).toBe(1);
    const sent = server.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(wireCheck(sent[0]!)).toBe(true);
  });
});

describe("an answer that is not JSON", () => {
  it("is retried once, saying truly what was wrong (default mode: the OpenAI client cannot hand back text it failed to parse)", async () => {
    notJsonFirst = true;
    const before = server.requests.length;
    const model = await resolveModel("openai:gpt-4o-mini");
    expect(model.structuredMethod).toBe("responseFormat");
    const { value, usage } = await invokeStructured(model, messages, Schema, { runName: "recognize" });
    expect(value).toEqual(ANSWER);
    expect(usage.calls).toBe(2);
    const retry = server.requests.slice(before)[1]!;
    expect(retry.messages.at(-1)?.content).toMatch(/That answer was invalid \(the answer was not one bare JSON object, as the JSON schema response format requires/);
    // The client lost the text: no made-up assistant turn ("null") is put in the model's mouth.
    expect(retry.messages.map((m) => m.role)).toEqual(["system", "user", "user"]);
  });

  it("the old GPT-4 models are asked by tool calling, as LangChain does", async () => {
    expect((await resolveModel("openai:gpt-4")).structuredMethod).toBe("functionCalling");
    expect((await resolveModel("openai:gpt-3.5-turbo")).structuredMethod).toBe("functionCalling");
  });

  it("a bad INSIDEOUT_STRUCTURED_OUTPUT is a clear error", async () => {
    process.env.INSIDEOUT_STRUCTURED_OUTPUT = "xml";
    await expect(resolveModel("openai:m")).rejects.toThrow(/INSIDEOUT_STRUCTURED_OUTPUT="xml" must be one of/);
  });
});
