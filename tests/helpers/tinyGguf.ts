/**
 * Writes random-weight GGUF models so that node-llama-cpp (and llama.cpp under it) is exercised for real without
 * downloading any weights: by default a tiny 2-layer llama for tests, and for the benchmark a model of a real model's
 * shape (QWEN25_05B below), whose speed is the real one's since llama.cpp's work does not depend on the weights'
 * values. The format follows the public GGUF v3 spec: header, metadata key/values, tensor infos, aligned tensor data
 * (F32, or Q8_0 blocks: an f16 scale and 32 int8 values). The tokenizer is a byte-level GPT-2-style BPE (every byte
 * is a token, so any text and any JSON grammar can be spelled); given a corpus, the words of the corpus become whole
 * tokens too, so that a prompt has about as many tokens as with a real BPE vocabulary. A ChatML chat template with
 * its control tokens. Weights come from a seeded PRNG: the same options always give the same file. The tensor data is
 * streamed to the file, so a model of hundreds of megabytes never sits in memory whole.
 */
import { closeSync, openSync, writeSync } from "node:fs";
import { mulberry32 } from "../../evaluations/metrics/stats.js";

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
  /** Type of the 2-D weight tensors (norms and biases stay F32). */
  tensorType?: "f32" | "q8_0";
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
 * RMS norm epsilon 1e-6, 32768 positions. In Q8_0 the file is about 0.5 GB.
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
  tensorType: "q8_0",
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
const GGML_TYPE_Q8_0 = 8;
const Q8_0_BLOCK = 32;
const Q8_0_BYTES = 34;
const FILE_TYPE_ALL_F32 = 0;
const FILE_TYPE_MOSTLY_Q8_0 = 7;
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
  type: "f32" | "q8_0";
  /** Random values of this scale, or all ones (norms), or all zeros (biases). */
  fill: "random" | "ones" | "zeros";
}

function elements(t: Tensor): number {
  return t.dims.reduce((p, d) => p * d, 1);
}

function byteSize(t: Tensor): number {
  return t.type === "q8_0" ? (elements(t) / Q8_0_BLOCK) * Q8_0_BYTES : elements(t) * 4;
}

/** IEEE half-precision bits of a normal float32 (Q8_0's per-block scale). */
function halfBits(x: number): number {
  const f = new Float32Array([x]);
  const u = new Uint32Array(f.buffer)[0]!;
  const sign = (u >>> 16) & 0x8000;
  const exp = ((u >>> 23) & 0xff) - 127 + 15;
  const mant = (u >>> 13) & 0x3ff;
  if (exp <= 0) return sign;
  if (exp >= 31) return sign | 0x7c00;
  return sign | (exp << 10) | mant;
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
  // int8 values uniform over [-127, 127] have a standard deviation of about 73: the scale makes it `scale`.
  const d = halfBits(scale / 73);
  const blocks = n / Q8_0_BLOCK;
  const CHUNK_BLOCKS = 1 << 17;
  for (let at = 0; at < blocks; at += CHUNK_BLOCKS) {
    const count = Math.min(CHUNK_BLOCKS, blocks - at);
    const buf = Buffer.alloc(count * Q8_0_BYTES);
    for (let b = 0; b < count; b++) {
      const o = b * Q8_0_BYTES;
      buf.writeUInt16LE(d, o);
      for (let i = 0; i < Q8_0_BLOCK; i += 4) {
        const r = (rand() * 4294967296) >>> 0;
        buf[o + 2 + i] = r & 0xff;
        buf[o + 3 + i] = (r >>> 8) & 0xff;
        buf[o + 4 + i] = (r >>> 16) & 0xff;
        buf[o + 5 + i] = r >>> 24;
      }
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
  if (wType === "q8_0" && (nEmbd % Q8_0_BLOCK !== 0 || nFf % Q8_0_BLOCK !== 0)) throw new Error("Q8_0 needs embedding and feedForward in multiples of 32");
  const headDim = nEmbd / nHead;
  const nEmbdKv = headDim * nHeadKv;
  const vocab = buildVocab(options);
  const nVocab = vocab.tokens.length;
  const rand = mulberry32(options.seed ?? 1234);

  const weight = (name: string, dims: number[]): Tensor => ({ name, dims, type: wType, fill: "random" });
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
      weight(`${p}attn_v.weight`, [nEmbd, nEmbdKv]),
      weight(`${p}attn_output.weight`, [nEmbd, nEmbd]),
      ones(`${p}ffn_norm.weight`, [nEmbd]),
      weight(`${p}ffn_gate.weight`, [nEmbd, nFf]),
      weight(`${p}ffn_up.weight`, [nEmbd, nFf]),
      weight(`${p}ffn_down.weight`, [nFf, nEmbd]),
    );
    if (arch === "qwen2") {
      tensors.push(zeros(`${p}attn_q.bias`, [nEmbd]), zeros(`${p}attn_k.bias`, [nEmbdKv]), zeros(`${p}attn_v.bias`, [nEmbdKv]));
    }
  }

  const meta: [string, MetaValue][] = [
    ["general.architecture", { type: "string", value: arch }],
    ["general.name", { type: "string", value: `insideout-random-${arch}` }],
    ["general.alignment", { type: "u32", value: ALIGNMENT }],
    ["general.file_type", { type: "u32", value: wType === "q8_0" ? FILE_TYPE_MOSTLY_Q8_0 : FILE_TYPE_ALL_F32 }],
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
    w.u32(t.type === "q8_0" ? GGML_TYPE_Q8_0 : GGML_TYPE_F32);
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
