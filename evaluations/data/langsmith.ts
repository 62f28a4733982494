/**
 * `insideout data upload`: make the EmpatheticDialogues splits a LangSmith dataset with splits, idempotently.
 * Each LangSmith example carries our stable example id in `metadata.insideout_id`; an upload lists what the dataset
 * already holds, creates only the missing examples, updates the ones whose content or split changed, and leaves the
 * rest alone, so running it twice adds nothing.
 *
 * Example shape (what `evaluate()` targets and evaluators receive):
 *   inputs  = { dialogue: string[], situation?: string }
 *   outputs = { emotion: string, reference: string | null }
 *   split   = "test" | "valid" | "train"
 */
import { Client } from "langsmith";
import type { Example as LsExample, ExampleCreate, ExampleUpdate, KVMap } from "langsmith/schemas";
import { langsmithClientOptions, langsmithFailure, reachLangSmith } from "../../core/langsmithErrors.js";
import { loadDataset, sample } from "./index.js";
import { DEFAULT_DATASET_NAME, type EdSplit, type Example } from "./types.js";

const BATCH = 100;

export interface UploadOptions {
  datasetName?: string;
  splits?: EdSplit[];
  /** At most this many examples per split: the seeded sample of `sample()`, the same one `eval --limit` uses. */
  limit?: number;
  seed?: number | string;
  dataDir?: string;
  client?: Client;
  onProgress?: (done: number, total: number) => void;
}

export interface UploadResult {
  datasetId: string;
  datasetName: string;
  createdDataset: boolean;
  created: number;
  updated: number;
  unchanged: number;
  perSplit: Partial<Record<EdSplit, number>>;
}

export function toLangSmithInputs(ex: Example): KVMap {
  return ex.situation !== undefined ? { dialogue: ex.dialogue, situation: ex.situation } : { dialogue: ex.dialogue };
}

export function toLangSmithOutputs(ex: Example): KVMap {
  return { emotion: ex.emotion, reference: ex.reference };
}

/** JSON with sorted keys, so that a server that reorders keys does not look like a change. */
function stable(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

function splitsOf(ex: LsExample): string[] {
  const s: unknown = ex.metadata?.dataset_split;
  if (Array.isArray(s)) return s.filter((x): x is string => typeof x === "string");
  return typeof s === "string" ? [s] : [];
}

async function ensureDataset(client: Client, name: string): Promise<{ id: string; created: boolean }> {
  if (await client.hasDataset({ datasetName: name })) {
    return { id: (await client.readDataset({ datasetName: name })).id, created: false };
  }
  const ds = await client.createDataset(name, {
    description:
      "EmpatheticDialogues (Rashkin et al. 2019, CC BY-NC 4.0) in MoEL's split: dialogue context → listener reply, with the conversation's emotion. Uploaded by `insideout data upload`.",
    dataType: "kv",
    metadata: { source: "insideout", dataset: "empathetic_dialogues" },
  });
  return { id: ds.id, created: true };
}

/** The upload, with a failed LangSmith call said as LangSmith's in one line (core/langsmithErrors.ts). */
export async function uploadToLangSmith(options: UploadOptions = {}): Promise<UploadResult> {
  try {
    return await upload(options);
  } catch (error) {
    throw langsmithFailure(error) ?? error;
  }
}

async function upload(options: UploadOptions): Promise<UploadResult> {
  if (!options.client) await reachLangSmith();
  // langsmith's own retries and timeout kept short, so an unreachable LangSmith is said within seconds.
  const client = options.client ?? new Client(langsmithClientOptions());
  const datasetName = options.datasetName ?? DEFAULT_DATASET_NAME;
  const splits = options.splits ?? ["test", "valid"];

  // Load first: a missing split should fail before anything is created remotely.
  const wanted: Array<{ ex: Example; split: EdSplit }> = [];
  const perSplit: Partial<Record<EdSplit, number>> = {};
  for (const split of splits) {
    let examples = await loadDataset(`ed:${split}`, options.dataDir ? { dataDir: options.dataDir } : {});
    if (options.limit !== undefined) examples = sample(examples, options.limit, options.seed ?? 0);
    perSplit[split] = examples.length;
    for (const ex of examples) wanted.push({ ex, split });
  }

  const { id: datasetId, created: createdDataset } = await ensureDataset(client, datasetName);
  const existing = new Map<string, LsExample>();
  if (!createdDataset) {
    for await (const ex of client.listExamples({ datasetId })) {
      const key: unknown = ex.metadata?.insideout_id;
      if (typeof key === "string") existing.set(key, ex);
    }
  }

  const toCreate: ExampleCreate[] = [];
  const toUpdate: ExampleUpdate[] = [];
  let unchanged = 0;
  for (const { ex, split } of wanted) {
    const inputs = toLangSmithInputs(ex);
    const outputs = toLangSmithOutputs(ex);
    const metadata = { insideout_id: ex.id, conv_id: ex.convId ?? null, source: "empathetic_dialogues" };
    const have = existing.get(ex.id);
    if (!have) {
      toCreate.push({ dataset_id: datasetId, inputs, outputs, metadata, split });
    } else if (stable(have.inputs) !== stable(inputs) || stable(have.outputs ?? {}) !== stable(outputs) || stable(splitsOf(have)) !== stable([split])) {
      toUpdate.push({ id: have.id, dataset_id: datasetId, inputs, outputs, metadata, split });
    } else {
      unchanged++;
    }
  }

  const total = toCreate.length + toUpdate.length;
  let done = 0;
  options.onProgress?.(0, total);
  for (let i = 0; i < toCreate.length; i += BATCH) {
    const batch = toCreate.slice(i, i + BATCH);
    await client.createExamples(batch);
    done += batch.length;
    options.onProgress?.(done, total);
  }
  for (let i = 0; i < toUpdate.length; i += BATCH) {
    const batch = toUpdate.slice(i, i + BATCH);
    await client.updateExamples(batch);
    done += batch.length;
    options.onProgress?.(done, total);
  }
  return { datasetId, datasetName, createdDataset, created: toCreate.length, updated: toUpdate.length, unchanged, perSplit };
}
