/**
 * Writes random-weight GGUF models so that node-llama-cpp (and llama.cpp under it) is exercised for real without
 * downloading any weights: by default a tiny 2-layer llama for tests, and for the benchmark a model of a real model's
 * shape (QWEN25_05B below), whose speed is the real one's since llama.cpp's work does not depend on the weights'
 * values. The format follows the public GGUF v3 spec: header, metadata key/values, tensor infos, aligned tensor data
 * (F32, Q8_0, or the mix llama.cpp's Q4_K_M quantizer gives the shape: Q4_K, Q5_0, Q6_K and Q8_0 blocks whose quants
 * are random bytes under a small f16 scale). The tokenizer is a byte-level GPT-2-style BPE (every byte
 * is a token, so any text and any JSON grammar can be spelled); given a corpus, the words of the corpus become whole
 * tokens too, so that a prompt has about as many tokens as with a real BPE vocabulary. A ChatML chat template with
 * its control tokens. Weights come from a seeded PRNG: the same options always give the same file. The tensor data is
 * streamed to the file, so a model of hundreds of megabytes never sits in memory whole.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { mulberry32 } from "../evaluations/metrics/stats.js";

export interface TinyGgufOptions {
  /** `qwen2` adds the attention biases Qwen2 has; both are llama-style decoders. */
  architecture?: "llama" | "qwen2";
  /** Hidden size; a multiple of `heads`. */
  embedding?: number;
  layers?: number;
  heads?: number;
  kvHeads?: number;
  feedForward?: number;
  contextLength?: number;
  seed?: number;
  /** Standard deviation-ish scale of the random weights. */
  scale?: number;
  /**
   * Type of the 2-D weight tensors (norms and biases stay F32). `q4_k_m`: the types llama.cpp's Q4_K_M quantizer picks
   * per tensor (src/llama-quant.cpp, the version node-llama-cpp ships): Q4_K, Q6_K for attn_v and ffn_down in the
   * `useMoreBits` layers, Q8_0 for the (tied) embeddings when their width is not a multiple of 256, and a K-quant whose
   * width is not falls back to Q5_0 (Q4_K) or Q8_0 (Q6_K).
   */
  tensorType?: "f32" | "q8_0" | "q4_k_m";
  /** No output.weight: the output layer reuses token_embd, as Qwen2.5-0.5B's does. */
  tiedEmbeddings?: boolean;
  /** Pad the vocabulary to this many tokens (the output layer's width). */
  vocabSize?: number;
  /** Text whose words (as GPT-2's pre-tokenizer splits them) become tokens, as many as `vocabSize` has room for. */
  corpus?: string;
  ropeFreqBase?: number;
  rmsEpsilon?: number;
}

/**
 * Qwen2.5-0.5B-Instruct's shape, from its config.json (Qwen/Qwen2.5-0.5B on Hugging Face): 24 layers, hidden size 896,
 * 14 attention heads and 2 KV heads, intermediate size 4864, vocabulary 151936, tied embeddings, rope theta 1e6,
 * RMS norm epsilon 1e-6, 32768 positions. In Q4_K_M, the quantisation of the default local model
 * (models/defaultLocal.ts), the file is about 0.4 GB, as that model's is.
 */
export const QWEN25_05B: TinyGgufOptions = {
  architecture: "qwen2",
  embedding: 896,
  layers: 24,
  heads: 14,
  kvHeads: 2,
  feedForward: 4864,
  contextLength: 32768,
  vocabSize: 151936,
  tiedEmbeddings: true,
  ropeFreqBase: 1_000_000,
  rmsEpsilon: 1e-6,
  tensorType: "q4_k_m",
  scale: 0.02,
};

export interface TinyGgufInfo {
  path: string;
  vocabSize: number;
  bytes: number;
}

