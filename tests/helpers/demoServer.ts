/**
 * A loopback OpenAI-compatible server with canned, persona-aware answers, for trying the CLI without a model and for
 * the README's sample output: `npx tsx tests/helpers/demoServer.ts 18080` then OPENAI_BASE_URL=http://127.0.0.1:18080/v1.
 */
import { createServer } from "node:http";
import { answerFromSchema, requestedSchema, systemPromptOf, type ChatRequest } from "./openaiServer.js";
import { roleOf } from "./roles.js";

const VIEWS: Record<string, [string, number, string, string]> = {
  anger: ["excited", 0.6, "No injustice here, just a hard-won success.", "You earned this, and nobody can take it away from you."],
  disgust: ["proud", 0.55, "They are pleased with themselves, and rightly so.", "That is a real achievement; you should be proud."],
  fear: ["anxious", 0.4, "Disbelief can hide worry about living up to the new role.", "It's normal to feel a bit nervous; you'll grow into it."],
  happiness: ["excited", 0.9, "Finally getting the wanted job is pure excitement.", "That's wonderful news! Congratulations, enjoy every bit of it!"],
  sadness: ["excited", 0.7, "Relief after a long search, mostly joy.", "After all that waiting, you deserve this happiness."],
};

function answer(req: ChatRequest): string {
  const role = roleOf(systemPromptOf(req));
  const schema = requestedSchema(req);
  if (!schema) return "Congratulations! That is wonderful news. What are you looking forward to most?";
  const view = role.kind === "agent" ? VIEWS[role.emotion] : undefined;
  const value = answerFromSchema(schema, (prop, options) => {
    if (prop === "emotion") return view?.[0] ?? "excited";
    if (prop === "choice") return options.includes("happiness") ? "happiness" : options[0];
    return options[0];
  }) as Record<string, unknown>;
  if ("confidence" in value) value.confidence = view?.[1] ?? 0.85;
  if ("rationale" in value) value.rationale = view?.[2] ?? "The speaker is thrilled about the new job.";
  if ("reply" in value) value.reply = view?.[3] ?? "Congratulations!";
  return JSON.stringify(value);
}

const port = Number(process.argv[2] ?? 18080);
createServer((req, res) => {
  let body = "";
  req.on("data", (c: Buffer) => (body += c.toString()));
  req.on("end", () => {
    const q = JSON.parse(body) as ChatRequest;
    const content = answer(q);
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({
      id: "demo", object: "chat.completion", created: 0, model: q.model,
      choices: [{ index: 0, message: { role: "assistant", content }, finish_reason: "stop" }],
      usage: { prompt_tokens: Math.round(JSON.stringify(q.messages).length / 4), completion_tokens: Math.round(content.length / 4), total_tokens: 0 },
    }));
  });
}).listen(port, "127.0.0.1");
