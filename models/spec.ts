/** Model names are `provider:model`, as LangChain's initChatModel spells them. */
export interface ModelSpec {
  provider: string;
  name: string;
}

export function parseModelSpec(spec: string): ModelSpec {
  const i = spec.indexOf(":");
  if (i <= 0 || i === spec.length - 1) {
    throw new Error(
      `Bad model name "${spec}": use provider:model, e.g. openai:gpt-4o-mini, ollama:llama3.2, local:./model.gguf.`,
    );
  }
  return { provider: spec.slice(0, i).toLowerCase(), name: spec.slice(i + 1) };
}
