/**
 * The demo server (tests/helpers/demoServer.ts) as a user's graph and a chat client meet it: each completion its own
 * id (streamed or not), and a valid answer whatever label set and schema it is asked, sent as `response_format` or
 * written in the prompt (structured output by prompt).
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { REPO } from "../helpers/cli.js";

let child: ChildProcess;
let url: string;

beforeAll(async () => {
  child = spawn(path.join(REPO, "node_modules/.bin/tsx"), [path.join(REPO, "tests/helpers/demoServer.ts"), "0"], { cwd: REPO, stdio: ["ignore", "pipe", "inherit"] });
  url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on("data", (d: Buffer) => {
      const m = /on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(d.toString());
      if (m) resolve(m[1]!);
    });
    child.once("exit", () => reject(new Error("demo server exited")));
  });
});
afterAll(() => {
  child.kill();
});

const MELD = ["neutral", "surprise", "fear", "sadness", "joy", "disgust", "anger"];
const opinionSchema = (labels: string[]) => ({
  type: "object",
  properties: { emotion: { type: "string", enum: labels }, confidence: { type: "number", minimum: 0, maximum: 1 }, rationale: { type: "string" } },
  required: ["emotion", "confidence", "rationale"],
  additionalProperties: false,
});

async function ask(body: Record<string, unknown>): Promise<{ id: string; content: string }> {
  const res = await fetch(`${url}/chat/completions`, { method: "POST", body: JSON.stringify({ model: "demo", ...body }) });
  expect(res.status).toBe(200);
  const json = (await res.json()) as { id: string; choices: { message: { content: string } }[] };
  return { id: json.id, content: json.choices[0]!.message.content };
}

describe("the demo server", () => {
  it("gives each completion its own id, streamed or not", async () => {
    const messages = [{ role: "user", content: "hi" }];
    const a = await ask({ messages });
    const b = await ask({ messages });
    const streamed = await fetch(`${url}/chat/completions`, { method: "POST", body: JSON.stringify({ model: "demo", stream: true, messages }) });
    const ids = new Set(
      (await streamed.text())
        .split("\n\n")
        .filter((e) => e.startsWith("data: {"))
        .map((e) => (JSON.parse(e.slice(6)) as { id: string }).id),
    );
    expect(ids.size).toBe(1); // one completion, one id across its chunks
    expect(new Set([a.id, b.id, ...ids]).size).toBe(3);
  });

  it("answers a label set without its canned emotion with a label of the set (MELD: joy for excited)", async () => {
    const { content } = await ask({
      messages: [{ role: "system", content: "You are an expert in emotions." }, { role: "user", content: "Conversation:\nSpeaker: I got the job!" }],
      response_format: { type: "json_schema", json_schema: { name: "recognition", schema: opinionSchema(MELD) } },
    });
    const value = JSON.parse(content) as { emotion: string; confidence: number };
    expect(value.emotion).toBe("joy");
    expect(value.confidence).toBeGreaterThanOrEqual(0);
    expect(value.confidence).toBeLessThanOrEqual(1);
  });

  it("answers a schema written in the prompt (structured output by prompt) with JSON valid against it", async () => {
    const schema = { type: "object", properties: { choice: { type: "string", enum: ["fear", "sadness"] }, rationale: { type: "string" } }, required: ["choice", "rationale"] };
    const { content } = await ask({
      messages: [
        { role: "user", content: "Pick one." },
        { role: "system", content: `Answer with one JSON object only, no other text, valid against this JSON schema:\n${JSON.stringify(schema)}` },
      ],
    });
    const value = JSON.parse(content) as { choice: string; rationale: string };
    expect(value.choice).toBe("fear"); // no happiness offered: the first option
    expect(typeof value.rationale).toBe("string");
  });
});
