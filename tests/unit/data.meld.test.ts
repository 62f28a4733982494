/**
 * MELD's CSVs as examples: one per utterance, the conversation up to it with its speakers, MELD's own ids; a bad row
 * is one error naming its line. The release files are read in place from ../shared/data/meld.
 */
import { describe, expect, it } from "@jest/globals";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { defaultLabelsFor, loadDataset } from "../../evaluations/data/index.js";
import { loadMeldCsv } from "../../evaluations/data/meld.js";
import { examplesFingerprint } from "../../evaluations/identity.js";
import { createHash } from "node:crypto";

const HEADER = "Sr No.,Utterance,Speaker,Emotion,Sentiment,Dialogue_ID,Utterance_ID,Season,Episode,StartTime,EndTime";
const dir = mkdtempSync(join(tmpdir(), "io-meld-"));
let n = 0;
function csv(lines: string[], eol = "\r\n"): string {
  const file = join(dir, `f${n++}.csv`);
  writeFileSync(file, lines.join(eol) + eol);
  return file;
}

describe("a MELD CSV", () => {
  it("gives one example per utterance: the dialogue up to and including it, its speakers, its emotion", async () => {
    const file = csv([
      HEADER,
      `1,"Oh, hi.",Ross,surprise,positive,0,0,1,1,"00:00:01,000","00:00:02,000"`,
      `2,“Hey” you.,Rachel,joy,positive,0,1,1,1,"00:00:03,000","00:00:04,000"`,
      // Utterance ids may skip (MELD dropped some clips), and another dialogue starts afresh.
      `3,"So, um…",Ross,Neutral,neutral,0,4,1,1,"00:00:05,000","00:00:06,000"`,
      `4,No.,Joey,anger,negative,7,0,2,3,"00:10:00,000","00:10:01,000"`,
    ]);
    const examples = await loadMeldCsv(file);
    expect(examples).toEqual([
      { id: "dia0_utt0", dialogue: ["Oh, hi."], speakers: ["Ross"], emotion: "surprise", reference: null, convId: "dia0" },
      { id: "dia0_utt1", dialogue: ["Oh, hi.", "“Hey” you."], speakers: ["Ross", "Rachel"], emotion: "joy", reference: null, convId: "dia0" },
      { id: "dia0_utt4", dialogue: ["Oh, hi.", "“Hey” you.", "So, um…"], speakers: ["Ross", "Rachel", "Ross"], emotion: "neutral", reference: null, convId: "dia0" },
      { id: "dia7_utt0", dialogue: ["No."], speakers: ["Joey"], emotion: "anger", reference: null, convId: "dia7" },
    ]);
    // Given by path, the header says it is MELD's and not EmpatheticDialogues'.
    expect(await loadDataset(file)).toEqual(examples);
  });

  it.each([
    [[HEADER, `1,Hi.,Ross,happy,positive,0,0,1,1,a,b`], /unknown emotion label "happy" on line 2 .*MELD.s are neutral, surprise, fear/],
    [[HEADER, `1,Hi.,Ross,joy,positive,0,1,1,1,a,b`, `2,Yo.,Joey,joy,positive,0,1,1,1,a,b`], /Utterance_ID 1 on line 3 .* follows 1 in dialogue 0/],
    [[HEADER, `1,Hi.,Ross,joy,positive,0,0,1,1,a,b`, `2,Yo.,Joey,joy,positive,1,0,1,1,a,b`, `3,Hm.,Ross,joy,positive,0,1,1,1,a,b`], /dialogue 0 on line 4 .* already appeared on line 2/],
    [[HEADER, `1,Hi.,Ross,joy,positive,x,0,1,1,a,b`], /Dialogue_ID is not a whole number on line 2/],
    [[HEADER, `1,"Hi.,Ross,joy,positive,0,0,1,1,a,b`], /line 2 of .* is not CSV .*opening quote$/],
    [[HEADER, `1,"Hi.`, ` still",Ross,joy,positive,0,0,1,1,a,b`], /line 2 of .* has a line break inside a quoted field/],
    [[HEADER, `1,,Ross,joy,positive,0,0,1,1,a,b`], /empty Utterance on line 2/],
    [["conv_id,utterance_idx,context", "a,b,c"], /line 1 of .* is not a MELD header: no Utterance, Speaker/],
  ])("refuses a bad file with one line naming where (%#)", async (lines, message) => {
    await expect(loadMeldCsv(csv(lines))).rejects.toThrow(message);
  });

  it("shares one conversation's turns among its examples: 20 000 turns load in linear memory, the sha256 that of copies", async () => {
    // 20 000 short turns: copied per prefix, their arrays alone were 20 000² / 2 × 2 pointers, about 3.2 GB.
    const turns = Array.from({ length: 20_000 }, (_, i) => `turn ${i} of a long scene`);
    const file = csv([HEADER, ...turns.map((t, i) => `${i + 1},${t},Speaker${i % 3},neutral,neutral,5,${i},1,1,a,b`)], "\n");
    const saved = process.env.INSIDEOUT_MAX_TURNS;
    process.env.INSIDEOUT_MAX_TURNS = "20000";
    try {
      global.gc?.();
      const before = process.memoryUsage().heapUsed;
      const examples = await loadMeldCsv(file);
      expect(process.memoryUsage().heapUsed - before).toBeLessThan(200 * 1024 ** 2);
      expect(examples).toHaveLength(20_000);
      expect(examples[2]!.dialogue).toEqual(turns.slice(0, 3));
      expect(examples[2]!.speakers).toEqual(["Speaker0", "Speaker1", "Speaker2"]);
      expect(examples[19_999]!.dialogue).toEqual(turns);
      // A record or an upload reads the example as JSON: the same as a copied prefix's.
      expect(JSON.parse(JSON.stringify(examples[1]))).toEqual({ id: "dia5_utt1", dialogue: turns.slice(0, 2), speakers: ["Speaker0", "Speaker1"], emotion: "neutral", reference: null, convId: "dia5" });
    } finally {
      if (saved === undefined) delete process.env.INSIDEOUT_MAX_TURNS;
      else process.env.INSIDEOUT_MAX_TURNS = saved;
    }
  });

  it("the data's sha256 is that of each example's own copy of its turns (existing experiments still resume)", async () => {
    const file = csv([HEADER, `1,Hi.,Ross,joy,positive,3,0,1,1,a,b`, `2,Hey.,Monica,neutral,neutral,3,1,1,1,a,b`]);
    const hash = createHash("sha256");
    hash.update(JSON.stringify(["dia3_utt0", ["Hi."], ["Ross"], null, "joy", null]) + "\n");
    hash.update(JSON.stringify(["dia3_utt1", ["Hi.", "Hey."], ["Ross", "Monica"], null, "neutral", null]) + "\n");
    expect(examplesFingerprint(await loadMeldCsv(file))).toBe(hash.digest("hex"));
  });

  it("reads a quote inside an unquoted field as text, as Python's csv module does", async () => {
    const [ex] = await loadMeldCsv(csv([HEADER, `1,Hi "you" there.,Ross,joy,positive,0,0,1,1,a,b`], "\n"));
    expect(ex!.dialogue).toEqual(['Hi "you" there.']);
  });

  it("refuses an empty file", async () => {
    const file = join(dir, "empty.csv");
    writeFileSync(file, "");
    await expect(loadMeldCsv(file)).rejects.toThrow(/is empty: expected MELD's header/);
  });
});

describe("meld:test and meld:dev", () => {
  it("read the release in place: 2610 and 1109 utterances, each with one speaker per turn", async () => {
    const test = await loadDataset("meld:test");
    const dev = await loadDataset("meld:dev");
    expect(test).toHaveLength(2610);
    expect(dev).toHaveLength(1109);
    expect(new Set(test.map((e) => e.id)).size).toBe(2610);
    expect(test.every((e) => e.speakers?.length === e.dialogue.length)).toBe(true);
    // The release's first dialogue (SOURCE.md): Mark asks, Rachel answers in anger.
    expect(test[1]).toMatchObject({ id: "dia0_utt1", speakers: ["Mark", "Rachel"], emotion: "anger" });
    // Counted in the file with grep: 1256 rows of the test CSV have the emotion neutral.
    expect(test.filter((e) => e.emotion === "neutral")).toHaveLength(1256);
  });

  it("default to the meld7 label set; other names are refused with the ones there are", async () => {
    expect(defaultLabelsFor("meld:test")).toBe("meld7");
    expect(defaultLabelsFor("ed:test")).toBe("ed32");
    await expect(loadDataset("meld:train")).rejects.toThrow("Unknown dataset meld:train: use meld:test or meld:dev.");
  });

  it("say how to get the files when they are not there", async () => {
    const before = process.env.INSIDEOUT_MELD_DIR;
    process.env.INSIDEOUT_MELD_DIR = join(dir, "nowhere");
    try {
      await expect(loadDataset("meld:dev")).rejects.toThrow(/MELD dev split not found .*insideout data fetch meld.*INSIDEOUT_MELD_DIR/);
    } finally {
      if (before === undefined) delete process.env.INSIDEOUT_MELD_DIR;
      else process.env.INSIDEOUT_MELD_DIR = before;
    }
  });
});
