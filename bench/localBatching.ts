/**
 * Benchmark (not a test): what batching the five emotion agents on one llama.cpp context buys.
 *
 * One `erc` run (the five Ekman agents, `vote` aggregation so that the agents are the only LLM calls) on a tiny
 * random-weight GGUF, twice on the same weights: once with a context of 6 sequences, where the five parallel branches
 * decode together, and once with a context of 1 sequence, where the same five calls queue and decode one after
 * another. Each mode gets engines of its own (a fresh engine), warmed up by one call before timing.
 * Prints both wall times and their ratio, from one run.
 *
 *   node dist/bench/localBatching.js [--size tiny|medium] [--gguf path.gguf] [--threads N] [--max-string N]
 *
 * `--size medium` writes a larger random model (512-wide, 8 layers, about 100 MB of F32 weights), where a decode step
 * costs real arithmetic and memory traffic as with a real model, rather than mostly fixed per-step overhead as with the
 * tiny one. With --gguf, a real model is used instead (each mode loads it, and frees it before the next).
 */
import { HumanMessage } from "@langchain/core/messages";
import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { runContext } from "../state/runOptions.js";
import { builder as ercBuilder } from "../graphs/erc.js";
import { exportSetting } from "../core/settings.js";
import { ModelResolver } from "../models/factory.js";
import { LocalEngines, type EngineStats } from "../models/local/engine.js";
import { engineConfigFrom } from "../models/local/provider.js";
import { disposeLlamaRuntime } from "../models/local/runtime.js";
import { invokeText } from "../models/structured.js";
import { withModels } from "../nodes/env.js";
import { writeTinyGguf } from "./tinyGguf.js";

const EKMAN = ["anger", "disgust", "fear", "happiness", "sadness"] as const;
const DIALOGUE = ["I finally got the job I wanted!", "Congratulations, that is great news.", "I still can't believe it."];

export interface ModeResult {
  mode: "batched" | "sequential";
  sequences: number;
  wallMs: number;
  completionTokens: number;
  failures: number;
  stats: EngineStats;
}

async function runMode(path: string, mode: ModeResult["mode"], sequences: number, threads: number | undefined): Promise<ModeResult> {
  // Engines of this mode's own: the engine is made with its sequences first, and the models resolved later share it.
  const engines = new LocalEngines();
  try {
    await engines.engine(path, await engineConfigFrom({ sequences, threads }));
    const resolver = new ModelResolver({ engines });
    const model = await resolver.resolve(`local:${path}`);
    await invokeText(model, [new HumanMessage("warm-up")], { runName: "warm-up" });
    const before = (await engines.engine(path)).stats();
    const graph = ercBuilder.compile();
    const started = performance.now();
    const out = await graph.invoke(
      { dialogue: DIALOGUE },
      { context: runContext({ model: `local:${path}`, agents: [...EKMAN], aggregation: "vote" }), configurable: withModels(resolver) },
    );
    const wallMs = performance.now() - started;
    const after = (await engines.engine(path)).stats();
    return {
      mode,
      sequences,
      wallMs,
      completionTokens: out.calls.reduce((n, c) => n + c.completionTokens, 0),
      failures: Object.keys(out.failures).length,
      // The run's own counts, the warm-up call's taken out (its one call sets no peak the run does not reach).
      stats: { ...after, calls: after.calls - before.calls, batches: after.batches - before.batches, promptTokens: after.promptTokens - before.promptTokens,
        evaluatedPromptTokens: after.evaluatedPromptTokens - before.evaluatedPromptTokens, completionTokens: after.completionTokens - before.completionTokens },
    };
  } finally {
    await engines.dispose();
  }
}

const SIZES = {
  tiny: {},
  medium: { embedding: 512, layers: 8, heads: 8, kvHeads: 4, feedForward: 1536, scale: 0.05 },
} as const;

export async function runLocalBatchingBench(
  opts: { gguf?: string; size?: keyof typeof SIZES; threads?: number; maxString?: number } = {},
): Promise<{
  batched: ModeResult;
  sequential: ModeResult;
  ratio: number;
}> {
  const dir = mkdtempSync(join(tmpdir(), "insideout-bench-"));
  try {
    const path = opts.gguf ?? writeTinyGguf(join(dir, "random.gguf"), SIZES[opts.size ?? "tiny"]).path;
    // One thread suits the tiny model best; bigger models want node-llama-cpp's default (all math cores).
    const threads = opts.threads ?? (opts.gguf || opts.size === "medium" ? undefined : 1);
    // The grammar's string cap is a setting of this process (the bench runs as a process of its own).
    exportSetting("INSIDEOUT_LOCAL_MAX_STRING", String(opts.maxString ?? (opts.gguf ? 300 : 40)));
    const sequential = await runMode(path, "sequential", 1, threads);
    const batched = await runMode(path, "batched", 6, threads);
    return { batched, sequential, ratio: sequential.wallMs / batched.wallMs };
  } finally {
    await disposeLlamaRuntime();
    rmSync(dir, { recursive: true, force: true });
  }
}

function describe(r: ModeResult): string {
  const s = r.stats;
  return (
    `${r.mode.padEnd(10)} ${r.wallMs.toFixed(0).padStart(7)} ms  (${r.sequences} sequence${r.sequences > 1 ? "s" : ""}, ` +
    `${r.completionTokens} tokens generated, ${s.batches} decode batches, up to ${s.maxSequencesPerBatch} sequences per batch, ` +
    `${r.failures} failed agents)`
  );
}

async function main(): Promise<void> {
  // LangGraph adds an abort listener per parallel branch and call; more than Node's default ten is expected here.
  EventEmitter.defaultMaxListeners = 64;
  const { values } = parseArgs({
    options: { gguf: { type: "string" }, size: { type: "string", default: "tiny" }, threads: { type: "string" }, "max-string": { type: "string" } },
  });
  const size = values.size;
  if (size !== "tiny" && size !== "medium") throw new Error(`--size must be tiny or medium, not ${size}`);
  const result = await runLocalBatchingBench({
    gguf: values.gguf,
    size,
    threads: values.threads !== undefined ? Number(values.threads) : undefined,
    maxString: values["max-string"] !== undefined ? Number(values["max-string"]) : undefined,
  });
  console.log(`local batching, one erc run of five agents on ${values.gguf ?? `the ${size} random-weight GGUF`} (load average ${loadavg()[0]?.toFixed(1)} on ${cpus().length} CPUs):`);
  console.log(describe(result.sequential));
  console.log(describe(result.batched));
  console.log(`ratio sequential/batched: ${result.ratio.toFixed(2)}x`);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
