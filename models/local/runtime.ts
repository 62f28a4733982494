/**
 * The one llama.cpp binding of the process. It never compiles llama.cpp on the fly (`build: "never"`): a build takes
 * minutes, and a user who lacks one should read how to get it rather than watch a compiler start inside `recognize`.
 * CPU by default (`gpu: false`) so results do not depend on which GPU backend happens to load; INSIDEOUT_LLAMA_GPU
 * opts into node-llama-cpp's detection (`auto`, `cuda`, `vulkan`, `metal`).
 */
import { availableParallelism, loadavg } from "node:os";
import { getLlama, LlamaLogLevel, NoBinaryFoundError, type Llama, type LlamaOptions } from "node-llama-cpp";

/** Printed when no llama.cpp binary can be loaded; the command works offline (the source ships in the npm package). */
export const BUILD_HINT =
  "build it once with `npx --no node-llama-cpp source download --gpu false` (offline, a few minutes), or use another model: --model ollama:<name> or openai:<name>";

export class LocalRuntimeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LocalRuntimeError";
  }
}

let runtime: Promise<Llama> | undefined;

function gpuOption(env: NodeJS.ProcessEnv): LlamaOptions["gpu"] {
  const v = env.INSIDEOUT_LLAMA_GPU?.trim().toLowerCase();
  if (!v || v === "false" || v === "0" || v === "cpu") return false;
  if (v === "auto" || v === "cuda" || v === "vulkan" || v === "metal") return v;
  throw new LocalRuntimeError(`INSIDEOUT_LLAMA_GPU="${v}" is not one of false, auto, cuda, vulkan, metal`);
}

function buildOption(env: NodeJS.ProcessEnv): "never" | "auto" {
  return env.INSIDEOUT_LLAMA_BUILD === "auto" ? "auto" : "never";
}

/**
 * llama.cpp's threads spin while they wait for each other, so more threads than idle cores is ruinous: on a busy
 * 2-core machine a tiny GGUF took 131 s for 64 tokens with node-llama-cpp's default (max(math cores, 4) = 4), 7.1 s
 * with 2 and 0.8 s with 1. On an idle one, more threads pay: Qwen2.5-0.5B's shape decoded 1.5× faster with 2 than
 * with 1, 1.3× slower with 2 beside one busy process and 2.6× slower beside two (docs/bench.md (h)). So: the cores
 * less than a whole core's worth busy when the context is made (the 1-minute load average, 0 where the OS has none;
 * on a loaded machine it errs towards fewer), at least 1; on more than 2 cores one is left for everything else, and
 * at most 8.
 */
export function defaultThreads(cores: number = availableParallelism(), load: number = loadavg()[0] ?? 0): number {
  const cap = cores <= 2 ? cores : Math.min(cores - 1, 8);
  return Math.max(1, Math.min(cap, cores - Math.floor(load)));
}

/** The most threads defaultThreads() gives on this machine: the runtime's pool, which a context's threads fit in. */
export function maxDefaultThreads(cores: number = availableParallelism()): number {
  return defaultThreads(cores, 0);
}

function explicitThreads(env: NodeJS.ProcessEnv): { key: string; raw: string } | undefined {
  for (const key of ["INSIDEOUT_LOCAL_THREADS", "INSIDEOUT_THREADS"]) {
    const raw = env[key];
    if (raw !== undefined && raw !== "") return { key, raw };
  }
  return undefined;
}

/**
 * CPU threads for llama.cpp: INSIDEOUT_LOCAL_THREADS (or the older INSIDEOUT_THREADS), else defaultThreads();
 * 0 means node-llama-cpp's own choice (undefined here).
 */
export function threadsFromEnv(env: NodeJS.ProcessEnv = process.env, fallback: () => number = defaultThreads): number | undefined {
  const given = explicitThreads(env);
  if (!given) return fallback();
  const n = Number(given.raw);
  if (!Number.isInteger(n) || n < 0) throw new LocalRuntimeError(`${given.key}="${given.raw}" is not a whole number of threads (0: node-llama-cpp's choice)`);
  return n === 0 ? undefined : n;
}

export function llamaRuntime(env: NodeJS.ProcessEnv = process.env): Promise<Llama> {
  runtime ??= (async () => {
    try {
      // The pool is what this machine could use; each context takes what is idle when it is made (defaultThreads).
      const maxThreads = threadsFromEnv(env, maxDefaultThreads);
      return await getLlama({
        gpu: gpuOption(env),
        build: buildOption(env),
        logLevel: LlamaLogLevel.error,
        progressLogs: false,
        ...(maxThreads !== undefined ? { maxThreads } : {}),
      });
    } catch (error) {
      runtime = undefined;
      if (error instanceof LocalRuntimeError) throw error;
      if (error instanceof NoBinaryFoundError) {
        throw new LocalRuntimeError(`node-llama-cpp has no llama.cpp binary that works on this machine: ${BUILD_HINT}.`, { cause: error });
      }
      const why = error instanceof Error ? error.message : String(error);
      throw new LocalRuntimeError(`cannot start llama.cpp (${why}): ${BUILD_HINT}.`, { cause: error });
    }
  })();
  return runtime;
}

/** Frees the binding (tests, the benchmark, a CLI that is about to exit). */
export async function disposeLlamaRuntime(): Promise<void> {
  const current = runtime;
  runtime = undefined;
  if (current) await (await current.catch(() => undefined))?.dispose();
}
