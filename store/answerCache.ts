/**
 * The LLM answer cache: one SQLite file, shared by every process and worker thread of the user, that maps the key
 * the structured-call layer computes (a sha256 of everything that defines an answer) to the model's answer. An
 * interrupted eval resumes without asking the model again, and a finished one re-runs with zero calls.
 *
 * What it guarantees:
 *  - a damaged file is a StorageError at open (`PRAGMA quick_check`) or at the first get/put that meets the damage,
 *    naming the file and what to do; it never turns into an agent's failure;
 *  - a row whose value cannot be read (not JSON, wrong shape, or not matching the checksum stored beside it, as when
 *    garbage lands inside a value where no structural check can see it) is a miss, counted in `unreadable`;
 *  - each `put` is committed before it returns (WAL, synchronous=NORMAL: a killed process loses nothing committed),
 *    and a failed write (full disk, read-only, I/O error) throws its StorageError there, at the caller;
 *  - the first answer stored for a key wins (INSERT OR IGNORE), so concurrent misses replay one answer afterwards;
 *  - the file, its -wal and -shm are owner-only (0600), new folders 0700; secrets are masked in what is written.
 */
import { createHash } from "node:crypto";
import type Database from "better-sqlite3";
import { maskSecrets, secretValues } from "../core/secrets.js";
import type { AnswerCache, CachedAnswer } from "../models/types.js";
import { defaultLlmCachePath } from "./paths.js";
import { guarded, openSqlite, type OpenOptions, type StoredFileKind } from "./storageFailure.js";

export interface CacheStats {
  hits: number;
  /** Lookups that found no usable answer, unreadable ones included. */
  misses: number;
  /** Answers this connection stored (a key already present is not written again). */
  writes: number;
  /** Rows found but not usable (damaged value): each is also a miss. */
  unreadable: number;
}

const KIND: StoredFileKind = {
  name: "The LLM cache",
  whenDamaged: "delete it (it only saves LLM calls) or run with --no-cache",
  elsewhere: "point INSIDEOUT_CACHE_DIR elsewhere",
};

const sha256 = (text: string): string => createHash("sha256").update(text).digest("hex");

const isCount = (n: unknown): n is number => typeof n === "number" && Number.isFinite(n) && n >= 0;

/** The stored JSON as an answer, or undefined when it is not one. */
function readAnswer(json: string): CachedAnswer | undefined {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (value === null || typeof value !== "object") return undefined;
  const v = value as Record<string, unknown>;
  if (typeof v.text !== "string" || !isCount(v.promptTokens) || !isCount(v.completionTokens)) return undefined;
  const answer: CachedAnswer = { text: v.text, promptTokens: v.promptTokens, completionTokens: v.completionTokens };
  if (v.toolArgs !== undefined) answer.toolArgs = v.toolArgs;
  return answer;
}

interface Row {
  answer: string;
  sha256: string;
}

export class SqliteAnswerCache implements AnswerCache {
  private counts: CacheStats = { hits: 0, misses: 0, writes: 0, unreadable: 0 };
  private readonly getStmt: Database.Statement<[string], Row>;
  private readonly putStmt: Database.Statement<[string, string, string, string, string]>;
  /** Read from the environment once: enumerating the environment cost ~40 µs per put. */
  private readonly secrets = secretValues();

  private constructor(
    readonly path: string,
    private readonly db: Database.Database,
  ) {
    // A table of its own: the LangChain-era `llm_cache` rows (other keys, other format) are left alone.
    db.exec(`CREATE TABLE IF NOT EXISTS answers (
      key TEXT PRIMARY KEY,
      model TEXT NOT NULL,
      answer TEXT NOT NULL,
      sha256 TEXT NOT NULL,
      created_at TEXT NOT NULL
    ) WITHOUT ROWID`);
    this.getStmt = db.prepare("SELECT answer, sha256 FROM answers WHERE key = ?");
    this.putStmt = db.prepare("INSERT OR IGNORE INTO answers (key, model, answer, sha256, created_at) VALUES (?, ?, ?, ?, ?)");
  }

  /** Opens (creating it if needed) and checks the cache file; a damaged or unwritable one is a StorageError. */
  static open(path: string = defaultLlmCachePath(), options: OpenOptions = {}): SqliteAnswerCache {
    const db = openSqlite(path, KIND, options);
    try {
      return guarded(path, KIND, () => new SqliteAnswerCache(path, db));
    } catch (e) {
      db.close();
      throw e;
    }
  }

  get(key: string): CachedAnswer | undefined {
    const row = guarded(this.path, KIND, () => this.getStmt.get(key));
    if (!row) {
      this.counts.misses++;
      return undefined;
    }
    const answer = sha256(row.answer) === row.sha256 ? readAnswer(row.answer) : undefined;
    if (!answer) {
      this.counts.unreadable++;
      this.counts.misses++;
      return undefined;
    }
    this.counts.hits++;
    return answer;
  }

  /** Commits the answer before returning; the first answer stored for a key is kept. */
  put(key: string, answer: CachedAnswer, model: string): void {
    const stored: CachedAnswer = { text: answer.text, promptTokens: answer.promptTokens, completionTokens: answer.completionTokens };
    if (answer.toolArgs !== undefined) stored.toolArgs = answer.toolArgs;
    const json = maskSecrets(JSON.stringify(stored), this.secrets);
    const written = guarded(this.path, KIND, () => this.putStmt.run(key, maskSecrets(model, this.secrets), json, sha256(json), new Date().toISOString()));
    if (written.changes === 1) this.counts.writes++;
  }

  /** This connection's counts since it was opened. */
  stats(): CacheStats {
    return { ...this.counts };
  }

  /** Answers in the file (all processes). */
  size(): number {
    return guarded(this.path, KIND, () => (this.db.prepare("SELECT count(*) AS n FROM answers").get() as { n: number }).n);
  }

  close(): void {
    if (this.db.open) this.db.close();
  }
}
