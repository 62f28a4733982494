/**
 * A GGUF header checked for sane counts before node-llama-cpp (and llama.cpp) read it: a 24-byte file that claims 2^60
 * tensors must be one line, not gigabytes of allocation and a hang. Layout (the public GGUF spec, v2 and v3): magic
 * "GGUF", u32 version, u64 tensor count, u64 metadata count; then each metadata entry (string key, u32 type, value);
 * then each tensor's info (string name, u32 dimension count, u64 dimensions, u32 ggml type, u64 offset). Strings are a
 * u64 length and bytes; arrays a u32 element type, u64 count and elements. All little-endian.
 *
 * Bounds, with a wide margin over real models (Qwen2.5 0.5B: 290 tensors, ~30 entries, a 151 936-string tokenizer
 * array; the largest MoE models have a few thousand tensors). Each count must also fit in the bytes the file has left.
 */
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import { LocalModelError } from "./errors.js";

export const GGUF_LIMITS = {
  tensors: 1 << 16,
  metadataEntries: 1 << 16,
  /** Keys are at most 65535 bytes in the spec. */
  keyBytes: 65_535,
  /** A string value (chat templates are ~10 KiB). */
  stringBytes: 16 << 20,
  /** Elements of one array (tokenizer vocabularies: ~150k-260k). */
  arrayElements: 1 << 24,
  /** GGML_MAX_DIMS. */
  dimensions: 4,
} as const;

function headerError(path: string, what: string): LocalModelError {
  return new LocalModelError("header", `${path} is not a usable GGUF model: ${what}; the file is damaged or not a model.`);
}

// Metadata value types (gguf.h) and the size of each fixed-size one.
const STRING = 8;
const ARRAY = 9;
const FIXED_SIZE: Readonly<Record<number, number>> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const CHUNK = 1 << 20;

/** Sequential little-endian reads from a file descriptor through a 1 MiB window; skips never read. */
class Cursor {
  private readonly buf = Buffer.alloc(CHUNK);
  private start = 0;
  private end = 0;
  pos = 0;

  constructor(
    private readonly fd: number,
    readonly size: number,
    private readonly fail: (what: string) => never,
  ) {}

  private need(n: number): number {
    if (this.pos + n > this.size) this.fail(`it ends inside its header (at byte ${this.size})`);
    if (this.pos < this.start || this.pos + n > this.end) {
      this.start = this.pos;
      this.end = this.pos + readSync(this.fd, this.buf, 0, CHUNK, this.pos);
    }
    const at = this.pos - this.start;
    this.pos += n;
    return at;
  }
  u32(): number {
    return this.buf.readUInt32LE(this.need(4));
  }
  u64(): bigint {
    return this.buf.readBigUInt64LE(this.need(8));
  }
  bytes(n: number): Buffer {
    const at = this.need(n);
    return this.buf.subarray(at, at + n);
  }
  skip(n: bigint): void {
    if (BigInt(this.pos) + n > BigInt(this.size)) this.fail(`it ends inside its header (at byte ${this.size})`);
    this.pos += Number(n);
  }
  left(): bigint {
    return BigInt(this.size - this.pos);
  }
}

/** Checks the header of the GGUF file at `path`; throws a LocalModelError (`header`) naming the first insane count. */
export function checkGgufHeader(path: string): void {
  const fail = (what: string): never => {
    throw headerError(path, what);
  };
  const fd = openSync(path, "r");
  try {
    const c = new Cursor(fd, fstatSync(fd).size, fail);
    if (c.size < 4 || c.bytes(4).toString("latin1") !== "GGUF") fail('it does not start with "GGUF"');
    const version = c.u32();
    if (version !== 2 && version !== 3) fail(`GGUF version ${version} (llama.cpp reads 2 and 3)`);
    const tensors = c.u64();
    const entries = c.u64();
    // The smallest tensor info is 32 bytes, the smallest metadata entry 13.
    if (tensors > BigInt(GGUF_LIMITS.tensors) || tensors * 32n > c.left()) fail(`its header claims ${tensors} tensors (at most ${GGUF_LIMITS.tensors}, and what the file's size holds)`);
    if (entries > BigInt(GGUF_LIMITS.metadataEntries) || entries * 13n > c.left()) fail(`its header claims ${entries} metadata entries (at most ${GGUF_LIMITS.metadataEntries}, and what the file's size holds)`);
    const string = (what: string, max: number): void => {
      const n = c.u64();
      if (n > BigInt(max)) fail(`${what} claims ${n} bytes (at most ${max})`);
      c.skip(n);
    };
    const value = (type: number, what: string, inArray: boolean): void => {
      if (type === STRING) return string(what, GGUF_LIMITS.stringBytes);
      if (type === ARRAY) {
        if (inArray) fail(`${what} is an array of arrays`);
        const element = c.u32();
        const count = c.u64();
        const smallest = element === STRING ? 8 : FIXED_SIZE[element];
        if (smallest === undefined) fail(`${what} is an array of unknown type ${element}`);
        if (count > BigInt(GGUF_LIMITS.arrayElements) || count * BigInt(smallest!) > c.left()) fail(`${what} claims ${count} elements (at most ${GGUF_LIMITS.arrayElements}, and what the file's size holds)`);
        if (element === STRING) for (let i = 0n; i < count; i++) string(`a string of ${what}`, GGUF_LIMITS.stringBytes);
        else c.skip(count * BigInt(smallest!));
        return;
      }
      const size = FIXED_SIZE[type];
      if (size === undefined) fail(`${what} has unknown type ${type}`);
      c.skip(BigInt(size!));
    };
    for (let i = 0n; i < entries; i++) {
      const keyLength = c.u64();
      if (keyLength > BigInt(GGUF_LIMITS.keyBytes)) fail(`metadata key ${i} claims ${keyLength} bytes (at most ${GGUF_LIMITS.keyBytes})`);
      const key = c.bytes(Number(keyLength)).toString("utf8");
      value(c.u32(), `metadata ${JSON.stringify(key.slice(0, 80))}`, false);
    }
    for (let i = 0n; i < tensors; i++) {
      string(`the name of tensor ${i}`, GGUF_LIMITS.keyBytes);
      const dims = c.u32();
      if (dims > GGUF_LIMITS.dimensions) fail(`tensor ${i} claims ${dims} dimensions (at most ${GGUF_LIMITS.dimensions})`);
      c.skip(BigInt(dims) * 8n + 4n + 8n);
    }
  } finally {
    closeSync(fd);
  }
}
