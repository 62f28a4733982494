/**
 * The embedded local model at a real model's size: a GGUF of Qwen2.5-0.5B-Instruct's shape (bench/tinyGguf.ts
 * QWEN25_05B, in Q4_K_M as the default local model is, ~0.4 GB) with random weights, written to a temporary folder
 * and deleted afterwards. llama.cpp does the same arithmetic whatever the weights are, so the speed is the real
 * model's; the vocabulary holds the words of the prompts and of the test split, so a prompt has about as many tokens
 * as with Qwen's own tokenizer. Random weights write strings up to the grammar's limit, so the bench bounds them
 * (`maxString`) to about a real answer's length, and reports the tokens generated.
 *
 * Measures, with the defaults a user gets (threads, read once at the start; batch and context sizes): prompt and
 * decode tokens per second of one sequence, then InsideOut ERC (five agents and the LLM aggregator) over dialogues of
 * the test split, once with the default context of 6 sequences (the five agents decode together) and once with 1
 * sequence (the same calls one after another), each after one warm-up dialogue.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { runContext } from "../state/runOptions.js";
import { builder as ercBuilder } from "../graphs/erc.js";
import { exportSetting } from "../core/settings.js";
import { ModelResolver } from "../models/factory.js";
import { LocalEngines, type LocalEngine } from "../models/local/engine.js";
import { engineConfigFrom } from "../models/local/provider.js";
import { disposeLlamaRuntime } from "../models/local/runtime.js";
import { threadsFromEnv } from "../models/local/threads.js";
import { withModels } from "../nodes/env.js";
import * as ercPrompts from "../prompts/erc.js";
import { PERSONAS } from "../prompts/personas.js";
import { ED32_LABELS } from "../taxonomy/labelSets.js";
import { QWEN25_05B, writeTinyGguf } from "./tinyGguf.js";

export interface ModeRun {
  sequences: number;
  /** The threads the context took (by default the idle cores when it was made). */
  threads: number;
  /** Wall seconds per dialogue (after the warm-up dialogue). */
  secondsPerDialogue: number;
  perDialogue: number[];
  promptTokens: number;
  evaluatedPromptTokens: number;
  completionTokens: number;
  calls: number;
  failedCalls: number;
}

export interface LocalModelResult {
  fileMb: number;
  writeSeconds: number;
  /** The threads of the one-sequence measure's context. */
  threads: number;
  promptTokensPerSecond: number;
  decodeTokensPerSecond: number;
  batched: ModeRun;
  sequential: ModeRun;
  loadBefore: number;
  loadAfter: number;
}

/** One sequence: a fresh prompt's evaluation, then the same prompt again (kept) with `decode` tokens to generate. */
async function rates(engine: LocalEngine, text: string): Promise<{ prompt: number; decode: number }> {
  const history = [{ type: "user" as const, text }];
  const before = engine.stats().evaluatedPromptTokens;
  let t = performance.now();
  await engine.generate({ history, temperature: 0, maxTokens: 1 });
  const promptSeconds = (performance.now() - t) / 1000;
  const evaluated = engine.stats().evaluatedPromptTokens - before;
  t = performance.now();
  const r = await engine.generate({ history, temperature: 0, maxTokens: 48 });
  const decodeSeconds = (performance.now() - t) / 1000;
  return { prompt: evaluated / promptSeconds, decode: r.completionTokens / decodeSeconds };
}

