/**
 * Issue 13's newcomer frictions, through the built CLI and real processes on loopback: the model used is named,
 * chat's commands stay local, chat refuses --file, a blank turn is refused by position, the demo server answers as
 * OpenAI does (streamed, 404/400 JSON errors, one line for a taken port), and `npm run dev` stops on a taken port.
 */
import { spawn } from "node:child_process";
import { createServer, type Server } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { checkRun } from "../../cli/options.js";
import { runLocally } from "../../cli/run.js";
import { REPO, runCli } from "../helpers/cli.js";
import { answerFromSchema, requestedSchema, startFakeOpenAI, type FakeOpenAI } from "../helpers/openaiServer.js";

let openai: FakeOpenAI;
beforeAll(async () => {
  openai = await startFakeOpenAI((req) => (requestedSchema(req) ? JSON.stringify(answerFromSchema(requestedSchema(req)!)) : "I hear you."));
});
afterAll(() => openai.close());

const env = () => ({ OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: "sk-test" });

/** A port held by another listener for the duration of `body`. */
async function withTakenPort<T>(body: (port: number) => Promise<T>): Promise<T> {
  const holder: Server = createServer();
  await new Promise<void>((r) => holder.listen(0, "127.0.0.1", r));
  try {
    return await body((holder.address() as { port: number }).port);
  } finally {
    await new Promise((r) => holder.close(r));
  }
}

function run(cmd: string[], timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd[0]!, cmd.slice(1), { cwd: REPO, env: { PATH: process.env.PATH, HOME: process.env.HOME } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

describe("the model used is named", () => {
  it("with no --model and OPENAI_BASE_URL set, the footer and --json name openai:gpt-4o-mini, not auto", async () => {
    const text = await runCli(["recognize", "I got the job!"], env());
    expect(text.code).toBe(0);
    expect(text.stdout.trim().split("\n").at(-1)).toMatch(/, openai:gpt-4o-mini\)$/);
    const json = await runCli(["respond", "--json", "I got the job!"], env());
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout).options.model).toBe("openai:gpt-4o-mini");
    // The server was asked for that model.
    expect(openai.requests.at(-1)!.model).toBe("gpt-4o-mini");
  });
});

describe("chat", () => {
  it("handles /help, /new and unknown commands locally and sends //text as /text", async () => {
    const before = openai.requests.length;
    const r = await runCli(["chat", "--model", "openai:m"], env(), "/help\n/nonsense\n//etc is my folder\n/new\nHello.\n/quit\nnever sent\n");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/Talking to openai:m\./);
    expect(r.stdout).toMatch(/\/quit, \/exit {2}leave/);
    expect(r.stdout).toMatch(/Unknown command \/nonsense: \/help lists the commands/);
    const sent = JSON.stringify(openai.requests.slice(before).map((q) => q.messages));
    expect(sent).not.toContain("/help");
    expect(sent).not.toContain("nonsense");
    expect(sent).not.toContain("never sent");
    expect(sent).toContain("Speaker: /etc is my folder");
    // After /new the last turn's requests carry "Hello." alone, not the earlier turn.
    const last = JSON.stringify(openai.requests.at(-1)!.messages);
    expect(last).toContain("Hello.");
    expect(last).not.toContain("/etc is my folder");
  });

  it("refuses --file in one line, before any model call", async () => {
    const before = openai.requests.length;
    const r = await runCli(["chat", "--model", "openai:m", "--file", "turns.txt"], env(), "Hello.\n");
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^insideout: chat takes your turns as you type them, not --file: pipe them instead/)]);
    expect(openai.requests.length).toBe(before);
  });
});

describe("blank turns", () => {
  it("a blank turn inside a dialogue is refused naming its position, before any call", async () => {
    const before = openai.requests.length;
    process.env.OPENAI_BASE_URL = openai.url;
    process.env.OPENAI_API_KEY = "sk-test";
    await expect(runLocally(checkRun("erc", "baseline", { model: "openai:m" }), ["I lost my job.", "  ", "It was my dream job."])).rejects.toThrow(
      /^Turn 2 of 3 in the dialogue is blank/,
    );
    expect(openai.requests.length).toBe(before);
  });
});

describe("the demo server", () => {
  const tsx = path.join(REPO, "node_modules/.bin/tsx");
  const demo = path.join(REPO, "tests/helpers/demoServer.ts");

  it("streams when asked, answers GET and an empty body with OpenAI-shaped 404/400 errors, and keeps running", async () => {
    const child = spawn(tsx, [demo, "0"], { cwd: REPO, stdio: ["ignore", "pipe", "pipe"] });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        child.stdout.on("data", (d: Buffer) => {
          const m = /on (http:\/\/127\.0\.0\.1:\d+\/v1)/.exec(d.toString());
          if (m) resolve(m[1]!);
        });
        child.on("exit", () => reject(new Error("demo server exited")));
      });
      const get = await fetch(`${url}/models`);
      expect(get.status).toBe(404);
      expect(((await get.json()) as { error: { type: string } }).error.type).toBe("invalid_request_error");
      const empty = await fetch(`${url}/chat/completions`, { method: "POST" });
      expect(empty.status).toBe(400);
      expect(((await empty.json()) as { error: { message: string } }).error.message).toMatch(/body is empty/);
      const streamed = await fetch(`${url}/chat/completions`, {
        method: "POST",
        body: JSON.stringify({ model: "m", stream: true, stream_options: { include_usage: true }, messages: [{ role: "user", content: "hi" }] }),
      });
      expect(streamed.headers.get("content-type")).toMatch(/text\/event-stream/);
      const events = (await streamed.text()).split("\n\n").filter(Boolean).map((e) => e.replace(/^data: /, ""));
      expect(events.at(-1)).toBe("[DONE]");
      const chunks = events.slice(0, -1).map((e) => JSON.parse(e) as { choices: { delta?: { content?: string } }[]; usage?: unknown });
      // The plain-text answer, reassembled from its chunks, as the demo server's text answer reads.
      expect(chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("")).toBe("Congratulations! That is wonderful news. What are you looking forward to most?");
      expect(chunks.at(-1)!.usage).toBeDefined();
      expect(child.exitCode).toBeNull();
    } finally {
      child.kill();
    }
  });

  it("a taken port is one line and exit 1", async () => {
    const r = await withTakenPort((port) => run([tsx, demo, String(port)]));
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^demo server: cannot listen: port \d+ on 127\.0\.0\.1 is taken/)]);
  });
});

describe("npm run dev", () => {
  it("stops at once with one line and exit 1 when its port is taken", async () => {
    const started = performance.now();
    const r = await withTakenPort((port) => run([process.execPath, path.join(REPO, "scripts/dev.mjs"), "--port", String(port), "--no-reload"]));
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toEqual([expect.stringMatching(/^dev: cannot listen on 127\.0\.0\.1:\d+: port \d+ on 127\.0\.0\.1 is taken/)]);
    expect(performance.now() - started).toBeLessThan(10_000);
  });
});
