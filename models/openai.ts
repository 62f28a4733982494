import { ChatOpenAI } from "@langchain/openai";
import type { ModelOptions, ResolvedModel } from "./types.js";

/** `openai:<name>`; `OPENAI_BASE_URL` points it at any OpenAI-compatible server. */
export function openaiModel(name: string, options: ModelOptions): ResolvedModel {
  const baseURL = process.env.OPENAI_BASE_URL || undefined;
  const apiKey = process.env.OPENAI_API_KEY || (baseURL ? "not-needed" : undefined);
  if (!apiKey) {
    throw new Error(
      "OPENAI_API_KEY is not set: export it, or set OPENAI_BASE_URL to an OpenAI-compatible server, or pick another model with --model.",
    );
  }
  const chat = new ChatOpenAI({
    model: name,
    apiKey,
    configuration: baseURL ? { baseURL } : undefined,
    temperature: options.temperature ?? 0,
    modelKwargs: options.seed === undefined ? undefined : { seed: options.seed },
    timeout: options.timeoutMs,
    maxRetries: options.maxRetries ?? 2,
  });
  return { spec: `openai:${name}`, provider: "openai", name, chat, strictSchema: true };
}
