import { afterEach, describe, expect, test } from "@jest/globals";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadJsonl } from "../../evaluations/data/ed.js";
import { defaultDataDir, loadDataset, sample } from "../../evaluations/data/index.js";
import { readLines } from "../../evaluations/data/lines.js";
import type { LoadWarning } from "../../evaluations/data/types.js";

function tmp(): string {
  return mkdtempSync(join(tmpdir(), "io-ed-"));
}

function writeLines(dir: string, name: string, lines: string[]): string {
  const file = join(dir, name);
  writeFileSync(file, lines.join("\n") + "\n");
  return file;
}

const moel = (o: Record<string, unknown>): string => JSON.stringify(o);

const MOEL_LINES = [
  moel({ idx: 0, conv_id: "hit:0_conv:0", emotion: "guilty", situation: "S0", context: ["u0"], target: "r0" }),
  moel({ idx: 1, conv_id: "hit:0_conv:0", emotion: "guilty", situation: "S0", context: ["u0", "r0", "u2"], target: "r2" }),
  moel({ idx: 2, conv_id: "hit:5_conv:9", emotion: "Proud", situation: "S1", context: ["v0"], target: null }),
];

describe("JSONL loading", () => {
  test("MoEL-format lines become examples keyed by conversation and turn", async () => {
    const examples = await loadJsonl(writeLines(tmp(), "x.jsonl", MOEL_LINES));
    expect(examples).toEqual([
      { id: "hit:0_conv:0#1", dialogue: ["u0"], emotion: "guilty", reference: "r0", situation: "S0", convId: "hit:0_conv:0" },
      { id: "hit:0_conv:0#3", dialogue: ["u0", "r0", "u2"], emotion: "guilty", reference: "r2", situation: "S0", convId: "hit:0_conv:0" },
      // Labels are compared case-insensitively and stored lowercase; a null target stays null.
      { id: "hit:5_conv:9#1", dialogue: ["v0"], emotion: "proud", reference: null, situation: "S1", convId: "hit:5_conv:9" },
    ]);
  });

  test("malformed JSON is reported with its line number", async () => {
    const file = writeLines(tmp(), "bad.jsonl", [MOEL_LINES[0]!, "", '{"context": ["a"], "target": "b",', MOEL_LINES[1]!]);
    await expect(loadJsonl(file)).rejects.toThrow(`malformed JSON on line 3 of ${file}`);
  });

  test("invalid UTF-8 is reported with its line number", async () => {
    const dir = tmp();
    const file = join(dir, "latin1.jsonl");
    const good = Buffer.from(MOEL_LINES[0]! + "\n");
    // 0xE9 is "é" in Latin-1 and is not valid UTF-8 on its own.
    const bad = Buffer.concat([Buffer.from('{"context": ["caf'), Buffer.from([0xe9]), Buffer.from('"], "target": "x", "emotion": "sad"}\n')]);
    writeFileSync(file, Buffer.concat([good, bad]));
    await expect(loadJsonl(file)).rejects.toThrow(`invalid UTF-8 on line 2 of ${file}`);
  });

  test("multi-byte UTF-8 across read chunks is decoded intact", async () => {
    // 70 000 bytes of "é" (2 bytes each) makes a line longer than one 64 KiB read chunk.
    const long = "é".repeat(35000);
    const file = writeLines(tmp(), "long.jsonl", [moel({ conv_id: "c", emotion: "sad", context: [long], target: "ok" })]);
    const [ex] = await loadJsonl(file);
    expect(ex?.dialogue[0]).toHaveLength(35000);
    expect(ex?.dialogue[0]).toBe(long);
  });

  test("an unknown emotion label is reported with its line number", async () => {
    const file = writeLines(tmp(), "emo.jsonl", [MOEL_LINES[0]!, moel({ conv_id: "c", emotion: "happy", context: ["a"], target: "b" })]);
    await expect(loadJsonl(file)).rejects.toThrow(`unknown emotion label "happy" on line 2 of ${file}`);
  });

  test("a line of the wrong shape is reported with its line number", async () => {
    const file = writeLines(tmp(), "shape.jsonl", [MOEL_LINES[0]!, JSON.stringify({ text: "hello" })]);
    await expect(loadJsonl(file)).rejects.toThrow(/line 2 of .*shape\.jsonl is not an example/);
  });

  test("our own Example lines and whole-conversation lines are accepted", async () => {
    const file = writeLines(tmp(), "mixed.jsonl", [
      JSON.stringify({ id: "e1", dialogue: ["hi"], emotion: "joyful", reference: "hello" }),
      JSON.stringify({ conv_id: "k", emotion: "lonely", situation: "alone", utterances: ["a", "b", "c", "d", "e"] }),
      JSON.stringify({ conv_id: "n", emotion: null, utterances: ["a", "b"] }),
    ]);
    const warnings: LoadWarning[] = [];
    const examples = await loadJsonl(file, warnings);
    expect(examples.map((e) => [e.id, e.dialogue.length, e.reference])).toEqual([
      ["e1", 1, "hello"],
      ["k#1", 1, "b"],
      ["k#3", 3, "d"],
    ]);
    expect(examples[1]?.situation).toBe("alone");
    // The unlabelled conversation is skipped, with a warning on its line.
    expect(warnings).toEqual([{ file, line: 3, message: expect.stringMatching(/no emotion label/) }]);
  });

  test("two lines with the same example id are refused", async () => {
    const file = writeLines(tmp(), "dup.jsonl", [MOEL_LINES[0]!, MOEL_LINES[0]!]);
    await expect(loadJsonl(file)).rejects.toThrow(/duplicate example id hit:0_conv:0#1/);
  });
});

describe("loadDataset", () => {
  const saved = process.env.INSIDEOUT_DATA_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.INSIDEOUT_DATA_DIR;
    else process.env.INSIDEOUT_DATA_DIR = saved;
  });

  test("ed:test reads ed_test_moel_format.jsonl from $INSIDEOUT_DATA_DIR", async () => {
    const dir = tmp();
    writeLines(dir, "ed_test_moel_format.jsonl", MOEL_LINES);
    writeLines(dir, "ed_valid_moel_format.jsonl", [MOEL_LINES[2]!]);
    process.env.INSIDEOUT_DATA_DIR = dir;
    expect(defaultDataDir()).toBe(dir);
    expect((await loadDataset("ed:test")).map((e) => e.id)).toEqual(["hit:0_conv:0#1", "hit:0_conv:0#3", "hit:5_conv:9#1"]);
    expect((await loadDataset("ed:valid")).map((e) => e.id)).toEqual(["hit:5_conv:9#1"]);
  });

  test("a missing split says how to get it", async () => {
    await expect(loadDataset("ed:test", { dataDir: tmp() })).rejects.toThrow(/insideout data fetch/);
    await expect(loadDataset("ed:nope")).rejects.toThrow(/Unknown dataset ed:nope/);
  });

  test("a .csv path goes through the official-format parser, any other path through JSONL", async () => {
    const dir = tmp();
    const csv = writeLines(dir, "mine.csv", [
      "conv_id,utterance_idx,context,prompt,speaker_idx,utterance,selfeval,tags",
      "c1,1,hopeful,P,1,I applied for a job.,,",
      "c1,2,hopeful,P,2,Good luck_comma_ friend!,,",
    ]);
    expect(await loadDataset(csv)).toEqual([
      { id: "c1#1", dialogue: ["I applied for a job."], emotion: "hopeful", reference: "Good luck, friend!", situation: "P", convId: "c1" },
    ]);
    const jsonl = writeLines(dir, "mine.txt", [MOEL_LINES[0]!]);
    expect((await loadDataset(jsonl)).map((e) => e.id)).toEqual(["hit:0_conv:0#1"]);
    await expect(loadDataset(join(dir, "absent.jsonl"))).rejects.toThrow(/not found/);
  });
});

