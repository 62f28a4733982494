/**
 * `ChatLocalLlama`: a LangChain chat model over an in-process GGUF (node-llama-cpp). Instances are cheap: the model
 * and its context live in the shared engine for the file (see engine.ts), so a graph may create one per node call.
 *
 * Structured output is constrained decoding, not a request: `withStructuredOutput(schema)` turns the schema into
 * node-llama-cpp's JSON-schema grammar, so even a tiny or weak model can only emit JSON of that shape (labels from
 * the enum, bounded numbers, bounded strings). The runnable returns `{raw, parsed}` with `includeRaw`, as LangChain's
 * providers do, so models/ask.ts treats it like any other provider.
 */
import type { CallbackManagerForLLMRun } from "@langchain/core/callbacks/manager";
import type { BaseLanguageModelInput, StructuredOutputMethodOptions } from "@langchain/core/language_models/base";
import { BaseChatModel, type BaseChatModelCallOptions, type BaseChatModelParams } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage } from "@langchain/core/messages";
import { OutputParserException } from "@langchain/core/output_parsers";
import type { ChatResult } from "@langchain/core/outputs";
import { RunnableLambda, type Runnable } from "@langchain/core/runnables";
import { toJsonSchema } from "@langchain/core/utils/json_schema";
import { isSerializableSchema } from "@langchain/core/utils/standard_schema";
import { interopSafeParseAsync, isInteropZodSchema, type InteropZodType } from "@langchain/core/utils/types";
import { DEFAULT_ENGINE_CONFIG, processEngines, type EngineConfig, type LocalEngine, type LocalEngines } from "./engine.js";
import { DEFAULT_GRAMMAR_LIMITS, toGrammarSchema, type GrammarLimits, type JsonSchema } from "./grammarSchema.js";
import { toChatHistory } from "./messages.js";

export interface ChatLocalLlamaInput extends BaseChatModelParams {
  /** Absolute path of the .gguf file. */
  modelPath: string;
  /** 0 (greedy) by default, for reproducible runs. */
  temperature?: number;
  /** Sampling seed; matters only when temperature > 0. */
  seed?: number;
  /** Cap for free-text answers; structured answers are bounded by their grammar instead. */
  maxTokens?: number;
  engine?: Partial<EngineConfig>;
  grammarLimits?: Partial<GrammarLimits>;
  /** Whose engines it runs on (default: the process's). */
  engines?: LocalEngines;
}

export interface ChatLocalLlamaCallOptions extends BaseChatModelCallOptions {
  /** JSON schema the answer must follow; enforced by a grammar while decoding. */
  responseSchema?: JsonSchema;
  maxTokens?: number;
}

type Parsed = Record<string, unknown>;

function textOf(message: BaseMessage): string {
  return message.text;
}

/** Validates JSON text against the caller's schema; null (not an exception) on failure, as LangChain's includeRaw does. */
async function parseAgainst(schema: unknown, text: string): Promise<Parsed | null> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (isInteropZodSchema(schema)) {
    const result = await interopSafeParseAsync(schema as InteropZodType<Parsed>, value);
    return result.success ? result.data : null;
  }
  if (isSerializableSchema(schema)) {
    const result = await schema["~standard"].validate(value);
    return result.issues ? null : (result.value as Parsed);
  }
  return value !== null && typeof value === "object" ? (value as Parsed) : null;
}

export class ChatLocalLlama extends BaseChatModel<ChatLocalLlamaCallOptions> {
  readonly modelPath: string;
  readonly temperature: number;
  readonly seed?: number;
  readonly maxTokens: number;
  readonly engineConfig: EngineConfig;
  readonly grammarLimits: GrammarLimits;
  private readonly engines: LocalEngines;

  static override lc_name(): string {
    return "ChatLocalLlama";
  }

  constructor(fields: ChatLocalLlamaInput) {
    super(fields);
    this.modelPath = fields.modelPath;
    this.temperature = fields.temperature ?? 0;
    this.seed = fields.seed;
    this.maxTokens = fields.maxTokens ?? 512;
    this.engineConfig = { ...DEFAULT_ENGINE_CONFIG, ...fields.engine };
    this.grammarLimits = { ...DEFAULT_GRAMMAR_LIMITS, ...fields.grammarLimits };
    this.engines = fields.engines ?? processEngines;
  }