// GGUF metadata value types (ggml/include/gguf.h).
const T_UINT32 = 4;
const T_INT32 = 5;
const T_FLOAT32 = 6;
const T_BOOL = 7;
const T_STRING = 8;
const T_ARRAY = 9;
const GGML_TYPE_F32 = 0;
const FILE_TYPE: Record<NonNullable<TinyGgufOptions["tensorType"]>, number> = { f32: 0, q8_0: 7, q4_k_m: 15 };

type BlockType = "q8_0" | "q5_0" | "q4_k" | "q6_k";
/**
 * ggml's block layouts (ggml/src/ggml-common.h): values per block, bytes per block, the ggml type id, where the f16
 * scale(s) sit, and the scale that makes the dequantized values' spread about 1 with random quant bytes (Q8_0: int8
 * over ±127, σ ≈ 73; Q5_0: d·(q − 16), σ ≈ 9.2; Q4_K: d·sc·q − dmin·m with 6-bit sc, m and 4-bit q, σ ≈ 170, dmin
 * = 7.5·d centring it; Q6_K: d·sc·(q − 32) with int8 sc, σ ≈ 1370).
 */
const BLOCKS: Record<BlockType, { values: number; bytes: number; ggml: number; d: number; dmin?: number; spread: number }> = {
  q8_0: { values: 32, bytes: 34, ggml: 8, d: 0, spread: 73 },
  q5_0: { values: 32, bytes: 22, ggml: 6, d: 0, spread: 9.2 },
  q4_k: { values: 256, bytes: 144, ggml: 12, d: 0, dmin: 2, spread: 170 },
  q6_k: { values: 256, bytes: 210, ggml: 14, d: 208, spread: 1370 },
};

/** llama.cpp's use_more_bits: the layers Q4_K_M gives more bits (the first and last eighth, and every third between). */
function useMoreBits(layer: number, layers: number): boolean {
  return layer < layers / 8 || layer >= (7 * layers) / 8 || (layer - layers / 8) % 3 === 2;
}

/**
 * The block type of a 2-D weight of width `width` (ne0) under `wType`; `layer` for attn_v and ffn_down. Tied token
 * embeddings are quantized as the output layer they also are.
 */
function weightType(wType: "q8_0" | "q4_k_m", name: string, width: number, at: { layer: number; layers: number; tied: boolean }): BlockType {
  if (wType === "q8_0") return "q8_0";
  const kind = name.replace(/^blk\.\d+\./, "");
  let type: "q4_k" | "q6_k";
  if (kind === "output.weight" || (kind === "token_embd.weight" && at.tied)) type = "q6_k";
  else if (kind === "attn_v.weight" || kind === "ffn_down.weight") type = useMoreBits(at.layer, at.layers) ? "q6_k" : "q4_k";
  else type = "q4_k";
  if (width % 256 === 0) return type;
  return type === "q6_k" ? "q8_0" : "q5_0";
}
const ALIGNMENT = 32;

type MetaValue =
  | { type: "u32"; value: number }
  | { type: "f32"; value: number }
  | { type: "bool"; value: boolean }
  | { type: "string"; value: string }
  | { type: "string[]"; value: string[] }
  | { type: "i32[]"; value: number[] }
  | { type: "f32[]"; value: number[] };

/** Little-endian byte sink that grows as needed. */
class Writer {
  private buf = Buffer.alloc(1 << 16);
  length = 0;

  private ensure(n: number): void {
    if (this.length + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.length + n) size *= 2;
    const next = Buffer.alloc(size);
    this.buf.copy(next, 0, 0, this.length);
    this.buf = next;
  }
  u8(v: number): void {
    this.ensure(1);
    this.buf.writeUInt8(v, this.length);
    this.length += 1;
  }
  u32(v: number): void {
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.length);
    this.length += 4;
  }
  i32(v: number): void {
    this.ensure(4);
    this.buf.writeInt32LE(v, this.length);
    this.length += 4;
  }
  u64(v: number): void {
    this.ensure(8);
    this.buf.writeBigUInt64LE(BigInt(v), this.length);
    this.length += 8;
  }
  f32(v: number): void {
    this.ensure(4);
    this.buf.writeFloatLE(v, this.length);
    this.length += 4;
  }
  str(s: string): void {
    const bytes = Buffer.from(s, "utf8");
    this.u64(bytes.length);
    this.raw(bytes);
  }
  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.length);
    this.length += bytes.length;
  }
  pad(alignment: number): void {
    while (this.length % alignment !== 0) this.u8(0);
  }
  result(): Buffer {
    return this.buf.subarray(0, this.length);
  }
}

