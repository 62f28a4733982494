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
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";

export type ExperimentConfig = Record<string, string | number | boolean | null>;

export class ConfigMismatchError extends Error {
  constructor(
    readonly path: string,
    readonly differences: string[],
  ) {
    super(
      `The experiment in ${path} was made with a different configuration (${differences.join("; ")}). ` +
        `Use a new --out directory for this configuration, or delete the old one.`,
    );
    this.name = "ConfigMismatchError";
  }
}

export class ExperimentStore<R = unknown> {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly getStmt: Database.Statement<[string], { record: string }>;
  private readonly putStmt: Database.Statement<[string, number, string, string]>;

  private constructor(path: string) {
    this.path = path;
    mkdirSync(dirname(resolve(path)), { recursive: true });
    this.db = new Database(path);
    this.db.pragma("busy_timeout = 10000");
    this.db.pragma("journal_mode = WAL");
    // NORMAL in WAL mode: a committed transaction survives a process crash (only a power cut can lose the tail).
    this.db.pragma("synchronous = NORMAL");
    this.db.exec(`
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
  static open<R>(path: string, config: ExperimentConfig): ExperimentStore<R> {
    const store = new ExperimentStore<R>(path);
    try {
      store.claim(config);
    } catch (e) {
      store.close();
      throw e;
    }
    return store;
  }

  private claim(config: ExperimentConfig): void {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'config'").get() as { value: string } | undefined;
    if (!row) {
      this.db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('config', ?)").run(JSON.stringify(config));
      this.db.prepare("INSERT OR IGNORE INTO meta (key, value) VALUES ('created_at', ?)").run(new Date().toISOString());
      return this.claim(config);
    }
    const stored = JSON.parse(row.value) as ExperimentConfig;
    const keys = new Set([...Object.keys(stored), ...Object.keys(config)]);
    const differences: string[] = [];
    for (const k of [...keys].sort()) {
      const a = stored[k] ?? null;
      const b = config[k] ?? null;
      if (a !== b) differences.push(`${k}: stored ${JSON.stringify(a)}, now ${JSON.stringify(b)}`);
    }
    if (differences.length) throw new ConfigMismatchError(this.path, differences);
  }

  config(): ExperimentConfig {
    const row = this.db.prepare("SELECT value FROM meta WHERE key = 'config'").get() as { value: string };
    return JSON.parse(row.value) as ExperimentConfig;
  }

  /** When the experiment was first started (kept across resumes). */
  createdAt(): string {
    return (this.db.prepare("SELECT value FROM meta WHERE key = 'created_at'").get() as { value: string }).value;
  }

  get(id: string): R | undefined {
    const row = this.getStmt.get(id);
    return row ? (JSON.parse(row.record) as R) : undefined;
  }

  /** Stores a finished example; a second put of the same id keeps the first (returns false). */
  put(id: string, position: number, record: R): boolean {
    return this.putStmt.run(id, position, JSON.stringify(record), new Date().toISOString()).changes === 1;
  }

  ids(): Set<string> {
    return new Set((this.db.prepare("SELECT id FROM examples").all() as { id: string }[]).map((r) => r.id));
  }

  count(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM examples").get() as { n: number }).n;
  }

  /** All records, in dataset order. */
  all(): R[] {
    return (this.db.prepare("SELECT record FROM examples ORDER BY position").all() as { record: string }[]).map(
      (r) => JSON.parse(r.record) as R,
    );
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
