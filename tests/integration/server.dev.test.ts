/**
 * The LangGraph dev server as users run it (`npm run dev`): every graph of langgraph.json is served with its
 * description and its typed run options, runs through the SDK give the same results as direct invocations of the same
 * graphs in this process, and `insideout recognize --server` prints what a local run prints. The model is ChatOpenAI
 * over HTTP against an OpenAI-compatible server on 127.0.0.1, used by the dev server and by this process alike.
 */
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { Client } from "@langchain/langgraph-sdk";
import { runContext } from "../../state/runOptions.js";
import { builder as ercBuilder } from "../../graphs/erc.js";
import { GRAPH_IDS, builderFor } from "../../graphs/methods.js";
import type { State } from "../../state/state.js";
import { checkRun } from "../../cli/options.js";
import { runRemotely } from "../../cli/remote.js";
import { REPO, runCli } from "../helpers/cli.js";
import { startDevServer, type DevServer } from "../helpers/devServer.js";
import { roleHandler, startFakeOpenAI, promptOf, type FakeOpenAI, type Handler } from "../helpers/openaiServer.js";
import { roleOf } from "../helpers/roles.js";
import { type TaskName } from "../../state/runOptions.js";

const config = JSON.parse(readFileSync(path.join(REPO, "langgraph.json"), "utf8")) as {
  graphs: Record<string, { path: string; description: string }>;
};

/** Each role answers differently, so a result that mixed up agents or dropped one would not compare equal. */
const byAgent: Record<string, string> = { anger: "furious", disgust: "disgusted", fear: "afraid", happiness: "hopeful", sadness: "sad" };
const answer = roleHandler({
  emotion: (role) => (role.kind === "agent" ? (byAgent[role.emotion] ?? "sad") : role.kind === "aggregate" ? "devastated" : "lonely"),
  choice: (offered) => (offered.includes("fear") ? "fear" : offered[0]),
  text: (role) => (role.kind === "respond" ? "That sounds so hard. I'm here for you." : "Plain text."),
});

/** `openai:echo-key` is a server that quotes the caller's key in its errors: 400 for agents, 401 for the recogniser. */
const handler: Handler = (req) => {
  if (req.model !== "echo-key") return answer(req);
  const status = roleOf(promptOf(req)).kind === "agent" ? 400 : 401;
  return { status, body: JSON.stringify({ error: { message: `bad key ${KEY} for this request`, type: "invalid_request_error" } }) };
};

const dialogue = ["My dog died last week.", "Oh no, I'm so sorry.", "The house feels empty without him."];
const MODEL = "openai:fake-model";
const KEY = "sk-test-server-not-a-real-key";
let openai: FakeOpenAI;
let dev: DevServer;
let client: Client;

const methodOf: Record<string, [TaskName, string]> = Object.fromEntries(
  (Object.entries(GRAPH_IDS) as [TaskName, Record<string, string>][]).flatMap(([task, m]) =>
    Object.entries(m).map(([method, id]) => [id, [task, method] as [TaskName, string]]),
  ),
);

/** The graphs that take a dialogue (the benchmark graphs take a question: tests/integration/eval.benchmarks.test.ts). */
const DIALOGUE_GRAPHS = Object.keys(config.graphs).filter((id) => (methodOf[id]![0] as string) !== "benchmark");

/** What a run decided, without timings and token counts (which differ between any two runs). */
function outcome(s: Partial<State>) {
  return {
    recognized: s.recognized,
    opinions: s.opinions ?? {},
    candidates: s.candidates ?? {},
    emotion: s.emotion,
    reply: s.reply,
    failures: s.failures ?? {},
    calls: (s.calls ?? []).map((c) => `${c.name}:${c.ok}:${c.calls}`).sort(),
  };
}