function writeMeta(w: Writer, key: string, v: MetaValue): void {
  w.str(key);
  switch (v.type) {
    case "u32":
      w.u32(T_UINT32);
      w.u32(v.value);
      break;
    case "f32":
      w.u32(T_FLOAT32);
      w.f32(v.value);
      break;
    case "bool":
      w.u32(T_BOOL);
      w.u8(v.value ? 1 : 0);
      break;
    case "string":
      w.u32(T_STRING);
      w.str(v.value);
      break;
    case "string[]":
      w.u32(T_ARRAY);
      w.u32(T_STRING);
      w.u64(v.value.length);
      for (const s of v.value) w.str(s);
      break;
    case "i32[]":
      w.u32(T_ARRAY);
      w.u32(T_INT32);
      w.u64(v.value.length);
      for (const n of v.value) w.i32(n);
      break;
    case "f32[]":
      w.u32(T_ARRAY);
      w.u32(T_FLOAT32);
      w.u64(v.value.length);
      for (const n of v.value) w.f32(n);
      break;
  }
}

/** GPT-2's reversible byte → printable-character map, which byte-level BPE vocabularies are spelled in. */
function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 0x21; b <= 0x7e; b++) printable.push(b);
  for (let b = 0xa1; b <= 0xac; b++) printable.push(b);
  for (let b = 0xae; b <= 0xff; b++) printable.push(b);
  const map: string[] = new Array<string>(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    map[b] = printable.includes(b) ? String.fromCodePoint(b) : String.fromCodePoint(256 + extra++);
  }
  return map;
}

/** The ChatML template (as Qwen ships it, minus tool calling), so node-llama-cpp resolves its ChatML wrapper. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}" +
  "{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

interface Vocab {
  tokens: string[];
  types: number[];
  merges: string[];
  eos: number;
  pad: number;
}

function buildVocab(options: { vocabSize?: number; corpus?: string }): Vocab {
  const byteChars = bytesToUnicode();
  const tokens = [...byteChars];
  const types = tokens.map(() => 1); // NORMAL
  // A few merges, so the BPE merge path of the tokenizer runs too; each merged token must exist in the vocabulary.
  const merges: string[] = [];
  const known = new Set(tokens);
  const merge = (a: string, b: string): void => {
    if (known.has(a + b)) return;
    merges.push(`${a} ${b}`);
    tokens.push(a + b);
    types.push(1);
    known.add(a + b);
  };
  const sp = byteChars[0x20] ?? " ";
  for (const [a, b] of [
    [sp, "t"],
    [sp, "a"],
    ["h", "e"],
    ["i", "n"],
    ["e", "r"],
    ['"', ":"],
  ] as const) {
    merge(a, b);
  }
  const SPECIALS = 3;
  const room = () => (options.vocabSize ?? 0) - SPECIALS - tokens.length;
  if (options.corpus) {
    // Each word, most frequent first, spelled by a chain of merges (its first two bytes, then one more byte at a
    // time), until the vocabulary is full: words of the corpus become one token, or a few.
    const counts = new Map<string, number>();
    for (const [word] of options.corpus.matchAll(GPT2_SPLIT)) {
      const spelled = [...Buffer.from(word, "utf8")].map((b) => byteChars[b]!);
      if (spelled.length < 2) continue;
      const key = spelled.join("\u0000");
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    const words = [...counts.entries()].sort((x, y) => y[1] - x[1]).map(([k]) => k.split("\u0000"));
    for (const chars of words) {
      if (room() < chars.length - 1) break;
      let prefix = chars[0]!;
      for (const c of chars.slice(1)) {
        merge(prefix, c);
        prefix += c;
      }
    }
  }
  // Padding up to the vocabulary size (as converted real models have): unused, never sampled under a grammar.
  for (let i = 0; room() > 0; i++) {
    tokens.push(`[PAD${i}]`);
    types.push(5); // UNUSED
  }
  const special = (text: string): number => {
    tokens.push(text);
    types.push(3); // CONTROL
    return tokens.length - 1;
  };
  const pad = special("<|endoftext|>");
  special("<|im_start|>");
  const eos = special("<|im_end|>");
  return { tokens, types, merges, eos, pad };
}

/** GPT-2's pre-tokenizer split (tokenizer.ggml.pre "gpt-2"): merges only ever apply inside one of these pieces. */
const GPT2_SPLIT = /'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;