describe("sample", () => {
  const items = Array.from({ length: 10 }, (_, i) => ({ id: `c${i}#1` }));

  test("keeps the n examples of lowest sha256(seed, id), in their original order", () => {
    // Reference ranks from Python's hashlib: sorted(ids, key=lambda x: sha256((seed + "\0" + x).encode()).hexdigest())
    // seed 0 → c2, c7, c3, c9, c8, ...; seed 7 → c5, c3, c0, c7, c6, ...
    expect(sample(items, 3, 0).map((e) => e.id)).toEqual(["c2#1", "c3#1", "c7#1"]);
    expect(sample(items, 3, 7).map((e) => e.id)).toEqual(["c0#1", "c3#1", "c5#1"]);
    expect(sample(items, 5, "0").map((e) => e.id)).toEqual(["c2#1", "c3#1", "c7#1", "c8#1", "c9#1"]);
  });

  test("does not depend on earlier calls nor on the input order", () => {
    const first = sample(items, 4, 11);
    sample(items, 4, 12);
    sample(items, 2, 11);
    expect(sample(items, 4, 11)).toEqual(first);
    const reversed = sample([...items].reverse(), 4, 11);
    expect(new Set(reversed.map((e) => e.id))).toEqual(new Set(first.map((e) => e.id)));
  });

  test("a larger n keeps every example of a smaller one; n beyond the size returns everything", () => {
    const small = sample(items, 3, 5).map((e) => e.id);
    const large = sample(items, 6, 5).map((e) => e.id);
    expect(large).toHaveLength(6);
    for (const id of small) expect(large).toContain(id);
    expect(sample(items, 50, 5)).toEqual(items);
    expect(sample(items, 0, 5)).toEqual([]);
    expect(() => sample(items, -1, 5)).toThrow(/non-negative/);
  });
});

