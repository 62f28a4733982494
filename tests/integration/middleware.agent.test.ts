/**
 * insideOutMiddleware in a LangChain v1 agent (`createAgent`), everything over HTTP to one loopback OpenAI-compatible
 * server: InsideOut's calls (answered per role) and the agent's own model (a tool call, then a reply). Checked: what
 * the agent's model was sent (its system prompt told the emotion and the agents' views, written out by hand below),
 * the reading kept in the agent's state, and that a turn is read once however many model calls it takes.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { HumanMessage } from "@langchain/core/messages";
import { MemorySaver } from "@langchain/langgraph";
import { ChatOpenAI } from "@langchain/openai";
import { createAgent, tool } from "langchain";
import { z } from "zod";
import { insideOutMiddleware } from "../../middleware/insideOut.js";
import { promptOf, requestedSchema, startFakeOpenAI, type ChatRequest, type FakeOpenAI } from "../helpers/openaiServer.js";
import { roleOf } from "../helpers/roles.js";

let server: FakeOpenAI;

/** What each emotion agent reads: sad in the first turn; once the job is mentioned, joyful. */
const READINGS: Record<string, [string, number]> = { anger: ["sad", 0.3], disgust: ["sad", 0.4], fear: ["sad", 0.5], happiness: ["sad", 0.6], sadness: ["sad", 0.7] };

function handler(req: ChatRequest) {
  const prompt = promptOf(req);
  const role = roleOf(prompt);
  if (role.kind === "unknown") {
    // The agent: in the first turn it looks something up before it answers.
    const toolDone = req.messages.some((m) => m.role === "tool");
    const secondTurn = prompt.includes("got the job");
    if (!toolDone && !secondTurn) return { toolCall: { name: "lookup", arguments: JSON.stringify({ topic: "grief" }) } };
    return secondTurn ? "Congratulations!" : "I'm so sorry.";
  }
  const happy = prompt.includes("got the job");
  const value =
    role.kind === "agent"
      ? { emotion: happy ? "joyful" : READINGS[role.emotion]![0], confidence: READINGS[role.emotion]![1], rationale: `${role.emotion} sees it.` }
      : { emotion: happy ? "excited" : "devastated", confidence: 0.9, rationale: "Most agents agree." };
  if (!requestedSchema(req)) throw new Error(`unexpected plain request from ${role.kind}`);
  if (req.tools?.length) return { toolCall: { name: req.tools[0]!.function.name, arguments: JSON.stringify(value) } };
  return JSON.stringify(value);
}

beforeAll(async () => {
  server = await startFakeOpenAI(handler);
  process.env.OPENAI_BASE_URL = server.url;
  process.env.OPENAI_API_KEY = "sk-test";
});
afterAll(async () => {
  delete process.env.OPENAI_BASE_URL;
  delete process.env.OPENAI_API_KEY;
  await server.close();
});

const agentRequests = () => server.requests.filter((r) => roleOf(promptOf(r)).kind === "unknown");
const insideOutRequests = () => server.requests.filter((r) => roleOf(promptOf(r)).kind !== "unknown");

describe("insideOutMiddleware in createAgent", () => {
  it("tells the agent's model the emotion and the agents' views, reads each turn once, and keeps the reading in the state", async () => {
    const lookup = tool(async ({ topic }: { topic: string }) => `Notes on ${topic}.`, {
      name: "lookup",
      description: "Looks a topic up.",
      schema: z.object({ topic: z.string() }),
    });
    const agent = createAgent({
      model: new ChatOpenAI({ model: "gpt-4o-mini", apiKey: "sk-test", configuration: { baseURL: server.url } }),
      tools: [lookup],
      systemPrompt: "You are a helpful assistant.",
      middleware: [insideOutMiddleware({ model: "openai:gpt-4o-mini" })],
      checkpointer: new MemorySaver(),
    });
    const thread = { configurable: { thread_id: "t1" } };

    const first = await agent.invoke({ messages: [new HumanMessage("My dog died last week.")] }, thread);
    // Five agents and the aggregate agent, once: the agent's second model call (after the tool) reused the reading.
    expect(insideOutRequests()).toHaveLength(6);
    expect(agentRequests()).toHaveLength(2);
    const told = [
      "InsideOut read the user's last message: the user seems to feel devastated (confidence 0.90).",
      "Its emotion agents' views:",
      "- anger: sad (0.30): anger sees it.",
      "- disgust: sad (0.40): disgust sees it.",
      "- fear: sad (0.50): fear sees it.",
      "- happiness: sad (0.60): happiness sees it.",
      "- sadness: sad (0.70): sadness sees it.",
      "Acknowledge how the user feels and answer with that in mind.",
    ].join("\n");
    // The agent's own prompt, then InsideOut's addition (a v1 agent sends its system prompt as text parts).
    for (const r of agentRequests()) {
      expect(r.messages[0]).toEqual({ role: "system", content: [{ type: "text", text: "You are a helpful assistant." }, { type: "text", text: told }] });
    }
    expect(first.messages.at(-1)!.content).toBe("I'm so sorry.");
    expect(first.insideout).toMatchObject({ turn: first.messages[0]!.id, emotion: { emotion: "devastated", confidence: 0.9, decidedBy: "llm" } });
    expect(Object.keys(first.insideout!.views).sort()).toEqual(["anger", "disgust", "fear", "happiness", "sadness"]);
    // InsideOut wrote nothing into the agent's conversation: human, the tool call, its result, the reply.
    expect(first.messages.map((m) => m.getType())).toEqual(["human", "ai", "tool", "ai"]);

    const second = await agent.invoke({ messages: [new HumanMessage("But I got the job today!")] }, thread);
    expect(insideOutRequests()).toHaveLength(12);
    expect(agentRequests()).toHaveLength(3);
    const toldLater = JSON.stringify(agentRequests()[2]!.messages[0]!.content);
    expect(toldLater).toContain("the user seems to feel excited (confidence 0.90).");
    expect(toldLater).toContain("- anger: joyful (0.30): anger sees it.");
    expect(second.insideout?.turn).toBe(second.messages.at(-2)!.id);
    // The second reading saw the whole conversation, the agent's reply as the Listener's turn.
    const conversation = promptOf(insideOutRequests()[6]!);
    expect(conversation).toContain("Speaker: My dog died last week.\nListener: I'm so sorry.\nSpeaker: But I got the job today!");
  });

  it("refuses a bad option when the agent is built, in one line", () => {
    expect(() => insideOutMiddleware({ options: { aggregation: "shout" as never } })).toThrow(/aggregation/);
  });
});
