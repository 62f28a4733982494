/**
 * An SQLite cache of LLM responses, plugged into LangChain as a `BaseCache` (`chat.cache = cache`), so that an
 * interrupted evaluation resumes without re-asking the model and a finished one re-runs with zero LLM calls.
 *
 * What the key covers. LangChain (@langchain/core 1.4, `BaseChatModel.generate`) calls
 * `lookup(prompt, llmKey)` with
 *  - `prompt` = `getBufferString(messages)`: every message's role, name and text, and an AI message's tool calls;
 *  - `llmKey` = `_getSerializedCacheKeyParametersForCall(callOptions)`: the model's identifying params (model name,
 *    temperature, seed, max tokens, ...) plus every call option, sorted `key:JSON` pairs. Call options include what
 *    `withStructuredOutput` / `bindTools` bind: `response_format` (with the schema), `tools`, `tool_choice` and
 *    `ls_structured_output_format` (the full JSON schema, descriptions included). So a change of schema or of
 *    structured-output method is a different key; nothing needs to be added by hand.
 * We hash sha256(namespace, prompt, canonical llmKey). The canonical llmKey drops entries that do not change the
 * answer: secrets (`apiKey`, which ChatOpenAI puts into the key in clear), transport (`baseURL`, `timeout`,
 * `signal`, `maxRetries`). So a rotated key or an OpenAI-compatible server on another port still hits; use
 * `namespace` to keep two servers serving the same model name apart.
 * Not every provider puts its model into `llmKey`: ChatOllama (and any chat model that does not override
 * `_identifyingParams`) sends only `_type:"ollama"`, so with a bare `chat.cache = cache` llama3.2's answers would be
 * replayed for qwen. `withCache` therefore scopes the cache to the model: the key also covers `_llmType()` and the
 * model's `invocationParams()` (model name, temperature, ...). Always attach the cache with `withCache`.
 * Not covered, by LangChain's design: message parts that `getBufferString` omits (a tool message's
 * `tool_call_id`, `additional_kwargs` other than `function_call`, image data: an image is rendered as `[image]`).
 * This project sends text only.
 *
 * Durability. WAL mode, `synchronous=NORMAL`; `update` resolves once its answer is committed. The answers of one
 * event-loop turn are committed together in one transaction: a commit per answer cost ~190 µs of CPU, about 6 % of
 * an eval's (profiled), and with several worker threads sharing the file each commit also waits for the write lock.
 * A process killed with SIGKILL loses nothing that was committed (the WAL is replayed on the next open); only a power
 * cut can lose the last commits, which merely costs those LLM calls again. Several processes may share the file (busy_timeout).
 * better-sqlite3 is synchronous, so parallel graph branches in one process cannot interleave inside a statement.
 *
 * On a hit LangChain itself sets the message's `usage_metadata` to zeros (the call cost nothing). The original
 * usage is kept in `response_metadata.insideout_cache.usage_metadata` for anyone who wants to report what the
 * answer cost when it was made.
 */
import { createHash } from "node:crypto";
import { mkdirSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join, resolve } from "node:path";
import Database from "better-sqlite3";
import { BaseCache } from "@langchain/core/caches";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { isBaseMessage, mapStoredMessageToChatMessage, type StoredMessage } from "@langchain/core/messages";
import type { Generation } from "@langchain/core/outputs";

/** `$INSIDEOUT_CACHE_DIR`, else `$XDG_CACHE_HOME/insideout`, else `~/.cache/insideout`. */
export function insideoutCacheDir(): string {
  if (process.env.INSIDEOUT_CACHE_DIR) return resolve(process.env.INSIDEOUT_CACHE_DIR);
  if (process.env.XDG_CACHE_HOME) return join(resolve(process.env.XDG_CACHE_HOME), "insideout");
  return join(homedir(), ".cache", "insideout");
}

export function defaultLlmCachePath(): string {
  return join(insideoutCacheDir(), "llm-cache.sqlite");
}

