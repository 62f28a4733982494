/**
 * InsideOut inside someone else's app, as npm delivers it: `npm pack` of this repository (the build `npm test` made),
 * installed into a scratch app with the peers the README names (`npm i insideout @langchain/core @langchain/langgraph`).
 * The app must stay small (no local-model runtime unless asked for), end up with one copy of @langchain/core,
 * type-check the README's library example and every graph called with its run options as `context` under `tsc
 * --strict` without skipLibCheck (our declaration files too, with only those packages installed), run the example
 * against a loopback model server, and have the `insideout` command.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFile } from "node:child_process";
import { existsSync, lstatSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { REPO } from "../helpers/cli.js";
import { roleHandler, startFakeOpenAI, type FakeOpenAI } from "../helpers/openaiServer.js";

const run = promisify(execFile);
const ours = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as {
  devDependencies: Record<string, string>;
  allowScripts: Record<string, boolean>;
};
let app: string;
let server: FakeOpenAI;
/** node_modules after `npm i` of insideout and its peers, before the app adds TypeScript: bytes on disk, seconds. */
let installed: { bytes: number; seconds: number };

const MIB = 1024 * 1024;

/** Disk usage of a folder as `du` counts it (allocated blocks; symbolic links not followed). */
function diskBytes(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    total += lstatSync(p).blocks * 512;
    if (entry.isDirectory()) total += diskBytes(p);
  }
  return total;
}

/**
 * Every graph of langgraph.json called as LangGraph's users call a graph, its run options as `context` (some of them,
 * the others defaulted): `invoke`, `stream`, and as a node of the app's own graph. Wrong option values are type
 * errors (`@ts-expect-error` fails the compile if they type-check). Compiled only: chat.ts runs one.
 */
function contextTyping(): string {
  const ids = Object.keys((JSON.parse(readFileSync(path.join(REPO, "langgraph.json"), "utf8")) as { graphs: object }).graphs);
  const question = `{ question: { kind: "ea" as const, scenario: "s", subject: "Sam", options: { choice: ["a", "b"] }, language: "en" as const } }`;
  const calls = ids.map((id, i) => {
    const input = id.includes("benchmark") ? question : `{ dialogue: ["I lost my job today."] }`;
    return `  await g${i}.invoke(${input}, { context: { model } });
  for await (const chunk of await g${i}.stream(${input}, { context: { model, temperature: 0.3 }, streamMode: "updates" })) void chunk;
  // @ts-expect-error temperature is a number
  await g${i}.invoke(${input}, { context: { model, temperature: "hot" } });`;
  });
  return `import { HumanMessage } from "@langchain/core/messages";
import { END, MessagesAnnotation, START, StateGraph } from "@langchain/langgraph";
${ids.map((id, i) => `import { graph as g${i} } from "insideout/graphs/${id}.js";`).join("\n")}
import { graph as erc } from "insideout/graphs/erc.js";
import { graph as erg } from "insideout/graphs/erg.js";
import { builder } from "insideout/graphs/erg.js";

const model = "openai:gpt-4o-mini";
export async function everyGraph(): Promise<void> {
${calls.join("\n")}
  await erc.invoke({ dialogue: ["I lost my job today."] }, { context: { model, agents: ["sadness", "fear"], aggregation: "vote", respond: true } });
  await builder.compile().invoke({ dialogue: ["I lost my job today."] }, { context: { model } });
  // @ts-expect-error ERG's replies carry no label to vote on
  await erg.invoke({ dialogue: ["I lost my job today."] }, { context: { model, aggregation: "vote" } });
  // @ts-expect-error an agent is one of the emotions
  await erc.invoke({ dialogue: ["I lost my job today."] }, { context: { model, agents: ["anxiety"] } });
  // InsideOut ERC as a node of the app's own chat graph, its options in the app graph's context.
  const chat = new StateGraph(MessagesAnnotation).addNode("insideout", erc).addEdge(START, "insideout").addEdge("insideout", END).compile();
  await chat.invoke({ messages: [new HumanMessage("I lost my job today.")] }, { context: { model } });
}
`;
}

