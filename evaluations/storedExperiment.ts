/**
 * An experiment directory read for `insideout compare`, with one source of truth: the records the eval stored in
 * `experiment.sqlite`. predictions.jsonl must hold exactly those records, and every figure metrics.json states must be
 * what those records give (recomputed here as the eval computes them); any disagreement is one line naming the file.
 * A directory without a store (written by hand, or copied without it) is read from its files alone.
 */
import { lstat } from "node:fs/promises";
import path from "node:path";
import { labelSetFingerprint } from "./identity.js";
import { experimentMetrics, type ExperimentMeta } from "./experimentMetrics.js";
import { recordShapeProblem, scoredRecord, type PredictionRecord, type ScoredRecord } from "./record.js";
import { readExperiment, type Experiment } from "./report/schema.js";
import { ExperimentStore, type ExperimentConfig } from "../store/experiments.js";
import { loadLabelSet } from "../taxonomy/labelSets.js";
import type { LabelSet } from "../taxonomy/labelSet.js";

export interface StoredExperiment {
  exp: Experiment;
  /** The experiment's stored configuration (identity.ts), when the directory has its store. */
  config?: ExperimentConfig;
}

const REWRITE = "run the same `insideout eval` again with that --out to rewrite it";

async function exists(file: string): Promise<boolean> {
  try {
    await lstat(file);
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw e;
  }
}

export async function readStoredExperiment(dir: string): Promise<StoredExperiment> {
  const storeFile = path.join(dir, "experiment.sqlite");
  if (!(await exists(storeFile))) return { exp: await readExperiment(dir) };
  const store = ExperimentStore.read<PredictionRecord>(storeFile, { shape: recordShapeProblem });
  try {
    const config = store.config();
    const exp = await readExperiment(dir, (raw, p, where) => {
      const stored = store.recordText(p.id);
      if (stored === undefined) throw new Error(`${where}: example ${JSON.stringify(p.id)} has no record in ${storeFile}, so predictions.jsonl is not this experiment's: ${REWRITE}.`);
      if (JSON.stringify(raw) !== JSON.stringify(JSON.parse(stored))) {
        throw new Error(`${where} is not the record ${storeFile} holds for example ${JSON.stringify(p.id)}: predictions.jsonl was changed after the eval; ${REWRITE}.`);
      }
    });
    const predictionsFile = path.join(dir, "predictions.jsonl");
    const stored = store.count();
    if (exp.predictions.length !== stored) {
      throw new Error(`${predictionsFile} holds ${exp.predictions.length} records but ${storeFile} ${stored}: ${REWRITE}.`);
    }
    if (typeof config.dataSha256 === "string" && exp.examples && exp.examples.sha256 !== config.dataSha256) {
      throw new Error(`${predictionsFile} does not hold the examples ${storeFile} was run on, in their order: ${REWRITE}.`);
    }
    const labelSet = labelSetFor(exp, config, storeFile);
    const metricsFile = path.join(dir, "metrics.json");
    const records = inStoreOrder(exp, store.orderedIds());
    const expected = experimentMetrics(records, metaFrom(config, exp, store.createdAt()), labelSet);
    const diff = firstDifference(exp.metrics, JSON.parse(JSON.stringify(expected)) as unknown, "");
    if (diff) {
      throw new Error(`${metricsFile} disagrees with the records in ${storeFile} (${diff}): it is not what the eval wrote; ${REWRITE}.`);
    }
    return { exp, config };
  } finally {
    store.close();
  }
}

/** The label set the records are scored in: the one the eval ran with, unchanged since (its fingerprint). */
function labelSetFor(exp: Experiment, config: ExperimentConfig, storeFile: string): LabelSet {
  const name = exp.metrics.labels;
  let set: LabelSet;
  try {
    set = loadLabelSet(name);
  } catch (e) {
    throw new Error(`The label set ${name} of ${exp.dir} cannot be read (${e instanceof Error ? e.message : String(e)}), so its records cannot be scored.`);
  }
  if (typeof config.labelSetSha256 === "string" && labelSetFingerprint(set) !== config.labelSetSha256) {
    throw new Error(`The label set ${name} has changed since ${storeFile} was run with it, so its records cannot be scored as the eval scored them.`);
  }
  return set;
}

/**
 * The predictions as the records they are (each line was checked equal to its stored record; only inputs, which no
 * metric reads, were dropped), in the store's dataset order: the order the eval computed metrics.json in.
 */
function inStoreOrder(exp: Experiment, ids: readonly string[]): ScoredRecord[] {
  const byId = new Map(exp.predictions.map((p) => [p.id, p]));
  return ids.map((id) => scoredRecord(byId.get(id) as unknown as PredictionRecord));
}

/** What the eval wrote beside the records: from the stored configuration; the finishing time and wall time as on file. */
function metaFrom(config: ExperimentConfig, exp: Experiment, createdAt: string): ExperimentMeta {
  const m = exp.metrics;
  const text = (k: string, fallback: string) => (typeof config[k] === "string" ? (config[k] as string) : fallback);
  const judgeModel = config.judgeModel === undefined ? m.judgeModel : config.judgeModel;
  const agents = config.agents;
  return {
    task: text("task", m.task) as ExperimentMeta["task"],
    method: text("method", m.method),
    model: text("model", m.model),
    ...(typeof judgeModel === "string" ? { judgeModel } : {}),
    labels: text("labels", m.labels),
    split: text("split", m.split ?? ""),
    limit: typeof config.limit === "number" ? config.limit : null,
    seed: typeof config.seed === "number" ? config.seed : (m.seed ?? 0),
    ...(typeof agents === "string" && typeof config.aggregation === "string" && typeof config.temperature === "number"
      ? {
          options: {
            agents: agents.split(","),
            aggregation: config.aggregation,
            temperature: config.temperature,
            ...(typeof config.samples === "number" ? { samples: config.samples } : {}),
            ...(typeof config.sampleTemperature === "number" ? { sampleTemperature: config.sampleTemperature } : {}),
          },
        }
      : {}),
    startedAt: createdAt,
    finishedAt: m.finishedAt ?? "",
    wallMs: m.cost?.wallMs ?? 0,
  } as ExperimentMeta;
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(1, Math.abs(a), Math.abs(b));
const show = (v: unknown) => (typeof v === "number" ? `${+v.toPrecision(6)}` : JSON.stringify(v)?.slice(0, 40));

/**
 * The first figure the file states that the records give otherwise, as "path: the file says X, the records give Y";
 * what the file leaves out (an older writer's), or the records cannot give (the finishing time), is not compared.
 * `file` is metrics.json as read (report/schema.ts), whose defaults stand for a field left out.
 */
function firstDifference(file: unknown, records: unknown, at: string): string | undefined {
  const say = () => `${at || "the whole file"}: the file says ${show(file)}, the records give ${show(records)}`;
  if (typeof file === "number" && typeof records === "number") return close(file, records) ? undefined : say();
  if (Array.isArray(records)) {
    if (!Array.isArray(file) || file.length !== records.length) return say();
    for (let i = 0; i < records.length; i++) {
      const d = firstDifference(file[i], records[i], `${at}[${i}]`);
      if (d) return d;
    }
    return undefined;
  }
  if (records && typeof records === "object") {
    if (!file || typeof file !== "object" || Array.isArray(file)) return say();
    for (const [k, v] of Object.entries(records as Record<string, unknown>)) {
      const f = (file as Record<string, unknown>)[k];
      if (f === undefined || f === null) continue;
      const d = firstDifference(f, v, at ? `${at}.${k}` : k);
      if (d) return d;
    }
    return undefined;
  }
  return file === records ? undefined : say();
}
