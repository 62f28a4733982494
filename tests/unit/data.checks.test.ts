/**
 * Every example of a data file is checked when it is read, before any call: a blank turn inside a dialogue, a
 * dialogue beyond the CLI's limits, MELD ids beyond 2^53 (which must not merge conversations), a MELD header
 * missing a column — each one line naming the file and line.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { loadDataset } from "../../evaluations/data/index.js";
import { checkedTurns, turnsOfLines } from "../../cli/turns.js";
/** The documented default of INSIDEOUT_MAX_TURNS (docs/settings.md). */
const DEFAULT_MAX_TURNS = 1000;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "insideout-data-checks-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const f = path.join(dir, name);
  writeFileSync(f, text);
  return f;
}

const MELD_HEADER = "Sr No.,Utterance,Speaker,Emotion,Sentiment,Dialogue_ID,Utterance_ID";

describe("data files: every example checked up front", () => {
  it("a blank turn inside a dialogue on line 3 is refused with its line", async () => {
    const ok = JSON.stringify({ dialogue: ["I got the job!"], emotion: "joyful", reference: "Congrats" });
    const f = file("blank.jsonl", [ok, ok.replace("job", "car"), JSON.stringify({ dialogue: ["I lost it.", "  ", "All of it."], emotion: "sad", reference: null })].join("\n") + "\n");
    await expect(loadDataset(f)).rejects.toThrow(`turn 2 of 3 in example blank.jsonl:3 on line 3 of ${f} is blank`);
  });

  it("a dialogue of only blanks is refused too", async () => {
    const f = file("only-blank.jsonl", JSON.stringify({ dialogue: [" "], emotion: "sad", reference: null }) + "\n");
    await expect(loadDataset(f)).rejects.toThrow(`turn 1 of 1 in example only-blank.jsonl:1 on line 1 of ${f} is blank`);
  });

  it("MELD Dialogue_IDs 9007199254740992 and 9007199254740993 are two conversations", async () => {
    const f = file(
      "big-ids.csv",
      [MELD_HEADER, "1,Hi there.,Ross,joy,positive,9007199254740992,0", "2,Hello.,Rachel,neutral,neutral,9007199254740992,1", "3,Who are you?,Joey,surprise,positive,9007199254740993,0"].join("\n") + "\n",
    );
    const examples = await loadDataset(f);
    expect(examples.map((e) => e.id)).toEqual(["dia9007199254740992_utt0", "dia9007199254740992_utt1", "dia9007199254740993_utt0"]);
    // The third is the first utterance of its own conversation, not the third of the first one.
    expect(examples[2]!.dialogue).toEqual(["Who are you?"]);
    expect(examples[2]!.convId).toBe("dia9007199254740993");
  });

  it("a MELD CSV missing a column is named as such, not as an EmpatheticDialogues header", async () => {
    const f = file("no-speaker.csv", "Sr No.,Utterance,Emotion,Sentiment,Dialogue_ID,Utterance_ID\n1,Hi.,joy,positive,0,0\n");
    await expect(loadDataset(f)).rejects.toThrow(`line 1 of ${f} is not a MELD header: no Speaker column`);
  });

  it(`a MELD conversation of more than ${DEFAULT_MAX_TURNS} utterances is refused at the line that passes the limit`, async () => {
    const rows = Array.from({ length: DEFAULT_MAX_TURNS + 5 }, (_, i) => `${i},Line ${i}.,Ross,neutral,neutral,7,${i}`);
    const f = file("long.csv", [MELD_HEADER, ...rows].join("\n") + "\n");
    await expect(loadDataset(f)).rejects.toThrow(`dialogue 7 on line ${DEFAULT_MAX_TURNS + 2} of ${f} has more than ${DEFAULT_MAX_TURNS} turns`);
  });
});

describe("what a turn may hold: one definition for the CLI and every data file", () => {
  const sad = (dialogue: string[]) => JSON.stringify({ id: "ex-1", dialogue, emotion: "sad", reference: null });
  const ED_CSV_HEADER = "conv_id,utterance_idx,context,prompt,speaker_idx,utterance,selfeval,tags";

  it("NUL inside a turn: refused in a JSONL file, an ED CSV, a MELD CSV, and at the CLI, each naming where", async () => {
    const jsonl = file("nul.jsonl", sad(["I lost it.", "Oh no.", "All\u0000of it."]) + "\n");
    await expect(loadDataset(jsonl)).rejects.toThrow(`turn 3 of 3 in example ex-1 on line 1 of ${jsonl} holds the control character U+0000 (NUL) at character 4`);
    const csv = file("nul.csv", `${ED_CSV_HEADER}\nhit:1_conv:2,1,sad,I lost it,1,I lost\u0000 it all,|,\nhit:1_conv:2,2,sad,I lost it,0,Oh no,|,\n`);
    await expect(loadDataset(csv)).rejects.toThrow(/turn 1 of 1 in example hit:1_conv:2#1 on line \d+ of .*nul\.csv holds the control character U\+0000 \(NUL\)/);
    const meld = file("nul-meld.csv", `${MELD_HEADER}\n1,Hi\u0000.,Ross,joy,positive,4,0\n`);
    await expect(loadDataset(meld)).rejects.toThrow(`the Utterance (a turn) of example dia4_utt0 on line 2 of ${meld} holds the control character U+0000 (NUL)`);
    expect(() => checkedTurns(["I lost it.", "bell\u0007"], "the arguments")).toThrow("Turn 2 of 2 in the arguments holds the control character U+0007 (BEL)");
  });

  it("a turn of only zero-width characters is blank, in data and at the CLI", async () => {
    const zw = "\u200b\u200d\ufeff";
    const jsonl = file("zw.jsonl", sad(["I lost it.", zw, "All of it."]) + "\n");
    await expect(loadDataset(jsonl)).rejects.toThrow(`turn 2 of 3 in example ex-1 on line 1 of ${jsonl} is blank`);
    const meld = file("zw-meld.csv", `${MELD_HEADER}\n1,${zw},Ross,joy,positive,4,0\n`);
    await expect(loadDataset(meld)).rejects.toThrow(`empty Utterance on line 2 of ${meld}`);
    expect(() => checkedTurns(["I lost it.", zw, "All of it."])).toThrow("Turn 2 of 3 in the dialogue is blank");
    expect(() => turnsOfLines(`I lost it.\n${zw}\nAll of it.\n`, "f.txt")).toThrow("Line 2 of f.txt is blank");
  });

  it("zero-width characters inside a turn are text, in data and at the CLI (an emoji's joiner, a Persian word's non-joiner)", async () => {
    const turns = ["We adopted a 👩\u200d👩\u200d👧 family photo.", "\u0645\u06cc\u200c\u062e\u0648\u0627\u0647\u0645"];
    const jsonl = file("zw-inside.jsonl", sad(turns) + "\n");
    expect((await loadDataset(jsonl))[0]!.dialogue).toEqual(turns);
    expect(checkedTurns(turns)).toEqual(turns);
  });
});
