/**
 * `local:<name>`: `local:default` (the pinned default GGUF, fetched once), `local:hf:<owner>/<repo>/<file>.gguf[#rev]`
 * (fetched once from Hugging Face, or from $HF_ENDPOINT), or `local:<path to a .gguf file>`.
 *
 * The factory loads the model before returning (the engine is shared, so this costs nothing the second time): a
 * missing file, a file that is not GGUF, or a machine without a llama.cpp build fails here with one line, before a
 * graph has started.
 */
import { closeSync, openSync, readSync, statSync } from "node:fs";
import { openRegularFile } from "../../core/regularFile.js";
import { homedir } from "node:os";
import { basename, join, resolve } from "node:path";
import { cacheDir, SettingError, setting, type Environment } from "../../core/settings.js";
import { DEFAULT_LOCAL_MODEL } from "../defaultLocal.js";
import { downloadFile, ensurePinnedModel } from "../download.js";
import type { ModelOptions, ResolvedModel } from "../types.js";
import { ChatLocalLlama } from "./chatModel.js";
import { DEFAULT_ENGINE_CONFIG, processEngines, type EngineConfig, type LocalEngines } from "./engine.js";
import type { GrammarLimits } from "./grammarSchema.js";
import { LocalModelError } from "./errors.js";
import { checkGgufHeader } from "./ggufHeader.js";
import { threadsFromEnv } from "./threads.js";

export interface LocalModelOptions extends ModelOptions {
  /** Cap for free-text answers (tokens). */
  maxTokens?: number;
  threads?: number;
  sequences?: number;
  contextSize?: number;
  batchSize?: number;
}

/**
 * Engine settings: explicit options first, then INSIDEOUT_LOCAL_THREADS (threads.ts), INSIDEOUT_LOCAL_SEQUENCES,
 * INSIDEOUT_LOCAL_CONTEXT and INSIDEOUT_LOCAL_BATCH, else the defaults (engine.ts DEFAULT_ENGINE_CONFIG; threads by
 * the cores busy at the first load).
 */
export async function engineConfigFrom(options: LocalModelOptions, env?: Environment): Promise<EngineConfig> {
  const threads = options.threads ?? (await threadsFromEnv(env));
  const batchSize = options.batchSize ?? setting("INSIDEOUT_LOCAL_BATCH", env) ?? DEFAULT_ENGINE_CONFIG.batchSize;
  return {
    sequences: options.sequences ?? setting("INSIDEOUT_LOCAL_SEQUENCES", env) ?? DEFAULT_ENGINE_CONFIG.sequences,
    contextSize: options.contextSize ?? setting("INSIDEOUT_LOCAL_CONTEXT", env) ?? DEFAULT_ENGINE_CONFIG.contextSize,
    ...(threads !== undefined ? { threads } : {}),
    ...(batchSize !== undefined ? { batchSize } : {}),
  };
}

/** INSIDEOUT_LOCAL_MAX_STRING: the longest string (characters) the grammar lets a structured answer hold. */
function grammarLimitsFrom(): Partial<GrammarLimits> {
  const maxStringLength = setting("INSIDEOUT_LOCAL_MAX_STRING");
  return maxStringLength !== undefined ? { maxStringLength } : {};
}

/** `hf:owner/repo/path/file.gguf#revision` → its download URL and cache path. */
export function parseHfUri(uri: string, env?: Environment): { url: string; dest: string } {
  const m = /^hf:([\w.-]+)\/([\w.-]+)\/(.+?\.gguf)(?:#([\w.-]+))?$/i.exec(uri);
  if (!m) {
    throw new LocalModelError("model", `Bad Hugging Face model "${uri}": use hf:<owner>/<repo>/<file>.gguf, optionally #<revision>.`);
  }
  const [, owner, repo, file, revision] = m as unknown as [string, string, string, string, string | undefined];
  const rev = revision ?? "main";
  const endpoint = setting("HF_ENDPOINT", env).replace(/\/+$/, "");
  return {
    url: `${endpoint}/${owner}/${repo}/resolve/${rev}/${file.split("/").map(encodeURIComponent).join("/")}`,
    dest: join(cacheDir(env), "models", "hf", owner, repo, rev, ...file.split("/")),
  };
}

function checkGguf(path: string, given: string): void {
  let fd: number;
  try {
    // Opened as the one regular-file reader opens: a FIFO, /dev/zero or a folder is named as such, not "not found".
    fd = openRegularFile(path, "The model file");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") {
      throw new LocalModelError(
        "model",
        `Model file not found: ${path} (from "local:${given}"). Give the path of a .gguf file, local:default, or local:hf:<owner>/<repo>/<file>.gguf.`,
      );
    }
    throw new LocalModelError("model", code ? `Cannot read the model file ${path} (${code}, from "local:${given}").` : (e as Error).message);
  }
  closeSync(fd);
  checkHeaderOnce(path);
}

