/**
 * `ollama:<name>` through @langchain/ollama. The server is OLLAMA_HOST (the variable the ollama CLI itself reads),
 * else OLLAMA_BASE_URL (the one ChatOllama reads), else http://127.0.0.1:11434. Structured output uses Ollama's
 * JSON-schema `format`, which the server enforces with a grammar. Connection failures and missing models become one
 * line that says what to do.
 */
import { ChatOllama } from "@langchain/ollama";
import { checkedUrl, setting, type Environment } from "../core/settings.js";
import { maskSecrets } from "../core/secrets.js";
import type { CallFailureKind } from "../core/errors.js";
import type { KnownFailure } from "./failures.js";
import type { ModelOptions, ResolvedModel } from "./types.js";

/** A one-line Ollama error; `failureKind` is set when the call got no answer (models/failures.ts reads it). */
export class OllamaError extends Error implements KnownFailure {
  constructor(
    message: string,
    options?: { cause?: unknown },
    readonly failureKind?: CallFailureKind,
  ) {
    super(message, options);
    this.name = "OllamaError";
  }
}

/**
 * Normalises OLLAMA_HOST the way the ollama CLI does: scheme optional (http), port optional (11434), and the
 * listen-everywhere address 0.0.0.0 means "this machine" for a client.
 */
export function ollamaBaseUrl(env?: Environment): string {
  const raw = (setting("OLLAMA_HOST", env) ?? "").trim();
  if (!raw) return "http://127.0.0.1:11434";
  // Parsed by hand rather than with URL, which would silently drop an explicit default port such as :80.
  const m = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(\[[^\]]+\]|[^/:]+)(?::(\d+))?(\/.*)?$/i.exec(raw);
  if (!m) throw new OllamaError(`OLLAMA_HOST="${maskSecrets(raw)}" is not a host, host:port or URL`);
  const scheme = (m[1] ?? "http").toLowerCase();
  // The same rules as every URL setting (core/settings.ts checkedUrl): http(s), nothing a key could hide in.
  if (m[1]) checkedUrl("OLLAMA_HOST", raw);
  else if (/[?#@]/.test(raw)) throw new OllamaError("OLLAMA_HOST holds a user, password, query string or fragment: give a host, host:port or http(s) URL only.");
  const host = m[2] === "0.0.0.0" ? "127.0.0.1" : (m[2] as string);
  // A bare host means Ollama's port; an https URL without a port means 443, left implicit.
  const port = m[3] ?? (scheme === "https" ? undefined : "11434");
  const path = (m[4] ?? "").replace(/\/+$/, "");
  return `${scheme}://${host}${port ? `:${port}` : ""}${path}`;
}

function causeCode(error: unknown): string | undefined {
  const cause = (error as { cause?: { code?: string } } | undefined)?.cause;
  return cause?.code;
}

/** An Ollama failure in Ollama's terms (`ollama pull`, `ollama serve`), carrying its kind (models/failures.ts). */
export function explainOllama(error: unknown, baseUrl: string, model: string): Error {
  const message = error instanceof Error ? error.message : String(error);
  const status = (error as { status_code?: number }).status_code;
  if (status === 404 || /model .*not found/i.test(message)) {
    return new OllamaError(
      `Ollama at ${baseUrl} has no model "${model}": run \`ollama pull ${model}\` or pick another --model.`,
      { cause: error },
      "not-found",
    );
  }
  const code = causeCode(error);
  if (code || /fetch failed|ECONNREFUSED|ENOTFOUND/i.test(message)) {
    return new OllamaError(
      `Cannot reach Ollama at ${baseUrl}${code ? ` (${code})` : ""}: start it with \`ollama serve\`, or set OLLAMA_HOST to where it runs.`,
      { cause: error },
      "connection",
    );
  }
  return error instanceof Error ? error : new Error(message);
}

/** One client per (model, server, options) for the process: every run resolves its model, and a client is not free. */
const instances = new Map<string, ChatOllama>();

export function ollamaModel(name: string, options: ModelOptions): ResolvedModel {
  const baseUrl = ollamaBaseUrl();
  const temperature = options.temperature ?? 0;
  const key = JSON.stringify([name, baseUrl, temperature, options.seed]);
  let chat = instances.get(key);
  if (!chat) {
    chat = new ChatOllama({ model: name, baseUrl, temperature, seed: options.seed });
    instances.set(key, chat);
  }
  return {
    spec: `ollama:${name}`,
    provider: "ollama",
    name,
    chat,
    structuredMethod: "jsonSchema",
    around: (call) => call().catch((e: unknown) => Promise.reject(explainOllama(e, baseUrl, name))),
    identity: { provider: "ollama", endpoint: baseUrl, model: name, params: { temperature, seed: options.seed ?? null } },
  };
}