interface Tensor {
  name: string;
  /** ggml order: ne0 (the contiguous dimension) first. */
  dims: number[];
  type: "f32" | BlockType;
  /** Random values of this scale, or all ones (norms), or all zeros (biases). */
  fill: "random" | "ones" | "zeros";
}

function elements(t: Tensor): number {
  return t.dims.reduce((p, d) => p * d, 1);
}

function byteSize(t: Tensor): number {
  if (t.type === "f32") return elements(t) * 4;
  const b = BLOCKS[t.type];
  return (elements(t) / b.values) * b.bytes;
}

/** IEEE half-precision bits of a positive float32 below 65504 (a block's scale; Q6_K's is subnormal). */
function halfBits(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer)[0]!;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  if (exp <= 0) return Math.min(0x3ff, Math.round(x / 2 ** -24));
  if (exp >= 31) return 0x7c00;
  return (exp << 10) | ((u >>> 13) & 0x3ff);
}

interface Sink {
  write(bytes: Uint8Array): void;
}

/** A tensor's data, in chunks of at most ~4 MB, drawn from `rand`. */
function writeTensorData(t: Tensor, rand: () => number, scale: number, sink: Sink): void {
  const n = elements(t);
  if (t.type === "f32") {
    const CHUNK = 1 << 20;
    for (let at = 0; at < n; at += CHUNK) {
      const data = new Float32Array(Math.min(CHUNK, n - at));
      if (t.fill === "ones") data.fill(1);
      else if (t.fill === "random") for (let i = 0; i < data.length; i++) data[i] = (rand() * 2 - 1) * scale;
      sink.write(new Uint8Array(data.buffer));
    }
    return;
  }
  if (t.fill !== "random") throw new Error(`${t.name}: only random tensors are quantized`);
  const block = BLOCKS[t.type];
  const d = halfBits(scale / block.spread);
  const blocks = n / block.values;
  const CHUNK_BLOCKS = Math.floor((1 << 22) / block.bytes);
  for (let at = 0; at < blocks; at += CHUNK_BLOCKS) {
    const count = Math.min(CHUNK_BLOCKS, blocks - at);
    const buf = Buffer.alloc(count * block.bytes);
    // Random quant bytes, then each block's scale(s) written over their place.
    for (let i = 0; i + 4 <= buf.length; i += 4) buf.writeUInt32LE((rand() * 4294967296) >>> 0, i);
    for (let b = 0; b < count; b++) {
      const o = b * block.bytes;
      buf.writeUInt16LE(d, o + block.d);
      if (block.dmin !== undefined) buf.writeUInt16LE(halfBits((7.5 * scale) / block.spread), o + block.dmin);
    }
    sink.write(buf);
  }
}