/** The file's magic and header counts (ggufHeader.ts), before node-llama-cpp allocates anything for them. */
function checkHeader(path: string): void {
  const fd = openSync(path, "r");
  const magic = Buffer.alloc(4);
  try {
    readSync(fd, magic, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  if (magic.toString("latin1") !== "GGUF") throw new LocalModelError("model", `${path} is not a GGUF model file (it does not start with "GGUF").`);
  checkGgufHeader(path);
}

const downloads = new Map<string, Promise<string>>();

/** Where the GGUF for `local:<name>` is, downloading it once per process (and once per cache) if needed. */
export async function resolveLocalPath(name: string): Promise<string> {
  if (name === "default") {
    let pending = downloads.get("default");
    if (!pending) {
      // INSIDEOUT_DEFAULT_MODEL_URL: a mirror of the same file (the checksum still has to match).
      const url = setting("INSIDEOUT_DEFAULT_MODEL_URL");
      pending = ensurePinnedModel(DEFAULT_LOCAL_MODEL, url ? { url } : {});
      downloads.set("default", pending);
      pending.catch(() => downloads.delete("default"));
    }
    return pending;
  }
  if (name.startsWith("hf:")) {
    const { url, dest } = parseHfUri(name);
    let pending = downloads.get(dest);
    if (!pending) {
      pending = (async () => {
        try {
          statSync(dest);
          return dest;
        } catch {
          return (await downloadFile({ url, dest, label: name })).path;
        }
      })();
      downloads.set(dest, pending);
      pending.catch(() => downloads.delete(dest));
    }
    return pending;
  }
  const expanded = name.startsWith("~/") ? join(homedir(), name.slice(2)) : name;
  const path = resolve(expanded);
  checkGguf(path, name);
  return path;
}

const checkedHeaders = new Set<string>();

function checkHeaderOnce(path: string): void {
  const { size, mtimeMs } = statSync(path);
  const key = `${path}\u0000${size}\u0000${mtimeMs}`;
  if (checkedHeaders.has(key)) return;
  checkHeader(path);
  checkedHeaders.add(key);
}

/** One chat-model object per engines' owner and distinct setting. */
const chats = new WeakMap<LocalEngines, Map<string, ChatLocalLlama>>();

export async function localModel(name: string, options: LocalModelOptions = {}): Promise<ResolvedModel> {
  const modelPath = await resolveLocalPath(name);
  // Downloaded files too (local:hf:… is not checksummed): checked once per path, size and time.
  checkHeaderOnce(modelPath);
  const engine = await engineConfigFrom(options);
  const engines = options.engines ?? processEngines;
  let contextTokens: number;
  try {
    contextTokens = (await engines.engine(modelPath, engine)).contextSize;
  } catch (error) {
    if (error instanceof LocalModelError || error instanceof SettingError) throw error;
    throw new LocalModelError("model", `cannot load local:${name}: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const fields = {
    modelPath,
    temperature: options.temperature ?? 0,
    seed: options.seed,
    maxTokens: options.maxTokens ?? setting("INSIDEOUT_LOCAL_MAX_TOKENS"),
    engine,
    grammarLimits: grammarLimitsFrom(),
  };
  // Every run (and every eval worker) resolves its model once: hand out one chat-model object per distinct setting.
  const key = JSON.stringify(fields);
  let own = chats.get(engines);
  if (!own) chats.set(engines, (own = new Map()));
  let chat = own.get(key);
  if (!chat) {
    chat = new ChatLocalLlama({ ...fields, engines });
    own.set(key, chat);
  }
  // The file stands for the endpoint; its size and modification time tell a replaced file at the same path apart.
  const file = statSync(modelPath);
  const identity = {
    provider: "local",
    endpoint: `file://${modelPath}`,
    model: basename(modelPath),
    params: {
      temperature: fields.temperature,
      seed: fields.seed ?? null,
      maxTokens: fields.maxTokens ?? null,
      bytes: file.size,
      mtimeMs: file.mtimeMs,
      // The grammar's string bound shapes every answer; only when set, so that the default keeps its cache keys.
      ...(fields.grammarLimits.maxStringLength !== undefined ? { maxString: fields.grammarLimits.maxStringLength } : {}),
    },
  };
  return { spec: `local:${name}`, provider: "local", name, chat, structuredMethod: "jsonSchema", contextTokens, identity };
}
