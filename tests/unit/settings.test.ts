/** The settings table: its parsers, its one error line, and that docs/settings.md and the code agree with it. */
import { describe, expect, it } from "@jest/globals";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { explain } from "../../cli/errors.js";
import { NotAResult } from "../../core/errors.js";
import { cacheDir, isSet, setting, SettingError, SETTINGS } from "../../core/settings.js";
import { DEFAULT_ENGINE_CONFIG } from "../../models/local/engine.js";
import { DEFAULT_GRAMMAR_LIMITS } from "../../models/local/grammarSchema.js";
import { settingsPage } from "../../scripts/settings-doc.js";

const ROOT = resolve(import.meta.dirname, "..", "..");
/** What the package ships (package.json "files"): the product, without tests, bench and scripts. */
const PRODUCT = ["index.ts", "core", "graphs", "state", "nodes", "prompts", "models", "taxonomy", "cli", "evaluations", "store"];

function sources(path: string): string[] {
  const full = join(ROOT, path);
  if (statSync(full).isFile()) return full.endsWith(".ts") ? [full] : [];
  return readdirSync(full).flatMap((name) => sources(join(path, name)));
}

const allNames = Object.entries(SETTINGS).flatMap(([name, e]) => [name, ...((e as { aliases?: readonly string[] }).aliases ?? [])]);

function thrown(call: () => unknown): Error {
  try {
    call();
  } catch (error) {
    return error as Error;
  }
  throw new Error("did not throw");
}

describe("whole numbers", () => {
  it("the default when unset or empty, the number when set", () => {
    expect(setting("INSIDEOUT_TIMEOUT_MS", {})).toBe(60_000);
    expect(setting("INSIDEOUT_TIMEOUT_MS", { INSIDEOUT_TIMEOUT_MS: "" })).toBe(60_000);
    expect(setting("INSIDEOUT_TIMEOUT_MS", { INSIDEOUT_TIMEOUT_MS: "  " })).toBe(60_000);
    expect(setting("INSIDEOUT_TIMEOUT_MS", { INSIDEOUT_TIMEOUT_MS: "250" })).toBe(250);
    expect(setting("INSIDEOUT_MAX_RETRIES", { INSIDEOUT_MAX_RETRIES: "0" })).toBe(0);
    expect(setting("INSIDEOUT_CONTEXT_TOKENS", {})).toBeUndefined();
  });

  it("a fraction, a word or a number under the minimum is one line naming the variable", () => {
    const e = thrown(() => setting("INSIDEOUT_TIMEOUT_MS", { INSIDEOUT_TIMEOUT_MS: "1.5" }));
    expect(e).toBeInstanceOf(SettingError);
    expect(e.message).toBe('INSIDEOUT_TIMEOUT_MS="1.5" must be a whole number ≥ 1.');
    expect(() => setting("INSIDEOUT_TIMEOUT_MS", { INSIDEOUT_TIMEOUT_MS: "0" })).toThrow('INSIDEOUT_TIMEOUT_MS="0" must be a whole number ≥ 1.');
    expect(() => setting("INSIDEOUT_LOCAL_CONTEXT", { INSIDEOUT_LOCAL_CONTEXT: "128" })).toThrow('INSIDEOUT_LOCAL_CONTEXT="128" must be a whole number ≥ 256.');
    expect(() => setting("INSIDEOUT_CONTEXT_TOKENS", { INSIDEOUT_CONTEXT_TOKENS: "8k" })).toThrow('INSIDEOUT_CONTEXT_TOKENS="8k" must be a whole number ≥ 1.');
  });

  it("a bad setting stops a run, and the CLI prints its line as it is", () => {
    const e = thrown(() => setting("INSIDEOUT_MAX_TURNS", { INSIDEOUT_MAX_TURNS: "many" }));
    expect(e).toBeInstanceOf(NotAResult);
    expect((e as NotAResult).stopsRun).toBe(true);
    expect(explain(e)).toBe('INSIDEOUT_MAX_TURNS="many" must be a whole number ≥ 1.');
  });
});

