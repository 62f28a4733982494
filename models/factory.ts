/**
 * The one place providers plug in. A `ModelResolver` turns `provider:model` into a LangChain chat model and how to ask
 * it for structured output, with what its caller hands it: an eval gives its LLM cache and request limiter; the CLI
 * and Studio use the default resolver (no cache, the process-wide limiter). Tests register scripted providers with
 * `registerProvider`.
 */
import { ANY_FILE, AccessRefused, fileByName, quoted, type FileAccess } from "../core/access.js";
import type { Semaphore } from "./limits.js";
import { importOptional } from "./optionalPackage.js";
import { parseModelSpec } from "./spec.js";
import type { AnswerCache, BatchTransport, ModelOptions, ProviderFactory, ResolvedModel } from "./types.js";

const providers = new Map<string, ProviderFactory>([
  // Each integration is imported only when one of its models is asked for (a command's start-up waits for none it
  // does not use). node-llama-cpp, @langchain/anthropic and langchain-gigachat are optional peer dependencies (700, 16
  // and 11 MB), installed by those who use their models.
  ["openai", async (name, options) => (await import("./openai.js")).openaiModel(name, options)],
  ["ollama", async (name, options) => (await import("./ollama.js")).ollamaModel(name, options)],
  ["local", async (name, options) => (await importOptional("node-llama-cpp", "local: models", () => import("./local/provider.js"))).localModel(name, options)],
  ["anthropic", async (name, options) => (await importOptional("@langchain/anthropic", "anthropic: models", () => import("./anthropic.js"))).anthropicModel(name, options)],
  ["google-genai", async (name, options) => (await import("./googleGenai.js")).googleGenaiModel(name, options)],
  ["gigachat", async (name, options) => (await importOptional("langchain-gigachat", "gigachat: models", () => import("./gigachat.js"))).gigachatModel(name, options)],
]);

export function registerProvider(prefix: string, factory: ProviderFactory): void {
  providers.set(prefix.toLowerCase(), factory);
}

export function knownProviders(): string[] {
  return [...providers.keys()];
}

/** `auto` (or nothing): openai:gpt-4o-mini with an OpenAI key or base URL, else the embedded local default. */
export function defaultModelSpec(): string {
  if (process.env.OPENAI_API_KEY || process.env.OPENAI_BASE_URL) return "openai:gpt-4o-mini";
  return process.env.INSIDEOUT_DEFAULT_LOCAL_MODEL ?? "local:default";
}

/** `auto` or nothing resolved to the default; anything else as given. */
export function effectiveSpec(spec: string | undefined): string {
  return !spec || spec === "auto" ? defaultModelSpec() : spec;
}

export interface ResolverDeps {
  /** Structured and text calls answer from it when they can, and store what they get (models/structured.ts). */
  cache?: AnswerCache;
  /** HTTP requests of the models it resolves share this limit. */
  limiter?: Semaphore;
  /** Which model files a name may make it load (core/access.ts); any path by default (in-process callers). */
  files?: FileAccess;
  /** eval --batch: openai: requests go through the Batch API (models/batch/). */
  batch?: BatchTransport;
}

export class ModelResolver {
  constructor(readonly deps: ResolverDeps = {}) {}

  async resolve(spec: string | undefined, options: ModelOptions = {}): Promise<ResolvedModel> {
    const effective = effectiveSpec(spec);
    const { provider, name } = parseModelSpec(effective);
    const factory = providers.get(provider);
    if (!factory) {
      throw new Error(`Unknown model provider "${provider}" in "${effective}": use one of ${knownProviders().join(", ")}.`);
    }
    // `auto` is the operator's own choice (INSIDEOUT_DEFAULT_LOCAL_MODEL may be a path): only names a caller gave are checked.
    const chosen = provider === "local" && effectiveSpec(spec) !== spec ? name : localName(provider, name, this.deps.files ?? ANY_FILE);
    const model = await factory(chosen, { ...options, ...(this.deps.limiter ? { limiter: this.deps.limiter } : {}), ...(this.deps.batch ? { batch: this.deps.batch } : {}) });
    // A model found by name keeps that name: the server's folder is none of the caller's business.
    const named = chosen === name ? model : { ...model, spec: effective, name };
    return this.deps.cache ? { ...named, cache: this.deps.cache } : named;
  }
}

/**
 * What the local provider is handed for `local:<name>` under `files`. A run from outside may name `local:default`
 * (the pinned, checksummed default), a GGUF file by name from INSIDEOUT_MODELS_DIR, and `local:hf:…` only when the
 * operator allows downloads (INSIDEOUT_ALLOW_HF_MODELS): else any caller could make the server fetch and store
 * gigabytes from the hub and feed an unvetted file to llama.cpp. Nothing else: refused before any file is looked at.
 */
function localName(provider: string, name: string, files: FileAccess): string {
  if (provider !== "local" || files.kind === "any" || name === "default") return name;
  if (name.startsWith("hf:") && files.hfModels) return name;
  const path = fileByName(files.modelsDir, name, ".gguf");
  if (path) return path;
  const ways = ["local:default", ...(files.modelsDir ? ["local:<name of a .gguf file in the server's INSIDEOUT_MODELS_DIR>"] : []), ...(files.hfModels ? ["local:hf:<owner>/<repo>/<file>.gguf"] : [])];
  throw new AccessRefused(
    `Model ${quoted(`local:${name}`)} is not available on this server: use ${ways.join(", ")}, or an openai: or ollama: model (a server loads local models only by name from the folder it allows; see docs/studio.md).`,
  );
}

/** No cache; the process-wide request limit. */
export const defaultResolver = new ModelResolver();

export function resolveModel(spec: string | undefined, options: ModelOptions = {}): Promise<ResolvedModel> {
  return defaultResolver.resolve(spec, options);
}