async function runDialogues(path: string, sequences: number, threads: number | undefined, dialogues: string[][], log: (s: string) => void): Promise<ModeRun> {
  // Engines of this mode's own, the engine made with its sequences first: the models resolved later share it.
  const engines = new LocalEngines();
  const engine = await engines.engine(path, await engineConfigFrom({ sequences, threads }));
  const spec = `local:${path}`;
  const resolver = new ModelResolver({ engines });
  const graph = ercBuilder.compile();
  const run = (dialogue: string[]) =>
    graph.invoke({ dialogue }, { context: runContext({ model: spec }), configurable: withModels(resolver) });
  await run(dialogues[0]!);
  const warm = engine.stats();
  const perDialogue: number[] = [];
  let failedCalls = 0;
  for (const [i, dialogue] of dialogues.slice(1).entries()) {
    const t = performance.now();
    const out = await run(dialogue);
    perDialogue.push((performance.now() - t) / 1000);
    failedCalls += out.calls.filter((c) => !c.ok).length;
    log(`  ${sequences} sequence(s), ${engine.threads} thread(s), dialogue ${i + 1}/${dialogues.length - 1}: ${perDialogue.at(-1)!.toFixed(1)} s (load ${loadavg()[0]!.toFixed(1)})`);
  }
  const s = engine.stats();
  const taken = engine.threads;
  await engines.dispose();
  // The timed dialogues' counts: the warm-up's taken out.
  const per = (n: number, warmUp: number) => (n - warmUp) / perDialogue.length;
  return {
    sequences,
    threads: taken,
    secondsPerDialogue: perDialogue.reduce((a, b) => a + b, 0) / perDialogue.length,
    perDialogue,
    promptTokens: per(s.promptTokens, warm.promptTokens),
    evaluatedPromptTokens: per(s.evaluatedPromptTokens, warm.evaluatedPromptTokens),
    completionTokens: per(s.completionTokens, warm.completionTokens),
    calls: per(s.calls, warm.calls),
    failedCalls,
  };
}

export async function measureLocalModel(
  testSplit: string[][],
  opts: { dialogues?: number; maxString?: number; log?: (s: string) => void } = {},
): Promise<LocalModelResult> {
  const log = opts.log ?? (() => undefined);
  const dir = mkdtempSync(join(tmpdir(), "insideout-bench-local-"));
  try {
    const loadBefore = loadavg()[0]!;
    // The default threads (by the busy cores) are read once, first, as a user's first model load would.
    const defaultThreads = await threadsFromEnv();
    // The words of every prompt and of the split: the vocabulary the prompts are tokenized with.
    const corpus = [ED32_LABELS.join(", "), Object.values(PERSONAS).join("\n"), Object.values(ercPrompts).join("\n"), ...testSplit.map((d) => d.join("\n"))].join("\n");
    const t = performance.now();
    const file = writeTinyGguf(join(dir, "qwen2.5-0.5b-shape-random-q4_k_m.gguf"), { ...QWEN25_05B, corpus });
    const writeSeconds = (performance.now() - t) / 1000;
    log(`wrote a ${(file.bytes / 1e6).toFixed(0)} MB GGUF of Qwen2.5-0.5B's shape in ${writeSeconds.toFixed(1)} s`);
    // The grammar's string cap is a setting of this process (the bench runs in a process of its own).
    exportSetting("INSIDEOUT_LOCAL_MAX_STRING", String(opts.maxString ?? 100));
    // Dialogues spread over the split (the first one warms up).
    const n = (opts.dialogues ?? 5) + 1;
    const picked = Array.from({ length: n }, (_, i) => testSplit[Math.floor((i * testSplit.length) / n)]!);

    const engines = new LocalEngines();
    const engine = await engines.engine(file.path, await engineConfigFrom({ threads: defaultThreads }));
    const sample = `Conversation:\n${picked.map((d) => d.join("\n")).join("\n")}`;
    await rates(engine, `warm-up ${sample.slice(0, 200)}`);
    const r = await rates(engine, sample);
    const threads = engine.threads;
    log(`one sequence, ${threads} thread(s): ${r.prompt.toFixed(0)} prompt tokens/s, ${r.decode.toFixed(1)} decode tokens/s`);
    await engines.dispose();

    const batched = await runDialogues(file.path, 6, defaultThreads, picked, log);
    const sequential = await runDialogues(file.path, 1, defaultThreads, picked, log);
    return {
      fileMb: file.bytes / 1e6,
      writeSeconds,
      threads,
      promptTokensPerSecond: r.prompt,
      decodeTokensPerSecond: r.decode,
      batched,
      sequential,
      loadBefore,
      loadAfter: loadavg()[0]!,
    };
  } finally {
    await disposeLlamaRuntime();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** For a quick look: `node dist/bench/localModel.js [dialogues]`. */
if (process.argv[1]?.endsWith("localModel.js")) {
  const { loadDataset } = await import("../evaluations/data/index.js");
  const { EventEmitter } = await import("node:events");
  EventEmitter.defaultMaxListeners = 64;
  const split = (await loadDataset("ed:test")).map((e) => e.dialogue);
  const result = await measureLocalModel(split, { dialogues: Number(process.argv[2] ?? 3), log: (s) => process.stderr.write(`${s}\n`) });
  console.log(JSON.stringify(result, null, 2));
}
