/**
 * The experiment store: one SQLite file per experiment directory, one row per example with its finished record.
 *
 * Why SQLite and not appending to predictions.jsonl: each `put` is its own committed transaction (WAL), so a process
 * killed with SIGKILL at any instant leaves either the whole row or nothing; re-running the same command reads the
 * finished ids and runs only the rest. `INSERT OR IGNORE` keyed by example id means an example is never stored
 * twice, even if two processes raced on the same directory.
 *
 * The experiment's configuration is stored once; re-opening with a different one is an error, because mixing
 * records made with (say) two models under one metrics.json would silently report nonsense.
 *
 * A damaged file (checked with `PRAGMA quick_check` at open, or met later) and any failed read or write (full disk,
 * read-only) is a StorageError naming the file and what to do. The file is owner-only (0600, new folders 0700) and
 * secrets are masked in every record written: a key echoed into an error message must never be persisted.
 */
import type Database from "better-sqlite3";
import { maskSecrets, secretValues } from "../core/secrets.js";
import { BatchLedger } from "./batches.js";
import { OutRefused } from "./lock.js";
import { damaged, guarded, openSqlite, openSqliteToRead, type OpenOptions, type StoredFileKind } from "./storageFailure.js";

export type ExperimentConfig = Record<string, string | number | boolean | null>;

export interface StoreOptions extends OpenOptions {
  /** What is wrong with a stored record's shape (undefined: nothing): a record edited into `{}` is damage, named. */
  shape?: (record: object) => string | undefined;
}

function otherConfig(path: string, differences: string[]): OutRefused {
  return new OutRefused(
    "config",
    `The experiment in ${path} was made with a different configuration (${differences.join("; ")}). ` +
      `Use a new --out directory for this configuration, or delete the old one.`,
  );
}

const KIND: StoredFileKind = {
  name: "The experiment store",
  whenDamaged: "move it aside (its examples will run again)",
  elsewhere: "use another --out",
};

/** The store as `insideout compare` reads it: the remedy is the eval's, not another --out. */
const READ_KIND: StoredFileKind = {
  name: "The experiment store",
  whenDamaged: "move it aside and run the same `insideout eval` again",
  elsewhere: "compare another experiment",
};

export class ExperimentStore<R = unknown> {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly getStmt: Database.Statement<[string], { record: string }>;
  private readonly putStmt: Database.Statement<[string, number, string, string]>;
  /** Read from the environment once: enumerating the environment costs ~40 µs. */
  private readonly secrets = secretValues();
  /** How messages speak of the file: an eval's store, or one `compare` reads. */
  private readonly kind: StoredFileKind;

  private constructor(
    path: string,
    db: Database.Database,
    private readonly shape?: (record: object) => string | undefined,
    readOnly = false,
  ) {
    this.path = path;
    this.db = db;
    this.kind = readOnly ? READ_KIND : KIND;
    if (!readOnly) this.db.exec(`
      CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS examples (
        id TEXT PRIMARY KEY,
        position INTEGER NOT NULL,
        record TEXT NOT NULL,
        finished_at TEXT NOT NULL
      );`);
    this.getStmt = this.db.prepare("SELECT record FROM examples WHERE id = ?");
    this.putStmt = this.db.prepare("INSERT OR IGNORE INTO examples (id, position, record, finished_at) VALUES (?, ?, ?, ?)");
  }

  /**
   * Opens (or creates) the store and checks that it belongs to `config`. Keys present on one side only count as
   * differences too, except keys whose value is null on the other side.
   */
  static open<R>(path: string, config: ExperimentConfig, options: StoreOptions = {}): ExperimentStore<R> {
    const db = openSqlite(path, KIND, options);
    let store: ExperimentStore<R> | undefined;
    try {
      store = guarded(path, KIND, () => new ExperimentStore<R>(path, db, options.shape));
      store.claim(config);
    } catch (e) {
      db.close();
      throw e;
    }
    return store;
  }

  /**
   * Opens an existing store to read its configuration and records only (`insideout compare`): nothing is created,
   * claimed or written; a store without a configuration is damage, named.
   */
  static read<R>(path: string, options: Pick<StoreOptions, "shape"> = {}): ExperimentStore<R> {
    const db = openSqliteToRead(path, READ_KIND);
    try {
      const store = guarded(path, READ_KIND, () => new ExperimentStore<R>(path, db, options.shape, true));
      store.config();
      return store;
    } catch (e) {
      db.close();
      throw e;
    }
  }

