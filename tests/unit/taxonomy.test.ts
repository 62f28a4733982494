import { describe, expect, it } from "@jest/globals";
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { BUILTIN_LABEL_SETS, ED32_LABELS, goldToSet, loadLabelSet, MAX_LABEL_SET_FILE_BYTES, uncoveredGold, uncoveredGoldMessage, VALENCE } from "../../taxonomy/labelSets.js";
import { normalizeLabel } from "../../taxonomy/normalize.js";

const ed32 = BUILTIN_LABEL_SETS.ed32!;
const ed18 = BUILTIN_LABEL_SETS.ed18!;

describe("label sets (ed32, ed18 and valence)", () => {
  it("ed32 has the 32 EmpatheticDialogues labels, each with a valence", () => {
    expect(ed32.labels).toHaveLength(32);
    expect(new Set(ed32.labels).size).toBe(32);
    for (const l of ed32.labels) expect(VALENCE[l]).toBeDefined();
    // 16 negative, 11 positive, 5 ambiguous, as the paper's valence observation needs them.
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

describe("a label set file that cannot work is refused on load, in one line naming the file", () => {
  const dir = mkdtempSync(path.join(tmpdir(), "labels-bad-"));
  let n = 0;
  const file = (content: unknown) => {
    const f = path.join(dir, `set-${n++}.json`);
    writeFileSync(f, typeof content === "string" ? content : JSON.stringify(content));
    return f;
  };
  const refused = (f: string, problem: RegExp) => {
    let message = "";
    try {
      loadLabelSet(f);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain(f);
    expect(message).not.toContain("\n");
    expect(message).toMatch(problem);
  };

  it.each<[string, unknown, RegExp]>([
    ["no groups", { groups: {} }, /has no labels/],
    ["no labels", { labels: [] }, /has no labels/],
    ["one label", { labels: ["sad"] }, /only one label \("sad"\)/],
    ["a blank label", { labels: ["sad", "  "] }, /label 2 \(" {2}"\) is blank/],
    ["a label that is only punctuation", { labels: ["sad", "..."] }, /label 2 \("..."\) is blank/],
    ["the same label twice", { labels: ["sad", "joyful", "sad"] }, /has "sad" twice: list each label once/],
    ["the same label twice once normalised", { labels: ["Joyful", "sad", "joyful."] }, /has "joyful" twice \("Joyful" and "joyful."\)/],
    ["two groups of one name once normalised", { groups: { Sad: ["sad"], " sad": ["lonely"] } }, /has "sad" twice/],
    ["a group with no members", { groups: { good: ["joyful"], bad: [] } }, /group "bad" has no members/],
    ["a blank member", { groups: { good: ["joyful", ""], bad: ["sad"] } }, /group "good" has a blank member/],
    ["a member in two groups", { groups: { good: ["joyful", "proud"], bad: ["sad", "Proud"] } }, /"proud" is in two groups \("good" and "bad"\)/],
    ["a member named like another group", { groups: { sad: ["sad", "lonely"], lonely: ["isolated"] } }, /"lonely" is a member of group "sad" and also a group/],
    ["both labels and groups", { labels: ["a", "b"], groups: { a: ["a"] } }, /must be \{"labels"/],
    ["labels that are not strings", { labels: ["a", 3] }, /must be \{"labels".*labels\.1/],
    ["not JSON", "{not json", /Cannot read label set file .*: not JSON/],
    ["an array", "[]", /must be \{"labels"/],
  ])("%s", (_what, content, problem) => refused(file(content), problem));

  it("a missing file, a folder, and invalid UTF-8", () => {
    refused(path.join(dir, "nope.json"), /Cannot read label set file .*: ENOENT/);
    const folder = path.join(dir, "folder.json");
    mkdirSync(folder);
    refused(folder, /Cannot read label set file .*: not a file/);
    const latin1 = path.join(dir, "latin1.json");
    writeFileSync(latin1, Buffer.concat([Buffer.from('{"labels": ["caf'), Buffer.from([0xe9]), Buffer.from('", "sad"]}')]));
    refused(latin1, /not valid UTF-8/);
  });

  it("a file over 1 MB is refused; one of exactly 1 MB is read", () => {
    expect(MAX_LABEL_SET_FILE_BYTES).toBe(1024 * 1024);
    const head = '{"labels": ["sad", "joyful"]}';
    // JSON allows trailing white space: the same set, padded to exactly the limit and one byte past it.
    const atLimit = file(head + " ".repeat(1024 * 1024 - head.length));
    expect(loadLabelSet(atLimit).labels).toEqual(["sad", "joyful"]);
    refused(file(head + " ".repeat(1024 * 1024 - head.length + 1)), /larger than 1 MB/);
  });

  it("labels are kept in their normalised form, which is what goldToSet and normalizeLabel compare with", () => {
    const set = loadLabelSet(file({ labels: ["Joyful.", " SAD "] }));
    expect(set.labels).toEqual(["joyful", "sad"]);
    expect(goldToSet(set, "joyful")).toBe("joyful");
    expect(normalizeLabel("Sad!", set)).toBe("sad");
    const grouped = loadLabelSet(file({ groups: { "Good!": ["Joyful", "proud"], bad: ["sad"] } }));
    expect(grouped.labels).toEqual(["good", "bad"]);
    expect(goldToSet(grouped, "joyful")).toBe("good");
  });
});

describe("uncoveredGold", () => {
  it("ed32 and ed18 have a place for every ed32 label", () => {
    expect(uncoveredGold(ed32, ED32_LABELS)).toEqual([]);
    expect(uncoveredGold(ed18, ED32_LABELS)).toEqual([]);
  });

  it("a user's set: the gold labels it has no place for, each once, sorted", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "labels-gold-"));
    const f = path.join(dir, "x.json");
    writeFileSync(f, JSON.stringify({ name: "mine", groups: { good: ["joyful", "content"], bad: ["angry", "furious"] } }));
    const set = loadLabelSet(f);
    const gold = ["sad", "joyful", "proud", "Furious", "sad", "afraid", "content", "good"];
    // By hand: joyful, content → good; furious → bad; "good" is a label itself; sad, proud, afraid have no place.
    expect(uncoveredGold(set, gold)).toEqual(["afraid", "proud", "sad"]);
    expect(uncoveredGoldMessage(set, "ed:test", ["afraid", "proud", "sad"])).toBe(
      `The label set ${f} has no place for 3 gold labels of ed:test (afraid, proud, sad): add them or use ed32.`,
    );
    expect(uncoveredGoldMessage(set, "ed:test", ["sad"])).toBe(
      `The label set ${f} has no place for 1 gold label of ed:test (sad): add them or use ed32.`,
    );
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
