import { describe, expect, it } from "@jest/globals";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BUILTIN_LABEL_SETS, goldToSet, loadLabelSet, VALENCE } from "../../taxonomy/labelSets.js";
import { normalizeLabel } from "../../taxonomy/normalize.js";

const ed32 = BUILTIN_LABEL_SETS.ed32!;
const ed18 = BUILTIN_LABEL_SETS.ed18!;

describe("label sets (DESIGN §3)", () => {
  it("ed32 has the 32 EmpatheticDialogues labels, each with a valence", () => {
    expect(ed32.labels).toHaveLength(32);
    expect(new Set(ed32.labels).size).toBe(32);
    for (const l of ed32.labels) expect(VALENCE[l]).toBeDefined();
    // 16 negative, 11 positive, 5 ambiguous, as listed in DESIGN §3.
    const count = (v: string) => ed32.labels.filter((l) => VALENCE[l] === v).length;
    expect([count("negative"), count("positive"), count("ambiguous")]).toEqual([16, 11, 5]);
  });

  it("ed18 has 18 groups that partition the 32 labels", () => {
    expect(ed18.labels).toHaveLength(18);
    const members = Object.keys(ed18.groupOf).sort();
    expect(members).toEqual([...ed32.labels].sort());
    expect(goldToSet(ed18, "devastated")).toBe("sad");
    expect(goldToSet(ed18, "lonely")).toBe("sad");
    expect(goldToSet(ed18, "faithful")).toBe("trusting");
    expect(goldToSet(ed18, "annoyed")).toBe("annoyed");
    expect(goldToSet(ed32, "devastated")).toBe("devastated");
    expect(goldToSet(ed32, "bored")).toBeUndefined();
  });

  it("a user's label set file is data", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "labels-"));
    const flat = path.join(dir, "flat.json");
    writeFileSync(flat, JSON.stringify({ name: "mine", labels: ["Happy", "sad", "angry"] }));
    expect(loadLabelSet(flat)).toMatchObject({ name: "mine", labels: ["happy", "sad", "angry"] });
    const grouped = path.join(dir, "grouped.json");
    writeFileSync(grouped, JSON.stringify({ groups: { good: ["joyful", "proud"], bad: ["sad"] } }));
    const g = loadLabelSet(grouped);
    expect(g.labels).toEqual(["good", "bad"]);
    expect(goldToSet(g, "proud")).toBe("good");
    const broken = path.join(dir, "broken.json");
    writeFileSync(broken, "{not json");
    expect(() => loadLabelSet(broken)).toThrow(/Cannot read label set file/);
    expect(() => loadLabelSet("ed19")).toThrow(/Unknown label set "ed19"/);
  });
});

describe("normalizeLabel", () => {
  it.each([
    ["Joyful.", "joyful"],
    ["  SAD ", "sad"],
    ["**afraid**", "afraid"],
    ['"Nostalgic"', "nostalgic"],
    ["fearful", "afraid"],
    ["fear", "afraid"],
    ["gratitude", "grateful"],
    ["Sadness!", "sad"],
  ])("%s → %s in ed32", (raw, expected) => {
    expect(normalizeLabel(raw, ed32)).toBe(expected);
  });

  it.each([["happy"], ["bored"], ["sad and angry"], ["not sure"], [""], ["love"]])("%s is unparseable, never guessed", (raw) => {
    expect(normalizeLabel(raw, ed32)).toBeUndefined();
  });

  it("maps a fine label to its ed18 group, and only offers group names", () => {
    expect(normalizeLabel("Terrified", ed18)).toBe("afraid");
    expect(normalizeLabel("guilt", ed18)).toBe("ashamed");
    expect(normalizeLabel("content", ed18)).toBe("joyful");
    expect(normalizeLabel("bored", ed18)).toBeUndefined();
  });
});
