/**
 * Every environment variable InsideOut reads, in one typed table (name, type, default, what it does), and the one
 * place that reads them: `setting(name)`. docs/settings.md is generated from the table (scripts/settings-doc.ts).
 * Values are read when asked for, not once at start-up: they are a user's settings, and a server or a test that sets
 * the environment later must see them; parsing a few strings costs nothing next to what they govern.
 * Provider SDKs that read their own variables (ChatOpenAI and OPENAI_API_KEY, langsmith and LANGSMITH_*) still do.
 */
import { homedir } from "node:os";
import { join, resolve } from "node:path";
import { NotAResult } from "./errors.js";

/** Where settings come from: the process's environment, or a plain object a caller (a test) hands in. */
export type Environment = Readonly<Record<string, string | undefined>>;

export type SettingType =
  /** A whole number ≥ `min`: counts, milliseconds, bytes. */
  | "whole"
  /** 1/true/yes/on or 0/false/no/off, any case. */
  | "boolean"
  /** On only when exactly `true`: LangChain's and langsmith's own rule for their variables, so we agree with them. */
  | "flag"
  /** One of `choices`, any case. */
  | "choice"
  | "text"
  | "path"
  | "url"
  /** A credential: never printed (core/secrets.ts masks its value everywhere). */
  | "secret";

export type SettingGroup = "models" | "local" | "files" | "langsmith" | "providers" | "server";

/** One row of the table (also what docs/settings.md is made from). */
export interface SettingEntry {
  type: SettingType;
  group: SettingGroup;
  /** What it does, one sentence for docs/settings.md. */
  doc: string;
  /** The value when unset; settings without one read as undefined and their user decides (`defaultText` says how). */
  default?: number | boolean | string;
  defaultText?: string;
  min?: number;
  /** For "whole": the largest value accepted, where a larger one would only exhaust memory. */
  max?: number;
  choices?: readonly string[];
  /** Other names for the same setting, read in order when the first name is unset. */
  aliases?: readonly string[];
}

