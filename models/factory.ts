/**
 * The one place providers plug in. A `ModelResolver` turns `provider:model` into a LangChain chat model and how to ask
 * it for structured output, with what its caller hands it: an eval gives its LLM cache and request limiter; the CLI
 * and Studio use the default resolver (no cache, the process-wide limiter). Tests register scripted providers with
 * `registerProvider`.
 */
import type { Semaphore } from "./limits.js";
import { openaiModel } from "./openai.js";
import { parseModelSpec } from "./spec.js";
import type { AnswerCache, ModelOptions, ProviderFactory, ResolvedModel } from "./types.js";

const providers = new Map<string, ProviderFactory>([
  ["openai", openaiModel],
  // node-llama-cpp and @langchain/ollama take seconds to import: load them only when such a model is asked for.
  ["ollama", async (name, options) => (await import("./ollama.js")).ollamaModel(name, options)],
  ["local", async (name, options) => (await import("./local/provider.js")).localModel(name, options)],
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
    const model = await factory(name, { ...options, ...(this.deps.limiter ? { limiter: this.deps.limiter } : {}) });
    return this.deps.cache ? { ...model, cache: this.deps.cache } : model;
  }
}

/** No cache; the process-wide request limit. */
export const defaultResolver = new ModelResolver();

export function resolveModel(spec: string | undefined, options: ModelOptions = {}): Promise<ResolvedModel> {
  return defaultResolver.resolve(spec, options);
}
