/**
 * InsideOut inside someone else's app, as npm delivers it: `npm pack` of this repository (the build `npm test` made),
 * installed into a scratch app that has its own @langchain/core. The app must end up with one copy of
 * @langchain/core, type-check the README's library example under `tsc --strict`, run it against a loopback model
 * server, and have the `insideout` command.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
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

/** The README's library example (the code block after "Use in your own LangGraph app"), as a user pastes it. */
function readmeExample(): string {
  const readme = readFileSync(path.join(REPO, "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("Use in your own LangGraph app"));
  return /```ts\n([\s\S]*?)```/.exec(section)![1]!;
}

beforeAll(async () => {
  app = mkdtempSync(path.join(tmpdir(), "insideout-app-"));
  await run("npm", ["pack", "--ignore-scripts", "--pack-destination", app], { cwd: REPO });
  const tarball = readdirSync(app).find((f) => f.endsWith(".tgz"))!;
  writeFileSync(
    path.join(app, "package.json"),
    JSON.stringify({
      name: "scratch-app",
      private: true,
      type: "module",
      dependencies: { insideout: `file:./${tarball}`, "@langchain/core": ours.devDependencies["@langchain/core"], typescript: ours.devDependencies.typescript },
      allowScripts: ours.allowScripts,
    }),
  );
  writeFileSync(
    path.join(app, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { target: "ES2022", module: "NodeNext", moduleResolution: "NodeNext", strict: true, skipLibCheck: true, outDir: "out" }, include: ["app.ts", "chat.ts"] }),
  );
  writeFileSync(path.join(app, "app.ts"), readmeExample());
  // A messages-based call with the app's own @langchain/core messages: the last message must be ERG's reply.
  writeFileSync(
    path.join(app, "chat.ts"),
    `import { HumanMessage } from "@langchain/core/messages";
import { runContext } from "insideout";
import { graph } from "insideout/graphs/erg.js";
const out = await graph.invoke({ messages: [new HumanMessage("I lost my job today.")] }, { context: runContext({ model: "openai:gpt-4o-mini" }, "erg") });
const last = out.messages.at(-1);
console.log(last?.getType(), last?.content === out.reply?.text, out.messages.length);
`,
  );
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund"], { cwd: app, maxBuffer: 64 * 1024 * 1024 });
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
  it("shares the app's @langchain/core: one copy", async () => {
    const { stdout } = await run("npm", ["ls", "@langchain/core", "--all", "--parseable"], { cwd: app });
    const copies = new Set(stdout.trim().split("\n").filter(Boolean));
    expect(copies).toEqual(new Set([path.join(app, "node_modules/@langchain/core")]));
  });

  it("type-checks the README's example under tsc --strict and runs it", async () => {
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
