/** What `insideout eval` is asked to do (evaluations/run.ts), and what it reports. */
import type { CacheStats } from "../store/answerCache.js";
import type { BatchStats } from "./batch.js";
import type { ExperimentMetrics } from "./experimentMetrics.js";
import type { ProgressView } from "./progress.js";
import type { RunOptions, TaskName } from "../state/runOptions.js";

export interface EvalOptions {
  /** Optional for a benchmark's data (eqbench:v2, emobench:eu|ea), whose task follows from it; else required. */
  task?: TaskName;
  method: string;
  /**
   * The run options, as the graphs take them (state/runOptions.ts); those left out take the schema's defaults, but
   * `labels` the data's own (meld7 for meld:*) and `model` the default model (`auto`, models/factory.ts).
   */
  options?: Partial<RunOptions>;
  /** ERG only; default: the evaluated model. */
  judgeModel?: string;
  /** ERG only: false skips the judge. */
  judge?: boolean;
  /** `ed:test`, `ed:valid` or a file path. */
  data?: string;
  limit?: number;
  seed?: number;
  /** Examples in flight at once, 1 to MAX_CONCURRENCY. */
  concurrency?: number;
  /** Requests / tokens per minute to stay under (models/pacing.ts); the server's own limits apply too. */
  rpm?: number;
  tpm?: number;
  out?: string;
  /** Upload the experiment to LangSmith (against the dataset of `insideout data upload`). */
  langsmith?: boolean;
  /** LangSmith dataset name, with `langsmith`. */
  dataset?: string;
  /** Send the LLM requests through the OpenAI Batch API, one batch per graph stage (evaluations/batch.ts). */
  batch?: boolean;
  /** The graphs run on this LangGraph server (remoteExecutor.ts) instead of in this process. */
  server?: string;
  /** false: no LLM cache. */
  cache?: boolean;
  cachePath?: string;
  progress?: ProgressView;
}

/** Examples that have no record after the run: the model was not reached, or the run stopped. */
export interface UnfinishedReport {
  count: number;
  causes: { message: string; count: number }[];
  stoppedBecause?: string;
}

export interface EvalResult {
  outDir: string;
  /** Absent when examples are unfinished: no metrics are reported for a partial run. */
  metrics?: ExperimentMetrics;
  /** Examples found finished in the store (from an earlier, interrupted or finished, run). */
  resumed: number;
  /** Examples attempted now. */
  ran: number;
  unfinished: UnfinishedReport;
  /** Finished examples whose method failed on the model's answers (e.g. every agent's answer invalid). */
  errored: number;
  cache?: CacheStats & { path: string };
  /** With --batch: what went through the Batch API in this run. */
  batch?: BatchStats;
  /** Examples run now per second of wall time. */
  examplesPerSecond: number;
  reports: string[];
}

/**
 * The most examples in flight at once: each makes up to six model requests (plan.ts), every one holding its request
 * and answer in memory, so more would only exhaust memory, not go faster.
 */
export const MAX_CONCURRENCY = 128;