/**
 * llmKey entries that do not change what the model answers: secrets and transport settings, and what LangGraph 1.x
 * puts into every call's options from inside a graph node (`executionInfo` holds the checkpoint id, task id and the
 * node's start time, new on every run: with it in the key, a re-run of a finished evaluation missed on every call).
 */
const IGNORED_KEY_ENTRIES: ReadonlySet<string> = new Set([
  "apiKey", "openAIApiKey", "azureOpenAIApiKey", "api_key", "organization",
  "baseURL", "baseUrl", "dangerouslyAllowBrowser", "defaultHeaders", "defaultQuery",
  "timeout", "signal", "maxRetries", "maxConcurrency",
  "executionInfo", "control", "writer", "interrupt", "fetch",
]);

/**
 * Splits LangChain's llmKey (`k1:<json>,k2:<json>,...`) into entries. JSON values contain commas only inside strings
 * or brackets, so a comma at depth 0 outside a string is exactly an entry separator.
 */
export function splitLlmKey(llmKey: string): Array<[string, string]> {
  const entries: Array<[string, string]> = [];
  let depth = 0;
  let inString = false;
  let start = 0;
  const push = (end: number): void => {
    const part = llmKey.slice(start, end);
    if (part === "") return;
    const colon = part.indexOf(":");
    entries.push(colon < 0 ? [part, ""] : [part.slice(0, colon), part.slice(colon + 1)]);
  };
  for (let i = 0; i < llmKey.length; i++) {
    const c = llmKey[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") depth--;
    else if (c === "," && depth === 0) {
      push(i);
      start = i + 1;
    }
  }
  push(llmKey.length);
  return entries;
}

export function canonicalLlmKey(llmKey: string): string {
  return splitLlmKey(llmKey)
    .filter(([k]) => !IGNORED_KEY_ENTRIES.has(k))
    .map(([k, v]) => `${k}:${v}`)
    .join(",");
}

function modelOf(llmKey: string): string | null {
  for (const [k, v] of splitLlmKey(llmKey)) {
    if (k === "model" || k === "model_name" || k === "modelName") {
      try {
        const m: unknown = JSON.parse(v);
        if (typeof m === "string") return m;
      } catch {
        // not JSON: no model name to record
      }
    }
  }
  return null;
}

interface StoredGenerationV1 {
  text: string;
  generationInfo?: Record<string, unknown>;
  message?: StoredMessage;
}

interface StoredEntry {
  v: 1;
  generations: StoredGenerationV1[];
}

function serialize(generations: Generation[]): string {
  const stored: StoredGenerationV1[] = generations.map((g) => {
    const out: StoredGenerationV1 = { text: g.text };
    if (g.generationInfo !== undefined) out.generationInfo = g.generationInfo;
    // toDict() keeps the constructor fields: content, tool_calls, invalid_tool_calls, additional_kwargs,
    // response_metadata, usage_metadata, id, name.
    if ("message" in g && isBaseMessage(g.message)) out.message = g.message.toDict();
    return out;
  });
  const entry: StoredEntry = { v: 1, generations: stored };
  return JSON.stringify(entry);
}

function deserialize(json: string): Generation[] {
  const entry = JSON.parse(json) as StoredEntry;
  return entry.generations.map((g) => {
    const gen: Generation & { message?: unknown } = { text: g.text };
    if (g.generationInfo !== undefined) gen.generationInfo = g.generationInfo;
    if (g.message) {
      const data = g.message.data as StoredMessage["data"] & { usage_metadata?: unknown; response_metadata?: Record<string, unknown> };
      if (g.message.type === "ai" && data.usage_metadata !== undefined) {
        data.response_metadata = { ...data.response_metadata, insideout_cache: { usage_metadata: data.usage_metadata } };
      }
      gen.message = mapStoredMessageToChatMessage(g.message);
    }
    return gen;
  });
}

export interface CacheStats {
  hits: number;
  misses: number;
  writes: number;
}

/** The counts of several connections (e.g. an eval's worker threads) together. */
export function addCacheStats(a: CacheStats, b: CacheStats | undefined): CacheStats {
  return b ? { hits: a.hits + b.hits, misses: a.misses + b.misses, writes: a.writes + b.writes } : a;
}

export interface SqliteCacheOptions {
  /** Keeps otherwise identical requests apart (e.g. two servers that serve the same model name). */
  namespace?: string;
}

export class SqliteCache extends BaseCache<Generation[]> {
  readonly path: string;
  private readonly db: Database.Database;
  private readonly namespace: string;
  private readonly getStmt: Database.Statement<[string], { generations: string }>;
  private readonly putStmt: Database.Statement<[string, string | null, string, string]>;
  private readonly putMany: (rows: PendingRow[]) => void;
  private counts: CacheStats = { hits: 0, misses: 0, writes: 0 };
  /** Answers waiting for this turn's commit, by row key; lookups see them already. */
  private readonly pending = new Map<string, PendingRow>();
  private committing: Promise<void> | undefined;

  constructor(path: string = defaultLlmCachePath(), options: SqliteCacheOptions = {}) {
    super();
    this.path = path;
    this.namespace = options.namespace ?? "";
    if (path !== ":memory:") mkdirSync(dirname(resolve(path)), { recursive: true });
    this.db = new Database(path);
    this.db.pragma("busy_timeout = 10000");
    this.db.pragma("journal_mode = WAL");
    this.db.pragma("synchronous = NORMAL");
    this.db.exec(`CREATE TABLE IF NOT EXISTS llm_cache (
      key TEXT PRIMARY KEY,
      model TEXT,
      generations TEXT NOT NULL,
      created_at TEXT NOT NULL
    ) WITHOUT ROWID`);
    this.getStmt = this.db.prepare("SELECT generations FROM llm_cache WHERE key = ?");
    // The first answer stored wins: two concurrent misses for one request replay the same answer afterwards.
    this.putStmt = this.db.prepare("INSERT OR IGNORE INTO llm_cache (key, model, generations, created_at) VALUES (?, ?, ?, ?)");
    this.putMany = this.db.transaction((rows: PendingRow[]) => {
      for (const r of rows) this.putStmt.run(r.key, r.model, r.generations, r.createdAt);
    });
  }

  /**
   * The row key: sha256 over the namespace, the model scope (see `withCache`), the prompt and the canonical llmKey,
   * JSON-framed so that parts cannot run together.
   */
  keyOf(prompt: string, llmKey: string, scope = ""): string {
    return createHash("sha256").update(JSON.stringify([this.namespace, scope, prompt, canonicalLlmKey(llmKey)])).digest("hex");
  }

  override async lookup(prompt: string, llmKey: string): Promise<Generation[] | null> {
    return this.lookupScoped(prompt, llmKey, "");
  }

  override async update(prompt: string, llmKey: string, generations: Generation[]): Promise<void> {
    await this.updateScoped(prompt, llmKey, "", generations);
  }

  /** A view of this cache whose keys also cover `scope()` (evaluated at each call); it shares the file and the counts. */
  scoped(scope: () => string): BaseCache<Generation[]> {
    return new ScopedCache(this, scope);
  }

  lookupScoped(prompt: string, llmKey: string, scope: string): Generation[] | null {
    const key = this.keyOf(prompt, llmKey, scope);
    const row = this.pending.get(key) ?? this.getStmt.get(key);
    if (!row) {
      this.counts.misses++;
      return null;
    }
    this.counts.hits++;
    return deserialize(row.generations);
  }

  /** Resolves when the answer is committed, together with the others of this event-loop turn. */
  updateScoped(prompt: string, llmKey: string, scope: string, generations: Generation[]): Promise<void> {
    const key = this.keyOf(prompt, llmKey, scope);
    // The first answer stored wins (INSERT OR IGNORE), within a batch as across batches.
    if (!this.pending.has(key)) this.pending.set(key, { key, model: modelOf(llmKey), generations: serialize(generations), createdAt: new Date().toISOString() });
    this.counts.writes++;
    this.committing ??= new Promise<void>((resolve, reject) =>
      setImmediate(() => {
        this.committing = undefined;
        try {
          this.commit();
          resolve();
        } catch (e) {
          reject(e instanceof Error ? e : new Error(String(e)));
        }
      }),
    );
    return this.committing;
  }

  private commit(): void {
    if (this.pending.size === 0 || !this.db.open) return;
    const rows = [...this.pending.values()];
    this.pending.clear();
    this.putMany(rows);
  }

  /** Hits and misses of this instance since it was opened (or since `resetStats`). */
  stats(): CacheStats {
    return { ...this.counts };
  }

  resetStats(): void {
    this.counts = { hits: 0, misses: 0, writes: 0 };
  }

  /** Number of cached responses in the file (all processes). */
  size(): number {
    return (this.db.prepare("SELECT count(*) AS n FROM llm_cache").get() as { n: number }).n;
  }

  /** Commits what is pending, then closes the file. */
  close(): void {
    if (!this.db.open) return;
    this.commit();
    this.db.close();
  }
}

interface PendingRow {
  key: string;
  model: string | null;
  generations: string;
  createdAt: string;
}

class ScopedCache extends BaseCache<Generation[]> {
  constructor(
    private readonly base: SqliteCache,
    private readonly scope: () => string,
  ) {
    super();
  }

  override async lookup(prompt: string, llmKey: string): Promise<Generation[] | null> {
    return this.base.lookupScoped(prompt, llmKey, this.scope());
  }

  override async update(prompt: string, llmKey: string, generations: Generation[]): Promise<void> {
    await this.base.updateScoped(prompt, llmKey, this.scope(), generations);
  }
}

/** JSON with object keys sorted, so equal settings always give the same text. */
function stableJson(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** What identifies a model's answers apart from the request: its type and its own parameters (not secrets, not transport). */
export function modelFingerprint(chat: BaseChatModel): string {
  let params: unknown = {};
  try {
    params = chat.invocationParams();
  } catch {
    // A model that cannot describe itself without call options: its type (and the llmKey) must do.
  }
  const kept =
    params !== null && typeof params === "object"
      ? Object.fromEntries(Object.entries(params as Record<string, unknown>).filter(([k, v]) => !IGNORED_KEY_ENTRIES.has(k) && typeof v !== "function"))
      : {};
  return stableJson({ type: chat._llmType(), params: kept });
}

/**
 * Makes `chat` answer from `cache` when it can; returns `chat`. Works for every LangChain chat model: the cache is
 * read by `BaseChatModel.generate`, which `invoke`, `withStructuredOutput` and `bindTools` all go through. Apply it
 * after the model is configured: the model scope is read from the instance at each call.
 *
 * Two provider traps it handles:
 *  - models that leave their name and temperature out of `llmKey` (ChatOllama): an SqliteCache is scoped to
 *    `modelFingerprint(chat)`, see the file comment;
 *  - ChatOpenAI's `withConfig` (used by `withStructuredOutput` and `bindTools`) builds a fresh
 *    `new ChatOpenAI(this.fields)` from the constructor fields, so a `cache` property set after construction would be
 *    silently dropped and every structured call would miss; the cache is put into those `fields` too.
 * `.stream()` on a model with native streaming bypasses LangChain's cache; evaluations should call `invoke`.
 */
export function withCache<M extends BaseChatModel>(chat: M, cache: BaseCache): M {
  const attached = cache instanceof SqliteCache ? cache.scoped(() => modelFingerprint(chat)) : cache;
  chat.cache = attached;
  const fields: unknown = (chat as { fields?: unknown }).fields;
  if (fields !== null && typeof fields === "object") (fields as { cache?: BaseCache }).cache = attached;
  return chat;
}
