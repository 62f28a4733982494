/**
 * (d) Evaluation throughput over a whole split through `insideout eval`'s runner at concurrency C, and (e) the
 * process's resident memory over it, sampled so that growth would show; (f) tokens per dialogue per method.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runContext } from "../state/runOptions.js";
import { builderFor } from "../graphs/methods.js";
import type { State } from "../state/state.js";
import { runEval } from "../evaluations/run.js";
import type { ModelResolver } from "../models/factory.js";
import { withModels } from "../nodes/env.js";

export interface ThroughputResult {
  examples: number;
  examplesPerSecond: number;
  errors: number;
  peakRssMb: number;
  /** RSS when 10 % and 90 % of the examples were done: flat memory means these are close. */
  rssAt10Mb: number;
  rssAt90Mb: number;
  /** CPU time of this process per example. */
  cpuMsPerExample: number;
}

const mb = (bytes: number) => bytes / 2 ** 20;

export async function measureThroughput(model: string, concurrency: number, data: string): Promise<ThroughputResult> {
  const out = mkdtempSync(join(tmpdir(), "insideout-bench-"));
  let peak = process.memoryUsage.rss();
  const samples: { done: number; rss: number }[] = [];
  let total = 0;
  let done = 0;
  const cpu0 = process.cpuUsage();
  const timer = setInterval(() => {
    const rss = process.memoryUsage.rss();
    peak = Math.max(peak, rss);
    samples.push({ done, rss });
  }, 200);
  try {
    const result = await runEval({
      task: "erc",
      method: "insideout",
      options: { model },
      data,
      concurrency,
      out,
      cache: false,
      progress: {
        start: (n) => {
          total = n;
        },
        update: (d) => {
          done = d;
        },
        stop: () => {},
      },
    });
    const at = (f: number) => mb(samples.find((s) => s.done >= f * total)?.rss ?? Number.NaN);
    if (!result.metrics) throw new Error(`bench: ${result.unfinished.count} examples unfinished (${result.unfinished.causes[0]?.message ?? "?"})`);
    const errors = result.metrics.errors;
    const cpu = process.cpuUsage(cpu0);
    return {
      examples: result.ran,
      examplesPerSecond: result.examplesPerSecond,
      errors,
      peakRssMb: mb(Math.max(peak, process.resourceUsage().maxRSS * 1024)),
      rssAt10Mb: at(0.1),
      rssAt90Mb: at(0.9),
      cpuMsPerExample: (cpu.user + cpu.system) / 1000 / Math.max(1, result.ran),
    };
  } finally {
    clearInterval(timer);
    rmSync(out, { recursive: true, force: true });
  }
}

export interface TokenResult {
  method: string;
  promptTokens: number;
  completionTokens: number;
  calls: number;
}

/** Mean tokens per dialogue, as the provider reports them, for each ERC method on the same dialogues. */
export async function measureTokens(model: string, dialogues: string[][], resolver: ModelResolver): Promise<TokenResult[]> {
  const out: TokenResult[] = [];
  for (const method of ["baseline", "insideout"]) {
    const graph = builderFor("erc", method).compile();
    const sum = { promptTokens: 0, completionTokens: 0, calls: 0 };
    for (let i = 0; i < dialogues.length; i += 32) {
      const states = await Promise.all(
        dialogues.slice(i, i + 32).map((d) => graph.invoke({ dialogue: d }, { context: runContext({ model }), configurable: withModels(resolver) }) as Promise<Partial<State>>),
      );
      for (const s of states) {
        for (const c of s.calls ?? []) {
          sum.promptTokens += c.promptTokens;
          sum.completionTokens += c.completionTokens;
          sum.calls += c.calls;
        }
      }
    }
    const n = dialogues.length;
    out.push({ method, promptTokens: sum.promptTokens / n, completionTokens: sum.completionTokens / n, calls: sum.calls / n });
  }
  return out;
}
