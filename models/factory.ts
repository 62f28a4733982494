/**
 * The one place providers plug in: `resolveModel("provider:model")` returns a LangChain chat model and how to ask it
 * for structured output. Tests register their own scripted providers with `registerProvider`.
 */
import { openaiModel } from "./openai.js";
import { parseModelSpec } from "./spec.js";
import type { ModelOptions, ProviderFactory, ResolvedModel } from "./types.js";

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

export async function resolveModel(spec: string | undefined, options: ModelOptions = {}): Promise<ResolvedModel> {
  const effective = !spec || spec === "auto" ? defaultModelSpec() : spec;
  const { provider, name } = parseModelSpec(effective);
  const factory = providers.get(provider);
  if (!factory) {
    throw new Error(`Unknown model provider "${provider}" in "${effective}": use one of ${knownProviders().join(", ")}.`);
  }
  const model = await factory(name, options);
  return modelHooks.reduce((m, hook) => hook(m), model);
}

/** Something applied to every model `resolveModel` returns: an evaluation plugs its LLM cache in this way. */
export type ModelHook = (model: ResolvedModel) => ResolvedModel;
const modelHooks: ModelHook[] = [];

/** Nodes resolve their own model, so a hook is how one caller reaches all of them. Returns the remover. */
export function addModelHook(hook: ModelHook): () => void {
  modelHooks.push(hook);
  return () => {
    const i = modelHooks.indexOf(hook);
    if (i >= 0) modelHooks.splice(i, 1);
  };
}
