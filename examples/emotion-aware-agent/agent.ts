/**
 * Example: any LangChain v1 agent made emotion-aware in one line, with `insideOutMiddleware`.
 *
 * Before each user turn's first model call, InsideOut ERC reads the conversation (its five emotion agents and the
 * aggregate agent, on InsideOut's own model); the agent's model is then told the emotion and each agent's view in its
 * system prompt, and the reading stays in the agent's state under `insideout`. The agent's tools and later model calls
 * in the same turn reuse the reading.
 *
 * In an app, import from the package instead: `import { insideOutMiddleware } from "insideout/middleware/insideOut.js"`.
 * Run: OPENAI_API_KEY=… npx tsx examples/emotion-aware-agent/agent.ts "My dog died last week."
 * (or OPENAI_BASE_URL=http://127.0.0.1:18080/v1 with the demo server, tests/helpers/demoServer.ts).
 */
import { pathToFileURL } from "node:url";
import { HumanMessage } from "@langchain/core/messages";
import { ChatOpenAI } from "@langchain/openai";
import { createAgent } from "langchain";
import { insideOutMiddleware } from "../../middleware/insideOut.js";

/** A chat agent on `model`, told by InsideOut (on `insideOutModel`) what the user seems to feel. */
export function buildEmotionAwareAgent(model = new ChatOpenAI({ model: "gpt-4o-mini" }), insideOutModel = "openai:gpt-4o-mini") {
  return createAgent({
    model,
    tools: [],
    systemPrompt: "You are a warm, helpful assistant.",
    middleware: [insideOutMiddleware({ model: insideOutModel, agents: ["anger", "disgust", "fear", "happiness", "sadness"] })],
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const text = process.argv[2] ?? "My dog died last week.";
  const out = await buildEmotionAwareAgent().invoke({ messages: [new HumanMessage(text)] });
  process.stdout.write(`emotion: ${out.insideout?.emotion.emotion ?? "(none)"}\nreply: ${out.messages.at(-1)?.text ?? ""}\n`);
}
