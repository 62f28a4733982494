/**
 * Which requests of an experiment went into which OpenAI batch (eval --batch, models/batch/): two tables in the
 * experiment store's own SQLite file. A batch is recorded in two steps, each committed before the next call: its
 * uploaded input file with the keys of the requests in it (before the batch is created), then the batch id (as soon as
 * it is). A run killed at any point therefore finds every request it may have submitted, with its batch, or with the
 * file a batch may have been created from, and never submits it again. Keys whose batch ended without an answer for
 * them are released, so that a later run may ask again.
 */
import type Database from "better-sqlite3";
import { guarded, type StoredFileKind } from "./storageFailure.js";

export interface StoredBatch {
  /** The uploaded JSONL file the batch reads (OpenAI's `input_file_id`). */
  inputFileId: string;
  /** undefined: the file was uploaded, the batch may or may not have been created (the run was killed in between). */
  batchId?: string;
}

export class BatchLedger {
  private readonly findStmt: Database.Statement<[string], { input_file_id: string; batch_id: string | null }>;

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    private readonly kind: StoredFileKind,
  ) {
    this.guard(() =>
      this.db.exec(`
        CREATE TABLE IF NOT EXISTS batches (
          input_file_id TEXT PRIMARY KEY,
          batch_id TEXT,
          uploaded_at TEXT NOT NULL
        );
        CREATE TABLE IF NOT EXISTS batch_requests (
          key TEXT PRIMARY KEY,
          input_file_id TEXT NOT NULL REFERENCES batches (input_file_id)
        );`),
    );
    this.findStmt = this.guard(() =>
      this.db.prepare("SELECT b.input_file_id, b.batch_id FROM batch_requests r JOIN batches b USING (input_file_id) WHERE r.key = ?"),
    );
  }

  /** The batch a request went into, if it did and was not released. */
  find(key: string): StoredBatch | undefined {
    const row = this.guard(() => this.findStmt.get(key));
    return row ? { inputFileId: row.input_file_id, ...(row.batch_id ? { batchId: row.batch_id } : {}) } : undefined;
  }

  /** An uploaded input file and its requests, in one transaction, before a batch is created from it. */
  recordUpload(inputFileId: string, keys: readonly string[]): void {
    this.guard(() =>
      this.db.transaction(() => {
        this.db.prepare("INSERT INTO batches (input_file_id, batch_id, uploaded_at) VALUES (?, NULL, ?)").run(inputFileId, new Date().toISOString());
        const add = this.db.prepare("INSERT OR REPLACE INTO batch_requests (key, input_file_id) VALUES (?, ?)");
        for (const k of keys) add.run(k, inputFileId);
      })(),
    );
  }

  recordBatch(inputFileId: string, batchId: string): void {
    this.guard(() => this.db.prepare("UPDATE batches SET batch_id = ? WHERE input_file_id = ?").run(batchId, inputFileId));
  }

  /** Requests that got no answer from their batch (a failed line, an expired or failed batch): free to be asked again. */
  release(keys: readonly string[]): void {
    if (keys.length === 0) return;
    this.guard(() =>
      this.db.transaction(() => {
        const del = this.db.prepare("DELETE FROM batch_requests WHERE key = ?");
        for (const k of keys) del.run(k);
      })(),
    );
  }

  /** Batches recorded so far (ids, or input files whose batch is not known yet). */
  all(): StoredBatch[] {
    const rows = this.guard(() => this.db.prepare("SELECT input_file_id, batch_id FROM batches ORDER BY uploaded_at").all() as { input_file_id: string; batch_id: string | null }[]);
    return rows.map((r) => ({ inputFileId: r.input_file_id, ...(r.batch_id ? { batchId: r.batch_id } : {}) }));
  }

  private guard<T>(fn: () => T): T {
    return guarded(this.path, this.kind, fn);
  }
}
