/**
 * One loaded GGUF and one llama.cpp context with N sequences, shared by every chat-model instance that names the same
 * file. Calls that arrive together (the five emotion agents of a dialogue, sent by parallel LangGraph branches in the
 * same tick) each take a free sequence and generate at the same time; node-llama-cpp gathers the pending tokens of
 * all sequences into one decode batch per step. When all sequences are busy a call waits for one (FIFO), so there is
 * never a second context or a second model load.
 *
 * A call takes the free sequence that already holds the longest prefix of its prompt: node-llama-cpp's LlamaChat keeps
 * a sequence's evaluated tokens up to the first one that differs, so the prompt's shared part (prompts/erc.ts puts it
 * first) is not evaluated again. Sequences never share evaluated tokens with each other (node-llama-cpp has no public
 * way to copy one sequence's state to another in memory), so five agents decoding together each evaluate the
 * conversation once; one after another on one sequence, they evaluate it once between them.
 *
 * The engine counts what it does (model loads, contexts, calls, concurrent calls, how many sequences each decode
 * batch carried, prompt tokens asked for and actually evaluated) so that tests can check batching without timing.
 * Engines belong to a `LocalEngines`: the process's, or one its owner (a test, a benchmark phase) makes and disposes.
 */
import { realpathSync } from "node:fs";
import {
  LlamaChat,
  resolveChatWrapper,
  type BatchItem,
  type ChatHistoryItem,
  type ChatWrapper,
  type GbnfJsonSchema,
  type Llama,
  type LlamaContext,
  type LlamaContextSequence,
  type LlamaGrammar,
  type LlamaModel,
  type PrioritizedBatchItem,
  type Token,
} from "node-llama-cpp";
import { LocalModelError } from "./errors.js";
import { llamaRuntime } from "./runtime.js";

export interface EngineConfig {
  /** Parallel sequences in the one context: how many calls decode at once. */
  sequences: number;
  /** Tokens per sequence (prompt and answer). */
  contextSize: number;
  /** Threads for evaluation; undefined: node-llama-cpp's default. */
  threads?: number;
  /** Tokens per decode batch, shared by the sequences; undefined: node-llama-cpp's default. */
  batchSize?: number;
}

/**
 * Six sequences: the five agents of a dialogue decode together, and the aggregator keeps a sequence of its own (its
 * prompt's prefix stays evaluated for the next dialogue). 4096 tokens each: an agent's prompt is ~500 on
 * EmpatheticDialogues. 512 tokens per batch, node-llama-cpp's own default, written out so it is one setting with the
 * others: five agents' prompts take two or three batches, and a larger batch buys a CPU little but memory.
 */
export const DEFAULT_ENGINE_CONFIG: EngineConfig = { sequences: 6, contextSize: 4096, batchSize: 512 };

export interface EngineStats {
  modelLoads: number;
  contextsCreated: number;
  /** Sequences the context was created with. */
  sequences: number;
  calls: number;
  activeCalls: number;
  peakActiveCalls: number;
  /** Calls that had to wait because every sequence was busy. */
  waitedCalls: number;
  /** Decode batches dispatched by node-llama-cpp for this context. */
  batches: number;
  /** The most sequences whose tokens went into one decode batch. */
  maxSequencesPerBatch: number;
  /** Batches that carried tokens of two or more sequences. */
  multiSequenceBatches: number;
  /** Prompt tokens of the calls, and how many of them were evaluated (the rest were kept from a previous call). */
  promptTokens: number;
  evaluatedPromptTokens: number;
  completionTokens: number;
}

export interface GenerateRequest {
  history: ChatHistoryItem[];
  /** Constrains the answer with node-llama-cpp's JSON-schema grammar. */
  grammarSchema?: GbnfJsonSchema;
  temperature: number;
  seed?: number;
  maxTokens?: number;
  stop?: string[];
  signal?: AbortSignal;
  onTextChunk?: (text: string) => void;
}

export interface GenerateResult {
  text: string;
  promptTokens: number;
  completionTokens: number;
  stopReason: string;
}

/**
 * Splits the batch's token budget evenly over the pending sequences (then hands leftovers out in order), as
 * node-llama-cpp's own "maximumParallelism" strategy does, so that every waiting sequence advances in every batch.
 */
function fairShare(items: readonly BatchItem[], size: number): PrioritizedBatchItem[] {
  const out = items.map((item) => ({ item, processAmount: 0 }));
  let left = size;
  while (left > 0) {
    const open = out.filter((o) => o.processAmount < o.item.tokens.length);
    if (open.length === 0) break;
    const share = Math.max(1, Math.floor(left / open.length));
    for (const o of open) {
      const take = Math.min(share, o.item.tokens.length - o.processAmount, left);
      o.processAmount += take;
      left -= take;
      if (left === 0) break;
    }
  }
  return out.filter((o) => o.processAmount > 0);
}