  _llmType(): string {
    return "node-llama-cpp";
  }

  /** The shared engine for this file (loads the model on first use). */
  engine(): Promise<LocalEngine> {
    return this.engines.engine(this.modelPath, this.engineConfig);
  }

  override invocationParams(options?: this["ParsedCallOptions"]): Record<string, unknown> {
    return {
      model_path: this.modelPath,
      temperature: this.temperature,
      seed: this.seed,
      max_tokens: options?.maxTokens ?? this.maxTokens,
      structured: options?.responseSchema !== undefined,
    };
  }

  async _generate(
    messages: BaseMessage[],
    options: this["ParsedCallOptions"],
    runManager?: CallbackManagerForLLMRun,
  ): Promise<ChatResult> {
    const engine = await this.engine();
    const schema = options.responseSchema;
    const result = await engine.generate({
      history: toChatHistory(messages),
      grammarSchema: schema ? toGrammarSchema(schema, this.grammarLimits) : undefined,
      temperature: this.temperature,
      seed: this.seed,
      // A grammar already bounds a structured answer; a token cap could only cut its JSON in half.
      maxTokens: options.maxTokens ?? (schema ? undefined : this.maxTokens),
      stop: options.stop,
      signal: options.signal,
      onTextChunk: runManager ? (text) => void runManager.handleLLMNewToken(text) : undefined,
    });
    const usage = {
      input_tokens: result.promptTokens,
      output_tokens: result.completionTokens,
      total_tokens: result.promptTokens + result.completionTokens,
    };
    const message = new AIMessage({
      content: result.text,
      usage_metadata: usage,
      response_metadata: { model_provider: "local", model_path: this.modelPath, stop_reason: result.stopReason },
    });
    return {
      generations: [{ text: result.text, message }],
      llmOutput: { tokenUsage: { promptTokens: usage.input_tokens, completionTokens: usage.output_tokens, totalTokens: usage.total_tokens } },
    };
  }

  // The overloads mirror BaseChatModel's so callers keep their types; the method (jsonSchema, jsonMode,
  // functionCalling) does not matter here: every structured answer is grammar-constrained JSON.
  override withStructuredOutput<RunOutput extends Parsed = Parsed>(
    outputSchema: unknown,
    config?: StructuredOutputMethodOptions<false>,
  ): Runnable<BaseLanguageModelInput, RunOutput>;
  override withStructuredOutput<RunOutput extends Parsed = Parsed>(
    outputSchema: unknown,
    config?: StructuredOutputMethodOptions<true>,
  ): Runnable<BaseLanguageModelInput, { raw: BaseMessage; parsed: RunOutput }>;
  override withStructuredOutput<RunOutput extends Parsed = Parsed>(
    outputSchema: unknown,
    config?: StructuredOutputMethodOptions<boolean>,
  ): Runnable<BaseLanguageModelInput, RunOutput> | Runnable<BaseLanguageModelInput, { raw: BaseMessage; parsed: RunOutput }> {
    const jsonSchema =
      isInteropZodSchema(outputSchema) || isSerializableSchema(outputSchema)
        ? (toJsonSchema(outputSchema) as JsonSchema)
        : (outputSchema as JsonSchema);
    const name = config?.name ?? "answer";
    const bound = this.withConfig({
      responseSchema: jsonSchema,
      ls_structured_output_format: { kwargs: { method: "jsonSchema" }, schema: jsonSchema },
    } as Partial<ChatLocalLlamaCallOptions>);
    if (config?.includeRaw) {
      const withRaw = RunnableLambda.from(async (raw: BaseMessage) => ({
        raw,
        parsed: (await parseAgainst(outputSchema, textOf(raw))) as RunOutput,
      }));
      return bound.pipe(withRaw).withConfig({ runName: `${name}StructuredOutput` });
    }
    const parsedOnly = RunnableLambda.from(async (raw: BaseMessage) => {
      const parsed = await parseAgainst(outputSchema, textOf(raw));
      if (parsed === null) throw new OutputParserException(`the answer does not match the schema "${name}"`, textOf(raw));
      return parsed as RunOutput;
    });
    return bound.pipe(parsedOnly).withConfig({ runName: `${name}StructuredOutput` });
  }
}
