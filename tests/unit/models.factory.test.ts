/**
 * Model selection without any model running: the default rules under each environment, bad model names, the
 * OLLAMA_HOST forms, hf: URIs and the local engine settings from the environment.
 */
import { availableParallelism } from "node:os";
import { afterEach, beforeEach, describe, expect, jest, test } from "@jest/globals";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultModelSpec, resolveModel } from "../../models/factory.js";
import { engineConfigFrom, parseHfUri, resolveLocalPath } from "../../models/local/provider.js";
import { busyCores, defaultThreads } from "../../models/local/threads.js";
import { ollamaBaseUrl } from "../../models/ollama.js";
import type { ResolvedModel } from "../../models/types.js";

const KEYS = [
  "OPENAI_API_KEY",
  "OPENAI_BASE_URL",
  "INSIDEOUT_DEFAULT_LOCAL_MODEL",
  "INSIDEOUT_CACHE_DIR",
  "INSIDEOUT_DEFAULT_MODEL_URL",
  "XDG_CACHE_HOME",
  "OLLAMA_HOST",
  "OLLAMA_BASE_URL",
] as const;
let saved: Record<string, string | undefined>;
let dir: string;

beforeEach(() => {
  saved = Object.fromEntries(KEYS.map((k) => [k, process.env[k]]));
  for (const k of KEYS) delete process.env[k];
  dir = mkdtempSync(join(tmpdir(), "insideout-factory-"));
});