/** A shared prefix worth more than a fresh sequence: longer than any chat template's opening (`<|im_start|>system\n`). */
const MIN_SHARED_TOKENS = 16;

/** The call and batch counters, zeroed. */
function zeroCallStats() {
  return {
    calls: 0,
    peakActiveCalls: 0,
    waitedCalls: 0,
    batches: 0,
    maxSequencesPerBatch: 0,
    multiSequenceBatches: 0,
    promptTokens: 0,
    evaluatedPromptTokens: 0,
    completionTokens: 0,
  };
}

export class LocalEngine {
  private readonly counters: EngineStats;
  private readonly free: LlamaContextSequence[] = [];
  private readonly waiters: ((s: LlamaContextSequence) => void)[] = [];
  private readonly grammars = new Map<string, Promise<LlamaGrammar>>();
  private context!: LlamaContext;
  private chatWrapper!: ChatWrapper;

  private constructor(
    readonly path: string,
    readonly config: EngineConfig,
    private readonly llama: Llama,
    readonly model: LlamaModel,
    private readonly loads: () => number,
  ) {
    this.counters = { modelLoads: 0, contextsCreated: 0, sequences: config.sequences, activeCalls: 0, ...zeroCallStats() };
  }

  /** Loads `path`; `countLoad` is called as the load starts and `loads` tells the owner's count for the file. */
  static async load(path: string, config: EngineConfig, countLoad: () => void, loads: () => number): Promise<LocalEngine> {
    const llama = await llamaRuntime();
    let model: LlamaModel;
    try {
      countLoad();
      model = await llama.loadModel({ modelPath: path });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new LocalModelError("runtime", `cannot load the GGUF model ${path}: ${why}`, { cause: error });
    }
    const engine = new LocalEngine(path, config, llama, model, loads);
    await engine.createContext();
    return engine;
  }

  private async createContext(): Promise<void> {
    const { sequences, threads, batchSize } = this.config;
    const contextSize = Math.min(this.config.contextSize, this.model.trainContextSize || this.config.contextSize);
    try {
      this.context = await this.model.createContext({
        sequences,
        contextSize,
        ...(threads !== undefined ? { threads } : {}),
        ...(batchSize !== undefined ? { batchSize } : {}),
        batching: {
          dispatchSchedule: "nextCycle",
          itemPrioritizationStrategy: ({ items, size }) => {
            this.counters.batches++;
            this.counters.maxSequencesPerBatch = Math.max(this.counters.maxSequencesPerBatch, items.length);
            if (items.length > 1) this.counters.multiSequenceBatches++;
            return fairShare(items, size);
          },
        },
      });
    } catch (error) {
      const why = error instanceof Error ? error.message : String(error);
      throw new LocalModelError(
        "runtime",
        `cannot create a ${sequences}-sequence context of ${contextSize} tokens for ${this.path} (${why}): lower INSIDEOUT_LOCAL_SEQUENCES or INSIDEOUT_LOCAL_CONTEXT`,
        { cause: error },
      );
    }
    this.counters.contextsCreated++;
    // Resolved once from the GGUF's own chat template; the wrapper is stateless, so all sequences share it.
    this.chatWrapper = resolveChatWrapper(this.model);
  }

  /** The threads llama.cpp evaluates with (chosen when the context was made). */
  get threads(): number {
    return this.context.idealThreads;
  }

  /** Tokens each sequence can hold (prompt and answer). */
  get contextSize(): number {
    return this.context.contextSize;
  }

  stats(): EngineStats {
    return { ...this.counters, modelLoads: this.loads() };
  }

