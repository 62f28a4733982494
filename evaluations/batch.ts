/**
 * eval --batch: which runs can use the OpenAI Batch API, and the collector a run sends its requests through
 * (models/batch/), its batches recorded in the experiment store (store/batches.ts).
 */
import { stderrLine } from "../core/terminalText.js";
import { BatchApi, batchSettleMs } from "../models/batch/api.js";
import { BatchCollector, MAX_WAIT_MS, type BatchStats } from "../models/batch/collector.js";
import { capabilitiesOf } from "../models/factory.js";
import type { BatchTransport } from "../models/types.js";
import type { ExperimentStore } from "../store/experiments.js";
import { silentProgress, type ProgressView } from "./progress.js";

export type { BatchStats } from "../models/batch/collector.js";

/** The Batch API's price: half of the same requests' chat price. */
export const BATCH_PRICE_SHARE = 0.5;

/** Checked in the plan, before anything is opened or paid for. */
export function checkBatchOptions(o: { langsmith?: boolean; rpm?: number; tpm?: number }, models: readonly (string | undefined)[]): void {
  const other = models.find((m) => m !== undefined && !capabilitiesOf(m).batchApi);
  if (other) throw new Error(`--batch uses the OpenAI Batch API, so it needs openai: models; got ${other}: drop --batch, or use an openai: model.`);
  if (o.rpm !== undefined || o.tpm !== undefined) {
    // The Batch API has its own, separate limits; --rpm/--tpm pace direct chat calls, which a batch run does not make.
    throw new Error("--rpm and --tpm pace direct chat calls, and --batch makes none (the Batch API has its own limits): drop --rpm/--tpm, or --batch.");
  }
  if (o.langsmith) {
    throw new Error("--batch cannot be used with --langsmith: langsmith's evaluate() admits the examples a few at a time, so no stage would hold every example; run without --langsmith.");
  }
}


/**
 * The transport the plan's models are made with under --batch, so that they are resolved once, in the plan: their
 * requests go to the run's collector, bound to it once the experiment store (where batches are recorded) is open.
 */
export class BatchRoute implements BatchTransport {
  readonly maxWaitMs = MAX_WAIT_MS;
  private collector: BatchCollector | undefined;

  bind(collector: BatchCollector): void {
    this.collector = collector;
  }

  readonly fetch: BatchTransport["fetch"] = (input, init) =>
    this.collector ? this.collector.fetch(input, init) : Promise.reject(new Error("--batch: a model request came before the run's batches were open"));
}

/** A Batch API line on stderr (the server's words shown, not obeyed), not tearing a progress bar. */
const said = (line: string): void => stderrLine(`insideout: ${line}`);

/** The run's collector; batch progress is shown unless the eval shows none, lines that answer nothing always. */
export function startBatch(store: ExperimentStore, progress: ProgressView | undefined): BatchCollector {
  return new BatchCollector(new BatchApi(), store.batches(), {
    settleMs: batchSettleMs(),
    ...(progress && progress !== silentProgress ? { notify: said } : {}),
    warn: said,
  });
}

/** The cost line's Batch API part: what went through batches, at what share of the price. */
export function batchCostText(s: BatchStats): string {
  const batches = s.submitted + s.resumed;
  if (batches === 0) return " · Batch API: no request needed a batch";
  return (
    ` · Batch API: ${batches} batch${batches === 1 ? "" : "es"}${s.resumed ? ` (${s.resumed} from an earlier run)` : ""}, ` +
    `${s.answered} requests, ${s.promptTokens} prompt + ${s.completionTokens} completion tokens billed at ${BATCH_PRICE_SHARE * 100} % of the chat price`
  );
}