afterEach(() => {
  for (const k of KEYS) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("default model", () => {
  test("an OpenAI key selects openai:gpt-4o-mini", () => {
    process.env.OPENAI_API_KEY = "sk-test";
    expect(defaultModelSpec()).toBe("openai:gpt-4o-mini");
  });

  test("an OpenAI-compatible base URL alone also selects openai", () => {
    process.env.OPENAI_BASE_URL = "http://127.0.0.1:9/v1";
    expect(defaultModelSpec()).toBe("openai:gpt-4o-mini");
  });

  test("neither (or an empty key) selects the embedded local default", () => {
    expect(defaultModelSpec()).toBe("local:default");
    process.env.OPENAI_API_KEY = "";
    expect(defaultModelSpec()).toBe("local:default");
  });

  test("INSIDEOUT_DEFAULT_LOCAL_MODEL replaces the local default, but not an OpenAI key", () => {
    process.env.INSIDEOUT_DEFAULT_LOCAL_MODEL = "local:/models/mine.gguf";
    expect(defaultModelSpec()).toBe("local:/models/mine.gguf");
    process.env.OPENAI_API_KEY = "sk-test";
    expect(defaultModelSpec()).toBe("openai:gpt-4o-mini");
  });

  test("resolveModel(undefined) and resolveModel('auto') build ChatOpenAI when a key is set", async () => {
    process.env.OPENAI_API_KEY = "sk-test";
    for (const spec of [undefined, "auto"]) {
      const m: ResolvedModel = await resolveModel(spec);
      expect([m.provider, m.name, m.chat._llmType()]).toEqual(["openai", "gpt-4o-mini", "openai"]);
    }
  });

  test("with no key, no cached file and no network, the default fails with one line saying what to do", async () => {
    process.env.INSIDEOUT_CACHE_DIR = dir;
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    process.env.INSIDEOUT_DEFAULT_MODEL_URL = `http://127.0.0.1:${port}/model.gguf`;
    const stderr = jest.spyOn(process.stderr, "write").mockImplementation(() => true);
    try {
      const err = (await resolveModel(undefined).catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(Error);
      expect(err.message).not.toContain("\n");
      expect(err.message).toMatch(/^No local model is cached and the default model could not be downloaded: cannot reach/);
      expect(err.message).toMatch(/--model local:\/path\/to\/model\.gguf or --model ollama:<name>, or set OPENAI_API_KEY/);
    } finally {
      stderr.mockRestore();
    }
  });
});

describe("bad model names give one clear error", () => {
  test.each([
    ["nope:thing", /^Unknown model provider "nope" in "nope:thing": use one of openai, ollama, local/],
    ["gpt-4o", /^Bad model name "gpt-4o": use provider:model/],
    ["local:", /^Bad model name "local:"/],
    ["local:/definitely/not/here.gguf", /^Model file not found: \/definitely\/not\/here\.gguf \(from "local:\/definitely\/not\/here\.gguf"\)/],
    ["local:hf:someone/only-a-repo", /^Bad Hugging Face model "hf:someone\/only-a-repo": use hf:<owner>\/<repo>\/<file>\.gguf/],
  ])("%s", async (spec, message) => {
    const err = (await resolveModel(spec).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(Error);
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain("\n");
  });

  test("a file that is not GGUF is named as such", async () => {
    const path = join(dir, "notes.gguf");
    writeFileSync(path, "just some text, not a model");
    await expect(resolveModel(`local:${path}`)).rejects.toThrow(`${path} is not a GGUF model file`);
  });

  test("a relative path is resolved against the working directory", async () => {
    const cwd = process.cwd();
    await expect(resolveLocalPath("./missing-model.gguf")).rejects.toThrow(`Model file not found: ${join(cwd, "missing-model.gguf")}`);
  });
});

describe("OLLAMA_HOST", () => {
  test.each([
    [{}, "http://127.0.0.1:11434"],
    [{ OLLAMA_HOST: "127.0.0.1:5000" }, "http://127.0.0.1:5000"],
    [{ OLLAMA_HOST: "gpu-box" }, "http://gpu-box:11434"],
    [{ OLLAMA_HOST: "0.0.0.0" }, "http://127.0.0.1:11434"],
    [{ OLLAMA_HOST: "https://ollama.example.com" }, "https://ollama.example.com"],
    [{ OLLAMA_HOST: "http://box:80" }, "http://box:80"],
    [{ OLLAMA_BASE_URL: "http://other:1234" }, "http://other:1234"],
    [{ OLLAMA_HOST: "a:1", OLLAMA_BASE_URL: "http://b:2" }, "http://a:1"],
  ])("%j → %s", (env, expected) => {
    expect(ollamaBaseUrl(env)).toBe(expected);
  });
});

describe("hf: URIs", () => {
  test("map to a pinned resolve URL and a cache path; HF_ENDPOINT points elsewhere", () => {
    const env = { INSIDEOUT_CACHE_DIR: "/cache" };
    expect(parseHfUri("hf:Qwen/Qwen2.5-0.5B-Instruct-GGUF/qwen2.5-0.5b-instruct-q4_k_m.gguf", env)).toEqual({
      url: "https://huggingface.co/Qwen/Qwen2.5-0.5B-Instruct-GGUF/resolve/main/qwen2.5-0.5b-instruct-q4_k_m.gguf",
      dest: "/cache/models/hf/Qwen/Qwen2.5-0.5B-Instruct-GGUF/main/qwen2.5-0.5b-instruct-q4_k_m.gguf",
    });
    expect(parseHfUri("hf:o/r/sub/m.gguf#abc123", { ...env, HF_ENDPOINT: "http://127.0.0.1:8080/" }).url).toBe(
      "http://127.0.0.1:8080/o/r/resolve/abc123/sub/m.gguf",
    );
  });
});

describe("local engine settings", () => {
  test("options beat INSIDEOUT_* variables, which beat the defaults", async () => {
    const { threads, ...rest } = await engineConfigFrom({}, {});
    expect(rest).toEqual({ sequences: 6, contextSize: 4096, batchSize: 512 });
    // By default the idle cores (below): between 1 and cores − 1 (all of them on up to 2 cores), at most 8.
    const cores = availableParallelism();
    expect(threads).toBeGreaterThanOrEqual(1);
    expect(threads).toBeLessThanOrEqual(cores <= 2 ? cores : Math.min(8, cores - 1));
    const env = { INSIDEOUT_THREADS: "3", INSIDEOUT_LOCAL_SEQUENCES: "8", INSIDEOUT_LOCAL_CONTEXT: "2048", INSIDEOUT_LOCAL_BATCH: "128" };
    expect(await engineConfigFrom({}, env)).toEqual({ sequences: 8, contextSize: 2048, batchSize: 128, threads: 3 });
    expect(await engineConfigFrom({ threads: 1, sequences: 2 }, env)).toEqual({ sequences: 2, contextSize: 2048, batchSize: 128, threads: 1 });
    // INSIDEOUT_LOCAL_THREADS is the documented name; the older INSIDEOUT_THREADS still works when it is not set.
    expect((await engineConfigFrom({}, { ...env, INSIDEOUT_LOCAL_THREADS: "2" })).threads).toBe(2);
  });

  test("default threads: the idle cores, at least 1, one left on more than 2 cores, at most 8", () => {
    // [cores, busy cores, threads], worked by hand from that rule.
    const cases: [number, number, number][] = [
      [2, 0, 2], [2, 1, 1], [2, 2, 1], [2, 18, 1], [1, 0, 1],
      [4, 0, 3], [4, 2, 2], [4, 9, 1], [16, 0, 8], [16, 9, 7],
    ];
    for (const [cores, busy, threads] of cases) expect([cores, busy, defaultThreads(cores, busy)]).toEqual([cores, busy, threads]);
  });

  test("busy cores count a CPU hog started a moment ago", async () => {
    const { spawn } = await import("node:child_process");
    const hog = spawn(process.execPath, ["-e", "for (;;) {}"], { stdio: "ignore" });
    try {
      await new Promise((r) => setTimeout(r, 300));
      // The hog spins one core flat out, long before the 1-minute load average could say so.
      expect(await busyCores(500)).toBeGreaterThanOrEqual(1);
    } finally {
      hog.kill("SIGKILL");
    }
  });

  test("nonsense values are refused with the variable's name", async () => {
    await expect(engineConfigFrom({}, { INSIDEOUT_THREADS: "many" })).rejects.toThrow(/INSIDEOUT_THREADS="many"/);
    await expect(engineConfigFrom({}, { INSIDEOUT_LOCAL_SEQUENCES: "0" })).rejects.toThrow(/INSIDEOUT_LOCAL_SEQUENCES="0" must be a whole number ≥ 1/);
    await expect(engineConfigFrom({}, { INSIDEOUT_LOCAL_BATCH: "big" })).rejects.toThrow(/INSIDEOUT_LOCAL_BATCH="big" must be a whole number ≥ 1/);
  });
});