  private claim(config: ExperimentConfig): void {
    // Compared as stored: masked, so that a secret in the configuration is neither kept nor a false mismatch.
    const wanted = JSON.parse(maskSecrets(JSON.stringify(config), this.secrets)) as ExperimentConfig;
    // One write transaction: the first claim wins, also when two processes open a new store at once.
    this.guard(() =>
      this.db.transaction(() => {
        if (this.db.prepare("SELECT 1 FROM meta WHERE key = 'config'").get() !== undefined) return;
        // Records or a start time without the configuration they were made with: never adopted by whatever run comes.
        if (this.db.prepare("SELECT 1 FROM meta UNION ALL SELECT 1 FROM examples LIMIT 1").get() !== undefined) {
          throw damaged(this.path, this.kind, "its configuration is missing, so its records cannot be told from another experiment's");
        }
        this.db.prepare("INSERT INTO meta (key, value) VALUES ('config', ?)").run(JSON.stringify(wanted));
        this.db.prepare("INSERT INTO meta (key, value) VALUES ('created_at', ?)").run(new Date().toISOString());
      }).immediate(),
    );
    const stored = this.config();
    // In the configuration's own order: the options a user typed come before what is derived from them (the model's
    // endpoint and parameters, fingerprints), so the first difference named is the one to act on.
    const keys = new Set([...Object.keys(wanted), ...Object.keys(stored)]);
    const differences: string[] = [];
    for (const k of keys) {
      const a = stored[k] ?? null;
      const b = wanted[k] ?? null;
      if (a !== b) differences.push(`${k}: stored ${JSON.stringify(a)}, now ${JSON.stringify(b)}`);
    }
    if (differences.length) throw otherConfig(this.path, differences);
  }

  /** The stored configuration (secrets masked). */
  config(): ExperimentConfig {
    const row = this.guard(() => this.db.prepare("SELECT value FROM meta WHERE key = 'config'").get() as { value: string } | undefined);
    if (!row) throw damaged(this.path, this.kind, "its configuration is missing");
    return this.parse<ExperimentConfig>(row.value, "its configuration");
  }

  /** When the experiment was first started (kept across resumes). */
  createdAt(): string {
    return this.guard(() => (this.db.prepare("SELECT value FROM meta WHERE key = 'created_at'").get() as { value: string }).value);
  }

  get(id: string): R | undefined {
    const row = this.guard(() => this.getStmt.get(id));
    return row ? this.parse<R>(row.record, "a stored record", id) : undefined;
  }

  /**
   * Stores a finished example, committed before it returns, with secrets masked; a second put of the same id keeps
   * the first (returns false). A failed write is a StorageError.
   */
  put(id: string, position: number, record: R): boolean {
    const json = maskSecrets(JSON.stringify(record), this.secrets);
    return this.guard(() => this.putStmt.run(id, position, json, new Date().toISOString()).changes === 1);
  }

  /** The stored ids in dataset order. */
  orderedIds(): string[] {
    return this.guard(() => this.db.prepare("SELECT id FROM examples ORDER BY position").all() as { id: string }[]).map((r) => r.id);
  }

  /** The stored record of `id` as its JSON text, unparsed (undefined: none). */
  recordText(id: string): string | undefined {
    return this.guard(() => this.getStmt.get(id))?.record;
  }

  ids(): Set<string> {
    return new Set(this.guard(() => this.db.prepare("SELECT id FROM examples").all() as { id: string }[]).map((r) => r.id));
  }

  /** Finished examples stored so far. */
  count(): number {
    return this.guard(() => (this.db.prepare("SELECT count(*) AS n FROM examples").get() as { n: number }).n);
  }

  /** All records, in dataset order. */
  all(): R[] {
    return this.guard(() => this.db.prepare("SELECT id, record FROM examples ORDER BY position").all() as { id: string; record: string }[]).map((r) =>
      this.parse<R>(r.record, "a stored record", r.id),
    );
  }

  /** The OpenAI batches of this experiment (eval --batch), kept in the same file. */
  batches(): BatchLedger {
    return new BatchLedger(this.db, this.path, this.kind);
  }

  private guard<T>(fn: () => T): T {
    return guarded(this.path, this.kind, fn);
  }

  /**
   * A stored JSON object; anything else (not JSON, `null`, a number, an array) means the file was damaged or edited
   * under SQLite's checks.
   */
  private parse<T>(json: string, what: string, id?: string): T {
    const of = id === undefined ? "" : ` (example ${JSON.stringify(id)})`;
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (e) {
      throw damaged(this.path, this.kind, `${what} is not JSON${of}: ${e instanceof Error ? e.message : String(e)}`, e);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      throw damaged(this.path, this.kind, `${what}${of} is ${JSON.stringify(value).slice(0, 40)}, not an object`);
    }
    const problem = id === undefined ? undefined : this.shape?.(value);
    if (problem) throw damaged(this.path, this.kind, `${what}${of} ${problem}`);
    return value as T;
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