export const SETTINGS = {
  // Model requests (models/limits.ts and the providers).
  INSIDEOUT_TIMEOUT_MS: { type: "whole", group: "models", min: 1, default: 60_000, doc: "One attempt of a model request, headers and whole body, in ms." },
  INSIDEOUT_TOTAL_TIMEOUT_MS: {
    type: "whole", group: "models", min: 1, defaultText: "120000, and at least one whole attempt",
    doc: "All attempts of one model request and the waits between them, in ms.",
  },
  INSIDEOUT_MAX_RETRIES: { type: "whole", group: "models", min: 0, default: 3, doc: "Retries of a model request after the first attempt." },
  INSIDEOUT_BACKOFF_MS: { type: "whole", group: "models", min: 0, default: 500, doc: "First wait before a retry, in ms; it doubles each retry (±50 % jitter, at most 20 s)." },
  INSIDEOUT_MAX_WAIT_MS: {
    type: "whole", group: "models", min: 1, default: 60_000,
    doc: "The longest wait a model server may ask for before a request (Retry-After, a 429's reset, or one request's share of its rate limits), in ms; a longer one stops the request at once, said.",
  },
  INSIDEOUT_MAX_ANSWER_BYTES: { type: "whole", group: "models", min: 1, default: 4 * 1024 * 1024, doc: "Bytes of one model answer, after decompression." },
  INSIDEOUT_MAX_CONCURRENCY: {
    type: "whole", group: "models", min: 1, max: 1024, defaultText: "32; in eval max(32, 6 × --concurrency)",
    doc: "Model requests in flight at once, over the whole process; each holds its request and answer in memory, hence the maximum.",
  },
  INSIDEOUT_RETRY_NOTICES: { type: "boolean", group: "models", default: true, doc: "Announce every retry on stderr as it happens." },
  INSIDEOUT_STRUCTURED_OUTPUT: {
    type: "choice", group: "models", choices: ["jsonSchema", "functionCalling", "jsonMode", "responseFormat", "prompt"],
    defaultText: "responseFormat; functionCalling for GPT-3.5 and the older GPT-4",
    doc: "How openai: models are asked for structured answers, for servers that support only one mode.",
  },
  INSIDEOUT_BATCH_POLL_MS: { type: "whole", group: "models", min: 1, default: 30_000, doc: "How often a pending OpenAI batch (--batch) is asked about, in ms." },
  INSIDEOUT_BATCH_SETTLE_MS: { type: "whole", group: "models", min: 1, default: 200, doc: "Quiet time after a stage's last request before its batch is submitted, in ms." },
  INSIDEOUT_MAX_BATCH_FILE_BYTES: {
    type: "whole", group: "models", min: 1, default: 1024 ** 3,
    doc: "Bytes of a Batch API output or error file (read line by line; each line holds at most INSIDEOUT_MAX_ANSWER_BYTES of answer).",
  },
  INSIDEOUT_CONTEXT_TOKENS: {
    type: "whole", group: "models", min: 1, defaultText: "the model's context, else 8192",
    doc: "The context window prompts are cut to fit (turns and rationales).",
  },
  INSIDEOUT_DEFAULT_LOCAL_MODEL: { type: "text", group: "models", default: "local:default", doc: "The model --model auto picks when no OpenAI key or server is set." },

  // Local models (models/local/).
  INSIDEOUT_LOCAL_THREADS: {
    type: "whole", group: "local", min: 0, aliases: ["INSIDEOUT_THREADS"],
    defaultText: "the cores not busy at the first load, at least 1; on more than 2 cores at most cores − 1 and 8",
    doc: "CPU threads for llama.cpp; 0 is node-llama-cpp's own choice. INSIDEOUT_THREADS is its older name.",
  },
  INSIDEOUT_LOCAL_SEQUENCES: { type: "whole", group: "local", min: 1, defaultText: "6", doc: "Calls decoded at once (five agents, plus one)." },
  INSIDEOUT_LOCAL_CONTEXT: { type: "whole", group: "local", min: 256, defaultText: "4096", doc: "Tokens per sequence (capped at the model's training context)." },
  INSIDEOUT_LOCAL_BATCH: { type: "whole", group: "local", min: 1, defaultText: "512", doc: "Tokens llama.cpp evaluates per batch." },
  INSIDEOUT_LOCAL_MAX_TOKENS: { type: "whole", group: "local", min: 1, defaultText: "512", doc: "Longest free-text answer (the responder's reply), in tokens." },
  INSIDEOUT_LOCAL_MAX_STRING: { type: "whole", group: "local", min: 1, defaultText: "1200", doc: "Longest string, in characters, the grammar lets a structured answer hold." },
  INSIDEOUT_LLAMA_GPU: {
    type: "choice", group: "local", choices: ["false", "auto", "cuda", "vulkan", "metal"], default: "false",
    doc: "The GPU llama.cpp uses; false keeps results independent of which GPU backend loads.",
  },
  INSIDEOUT_LLAMA_BUILD: { type: "choice", group: "local", choices: ["never", "auto"], default: "never", doc: "auto lets node-llama-cpp compile llama.cpp when no binary works." },
  INSIDEOUT_DEFAULT_MODEL_URL: { type: "url", group: "local", defaultText: "the pinned Hugging Face file", doc: "A mirror of local:default's file (its checksum must still match)." },
  HF_ENDPOINT: { type: "url", group: "local", default: "https://huggingface.co", doc: "Where local:hf:… models are downloaded from." },

  // Files.
  INSIDEOUT_CACHE_DIR: {
    type: "path", group: "files", defaultText: "$XDG_CACHE_HOME/insideout, else ~/.cache/insideout",
    doc: "The cache folder: the LLM cache, downloaded models, fetched datasets.",
  },
  XDG_CACHE_HOME: { type: "path", group: "files", defaultText: "~/.cache", doc: "The user's cache folder; InsideOut's is its insideout folder." },
  INSIDEOUT_DATA_DIR: {
    type: "path", group: "files", defaultText: "../shared/data/empathetic_dialogues/derived when it exists, else the fetch folder",
    doc: "Folder of ed_<split>_moel_format.jsonl that ed:test / ed:valid read.",
  },
  INSIDEOUT_MELD_DIR: { type: "path", group: "files", defaultText: "../shared/data/meld when it exists, else the fetch folder", doc: "Folder of the MELD CSV files that meld:test / meld:dev read." },
  INSIDEOUT_MAX_DIALOGUE_BYTES: { type: "whole", group: "files", min: 1, default: 1 << 20, doc: "Bytes of a dialogue: from arguments, --file or stdin, in a data file, or a graph run's input (a server's runs; a benchmark question too)." },
  INSIDEOUT_MAX_TURNS: { type: "whole", group: "files", min: 1, default: 1000, doc: "Turns in one dialogue (the CLI's, a data file's, a graph run's input)." },
  INSIDEOUT_MAX_DATA_LINE_BYTES: { type: "whole", group: "files", min: 1, default: 1 << 20, doc: "Bytes of one line of a --data file." },
  INSIDEOUT_MAX_DATA_BYTES: { type: "whole", group: "files", min: 1, default: 256 << 20, doc: "Bytes of a whole --data file, and of each file data fetch extracts." },
  INSIDEOUT_MAX_PARSED_FILE_BYTES: {
    type: "whole", group: "files", min: 1, default: 8 << 20,
    doc: "Bytes of a file parsed whole: EQ-Bench questions and results JSON, judge calibration CSV, an experiment's metrics.json (parsing takes up to ~40 times a file's size; the published files are under 400 KB).",
  },
  INSIDEOUT_MAX_LABELS: { type: "whole", group: "files", min: 2, default: 256, doc: "Labels a label set may hold (each is in every prompt and every answer schema)." },
  INSIDEOUT_MAX_LABEL_CHARS: { type: "whole", group: "files", min: 1, default: 64, doc: "Characters of one label of a label set (a word or two: it is in every prompt and every answer schema)." },
  INSIDEOUT_MAX_GROUP_MEMBERS: { type: "whole", group: "files", min: 1, default: 4096, doc: "Gold labels the groups of a label set may hold together." },
  INSIDEOUT_MAX_TEXTS_BYTES: { type: "whole", group: "files", min: 1, default: 64 << 20, doc: "Bytes of a file of texts that score reads (--hyp, --ref)." },
  INSIDEOUT_MAX_TEXT_WORDS: {
    type: "whole", group: "files", min: 1, default: 5000,
    doc: "Words of one text (one line) of score --hyp or --ref: ROUGE-L's cost grows with the product of two texts' lengths.",
  },
  INSIDEOUT_MAX_EXPERIMENT_FILE_BYTES: {
    type: "whole", group: "files", min: 1, default: 256 << 20,
    doc: "Bytes of an experiment's metrics.json or predictions.jsonl that report and compare read.",
  },

  // A LangGraph server's runs (core/access.ts).
  INSIDEOUT_LABELS_DIR: { type: "path", group: "server", defaultText: "none: built-in label sets only", doc: "Folder of label-set files a server's runs may name (by file name)." },
  INSIDEOUT_MODELS_DIR: { type: "path", group: "server", defaultText: "none: local:default only", doc: "Folder of GGUF models a server's runs may name (by file name)." },
  INSIDEOUT_ALLOW_HF_MODELS: { type: "boolean", group: "server", default: false, doc: "Let a server's runs download local:hf:… models." },
  INSIDEOUT_MAX_SERVER_STREAM_BYTES: {
    type: "whole", group: "server", min: 1, default: 64 << 20,
    doc: "Bytes of one run's stream from a LangGraph server (eval --server, recognize --server); a longer one fails the run.",
  },
  INSIDEOUT_SERVER_STALL_MS: {
    type: "whole", group: "server", min: 1, default: 5 * 60_000,
    doc: "Longest a LangGraph server's run may go without a complete event with data (heartbeats and partial events do not count), in ms; then the run is cancelled, said.",
  },
  INSIDEOUT_SERVER_RUN_DEADLINE_MS: {
    type: "whole", group: "server", min: 1, default: 30 * 60_000,
    doc: "Longest one run on a LangGraph server may take, in ms; then it is cancelled, said.",
  },
  PORT: { type: "whole", group: "server", min: 1, default: 2024, doc: "Port of npm run dev (read by scripts/dev.mjs, which runs before anything is built)." },
  HOST: { type: "text", group: "server", default: "127.0.0.1", doc: "Address npm run dev listens on (read by scripts/dev.mjs)." },

  // LangSmith.
  LANGSMITH_API_KEY: { type: "secret", group: "langsmith", aliases: ["LANGCHAIN_API_KEY"], doc: "LangSmith's key: tracing, data upload, LangSmith deployments." },
  LANGSMITH_ENDPOINT: {
    type: "url", group: "langsmith", aliases: ["LANGCHAIN_ENDPOINT"], default: "https://api.smith.langchain.com",
    doc: "The LangSmith server (self-hosted or EU).",
  },
  LANGSMITH_TRACING: { type: "flag", group: "langsmith", default: false, doc: "true sends every graph run to LangSmith." },
  LANGSMITH_TRACING_V2: { type: "flag", group: "langsmith", default: false, doc: "Another name LangChain reads for LANGSMITH_TRACING." },
  LANGCHAIN_TRACING_V2: { type: "flag", group: "langsmith", default: false, doc: "Another name LangChain reads for LANGSMITH_TRACING." },
  LANGCHAIN_TRACING: { type: "flag", group: "langsmith", default: false, doc: "Another name LangChain reads for LANGSMITH_TRACING." },
  LANGSMITH_HIDE_INPUTS: { type: "flag", group: "langsmith", default: false, doc: "true (or --hide-inputs) hides the inputs and the outputs of every traced run." },
  LANGSMITH_HIDE_OUTPUTS: { type: "flag", group: "langsmith", default: false, doc: "Set with LANGSMITH_HIDE_INPUTS for langsmith, which reads it itself." },
  INSIDEOUT_LANGSMITH_TIMEOUT_MS: { type: "whole", group: "langsmith", min: 1, default: 10_000, doc: "Timeout of one LangSmith call, in ms." },

  // Providers (models/<provider>.ts).
  OPENAI_API_KEY: { type: "secret", group: "providers", defaultText: "none; not needed with OPENAI_BASE_URL", doc: "Key for openai: models." },
  OPENAI_BASE_URL: { type: "url", group: "providers", defaultText: "https://api.openai.com/v1", doc: "Points openai: at any OpenAI-compatible server." },
  ANTHROPIC_API_KEY: { type: "secret", group: "providers", doc: "Key for anthropic: models." },
  ANTHROPIC_BASE_URL: { type: "url", group: "providers", default: "https://api.anthropic.com", doc: "A proxy or a compatible server for anthropic: models." },
  GOOGLE_API_KEY: { type: "secret", group: "providers", aliases: ["GEMINI_API_KEY"], doc: "Key for google-genai: models." },
  GOOGLE_GEMINI_BASE_URL: {
    type: "url", group: "providers", default: "https://generativelanguage.googleapis.com",
    doc: "A proxy or a compatible server for google-genai: models.",
  },
  GIGACHAT_CREDENTIALS: { type: "secret", group: "providers", doc: "GigaChat's authorization key (base64 of client id:secret)." },
  GIGACHAT_ACCESS_TOKEN: { type: "secret", group: "providers", doc: "A GigaChat access token, instead of GIGACHAT_CREDENTIALS." },
  GIGACHAT_BASE_URL: { type: "url", group: "providers", default: "https://gigachat.devices.sberbank.ru/api/v1", doc: "GigaChat's API." },
  GIGACHAT_AUTH_URL: { type: "url", group: "providers", default: "https://ngw.devices.sberbank.ru:9443/api/v2/oauth", doc: "GigaChat's token service." },
  GIGACHAT_SCOPE: { type: "text", group: "providers", default: "GIGACHAT_API_PERS", doc: "GigaChat's scope (GIGACHAT_API_CORP for a corporate account)." },
  GIGACHAT_CA_BUNDLE_FILE: { type: "path", group: "providers", defaultText: "the system's CAs", doc: "A PEM file of GigaChat's CA certificates." },
  OLLAMA_HOST: {
    type: "text", group: "providers", aliases: ["OLLAMA_BASE_URL"], defaultText: "127.0.0.1:11434",
    doc: "The Ollama server, as the ollama CLI takes it (host, host:port or URL); OLLAMA_BASE_URL is ChatOllama's name.",
  },
} as const satisfies Record<string, SettingEntry>;