describe("readLines limits", () => {
  const collect = async (file: string, limits: { lineBytes: number; fileBytes: number }) => {
    const out: [number, string][] = [];
    for await (const l of readLines(file, limits)) out.push([l.number, l.text]);
    return out;
  };

  test("lines up to the limit are read, across chunk boundaries; a longer one names its line", async () => {
    const file = join(tmp(), "lines.txt");
    // 100 000-byte lines span createReadStream's 64 KiB chunks.
    writeFileSync(file, `short\n${"a".repeat(100_000)}\n${"b".repeat(100_001)}\nnever reached\n`);
    const read: number[] = [];
    await expect(
      (async () => {
        for await (const l of readLines(file, { lineBytes: 100_000, fileBytes: 1 << 30 })) read.push(l.text.length);
      })(),
    ).rejects.toThrow(`line 3 of ${file} is longer than 100000 bytes (no newline found)`);
    expect(read).toEqual([5, 100_000]);
    expect(await collect(file, { lineBytes: 100_001, fileBytes: 1 << 30 })).toHaveLength(4);
  });

  test("a last line without a newline is limited too, and so is the whole file", async () => {
    const file = join(tmp(), "tail.txt");
    writeFileSync(file, `one\n${"z".repeat(300)}`);
    await expect(collect(file, { lineBytes: 299, fileBytes: 1 << 30 })).rejects.toThrow(`line 2 of ${file} is longer than 299 bytes`);
    await expect(collect(file, { lineBytes: 1000, fileBytes: 200 })).rejects.toThrow(`${file} holds more than 200 bytes (passed on line 1)`);
    expect(await collect(file, { lineBytes: 300, fileBytes: 304 })).toEqual([[1, "one"], [2, "z".repeat(300)]]);
  });

  test("errors after the limits keep their line numbers", async () => {
    const file = join(tmp(), "bad.jsonl");
    writeFileSync(file, `${MOEL_LINES[0]}\n\n{not json\n`);
    await expect(loadJsonl(file)).rejects.toThrow(/malformed JSON on line 3 of/);
  });
});
