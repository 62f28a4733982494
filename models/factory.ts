/**
 * The one place providers plug in. A `ModelResolver` turns `provider:model` into a LangChain chat model and how to ask
 * it for structured output, with what its caller hands it: an eval gives its LLM cache and request limiter; the CLI
 * and Studio use the default resolver (no cache, the process-wide limiter). Tests register scripted providers with
 * `registerProvider`.
 */
import { ANY_FILE, fileByName, RunRefused, quoted, type FileAccess } from "../core/access.js";
import { isSet, setting } from "../core/settings.js";
import type { Semaphore } from "./limits.js";
import type { LocalEngines } from "./local/engine.js";
import { importOptional } from "./optionalPackage.js";
import type { AnswerCache, BatchTransport, ModelOptions, ProviderFactory, ResolvedModel } from "./types.js";

/** What a provider's models can do, asked by the eval before it plans threads, batches and pacing. */
export interface ProviderCapabilities {
  /** Its requests can go through the OpenAI Batch API (eval --batch). */
  batchApi: boolean;
  /** Its transport is paced by --rpm/--tpm (models/limits.ts, models/pacing.ts). */
  paced: boolean;
  /** Its models are files on this machine (a server takes them only by name). */
  local: boolean;
}

const NONE: ProviderCapabilities = { batchApi: false, paced: false, local: false };

// Each integration is imported only when one of its models is asked for (a command's start-up waits for none it does
// not use); its capabilities are known without it. node-llama-cpp, @langchain/anthropic and langchain-gigachat are
// optional peer dependencies (700, 16 and 11 MB), installed by those who use their models.
const providers = new Map<string, { make: ProviderFactory; can: ProviderCapabilities }>([
  ["openai", { make: async (name, options) => (await import("./openai.js")).openaiModel(name, options), can: { batchApi: true, paced: true, local: false } }],
  ["ollama", { make: async (name, options) => (await import("./ollama.js")).ollamaModel(name, options), can: NONE }],
  [
    "local",
    {
      make: async (name, options) => (await importOptional("node-llama-cpp", "local: models", () => import("./local/provider.js"))).localModel(name, options),
      can: { ...NONE, local: true },
    },
  ],
  ["anthropic", { make: async (name, options) => (await importOptional("@langchain/anthropic", "anthropic: models", () => import("./anthropic.js"))).anthropicModel(name, options), can: NONE }],
  ["google-genai", { make: async (name, options) => (await import("./googleGenai.js")).googleGenaiModel(name, options), can: NONE }],
  ["gigachat", { make: async (name, options) => (await importOptional("langchain-gigachat", "gigachat: models", () => import("./gigachat.js"))).gigachatModel(name, options), can: NONE }],
]);

/** A provider of this thread only (tests' scripted models, the bench's instant one): none of the capabilities above. */
export function registerProvider(prefix: string, factory: ProviderFactory, can: ProviderCapabilities = NONE): void {
  providers.set(prefix.toLowerCase(), { make: factory, can });
}

/** Model names are `provider:model`, as LangChain's initChatModel spells them. */
export interface ModelSpec {
  provider: string;
  name: string;
}

export function parseModelSpec(spec: string): ModelSpec {
  const i = spec.indexOf(":");
  if (i <= 0 || i === spec.length - 1) {
    throw new Error(`Bad model name "${spec}": use provider:model, e.g. openai:gpt-4o-mini, ollama:llama3.2, local:./model.gguf.`);
  }
  return { provider: spec.slice(0, i).toLowerCase(), name: spec.slice(i + 1) };
}

/** What a model's provider can do; nothing for a name of no known provider (refused when it is resolved). */
export function capabilitiesOf(spec: string | undefined): ProviderCapabilities {
  return providers.get(parseModelSpec(effectiveSpec(spec)).provider)?.can ?? NONE;
}

/** A model name's provider and what it can do (`auto` as the default it stands for); an unknown provider is one line. */
export function providerOf(spec: string | undefined): ModelSpec & { can: ProviderCapabilities } {
  const effective = effectiveSpec(spec);
  const parsed = parseModelSpec(effective);
  const entry = providers.get(parsed.provider);
  if (!entry) throw new Error(`Unknown model provider "${parsed.provider}" in "${effective}": use one of ${knownProviders().join(", ")}.`);
  return { ...parsed, can: entry.can };
}

export function knownProviders(): string[] {
  return [...providers.keys()];
}

/** `auto` (or nothing): openai:gpt-4o-mini with an OpenAI key or base URL, else the embedded local default. */
export function defaultModelSpec(): string {
  if (isSet("OPENAI_API_KEY") || isSet("OPENAI_BASE_URL")) return "openai:gpt-4o-mini";
  return setting("INSIDEOUT_DEFAULT_LOCAL_MODEL");
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
  /** local: models run on these engines (default: the process's). */
  engines?: LocalEngines;
}

export class ModelResolver {
  constructor(readonly deps: ResolverDeps = {}) {}

  async resolve(spec: string | undefined, options: ModelOptions = {}): Promise<ResolvedModel> {
    const effective = effectiveSpec(spec);
    const { provider, name } = providerOf(effective);
    // `auto` is the operator's own choice (INSIDEOUT_DEFAULT_LOCAL_MODEL may be a path): only names a caller gave are checked.
    const chosen = provider === "local" && effective !== spec ? name : localName(provider, name, this.deps.files ?? ANY_FILE);
    const model = await providers.get(provider)!.make(chosen, { ...options, ...(this.deps.limiter ? { limiter: this.deps.limiter } : {}), ...(this.deps.batch ? { batch: this.deps.batch } : {}), ...(this.deps.engines ? { engines: this.deps.engines } : {}) });
    // A model found by name keeps that name: the server's folder is none of the caller's business.
    const named = chosen === name ? model : { ...model, spec: effective, name };
    return this.deps.cache ? { ...named, cache: this.deps.cache } : named;
  }

  /**
   * A run's models, resolved once: the model at the run's temperature now (a bad name or a missing key is one line
   * before any call), and at self-consistency's `sampleTemperature` on first use, then kept.
   */
  async forRun(o: { model: string; temperature: number; sampleTemperature: number }): Promise<RunModels> {
    const model = await this.resolve(o.model, { temperature: o.temperature });
    let sampling: Promise<ResolvedModel> | undefined;
    const samplingModel = () => {
      if (!sampling) {
        sampling = this.resolve(o.model, { temperature: o.sampleTemperature });
        sampling.catch(() => (sampling = undefined));
      }
      return sampling;
    };
    return { model, samplingModel };
  }
}

/** The models of one run (ModelResolver.forRun), handed to its nodes through the runtime (nodes/env.ts). */
export interface RunModels {
  model: ResolvedModel;
  /** The same model at the run's `sampleTemperature`: self-consistency's samples. */
  samplingModel: () => Promise<ResolvedModel>;
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
  throw new RunRefused("access", 
    `Model ${quoted(`local:${name}`)} is not available on this server: use ${ways.join(", ")}, or an openai: or ollama: model (a server loads local models only by name from the folder it allows; see docs/studio.md).`,
  );
}

/** No cache; the process-wide request limit. */
export const defaultResolver = new ModelResolver();

export function resolveModel(spec: string | undefined, options: ModelOptions = {}): Promise<ResolvedModel> {
  return defaultResolver.resolve(spec, options);
}