export type SettingName = keyof typeof SETTINGS;
type Table = typeof SETTINGS;
type ValueOf<E> = E extends { type: "whole" } ? number : E extends { type: "boolean" | "flag" } ? boolean : E extends { choices: readonly (infer C)[] } ? C : string;
/** A setting's value: with a default, never undefined. */
export type SettingValue<N extends SettingName> = Table[N] extends { default: unknown } ? ValueOf<Table[N]> : ValueOf<Table[N]> | undefined;

/** A setting's value does not parse. Going on cannot help: the run stops with this one line. */
export class SettingError extends NotAResult {
  readonly stopsRun = true;
  constructor(message: string) {
    super(message);
    this.name = "SettingError";
  }
}

/** The name and value that set `name`: the first of it and its aliases that is not empty. */
function given(name: SettingName, env: Environment): { name: string; raw: string } | undefined {
  const entry: SettingEntry = SETTINGS[name];
  for (const key of [name, ...(entry.aliases ?? [])]) {
    const raw = env[key];
    if (raw !== undefined && raw.trim() !== "") return { name: key, raw };
  }
  return undefined;
}

function parse(name: string, raw: string, entry: SettingEntry): number | boolean | string {
  const bad = (what: string) => new SettingError(`${name}="${raw}" must be ${what}.`);
  switch (entry.type) {
    case "whole": {
      const n = Number(raw);
      const min = entry.min ?? 0;
      const max = entry.max ?? Number.MAX_SAFE_INTEGER;
      if (!Number.isSafeInteger(n) || n < min || n > max) throw bad(entry.max === undefined ? `a whole number ≥ ${min}` : `a whole number from ${min} to ${max}`);
      return n;
    }
    case "boolean":
      if (/^\s*(1|true|yes|on)\s*$/i.test(raw)) return true;
      if (/^\s*(0|false|no|off)\s*$/i.test(raw)) return false;
      throw bad("true or false (or 1/0, yes/no, on/off)");
    case "flag":
      return raw === "true";
    case "choice": {
      const choices = entry.choices ?? [];
      const found = choices.find((c) => c.toLowerCase() === raw.trim().toLowerCase());
      if (found === undefined) throw bad(`one of ${choices.join(", ")}`);
      return found;
    }
    case "secret":
      return checkedSecret(name, raw);
    case "url":
      return checkedUrl(name, raw);
    default:
      return raw;
  }
}