beforeAll(async () => {
  openai = await startFakeOpenAI(handler);
  // This process invokes the same graphs directly, against the same fake server.
  process.env.OPENAI_BASE_URL = openai.url;
  process.env.OPENAI_API_KEY = KEY;
  // The CLI child processes run dist/, as users get it: build the current sources (the build emits even if
  // another part of the tree does not type-check yet; the tests below fail if the CLI does not work).
  try {
    execFileSync(process.execPath, [path.join(REPO, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.build.json"], { cwd: REPO, stdio: "pipe" });
  } catch {
    // type errors elsewhere: dist/ is still written
  }
  // Small dialogue limits on the server (its own settings), which the tests' 3-turn dialogues are well within.
  dev = await startDevServer({ OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: KEY, INSIDEOUT_MAX_TURNS: "20", INSIDEOUT_MAX_DIALOGUE_BYTES: "4096" });
  process.stderr.write(`dev server up in ${(dev.startupMs / 1000).toFixed(1)} s on ${dev.url}\n`);
  client = new Client({ apiUrl: dev.url });
}, 180_000);

afterAll(async () => {
  const code = await dev?.stop();
  // Stopped by SIGTERM: the server's group is gone and dev.mjs reports the signal, not a crash.
  expect([0, 143]).toContain(code);
  await openai?.close();
  delete process.env.OPENAI_BASE_URL;
  delete process.env.OPENAI_API_KEY;
}, 30_000);

describe("npm run dev (langgraphjs dev)", () => {
  it("serves every graph of langgraph.json with its description and typed run options", async () => {
    let assistants = await client.assistants.search({ metadata: { created_by: "system" }, limit: 100 });
    // dev.mjs publishes the descriptions right after the server answers: allow it a moment.
    for (let i = 0; i < 40 && assistants.some((a) => !a.description); i++) {
      await new Promise((r) => setTimeout(r, 250));
      assistants = await client.assistants.search({ metadata: { created_by: "system" }, limit: 100 });
    }
    expect(assistants.map((a) => a.graph_id).sort()).toEqual(Object.keys(config.graphs).sort());
    for (const a of assistants) {
      expect(a.description).toBe(config.graphs[a.graph_id]!.description);
      const schemas = await client.assistants.getSchemas(a.assistant_id);
      const [task] = methodOf[a.graph_id]!;
      if ((task as string) === "benchmark") {
        // A benchmark question instead of a dialogue; its options are checked in eval.benchmarks.
        const input = schemas.input_schema as { properties: Record<string, unknown> };
        expect(Object.keys(input.properties)).toContain("question");
        continue;
      }
      const context = schemas.context_schema as { properties: Record<string, { enum?: string[]; default?: unknown; description?: string }> };
      // ERC: vote, and an optional reply after the label; ERG replies already, and replies carry no label to vote on.
      const expected = ["agents", "aggregation", "labels", "model", ...(task === "erc" ? ["respond"] : []), "sampleTemperature", "samples", "temperature"];
      expect(Object.keys(context.properties).sort()).toEqual(expected);
      expect(context.properties.aggregation?.enum).toEqual(task === "erc" ? ["llm", "vote", "weighted"] : ["llm", "weighted"]);
      expect(context.properties.temperature?.default).toBe(0);
      expect(context.properties.model?.description).toMatch(/provider:model/);
      // Studio's input form: the conversation (dialogue or chat messages), nothing the graph writes. The messages key
      // carries LangGraph's "messages" type, which is what Studio's chat view looks for.
      const input = schemas.input_schema as { properties: Record<string, { type?: string; langgraph_type?: string }> };
      expect(Object.keys(input.properties).sort()).toEqual(["dialogue", "messages", "speakers"]);
      expect(input.properties.dialogue?.type).toBe("array");
      expect(input.properties.messages?.langgraph_type).toBe("messages");
      // Studio's state view and the run's output: every key of the state.
      // `ui`: the agents' views a chat client shows (ui/views.ts).
      // `question`, `answers`, `answer`: the benchmark graphs' (one state serves every graph).
      const stateKeys = ["answer", "answers", "calls", "candidates", "dialogue", "emotion", "failures", "messages", "notes", "opinions", "question", "recognized", "reply", "speakers", "ui"];
      for (const schema of [schemas.state_schema, schemas.output_schema]) {
        expect(Object.keys((schema as { properties: object }).properties).sort()).toEqual(stateKeys);
      }
    }
  });

  it.each(DIALOGUE_GRAPHS)("%s: an empty dialogue is one error before any node runs", async (id) => {
    const before = openai.requests.length;
    const thread = await client.threads.create();
    const run = await client.runs.create(thread.thread_id, id, { input: { dialogue: ["", "  "] }, context: { model: MODEL } });
    const done = await client.runs.join(thread.thread_id, run.run_id);
    const status = (await client.runs.get(thread.thread_id, run.run_id)).status;
    expect(status).toBe("error");
    expect(JSON.stringify(done)).toMatch(/The dialogue is empty/);
    // One readable line, not zod's list of issues (a JSON array over many lines).
    expect(JSON.stringify(done)).not.toMatch(/ZodError|\\n/);
    // No node ran: the thread's state has no node's writes, and the model was never asked.
    const state = await client.threads.getState(thread.thread_id);
    expect(state.next).toEqual([]);
    expect(state.values).not.toHaveProperty("calls.0");
    expect(openai.requests.length).toBe(before);
  });

  it("erg as a chat graph (Studio's chat view, agent-chat-ui): messages on a thread, the reply the last message, a second turn", async () => {
    type Message = { type: string; content: unknown };
    type ChatOutput = { messages: Message[]; reply?: { text: string } };
    const thread = await client.threads.create();
    const context = { model: MODEL };
    const first = (await client.runs.wait(thread.thread_id, "erg", { input: { messages: [{ type: "human", content: dialogue[0] }] }, context })) as ChatOutput;
    // Every candidate of the fake server is "A reply answer." (its answer for a string property named reply).
    expect(first.reply?.text).toBe("A reply answer.");
    expect(first.messages.map((m) => m.type)).toEqual(["human", "ai"]);
    expect(first.messages.at(-1)!.content).toBe("A reply answer.");

    const before = openai.requests.length;
    const second = (await client.runs.wait(thread.thread_id, "erg", { input: { messages: [{ type: "human", content: dialogue[2] }] }, context })) as ChatOutput;
    expect(second.messages.map((m) => m.type)).toEqual(["human", "ai", "human", "ai"]);
    expect(second.messages.at(-1)!.content).toBe("A reply answer.");
    // The second turn's calls (recogniser, five agents, aggregator) were shown the whole conversation.
    const asked = openai.requests.slice(before);
    expect(asked).toHaveLength(7);
    const shown = `Speaker: ${dialogue[0]}\nListener: A reply answer.\nSpeaker: ${dialogue[2]}`;
    for (const req of asked) expect(req.messages.some((m) => String(m.content).endsWith(shown))).toBe(true);
  });

  it("an assistant named by its UUID gets its graph's view components, as a client that names the graph does", async () => {
    // What LoadExternalComponent asks for (its namespace is the assistant id the client was given).
    const components = (namespace: string) =>
      fetch(`${dev.url}/ui/${namespace}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ name: "agent_view" }) });
    const byGraph = await components("erc");
    expect(byGraph.status).toBe(200);
    const html = await byGraph.text();
    expect(html).toMatch(/<script src="[^"]*\/ui\/erc\/[^"]+\.js" onload='__LGUI_erc\.render\("agent_view"/);
    const { assistant_id: id } = await client.assistants.create({ graphId: "erc", name: "erc-vote", context: { aggregation: "vote" } });
    const byUuid = await components(id);
    expect([byUuid.status, await byUuid.text()]).toEqual([200, html]);
    // A Host header the caller writes does not steer the lookup: a server it names is never asked.
    let trapped = 0;
    const trap = createServer((_req, res) => {
      trapped++;
      res.end(JSON.stringify({ graph_id: "erc" }));
    });
    await new Promise<void>((resolve) => trap.listen(0, "127.0.0.1", resolve));
    const forged = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        `${dev.url}/ui/${id}`,
        { method: "POST", headers: { host: `127.0.0.1:${(trap.address() as AddressInfo).port}`, "content-type": "application/json" } },
        (res) => {
          let body = "";
          res.setEncoding("utf8").on("data", (c: string) => (body += c)).on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on("error", reject).end(JSON.stringify({ name: "agent_view" }));
    });
    trap.close();
    expect([forged.status, trapped]).toEqual([200, 0]);
    expect(forged.body).toBe(html);
    // An assistant that does not exist: no components, as for an unknown graph id.
    expect((await components("00000000-0000-4000-8000-000000000000")).status).toBe(404);
    expect((await components("no_such_graph")).status).toBe(404);
  });

  it("a request body beyond what any dialogue needs is refused before it is read whole, sent with or without a length", async () => {
    // INSIDEOUT_MAX_DIALOGUE_BYTES=4096 here: the limit is 4 × 4096 + 1 MiB = 1,064,960 bytes.
    const before = openai.requests.length;
    const huge = JSON.stringify({ input: { dialogue: ["x".repeat(3 << 20)] }, context: { model: MODEL } });
    const post = (chunked: boolean) =>
      new Promise<{ status?: number; body?: string; reset?: true; ms: number }>((resolve) => {
        const t0 = Date.now();
        const headers: Record<string, string> = { "content-type": "application/json" };
        if (chunked) headers["transfer-encoding"] = "chunked";
        else headers["content-length"] = String(Buffer.byteLength(huge));
        const req = request(`${dev.url}/runs/wait`, { method: "POST", headers }, (res) => {
          let body = "";
          res.setEncoding("utf8").on("data", (c: string) => (body += c)).on("end", () => resolve({ status: res.statusCode ?? 0, body, ms: Date.now() - t0 }));
        });
        // Past the limit the server answers and drops the connection while the client still sends: a client then
        // sees the 413 or, when the drop overtakes it, a reset. Either way the body was not read to its end.
        req.on("error", () => resolve({ reset: true, ms: Date.now() - t0 }));
        if (chunked) for (let i = 0; i < huge.length; i += 1 << 16) req.write(huge.slice(i, i + (1 << 16)));
        else req.write(huge);
        req.end();
      });
    const declared = await post(false);
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body!)).toMatchObject({ error: "RequestTooLarge", message: expect.stringMatching(/larger than 1064960 bytes/) });
    const streamed = await post(true);
    if (!streamed.reset) expect(streamed.status).toBe(413);
    for (const r of [declared, streamed]) expect(r.ms).toBeLessThan(10_000);
    expect((await fetch(`${dev.url}/ok`)).status).toBe(200);
    // Under the limit, a dialogue too large is the graph's to refuse, in its own line.
    const under = { dialogue: ["x".repeat(500_000)] };
    await expect(client.runs.wait(null, "erc", { input: under, context: { model: MODEL } })).rejects.toThrow(/INSIDEOUT_MAX_DIALOGUE_BYTES/);
    expect(openai.requests.length).toBe(before);
  });

  it("the threads it keeps in .langgraph_api (dialogues) are owner-only", async () => {
    const dir = path.join(REPO, ".langgraph_api");
    const marker = "My cat went missing on a rainy night.";
    const thread = await client.threads.create();
    await client.runs.wait(thread.thread_id, "erg", { input: { messages: [{ type: "human", content: marker }] }, context: { model: MODEL } });
    // The server writes its state a few seconds after a change.
    const holding = () => readdirSync(dir).filter((f) => readFileSync(path.join(dir, f), "utf8").includes(marker));
    for (let i = 0; i < 40 && holding().length === 0; i++) await new Promise((r) => setTimeout(r, 250));
    expect(holding().length).toBeGreaterThan(0);
    expect(statSync(dir).mode & 0o777).toBe(0o700);
    for (const f of readdirSync(dir)) expect([f, statSync(path.join(dir, f)).mode & 0o777]).toEqual([f, 0o600]);
  });

  it("a messages-based run that ends with an AI message, or gives both keys, is one error before any call", async () => {
    const before = openai.requests.length;
    const context = { model: MODEL };
    const endsWithAi = { messages: [{ type: "human", content: "hi" }, { type: "ai", content: "hello" }] };
    await expect(client.runs.wait(null, "erg", { input: endsWithAi, context })).rejects.toThrow(/The messages end with an AI message/);
    const both = { dialogue, messages: [{ type: "human", content: "hi" }] };
    await expect(client.runs.wait(null, "erc", { input: both, context })).rejects.toThrow(/both `dialogue` and `messages`/);
    expect(openai.requests.length).toBe(before);
  });

  it("a dialogue beyond the server's limits (the CLI's settings) is one line before any call, as dialogue or as messages", async () => {
    const before = openai.requests.length;
    const context = { model: MODEL };
    const many = Array.from({ length: 21 }, (_, i) => `turn ${i}`);
    await expect(client.runs.wait(null, "erc", { input: { dialogue: many }, context })).rejects.toThrow(
      /The dialogue has 21 turns, more than 20, the most a dialogue may have \(INSIDEOUT_MAX_TURNS\)/,
    );
    const long = { messages: [{ type: "human", content: "x".repeat(5000) }] };
    await expect(client.runs.wait(null, "erg", { input: long, context })).rejects.toThrow(/The dialogue is longer than 4 KiB/);
    expect(openai.requests.length).toBe(before);
  });

  it("a benchmark graph given no question answers one line, not zod's issues", async () => {
    const before = openai.requests.length;
    for (const id of ["benchmark", "baseline_benchmark"]) {
      const error = await client.runs.wait(null, id, { input: { dialogue }, context: { model: MODEL } }).then(
        () => new Error("no error"),
        (e: unknown) => e as Error,
      );
      expect(String(error.message)).toMatch(/The run has no `question`: a benchmark graph answers a benchmark question/);
      expect(String(error.message)).not.toMatch(/ZodError|\n/);
    }
    expect(openai.requests.length).toBe(before);
  });

  it("an ERG graph refuses vote aggregation before any node runs", async () => {
    const before = openai.requests.length;
    await expect(client.runs.wait(null, "erg", { input: { dialogue }, context: { model: MODEL, aggregation: "vote" } })).rejects.toThrow(/llm or weighted/);
    expect(openai.requests.length).toBe(before);
  });

  it.each(DIALOGUE_GRAPHS)("%s: runs.wait on the server equals a direct invocation", async (id) => {
    const [task, method] = methodOf[id]!;
    const context = runContext({ model: MODEL }, task);
    // A graph chosen at run time takes either task's options; LangGraph checks them against the graph's own schema.
    const direct = (await builderFor(task, method).compile().invoke({ dialogue }, { context: context as never })) as Partial<State>;
    const served = (await client.runs.wait(null, id, { input: { dialogue }, context })) as Partial<State>;
    expect(outcome(served)).toEqual(outcome(direct));
    // Sanity: the comparison is about real answers, not two empty states.
    expect(served.emotion ?? served.reply).toBeDefined();
    expect(served.failures).toEqual({});
  });

  it("a model server that quotes the key: neither a run's result, nor its error, nor the server's log holds it", async () => {
    const outcomeOf = async (id: string) => {
      try {
        return JSON.stringify(await client.runs.wait(null, id, { input: { dialogue }, context: { model: "openai:echo-key" } }));
      } catch (e) {
        return `${String(e)} ${JSON.stringify(e)}`;
      }
    };
    // Every agent's request is refused (400, quoting the key): no answer of the model (issue 23), the cause masked.
    const agents = await outcomeOf("erc");
    expect(agents).toMatch(/refused the request \(HTTP 400: bad key \[secret\]/);
    // The recogniser's key is refused (401): a failure that is not a result.
    const refused = await outcomeOf("baseline_erc");
    expect(refused).toMatch(/rejected the API key|401/);
    for (const text of [agents, refused, dev.output()]) expect(text).not.toContain(KEY);
  });

  it("run options travel as the run's context (vote aggregation, a sixth agent, respond)", async () => {
    const context = runContext({ model: MODEL, aggregation: "vote", agents: ["anger", "fear", "sadness", "surprise"], respond: true });
    const direct = (await ercBuilder.compile().invoke({ dialogue }, { context })) as Partial<State>;
    const served = (await client.runs.wait(null, "erc", { input: { dialogue }, context })) as Partial<State>;
    expect(outcome(served)).toEqual(outcome(direct));
    expect(served.emotion?.decidedBy).toBe("vote");
    expect(Object.keys(served.opinions ?? {}).sort()).toEqual(["anger", "fear", "sadness", "surprise"]);
    expect(served.reply?.text).toMatch(/here for you/);
  });

  it("runRemotely streams each agent's view as it finishes and returns the local RunResult", async () => {
    const seen: string[] = [];
    const remote = await runRemotely(dev.url, checkRun("erg", "erc+insideout", { model: MODEL }), dialogue, (node, update) => {
      if (update.candidates?.[node] || update.recognized || update.reply) seen.push(node);
    });
    expect(seen.sort()).toEqual(["aggregate", "anger", "disgust", "fear", "happiness", "recognize", "sadness"]);
    expect(remote.reply?.author).toBe("fear");
    expect(remote.graph).toBe("erg");
    expect(remote.usage.llmCalls).toBe(7);
  });

  it("insideout recognize --server prints what a local run prints", async () => {
    const env = { OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: KEY };
    const local = await runCli(["recognize", "--json", "--model", MODEL, ...dialogue], env);
    // No model server for the CLI itself: with --server, only the LangGraph server calls the model.
    const served = await runCli(["recognize", "--json", "--model", MODEL, "--server", dev.url, ...dialogue], {});
    expect(served.stderr).toBe("");
    expect(served.code).toBe(0);
    const strip = (s: string) => {
      const { latencyMs: _l, calls, usage, ...rest } = JSON.parse(s) as Record<string, unknown> & { calls: { name: string }[]; usage: { llmCalls: number } };
      return { ...rest, calls: calls.map((c) => c.name).sort(), llmCalls: usage.llmCalls };
    };
    expect(strip(served.stdout)).toEqual(strip(local.stdout));
    expect(JSON.parse(served.stdout).emotion.emotion).toBe("devastated");

    const text = await runCli(["recognize", "--model", MODEL, "--server", dev.url, ...dialogue], {});
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/fear\s+afraid/);
    expect(text.stdout).toMatch(/Emotion: devastated/);
  });

  it("an unreachable --server is one clear line", async () => {
    const r = await runCli(["recognize", "--server", "http://127.0.0.1:9", "hello"], {});
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toMatch(/Cannot reach the LangGraph server at http:\/\/127\.0\.0\.1:9/);
  });
});
