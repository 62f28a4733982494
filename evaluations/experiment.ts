/**
 * An eval's open resources: its --out folder (owner-only), the lock that keeps a second eval out of it, the experiment
 * store and the LLM cache. Opened after the plan, before any model call; closed whatever happens.
 */
import { join } from "node:path";
import { acquireLock, type Lock } from "../store/lock.js";
import { SqliteAnswerCache } from "../store/answerCache.js";
import { ExperimentStore } from "../store/experiments.js";
import { ensurePrivateDir } from "../store/paths.js";
import { guarded } from "../store/storageFailure.js";
import type { EvalPlan } from "./plan.js";
import { recordShapeProblem, type PredictionRecord } from "./record.js";

export interface OpenExperiment {
  store: ExperimentStore<PredictionRecord>;
  cache?: SqliteAnswerCache;
  close(): void;
}

const OUT_DIR = { name: "The --out folder", whenDamaged: "use another --out", elsewhere: "use another --out" };

export function openExperiment(plan: EvalPlan): OpenExperiment {
  const opened: { close(): void }[] = [];
  const closeAll = () => {
    for (const r of opened.reverse()) r.close();
  };
  try {
    guarded(plan.outDir, OUT_DIR, () => ensurePrivateDir(plan.outDir));
    const lock: Lock = acquireLock(plan.outDir);
    opened.push({ close: () => lock.release() });
    const store = ExperimentStore.open<PredictionRecord>(join(plan.outDir, "experiment.sqlite"), plan.config, { shape: recordShapeProblem });
    opened.push(store);
    const cache = plan.cachePath ? SqliteAnswerCache.open(plan.cachePath) : undefined;
    if (cache) opened.push(cache);
    return { store, cache, close: closeAll };
  } catch (e) {
    closeAll();
    throw e;
  }
}
