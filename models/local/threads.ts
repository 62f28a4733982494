/**
 * How many CPU threads llama.cpp gets. Its threads spin while they wait for each other, so more threads than idle
 * cores is ruinous: on a busy 2-core machine a tiny GGUF took 131 s for 64 tokens with node-llama-cpp's default
 * (max(math cores, 4) = 4), 7.1 s with 2 and 0.8 s with 1. On an idle one more threads pay: Qwen2.5-0.5B's shape
 * decoded 1.5× faster with 2 than with 1, but 1.3× slower with 2 beside one busy process and 2.6× slower beside two
 * (docs/bench.md (h)). So by default: the cores not busy when the first local model is loaded, at least 1; on more
 * than 2 cores one is left for everything else, and at most 8.
 */
import { availableParallelism, cpus, loadavg } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import { setting, type Environment } from "../../core/settings.js";

/** Threads for `busy` busy cores out of `cores`. */
export function defaultThreads(cores: number, busy: number): number {
  const cap = cores <= 2 ? cores : Math.min(cores - 1, 8);
  return Math.max(1, Math.min(cap, cores - busy));
}

/** CPU time of every core (`os.cpus()`), busy and in all. */
function cpuTimes(): { busy: number; total: number } {
  let busy = 0;
  let total = 0;
  for (const { times } of cpus()) {
    const all = times.user + times.nice + times.sys + times.idle + times.irq;
    total += all;
    busy += all - times.idle;
  }
  return { busy, total };
}

/**
 * Whole cores busy: the larger of the 1-minute load average's whole part (0 where the OS has none) and the busy
 * share of a short sample of the cores' times, rounded, which sees a process that started seconds ago.
 */
export async function busyCores(sampleMs = 250): Promise<number> {
  const before = cpuTimes();
  await sleep(sampleMs);
  const after = cpuTimes();
  const total = after.total - before.total;
  const sampled = total > 0 ? ((after.busy - before.busy) / total) * cpus().length : 0;
  return Math.max(Math.floor(loadavg()[0] ?? 0), Math.round(sampled));
}

let chosen: Promise<number> | undefined;

/** defaultThreads() for this machine now, measured once per process (a later model load gets the same). */
export function defaultThreadsOnce(): Promise<number> {
  chosen ??= busyCores().then((busy) => defaultThreads(availableParallelism(), busy));
  return chosen;
}

/** INSIDEOUT_LOCAL_THREADS (or its older name INSIDEOUT_THREADS) when set; `threads` is undefined for 0 (node-llama-cpp's choice). */
function threadsSetting(env?: Environment): { threads: number | undefined } | undefined {
  const n = setting("INSIDEOUT_LOCAL_THREADS", env);
  return n === undefined ? undefined : { threads: n === 0 ? undefined : n };
}

/** A context's threads: the setting, else the default; undefined is node-llama-cpp's own choice. */
export async function threadsFromEnv(env?: Environment): Promise<number | undefined> {
  const set = threadsSetting(env);
  return set ? set.threads : defaultThreadsOnce();
}

/** The runtime's thread pool, which every context's threads fit in: the setting, else the most the default gives. */
export function poolThreads(): number | undefined {
  const set = threadsSetting();
  return set ? set.threads : defaultThreads(availableParallelism(), 0);
}