/**
 * Keys and tokens are printable ASCII: one with a space, line break, control, invisible or other character inside
 * cannot be sent in a header, and fetch would print it in its error. Said once, naming the variable, never the value;
 * whitespace around it is dropped.
 */
function checkedSecret(name: string, raw: string): string {
  const value = raw.trim();
  if (/[^\x21-\x7e]/.test(value)) {
    throw new SettingError(`${name} holds a character a key cannot hold (a space, line break, control, invisible or non-ASCII character; the value is not printed): set it again as the provider gave it.`);
  }
  return value;
}

/**
 * A server URL: http(s) only; no user or password (fetch cannot send them) and no query string or fragment (paths are
 * appended to it, and a key there would be printed in every line). The line shows the URL's scheme, host and path only.
 */
export function checkedUrl(name: string, raw: string): string {
  const value = raw.trim();
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new SettingError(`${name} is not a URL (such as http://127.0.0.1:8080/v1).`);
  }
  const shown = `${url.protocol}//${url.username || url.password ? "[secret]@" : ""}${url.host}${url.pathname}`;
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new SettingError(`${name} must be an http:// or https:// URL, not ${url.protocol}.`);
  }
  if (url.username || url.password) {
    throw new SettingError(`${name} holds a user name or password (${shown}): requests cannot carry them in the URL; remove them, and give the key in the provider's key variable (docs/settings.md).`);
  }
  if (url.search || url.hash || value.includes("?") || value.includes("#")) {
    throw new SettingError(`${name} holds a query string or fragment (after ${shown}): paths are appended to it; remove them, and give a key in the provider's key variable (docs/settings.md).`);
  }
  return value;
}

