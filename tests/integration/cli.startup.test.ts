/**
 * What the built CLI loads before it answers (issue 21): `--help` and an argument error load no LangChain, LangSmith
 * or provider module; `recognize` with an openai: model loads no other provider; and without node-llama-cpp (an
 * optional peer dependency, as are the larger provider SDKs) a local: model is one line naming the install command. Which modules a process loads is
 * read from Node's own module resolution, through a resolve hook that appends each resolved URL to a file: for the
 * packages, that is tsc's unbundled dist/cli/main.js (the bundle users run holds them in its chunks, split at the
 * same dynamic imports); the missing node-llama-cpp, which the bundle imports from node_modules, through the bundle.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { CLI, REPO } from "../helpers/cli.js";

const UNBUNDLED = path.join(REPO, "dist/cli/main.js");
import { answerFromSchema, requestedSchema, startFakeOpenAI, type FakeOpenAI } from "../helpers/openaiServer.js";

let dir: string;
let openai: FakeOpenAI;

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), "insideout-startup-"));
  // Records every module the process resolves; with HIDE set, resolving that package fails as a missing one does.
  writeFileSync(
    path.join(dir, "hooks.mjs"),
    `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  const hide = process.env.HIDE;
  if (hide && (specifier === hide || specifier.startsWith(hide + "/"))) {
    throw Object.assign(new Error("Cannot find package '" + hide + "' imported from " + context.parentURL), { code: "ERR_MODULE_NOT_FOUND" });
  }
  const resolved = await next(specifier, context);
  appendFileSync(process.env.TRACE, resolved.url + "\\n");
  return resolved;
}
`,
  );
  writeFileSync(path.join(dir, "register.mjs"), `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(path.join(dir, "hooks.mjs")).href)});\n`);
  openai = await startFakeOpenAI((req) => (requestedSchema(req) ? JSON.stringify(answerFromSchema(requestedSchema(req)!)) : "I hear you."));
});

afterAll(async () => {
  await openai?.close();
  rmSync(dir, { recursive: true, force: true });
});

let runs = 0;

/** The CLI under the hooks: its exit code, output, and the packages it loaded (names from node_modules paths). */
function traced(cli: string, args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string; packages: Set<string> }> {
  const trace = path.join(dir, `trace-${++runs}.txt`);
  writeFileSync(trace, "");
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", path.join(dir, "register.mjs"), cli, ...args],
      { cwd: REPO, env: { PATH: process.env.PATH, HOME: process.env.HOME, TRACE: trace, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const urls = readFileSync(trace, "utf8").split("\n").filter(Boolean);
        const packages = new Set(urls.map((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1]).filter((p): p is string => p !== undefined));
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr, packages });
      },
    );
  });
}

const HEAVY = ["@langchain/core", "@langchain/langgraph", "@langchain/langgraph-sdk", "@langchain/openai", "langsmith", "openai", "better-sqlite3"];
const OTHER_PROVIDERS = ["@langchain/anthropic", "@langchain/google-genai", "@langchain/ollama", "langchain-gigachat", "node-llama-cpp"];

describe("CLI start-up", () => {
  it("--help, a command's --help and an argument error load no LangChain, LangSmith or provider module", async () => {
    for (const args of [["--help"], ["recognize", "--help"], ["eval", "--help"], ["recognize", "--method", "nonsense", "hi"]]) {
      const r = await traced(UNBUNDLED, args);
      expect(r.stdout + r.stderr).toMatch(/Usage: insideout|argument 'nonsense' is invalid/);
      for (const p of [...HEAVY, ...OTHER_PROVIDERS]) expect([args.join(" "), p, r.packages.has(p)]).toEqual([args.join(" "), p, false]);
      // The trace did record the modules it loaded.
      expect(r.packages.has("commander")).toBe(true);
    }
  });

  it("recognize with an openai: model loads no other provider, and answers", async () => {
    const r = await traced(UNBUNDLED, ["recognize", "--model", "openai:gpt-4o-mini", "I finally got the job!"], { OPENAI_BASE_URL: openai.url, OPENAI_API_KEY: "sk-test" });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/emotion/i);
    expect(r.packages.has("@langchain/openai")).toBe(true);
    for (const p of OTHER_PROVIDERS) expect([p, r.packages.has(p)]).toEqual([p, false]);
  });

  // node-llama-cpp, @langchain/anthropic and langchain-gigachat are optional peer dependencies.
  it.each([
    ["local:./no-such-model.gguf", "node-llama-cpp", "local: models"],
    ["anthropic:claude-sonnet-4-5", "@langchain/anthropic", "anthropic: models"],
    ["gigachat:GigaChat-2-Max", "langchain-gigachat", "gigachat: models"],
  ])("without its optional package, %s is one line naming the install command", async (model, pkg, what) => {
    const ours = JSON.parse(readFileSync(path.join(REPO, "package.json"), "utf8")) as { peerDependencies: Record<string, string> };
    const r = await traced(CLI, ["recognize", "--model", model, "I finally got the job!"], { HIDE: pkg, ANTHROPIC_API_KEY: "sk-test", GIGACHAT_CREDENTIALS: "test" });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(`insideout: ${what} need ${pkg}, an optional dependency that is not installed: run \`npm install ${pkg}@${ours.peerDependencies[pkg]}\`.\n`);
  });
});
