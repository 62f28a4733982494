/** GGUF headers checked for sane counts before node-llama-cpp reads them: hostile counts are one line, at once. */
import { describe, expect, it } from "@jest/globals";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { resolveModel } from "../../models/factory.js";
import { LocalModelError } from "../../models/local/errors.js";
import { checkGgufHeader } from "../../models/local/ggufHeader.js";
import { buildTinyGguf, ggufEntryBytes, ggufHeaderBytes } from "../../bench/tinyGguf.js";

const dir = mkdtempSync(join(tmpdir(), "insideout-gguf-"));
const write = (name: string, bytes: Buffer) => {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
};
const u64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return b;
};
const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const STRING = 8;
const ARRAY = 9;

/** Runs the check, and returns its one-line message and how long it took. */
function refusal(path: string): { message: string; ms: number } {
  const started = performance.now();
  try {
    checkGgufHeader(path);
  } catch (e) {
    expect(e).toBeInstanceOf(LocalModelError);
    expect((e as LocalModelError).kind).toBe("header");
    return { message: (e as Error).message, ms: performance.now() - started };
  }
  throw new Error(`${path} passed the header check`);
}

describe("checkGgufHeader", () => {
  it("passes a real (tiny) llama GGUF: 21 tensors, 24 entries, a 265-string vocabulary", () => {
    const path = write("tiny.gguf", buildTinyGguf().bytes);
    expect(() => checkGgufHeader(path)).not.toThrow();
  });

  it("a 24-byte header claiming 2^60 tensors is refused within a second", () => {
    const path = write("tensors.gguf", ggufHeaderBytes({ tensors: 2n ** 60n, entries: 0n }));
    const { message, ms } = refusal(path);
    expect(message).toBe(
      `${path} is not a usable GGUF model: its header claims 1152921504606846976 tensors (at most 65536, and what the file's size holds); the file is damaged or not a model.`,
    );
    expect(ms).toBeLessThan(1000);
  });

  it("a metadata count past the limit, or past what the file holds", () => {
    expect(refusal(write("kv.gguf", ggufHeaderBytes({ tensors: 0n, entries: 2n ** 40n }))).message).toMatch(/claims 1099511627776 metadata entries/);
    // 100 entries need at least 1300 bytes; the file has none after its header.
    expect(refusal(write("kv100.gguf", ggufHeaderBytes({ tensors: 0n, entries: 100n }))).message).toMatch(/claims 100 metadata entries/);
  });

  it("a string or key claiming more bytes than allowed", () => {
    const huge = ggufEntryBytes("general.name", STRING, u64(2n ** 40n));
    expect(refusal(write("string.gguf", ggufHeaderBytes({ tensors: 0n, entries: 1n }, huge))).message).toMatch(
      /metadata "general.name" claims 1099511627776 bytes \(at most 16777216\)/,
    );
    const key = Buffer.concat([u64(2n ** 50n), Buffer.alloc(16)]);
    expect(refusal(write("key.gguf", ggufHeaderBytes({ tensors: 0n, entries: 1n }, key))).message).toMatch(/metadata key 0 claims 1125899906842624 bytes/);
  });

  it("an array claiming 2^40 elements, an array of arrays, an unknown type", () => {
    const arr = ggufEntryBytes("tokenizer.ggml.tokens", ARRAY, Buffer.concat([u32(STRING), u64(2n ** 40n)]));
    expect(refusal(write("array.gguf", ggufHeaderBytes({ tensors: 0n, entries: 1n }, arr))).message).toMatch(
      /metadata "tokenizer.ggml.tokens" claims 1099511627776 elements/,
    );
    const nested = ggufEntryBytes("x", ARRAY, Buffer.concat([u32(ARRAY), u64(1n), Buffer.alloc(16)]));
    expect(refusal(write("nested.gguf", ggufHeaderBytes({ tensors: 0n, entries: 1n }, nested))).message).toMatch(/unknown type 9|array of arrays/);
    const odd = ggufEntryBytes("x", 99, Buffer.alloc(16));
    expect(refusal(write("type.gguf", ggufHeaderBytes({ tensors: 0n, entries: 1n }, odd))).message).toMatch(/metadata "x" has unknown type 99/);
  });

  it("a header cut short, and a version llama.cpp does not read", () => {
    const tiny = buildTinyGguf().bytes;
    // Cut inside the 265-string vocabulary: the array no longer fits in what is left.
    expect(refusal(write("short.gguf", tiny.subarray(0, 2000))).message).toMatch(/"tokenizer.ggml.tokens" claims 265 elements/);
    const cut = ggufEntryBytes("general.name", STRING, Buffer.concat([u64(50n), Buffer.from("only ten b")]));
    const file = ggufHeaderBytes({ tensors: 0n, entries: 1n }, cut);
    expect(refusal(write("cut.gguf", file)).message).toMatch(new RegExp(`it ends inside its header \\(at byte ${file.length}\\)`));
    expect(refusal(write("v1.gguf", ggufHeaderBytes({ version: 1, tensors: 0n, entries: 0n }))).message).toMatch(/GGUF version 1/);
  });

  it("local:<path> with such a header fails as one line before any model is loaded", async () => {
    const path = write("hostile.gguf", ggufHeaderBytes({ tensors: 2n ** 60n, entries: 2n ** 60n }));
    // The same path refused once first, so the bound measures the header, not loading (and, in a fresh clone, compiling) the modules.
    const warmUp = write("warm-up.gguf", ggufHeaderBytes({ version: 1, tensors: 0n, entries: 0n }));
    expect(((await resolveModel(`local:${warmUp}`).catch((e: unknown) => e)) as Error).message).toMatch(/GGUF version 1/);
    const before = process.memoryUsage().rss;
    const err = (await resolveModel(`local:${path}`).catch((e: unknown) => e)) as Error;
    expect(err.message).toMatch(/is not a usable GGUF model: its header claims 1152921504606846976 tensors/);
    expect(err.message).not.toContain("\n");
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 2 ** 20);
  });
});
