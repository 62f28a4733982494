/**
 * Writes a tiny random-weight llama GGUF so that node-llama-cpp (and llama.cpp under it) is exercised for real in
 * tests without downloading any weights. The format follows the public GGUF v3 spec: header, metadata key/values,
 * tensor infos, aligned tensor data. The model is a 2-layer llama with a byte-level GPT-2-style BPE tokenizer (every
 * byte is a token, so any text and any JSON grammar can be spelled) and a ChatML chat template with its control
 * tokens. Weights come from a seeded PRNG: the same options always give the same file.
 */
import { writeFileSync } from "node:fs";
import { mulberry32 } from "../../evaluations/metrics/stats.js";

export interface TinyGgufOptions {
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
}

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

function buildVocab(): Vocab {
  const byteChars = bytesToUnicode();
  const tokens = [...byteChars];
  const types = tokens.map(() => 1); // NORMAL
  // A few merges, so the BPE merge path of the tokenizer runs too; each merged token must exist in the vocabulary.
  const merges: string[] = [];
  const sp = byteChars[0x20] ?? " ";
  for (const [a, b] of [
    [sp, "t"],
    [sp, "a"],
    ["h", "e"],
    ["i", "n"],
    ["e", "r"],
    ['"', ":"],
  ] as const) {
    merges.push(`${a} ${b}`);
    tokens.push(a + b);
    types.push(1);
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


interface Tensor {
  name: string;
  /** ggml order: ne0 (the contiguous dimension) first. */
  dims: number[];
  data: Float32Array;
}

export function buildTinyGguf(options: TinyGgufOptions = {}): { bytes: Buffer; vocabSize: number } {
  const nEmbd = options.embedding ?? 64;
  const nLayer = options.layers ?? 2;
  const nHead = options.heads ?? 4;
  const nHeadKv = options.kvHeads ?? 2;
  const nFf = options.feedForward ?? 128;
  const nCtx = options.contextLength ?? 4096;
  const scale = options.scale ?? 0.5;
  if (nEmbd % nHead !== 0 || nHead % nHeadKv !== 0) throw new Error("embedding must divide by heads, heads by kvHeads");
  const headDim = nEmbd / nHead;
  const nEmbdKv = headDim * nHeadKv;
  const vocab = buildVocab();
  const nVocab = vocab.tokens.length;
  const rand = mulberry32(options.seed ?? 1234);

  const randomTensor = (name: string, dims: number[]): Tensor => {
    const n = dims.reduce((p, d) => p * d, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = (rand() * 2 - 1) * scale;
    return { name, dims, data };
  };
  const onesTensor = (name: string, dims: number[]): Tensor => {
    const data = new Float32Array(dims.reduce((p, d) => p * d, 1)).fill(1);
    return { name, dims, data };
  };

  const tensors: Tensor[] = [
    randomTensor("token_embd.weight", [nEmbd, nVocab]),
    onesTensor("output_norm.weight", [nEmbd]),
    randomTensor("output.weight", [nEmbd, nVocab]),
  ];
  for (let l = 0; l < nLayer; l++) {
    const p = `blk.${l}.`;
    tensors.push(
      onesTensor(`${p}attn_norm.weight`, [nEmbd]),
      randomTensor(`${p}attn_q.weight`, [nEmbd, nEmbd]),
      randomTensor(`${p}attn_k.weight`, [nEmbd, nEmbdKv]),
      randomTensor(`${p}attn_v.weight`, [nEmbd, nEmbdKv]),
      randomTensor(`${p}attn_output.weight`, [nEmbd, nEmbd]),
      onesTensor(`${p}ffn_norm.weight`, [nEmbd]),
      randomTensor(`${p}ffn_gate.weight`, [nEmbd, nFf]),
      randomTensor(`${p}ffn_up.weight`, [nEmbd, nFf]),
      randomTensor(`${p}ffn_down.weight`, [nFf, nEmbd]),
    );
  }

  const meta: [string, MetaValue][] = [
    ["general.architecture", { type: "string", value: "llama" }],
    ["general.name", { type: "string", value: "insideout-tiny-random" }],
    ["general.alignment", { type: "u32", value: ALIGNMENT }],
    ["general.file_type", { type: "u32", value: 0 }], // ALL_F32
    ["llama.context_length", { type: "u32", value: nCtx }],
    ["llama.embedding_length", { type: "u32", value: nEmbd }],
    ["llama.block_count", { type: "u32", value: nLayer }],
    ["llama.feed_forward_length", { type: "u32", value: nFf }],
    ["llama.attention.head_count", { type: "u32", value: nHead }],
    ["llama.attention.head_count_kv", { type: "u32", value: nHeadKv }],
    ["llama.attention.layer_norm_rms_epsilon", { type: "f32", value: 1e-5 }],
    ["llama.rope.dimension_count", { type: "u32", value: headDim }],
    ["llama.rope.freq_base", { type: "f32", value: 10000 }],
    ["llama.vocab_size", { type: "u32", value: nVocab }],
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
    w.u32(GGML_TYPE_F32);
    w.u64(offset);
    offset += t.data.byteLength;
    offset = Math.ceil(offset / ALIGNMENT) * ALIGNMENT;
  }
  w.pad(ALIGNMENT);
  for (const t of tensors) {
    w.raw(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
    w.pad(ALIGNMENT);
  }
  return { bytes: w.result(), vocabSize: nVocab };
}

/** Writes the tiny model to `path` and returns where it is and how big. */
export function writeTinyGguf(path: string, options: TinyGgufOptions = {}): TinyGgufInfo {
  const { bytes, vocabSize } = buildTinyGguf(options);
  writeFileSync(path, bytes);
  return { path, vocabSize, bytes: bytes.length };
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