describe("booleans, LangChain's flags and choices", () => {
  it("booleans take 1/0, true/false, yes/no, on/off in any case", () => {
    expect(setting("INSIDEOUT_RETRY_NOTICES", {})).toBe(true);
    expect(setting("INSIDEOUT_RETRY_NOTICES", { INSIDEOUT_RETRY_NOTICES: "0" })).toBe(false);
    expect(setting("INSIDEOUT_RETRY_NOTICES", { INSIDEOUT_RETRY_NOTICES: "Off" })).toBe(false);
    expect(setting("INSIDEOUT_ALLOW_HF_MODELS", { INSIDEOUT_ALLOW_HF_MODELS: "YES" })).toBe(true);
    expect(() => setting("INSIDEOUT_ALLOW_HF_MODELS", { INSIDEOUT_ALLOW_HF_MODELS: "maybe" })).toThrow(
      'INSIDEOUT_ALLOW_HF_MODELS="maybe" must be true or false (or 1/0, yes/no, on/off).',
    );
  });

  it("LangChain's tracing flags are on only for exactly `true`, as @langchain/core reads them", () => {
    expect(setting("LANGSMITH_TRACING", { LANGSMITH_TRACING: "true" })).toBe(true);
    expect(setting("LANGSMITH_TRACING", { LANGSMITH_TRACING: "TRUE" })).toBe(false);
    expect(setting("LANGSMITH_TRACING", { LANGSMITH_TRACING: "1" })).toBe(false);
    expect(setting("LANGSMITH_TRACING", {})).toBe(false);
  });

  it("choices in any case give their own spelling; anything else lists them", () => {
    expect(setting("INSIDEOUT_LLAMA_GPU", {})).toBe("false");
    expect(setting("INSIDEOUT_LLAMA_GPU", { INSIDEOUT_LLAMA_GPU: " CUDA " })).toBe("cuda");
    expect(setting("INSIDEOUT_STRUCTURED_OUTPUT", { INSIDEOUT_STRUCTURED_OUTPUT: "jsonmode" })).toBe("jsonMode");
    expect(setting("INSIDEOUT_STRUCTURED_OUTPUT", {})).toBeUndefined();
    expect(() => setting("INSIDEOUT_LLAMA_BUILD", { INSIDEOUT_LLAMA_BUILD: "always" })).toThrow('INSIDEOUT_LLAMA_BUILD="always" must be one of never, auto.');
  });
});

describe("other names, text and the cache folder", () => {
  it("an alias is read when the name is unset, and an error names the variable that was set", () => {
    expect(setting("INSIDEOUT_LOCAL_THREADS", { INSIDEOUT_THREADS: "3" })).toBe(3);
    expect(setting("INSIDEOUT_LOCAL_THREADS", { INSIDEOUT_THREADS: "3", INSIDEOUT_LOCAL_THREADS: "2" })).toBe(2);
    expect(() => setting("INSIDEOUT_LOCAL_THREADS", { INSIDEOUT_THREADS: "-1" })).toThrow('INSIDEOUT_THREADS="-1" must be a whole number ≥ 0.');
    expect(setting("GOOGLE_API_KEY", { GEMINI_API_KEY: "g-key" })).toBe("g-key");
  });

  it("isSet tells a set variable from a default", () => {
    expect(setting("LANGSMITH_ENDPOINT", {})).toBe("https://api.smith.langchain.com");
    expect(isSet("LANGSMITH_ENDPOINT", {})).toBe(false);
    expect(isSet("LANGSMITH_ENDPOINT", { LANGCHAIN_ENDPOINT: "http://eu.example" })).toBe(true);
    expect(setting("LANGSMITH_ENDPOINT", { LANGCHAIN_ENDPOINT: "http://eu.example" })).toBe("http://eu.example");
  });

  it("text is kept as given; empty is unset", () => {
    expect(setting("OPENAI_BASE_URL", { OPENAI_BASE_URL: "http://127.0.0.1:8080/v1" })).toBe("http://127.0.0.1:8080/v1");
    expect(setting("OPENAI_BASE_URL", { OPENAI_BASE_URL: "" })).toBeUndefined();
  });

  it("the cache folder: INSIDEOUT_CACHE_DIR (made absolute), else XDG_CACHE_HOME/insideout, else ~/.cache/insideout", () => {
    expect(cacheDir({ INSIDEOUT_CACHE_DIR: "rel/cache" })).toBe(join(process.cwd(), "rel", "cache"));
    expect(cacheDir({ XDG_CACHE_HOME: "/x" })).toBe("/x/insideout");
    expect(cacheDir({})).toBe(join(homedir(), ".cache", "insideout"));
  });
});

