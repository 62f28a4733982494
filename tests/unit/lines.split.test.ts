/** The one line splitter: lines across chunk boundaries, an over-long line skipped to its newline, a total bound. */
import { describe, expect, it } from "@jest/globals";
import { splitLines, type LineBounds } from "../../core/lines.js";

async function split(chunks: string[], bounds: LineBounds): Promise<(string | number)[]> {
  const out: (string | number)[] = [];
  // Over-long lines show as their number.
  for await (const l of splitLines((async function* () { for (const c of chunks) yield Buffer.from(c); })(), bounds, (n) => new Error(`too much at line ${n}`))) {
    out.push(l.tooLong ? l.number : l.bytes.toString());
  }
  return out;
}

describe("splitLines", () => {
  it("joins a line split over chunks; no line after the last newline; a last line without one", async () => {
    expect(await split(["ab", "c\nde", "f\n"], { lineBytes: 10, totalBytes: 100 })).toEqual(["abc", "def"]);
    expect(await split(["a\n\nb"], { lineBytes: 10, totalBytes: 100 })).toEqual(["a", "", "b"]);
  });

  it("a line over the bound is its number alone, its rest skipped up to its newline, and the next lines read", async () => {
    // Line 2 passes 4 bytes within one chunk, line 3 over three chunks (found before its newline comes).
    expect(await split(["ok\n123456\nlo", "ngl", "ine\nend\n"], { lineBytes: 4, totalBytes: 100 })).toEqual(["ok", 2, 3, "end"]);
    expect(await split(["abcd\n"], { lineBytes: 4, totalBytes: 100 })).toEqual(["abcd"]);
  });

  it("past the total it throws with the number of the line being read", async () => {
    await expect(split(["a\nb\n", "cc"], { lineBytes: 10, totalBytes: 5 })).rejects.toThrow("too much at line 3");
  });
});