/** The whole file into `sink`; returns the vocabulary size and the number of bytes written. */
function emitGguf(options: TinyGgufOptions, sink: Sink): { vocabSize: number; bytes: number } {
  const arch = options.architecture ?? "llama";
  const nEmbd = options.embedding ?? 64;
  const nLayer = options.layers ?? 2;
  const nHead = options.heads ?? 4;
  const nHeadKv = options.kvHeads ?? 2;
  const nFf = options.feedForward ?? 128;
  const nCtx = options.contextLength ?? 4096;
  const scale = options.scale ?? 0.5;
  const wType = options.tensorType ?? "f32";
  if (nEmbd % nHead !== 0 || nHead % nHeadKv !== 0) throw new Error("embedding must divide by heads, heads by kvHeads");
  if (wType !== "f32" && (nEmbd % 32 !== 0 || nFf % 32 !== 0)) throw new Error("quantized weights need embedding and feedForward in multiples of 32");
  const headDim = nEmbd / nHead;
  const nEmbdKv = headDim * nHeadKv;
  const vocab = buildVocab(options);
  const nVocab = vocab.tokens.length;
  const rand = mulberry32(options.seed ?? 1234);

  const weight = (name: string, dims: number[], layer = 0): Tensor => ({
    name,
    dims,
    type: wType === "f32" ? "f32" : weightType(wType, name, dims[0]!, { layer, layers: nLayer, tied: options.tiedEmbeddings === true }),
    fill: "random",
  });
  const ones = (name: string, dims: number[]): Tensor => ({ name, dims, type: "f32", fill: "ones" });
  const zeros = (name: string, dims: number[]): Tensor => ({ name, dims, type: "f32", fill: "zeros" });

  const tensors: Tensor[] = [weight("token_embd.weight", [nEmbd, nVocab]), ones("output_norm.weight", [nEmbd])];
  if (!options.tiedEmbeddings) tensors.push(weight("output.weight", [nEmbd, nVocab]));
  for (let l = 0; l < nLayer; l++) {
    const p = `blk.${l}.`;
    tensors.push(
      ones(`${p}attn_norm.weight`, [nEmbd]),
      weight(`${p}attn_q.weight`, [nEmbd, nEmbd]),
      weight(`${p}attn_k.weight`, [nEmbd, nEmbdKv]),
      weight(`${p}attn_v.weight`, [nEmbd, nEmbdKv], l),
      weight(`${p}attn_output.weight`, [nEmbd, nEmbd]),
      ones(`${p}ffn_norm.weight`, [nEmbd]),
      weight(`${p}ffn_gate.weight`, [nEmbd, nFf]),
      weight(`${p}ffn_up.weight`, [nEmbd, nFf]),
      weight(`${p}ffn_down.weight`, [nFf, nEmbd], l),
    );
    if (arch === "qwen2") {
      tensors.push(zeros(`${p}attn_q.bias`, [nEmbd]), zeros(`${p}attn_k.bias`, [nEmbdKv]), zeros(`${p}attn_v.bias`, [nEmbdKv]));
    }
  }

  const meta: [string, MetaValue][] = [
    ["general.architecture", { type: "string", value: arch }],
    ["general.name", { type: "string", value: `insideout-random-${arch}` }],
    ["general.alignment", { type: "u32", value: ALIGNMENT }],
    ["general.file_type", { type: "u32", value: FILE_TYPE[wType] }],
    [`${arch}.context_length`, { type: "u32", value: nCtx }],
    [`${arch}.embedding_length`, { type: "u32", value: nEmbd }],
    [`${arch}.block_count`, { type: "u32", value: nLayer }],
    [`${arch}.feed_forward_length`, { type: "u32", value: nFf }],
    [`${arch}.attention.head_count`, { type: "u32", value: nHead }],
    [`${arch}.attention.head_count_kv`, { type: "u32", value: nHeadKv }],
    [`${arch}.attention.layer_norm_rms_epsilon`, { type: "f32", value: options.rmsEpsilon ?? 1e-5 }],
    [`${arch}.rope.dimension_count`, { type: "u32", value: headDim }],
    [`${arch}.rope.freq_base`, { type: "f32", value: options.ropeFreqBase ?? 10000 }],
    [`${arch}.vocab_size`, { type: "u32", value: nVocab }],
    ["tokenizer.ggml.model", { type: "string", value: "gpt2" }],
    ["tokenizer.ggml.pre", { type: "string", value: "gpt-2" }],
    ["tokenizer.ggml.tokens", { type: "string[]", value: vocab.tokens }],
    ["tokenizer.ggml.token_type", { type: "i32[]", value: vocab.types }],
    ["tokenizer.ggml.merges", { type: "string[]", value: vocab.merges }],
    ["tokenizer.ggml.eos_token_id", { type: "u32", value: vocab.eos }],
    ["tokenizer.ggml.padding_token_id", { type: "u32", value: vocab.pad }],
    ["tokenizer.ggml.bos_token_id", { type: "u32", value: vocab.pad }],
    ["tokenizer.ggml.add_bos_token", { type: "bool", value: false }],
    ["tokenizer.chat_template", { type: "string", value: CHATML_TEMPLATE }],
  ];

  const w = new Writer();
  w.raw(Buffer.from("GGUF", "ascii"));
  w.u32(3);
  w.u64(tensors.length);
  w.u64(meta.length);
  for (const [k, v] of meta) writeMeta(w, k, v);
  let offset = 0;
  for (const t of tensors) {
    w.str(t.name);
    w.u32(t.dims.length);
    for (const d of t.dims) w.u64(d);
    w.u32(t.type === "f32" ? GGML_TYPE_F32 : BLOCKS[t.type].ggml);
    w.u64(offset);
    offset += byteSize(t);
    offset = Math.ceil(offset / ALIGNMENT) * ALIGNMENT;
  }
  w.pad(ALIGNMENT);
  let bytes = w.length;
  sink.write(w.result());
  for (const t of tensors) {
    writeTensorData(t, rand, scale, sink);
    const size = byteSize(t);
    const padding = (ALIGNMENT - (size % ALIGNMENT)) % ALIGNMENT;
    if (padding) sink.write(new Uint8Array(padding));
    bytes += size + padding;
  }
  return { vocabSize: nVocab, bytes };
}