describe("the table is the whole story", () => {
  it("docs/settings.md is generated from the table (npx tsx scripts/settings-doc.ts) and lists exactly its names", () => {
    const page = readFileSync(join(ROOT, "docs", "settings.md"), "utf8");
    expect(page).toBe(settingsPage());
    const listed = [...page.matchAll(/^\| `([A-Z0-9_]+)`(?: \(also `([A-Z0-9_]+)`\))?/gm)].flatMap((m) => m.slice(1).filter(Boolean));
    expect(listed.sort()).toEqual([...allNames].sort());
  });

  it("no product file but core/settings.ts touches process.env", () => {
    const readers = PRODUCT.flatMap(sources).filter((f) => /process\.env/.test(readFileSync(f, "utf8")));
    expect(readers.map((f) => f.slice(ROOT.length + 1))).toEqual(["core/settings.ts"]);
  });

  it("bench/ and scripts/ touch process.env only to hand it to a child process (and npm's own lifecycle variable)", () => {
    const files = ["bench", "scripts"].flatMap((d) => readdirSync(join(ROOT, d)).filter((f) => /\.(ts|mjs)$/.test(f)).map((f) => join(d, f)));
    const uses = files.flatMap((f) => [...readFileSync(join(ROOT, f), "utf8").matchAll(/.{0,12}process\.env(\.\w+)?/g)].map((m) => `${f}: ${m[0]}`));
    const other = uses.filter((u) => !/env: \{ \.\.\.process\.env$/.test(u) && !/process\.env\.npm_command$/.test(u));
    expect(other).toEqual([]);
    // The rule is not empty: the bench's child processes and the dev server get the environment this way.
    expect(uses.length).toBeGreaterThanOrEqual(3);
  });

  it("scripts/dev.mjs, which runs before anything is built, reads PORT and HOST through the table", () => {
    const dev = readFileSync(join(ROOT, "scripts", "dev.mjs"), "utf8");
    expect(dev).toContain(`setting("PORT")`);
    expect(dev).toContain(`setting("HOST")`);
  });

  it("every INSIDEOUT_ variable the product names is in the table", () => {
    const named = new Set(PRODUCT.flatMap(sources).flatMap((f) => readFileSync(f, "utf8").match(/\bINSIDEOUT_[A-Z0-9_]+\b/g) ?? []));
    expect([...named].filter((n) => !allNames.includes(n))).toEqual([]);
  });

  it("the local engine's documented defaults are the engine's own", () => {
    expect(SETTINGS.INSIDEOUT_LOCAL_SEQUENCES.defaultText).toBe(String(DEFAULT_ENGINE_CONFIG.sequences));
    expect(SETTINGS.INSIDEOUT_LOCAL_CONTEXT.defaultText).toBe(String(DEFAULT_ENGINE_CONFIG.contextSize));
    expect(SETTINGS.INSIDEOUT_LOCAL_BATCH.defaultText).toBe(String(DEFAULT_ENGINE_CONFIG.batchSize));
    expect(SETTINGS.INSIDEOUT_LOCAL_MAX_STRING.defaultText).toBe(String(DEFAULT_GRAMMAR_LIMITS.maxStringLength));
  });
});