/** The README's library example (the code block after "Use in your own LangGraph app"), as a user pastes it. */
function readmeExample(): string {
  const readme = readFileSync(path.join(REPO, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("Use in your own LangGraph app"));
  return /```ts\n([\s\S]*?)```/.exec(section)![1]!;
}

beforeAll(async () => {
  app = mkdtempSync(path.join(tmpdir(), "insideout-app-"));
  // The build is `npm test`'s; prepack and postpack only add and remove the command's launcher (bin/).
  await run("npm", ["run", "prepack"], { cwd: REPO });
  try {
    await run("npm", ["pack", "--ignore-scripts", "--pack-destination", app], { cwd: REPO });
  } finally {
    await run("npm", ["run", "postpack"], { cwd: REPO });
  }
  const tarball = readdirSync(app).find((f) => f.endsWith(".tgz"))!;
  writeFileSync(
    path.join(app, "package.json"),
    JSON.stringify({
      name: "scratch-app",
      private: true,
      type: "module",
      dependencies: {
        insideout: `file:./${tarball}`,
        "@langchain/core": ours.devDependencies["@langchain/core"],
        "@langchain/langgraph": ours.devDependencies["@langchain/langgraph"],
      },
      allowScripts: ours.allowScripts,
    }),
  );
  writeFileSync(
    path.join(app, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: false, outDir: "out" }, include: ["app.ts", "chat.ts", "typing.ts"] }),
  );
  writeFileSync(path.join(app, "app.ts"), readmeExample());
  writeFileSync(path.join(app, "typing.ts"), contextTyping());
  // A messages-based call with the app's own @langchain/core messages: the last message must be ERG's reply.
  writeFileSync(
    path.join(app, "chat.ts"),
    `import { HumanMessage } from "@langchain/core/messages";
import { graph } from "insideout/graphs/erg.js";
const out = await graph.invoke({ messages: [new HumanMessage("I lost my job today.")] }, { context: { model: "openai:gpt-4o-mini" } });
const last = out.messages.at(-1);
console.log(last?.getType(), last?.content === out.reply?.text, out.messages.length);
`,
  );
  const started = performance.now();
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: app, maxBuffer: 64 * 1024 * 1024 });
  installed = { bytes: diskBytes(path.join(app, "node_modules")), seconds: (performance.now() - started) / 1000 };
  // The app's own compiler, added after the size was taken: it is not part of what InsideOut costs.
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--save-dev", `typescript@${ours.devDependencies.typescript}`], { cwd: app, maxBuffer: 64 * 1024 * 1024 });
  server = await startFakeOpenAI(
    roleHandler({
      emotion: (role) => (role.kind === "agent" ? "sad" : "devastated"),
      choice: (offered) => (offered.includes("sadness") ? "sadness" : offered[0]),
      text: () => "unused: the ERG graph asks only for structured answers",
    }),
  );
}, 600_000);

afterAll(async () => {
  await server?.close();
  rmSync(app, { recursive: true, force: true });
});

describe("the packed package in a scratch app", () => {
  // In du's megabytes (MiB), the unit of the issue's figures (920 MB, 677 MB of them node-llama-cpp's builds).
  it("installs in at most 150 MB, without the local-model runtime", () => {
    process.stderr.write(`insideout with its peers: ${(installed.bytes / MIB).toFixed(0)} MB in node_modules, installed in ${installed.seconds.toFixed(0)} s\n`);
    expect(installed.bytes).toBeLessThanOrEqual(150 * MIB);
    // Optional peer dependencies: npm leaves them out unless the app asks for them.
    for (const pkg of ["node-llama-cpp", "@node-llama-cpp", "@langchain/anthropic", "langchain-gigachat"]) {
      expect([pkg, existsSync(path.join(app, "node_modules", pkg))]).toEqual([pkg, false]);
    }
  });

  it("shares the app's @langchain/core: one copy", async () => {
    const { stdout } = await run("npm", ["ls", "@langchain/core", "--all", "--parseable"], { cwd: app });
    const copies = new Set(stdout.trim().split("\n").filter(Boolean));
    expect(copies).toEqual(new Set([path.join(app, "node_modules/@langchain/core")]));
  });

  it("type-checks the README's example and every graph's { context: { model } } under tsc --strict, and runs the example", async () => {
    await run(process.execPath, [path.join(app, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], { cwd: app });
    const { stdout } = await run(process.execPath, ["out/app.js"], {
      cwd: app,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "sk-test" },
    });
    // The recogniser says devastated; every candidate is the server's fixed "A reply answer." (roleHandler's default
    // for a string field), and the aggregate agent picks one of them.
    expect(stdout).toMatch(/^A reply answer\. devastated \{/);
    // One recognition, five agents, one aggregation.
    expect(server.requests).toHaveLength(7);
    const chat = await run(process.execPath, ["out/chat.js"], {
      cwd: app,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "sk-test" },
    });
    // The human message, then the reply as an AI message.
    expect(chat.stdout.trim()).toBe("ai true 2");
  }, 120_000);

  it("has the insideout command", async () => {
    const { stdout } = await run("npx", ["--no-install", "insideout", "--help"], { cwd: app });
    expect(stdout).toMatch(/Usage: insideout/);
    expect(stdout).toMatch(/recognize/);
  });
});