/** The value of setting `name` in `env` (the process's environment by default); a bad value is a SettingError. */
export function setting<N extends SettingName>(name: N, env: Environment = process.env): SettingValue<N> {
  const entry: SettingEntry = SETTINGS[name];
  const found = given(name, env);
  return (found ? parse(found.name, found.raw, entry) : entry.default) as SettingValue<N>;
}

/** Whether setting `name` (or an alias) is set at all, whatever its default. */
export function isSet(name: SettingName, env: Environment = process.env): boolean {
  return given(name, env) !== undefined;
}

/**
 * Sets a variable of this process: for an SDK that reads it itself (langsmith's LANGSMITH_HIDE_*), or for a benchmark
 * that steers the process it runs in. The one write to the environment.
 */
export function exportSetting(name: SettingName, value: string): void {
  process.env[name] = value;
}

/** Every variable of the environment, name and value, for the one reader that must see all of them: secret masking. */
export function environmentEntries(): [string, string | undefined][] {
  return Object.entries(process.env);
}

/** The cache folder: `$INSIDEOUT_CACHE_DIR`, else `$XDG_CACHE_HOME/insideout`, else `~/.cache/insideout`. */
export function cacheDir(env: Environment = process.env): string {
  const own = setting("INSIDEOUT_CACHE_DIR", env);
  if (own) return resolve(own);
  const xdg = setting("XDG_CACHE_HOME", env);
  if (xdg) return join(resolve(xdg), "insideout");
  return join(homedir(), ".cache", "insideout");
}
