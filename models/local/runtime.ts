/**
 * The one llama.cpp binding of the process. It never compiles llama.cpp on the fly (`build: "never"`): a build takes
 * minutes, and a user who lacks one should read how to get it rather than watch a compiler start inside `recognize`.
 * CPU by default (`gpu: false`) so results do not depend on which GPU backend happens to load; INSIDEOUT_LLAMA_GPU
 * opts into node-llama-cpp's detection (`auto`, `cuda`, `vulkan`, `metal`).
 */
import { getLlama, LlamaLogLevel, NoBinaryFoundError, type Llama, type LlamaOptions } from "node-llama-cpp";
import { SettingError, setting } from "../../core/settings.js";
import { LocalModelError } from "./errors.js";
import { poolThreads } from "./threads.js";

/** Printed when no llama.cpp binary can be loaded; the command works offline (the source ships in the npm package). */
export const BUILD_HINT =
  "build it once with `npx --no node-llama-cpp source download --gpu false` (offline, a few minutes), or use another model: --model ollama:<name> or openai:<name>";

let runtime: Promise<Llama> | undefined;

function gpuOption(): LlamaOptions["gpu"] {
  const gpu = setting("INSIDEOUT_LLAMA_GPU");
  return gpu === "false" ? false : gpu;
}

export function llamaRuntime(): Promise<Llama> {
  runtime ??= (async () => {
    try {
      const maxThreads = poolThreads();
      return await getLlama({
        gpu: gpuOption(),
        build: setting("INSIDEOUT_LLAMA_BUILD"),
        logLevel: LlamaLogLevel.error,
        progressLogs: false,
        ...(maxThreads !== undefined ? { maxThreads } : {}),
      });
    } catch (error) {
      runtime = undefined;
      if (error instanceof LocalModelError || error instanceof SettingError) throw error;
      if (error instanceof NoBinaryFoundError) {
        throw new LocalModelError("runtime", `node-llama-cpp has no llama.cpp binary that works on this machine: ${BUILD_HINT}.`, { cause: error });
      }
      const why = error instanceof Error ? error.message : String(error);
      throw new LocalModelError("runtime", `cannot start llama.cpp (${why}): ${BUILD_HINT}.`, { cause: error });
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
