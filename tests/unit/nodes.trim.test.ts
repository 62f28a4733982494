/** Dialogues longer than the model's context: trimmed from the oldest turns, roles kept, last turn kept, and said. */
import { describe, expect, it } from "@jest/globals";
import { dialogueBudgetChars, fitDialogue, formatDialogue } from "../../nodes/dialogue.js";
import { invalidUtf8Offset } from "../../cli/dialogue.js";

const turn = (i: number) => `turn ${i} ${"x".repeat(80)}`;

describe("fitDialogue", () => {
  it("leaves a dialogue that fits alone, with no note", () => {
    const turns = [turn(0), turn(1), turn(2)];
    expect(fitDialogue(turns, 10_000)).toEqual({ turns });
  });

  it("drops the oldest turns two at a time and says how many", () => {
    const turns = Array.from({ length: 9 }, (_, i) => turn(i));
    const { turns: kept, note } = fitDialogue(turns, 400);
    // Each turn is 87 characters + 11 for "Listener: \n": four fit in 400; an odd count is kept so roles line up.
    expect(kept).toEqual(turns.slice(6));
    expect(note).toMatch(/dropped the 6 oldest of 9 turns/);
  });

  it("keeps the last turn even when it alone is too long, cutting its beginning", () => {
    const long = `${"a".repeat(500)}THE END`;
    const { turns: kept, note } = fitDialogue([turn(0), turn(1), long], 211);
    expect(kept).toHaveLength(1);
    expect(kept[0]!.endsWith("THE END")).toBe(true);
    expect(kept[0]!.length + "Listener: \n".length).toBeLessThanOrEqual(211);
    expect(note).toMatch(/dropped the 2 oldest of 3 turns and cut the first \d+ characters of the last turn/);
  });

  it("formatDialogue keeps the Speaker/Listener roles of the kept turns", () => {
    const turns = Array.from({ length: 5 }, (_, i) => turn(i));
    const text = formatDialogue(turns, 300);
    expect(text.split("\n").map((l) => l.split(":")[0])).toEqual(["Speaker", "Listener", "Speaker"]);
    expect(text).toContain("turn 4");
    expect(text).not.toContain("turn 0");
  });

  it("budget comes from the model's context, overridable by INSIDEOUT_CONTEXT_TOKENS", () => {
    const before = process.env.INSIDEOUT_CONTEXT_TOKENS;
    delete process.env.INSIDEOUT_CONTEXT_TOKENS;
    expect(dialogueBudgetChars({ contextTokens: 4096 })).toBe((4096 - 2048) * 3);
    expect(dialogueBudgetChars(undefined)).toBe((8192 - 2048) * 3);
    process.env.INSIDEOUT_CONTEXT_TOKENS = "3048";
    expect(dialogueBudgetChars({ contextTokens: 100_000 })).toBe(3000);
    if (before === undefined) delete process.env.INSIDEOUT_CONTEXT_TOKENS;
    else process.env.INSIDEOUT_CONTEXT_TOKENS = before;
  });
});

describe("invalidUtf8Offset", () => {
  it("agrees with a fatal TextDecoder on valid and invalid inputs", () => {
    const cases = [
      Buffer.from("héllo wörld ✓ 😀", "utf8"),
      Buffer.from([0x61, 0xff, 0x62]),
      Buffer.from([0x61, 0xc3]),
      Buffer.from([0xe0, 0x80, 0x80]),
      Buffer.from([0xed, 0xa0, 0x80]),
      Buffer.from([0xf4, 0x90, 0x80, 0x80]),
      Buffer.from([0xc0, 0xaf]),
    ];
    for (const b of cases) {
      let valid = true;
      try {
        new TextDecoder("utf-8", { fatal: true }).decode(b);
      } catch {
        valid = false;
      }
      expect(invalidUtf8Offset(b) === -1).toBe(valid);
    }
    expect(invalidUtf8Offset(Buffer.from([0x61, 0x0a, 0x62, 0xff]))).toBe(3);
  });
});
