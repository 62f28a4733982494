/**
 * A LangSmith client that keeps everything in this process.
 *
 * Why: langsmith 0.10.5's JS `evaluate()` has no `uploadResults: false` (Python has `upload_results=False`): it
 * always creates an experiment project, posts a run per example and feedback per evaluator. Offline (no LangSmith,
 * no network) those calls would fail or hang on retries. This client answers them locally: the project is a
 * synthetic TracerSession, runs and feedback are dropped, and `logEvaluationFeedback` still returns the evaluation
 * results so `evaluate()`'s result rows carry them. Everything else `evaluate()` does (queueing, ordering, the run
 * tree handed to the target, evaluators, summary evaluators) is unchanged.
 */
import { randomUUID } from "node:crypto";
import { Client } from "langsmith";
import type { EvaluationResult } from "langsmith/evaluation";
import type { Feedback, TracerSession } from "langsmith/schemas";

type CreateProjectArgs = Parameters<Client["createProject"]>[0];

export class OfflineClient extends Client {
  constructor() {
    // A URL nobody listens on and no key: if a code path we did not override ever tried the network it would fail
    // fast instead of reaching a real LangSmith.
    super({ apiUrl: "http://127.0.0.1:9", apiKey: "offline", autoBatchTracing: false, hideInputs: true, hideOutputs: true });
  }

  override async createProject(args: CreateProjectArgs): Promise<TracerSession> {
    return {
      id: randomUUID(),
      name: args.projectName,
      tenant_id: "offline",
      reference_dataset_id: args.referenceDatasetId ?? undefined,
      start_time: Date.now(),
      extra: args.metadata ? { metadata: args.metadata } : undefined,
    } as TracerSession;
  }

  override async updateProject(): Promise<TracerSession> {
    return { id: "offline", tenant_id: "offline", start_time: Date.now() } as TracerSession;
  }

  override async createRun(): Promise<void> {}

  override async updateRun(): Promise<void> {}

  override async batchIngestRuns(): Promise<void> {}

  override async multipartIngestRuns(): Promise<void> {}

  override async awaitPendingTraceBatches(): Promise<void> {}

  /** Returns the flattened results as the real client does, without creating feedback on a server. */
  override async _logEvaluationFeedback(
    evaluatorResponse: Parameters<Client["_selectEvalResults"]>[0],
  ): Promise<[results: EvaluationResult[], feedbacks: Feedback[]]> {
    return [this._selectEvalResults(evaluatorResponse), []];
  }

  override async getDatasetUrl(): Promise<string> {
    return "offline";
  }
}