  /**
   * The free sequence holding the longest prefix of `prompt`; a fresh one (while any is left) rather than one that
   * shares no more than the chat template's opening tokens, so that what a used sequence holds stays for its kind.
   */
  private async acquire(prompt: Token[]): Promise<LlamaContextSequence> {
    let best = -1;
    let bestShared = 0;
    for (const [i, sequence] of this.free.entries()) {
      const shared = sequence.compareContextTokens(prompt).firstDifferentIndex;
      if (best < 0 || shared > bestShared) [best, bestShared] = [i, shared];
    }
    if (best >= 0 && (bestShared >= MIN_SHARED_TOKENS || this.context.sequencesLeft === 0)) return this.free.splice(best, 1)[0]!;
    if (this.context.sequencesLeft > 0) return this.context.getSequence();
    this.counters.waitedCalls++;
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private release(sequence: LlamaContextSequence): void {
    const next = this.waiters.shift();
    if (next) next(sequence);
    else this.free.push(sequence);
  }

  private grammarFor(schema: GbnfJsonSchema): Promise<LlamaGrammar> {
    const key = JSON.stringify(schema);
    let grammar = this.grammars.get(key);
    if (!grammar) {
      grammar = this.llama.createGrammarForJsonSchema<GbnfJsonSchema>(schema);
      this.grammars.set(key, grammar);
      grammar.catch(() => this.grammars.delete(key));
    }
    return grammar;
  }

  /** The prompt as the chat wrapper renders it: what LlamaChat will evaluate (up to its own trimming). */
  private promptTokens(history: ChatHistoryItem[]): Token[] {
    const last = history.at(-1);
    const full: ChatHistoryItem[] = last?.type === "model" ? history : [...history, { type: "model", response: [] }];
    return this.chatWrapper.generateContextState({ chatHistory: full }).contextText.tokenize(this.model.tokenizer);
  }

  async generate(req: GenerateRequest): Promise<GenerateResult> {
    const grammar = req.grammarSchema ? await this.grammarFor(req.grammarSchema) : undefined;
    this.counters.calls++;
    const prompt = this.promptTokens(req.history);
    const sequence = await this.acquire(prompt);
    this.counters.activeCalls++;
    this.counters.peakActiveCalls = Math.max(this.counters.peakActiveCalls, this.counters.activeCalls);
    const chat = new LlamaChat({ contextSequence: sequence, chatWrapper: this.chatWrapper, autoDisposeSequence: false });
    try {
      const before = sequence.tokenMeter.getState();
      const response = await chat.generateResponse(req.history, {
        ...(grammar ? { grammar } : {}),
        temperature: req.temperature,
        ...(req.seed !== undefined ? { seed: req.seed } : {}),
        ...(req.maxTokens !== undefined ? { maxTokens: req.maxTokens } : {}),
        ...(req.stop?.length ? { customStopTriggers: req.stop } : {}),
        ...(req.signal ? { signal: req.signal } : {}),
        ...(req.onTextChunk ? { onTextChunk: req.onTextChunk } : {}),
      });
      const after = sequence.tokenMeter.getState();
      const completionTokens = after.usedOutputTokens - before.usedOutputTokens;
      this.counters.promptTokens += prompt.length;
      this.counters.evaluatedPromptTokens += after.usedInputTokens - before.usedInputTokens;
      this.counters.completionTokens += completionTokens;
      return { text: response.response, promptTokens: prompt.length, completionTokens, stopReason: response.metadata.stopReason };
    } finally {
      chat.dispose({ disposeSequence: false });
      this.counters.activeCalls--;
      this.release(sequence);
    }
  }

  async dispose(): Promise<void> {
    await this.context?.dispose();
    await this.model.dispose();
  }
}

function canonical(path: string): string {
  try {
    return realpathSync(path);
  } catch {
    return path;
  }
}

/**
 * Engines, one per GGUF file: loaded on first use, then shared. The first caller's config wins (one context per
 * model); later callers get the same engine whatever they ask for. The process has one (`processEngines`); a caller
 * that wants its own (fresh counters, its own lifetime) makes one and hands it to a ModelResolver.
 */
export class LocalEngines {
  private readonly engines = new Map<string, Promise<LocalEngine>>();
  /** Real LlamaModel loads per file: what "loaded once and shared" is checked against. */
  private readonly loadCounts = new Map<string, number>();

  engine(path: string, config: EngineConfig = DEFAULT_ENGINE_CONFIG): Promise<LocalEngine> {
    const key = canonical(path);
    let engine = this.engines.get(key);
    if (!engine) {
      const loads = () => this.loadCounts.get(key) ?? 0;
      engine = LocalEngine.load(key, config, () => this.loadCounts.set(key, loads() + 1), loads);
      this.engines.set(key, engine);
      engine.catch(() => this.engines.delete(key));
    }
    return engine;
  }

  /** How many times this owner loaded the file. */
  loads(path: string): number {
    return this.loadCounts.get(canonical(path)) ?? 0;
  }

  /** Frees every engine (models and contexts); a later call loads again. */
  async dispose(): Promise<void> {
    const all = [...this.engines.values()];
    this.engines.clear();
    for (const e of all) await (await e.catch(() => undefined))?.dispose();
  }
}

/** The process's engines: the local provider's unless its resolver was handed others. */
export const processEngines = new LocalEngines();