export function buildTinyGguf(options: TinyGgufOptions = {}): { bytes: Buffer; vocabSize: number } {
  const parts: Uint8Array[] = [];
  const { vocabSize } = emitGguf(options, { write: (b) => parts.push(Buffer.from(b)) });
  return { bytes: Buffer.concat(parts), vocabSize };
}

/** Writes the model to `path`, streaming its tensors, and returns where it is and how big. */
export function writeTinyGguf(path: string, options: TinyGgufOptions = {}): TinyGgufInfo {
  const fd = openSync(path, "w", 0o600);
  try {
    const writeAll = (b: Uint8Array): void => {
      for (let at = 0; at < b.length; ) at += writeSync(fd, b, at, b.length - at);
    };
    const { vocabSize, bytes } = emitGguf(options, { write: writeAll });
    return { path, vocabSize, bytes };
  } finally {
    closeSync(fd);
  }
}

/** A GGUF header alone (magic, version, tensor count, metadata count), followed by `rest`: for header-check tests. */
export function ggufHeaderBytes(header: { version?: number; tensors: bigint; entries: bigint }, rest: Buffer = Buffer.alloc(0)): Buffer {
  const head = Buffer.alloc(24);
  head.write("GGUF", 0, "latin1");
  head.writeUInt32LE(header.version ?? 3, 4);
  head.writeBigUInt64LE(header.tensors, 8);
  head.writeBigUInt64LE(header.entries, 16);
  return Buffer.concat([head, rest]);
}

/** One metadata entry's bytes: a key, then a type and its raw value bytes as given. */
export function ggufEntryBytes(key: string, type: number, value: Buffer): Buffer {
  const k = Buffer.from(key, "utf8");
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(k.length));
  const t = Buffer.alloc(4);
  t.writeUInt32LE(type);
  return Buffer.concat([len, k, t, value]);
}
