import { describe, expect, test } from "@jest/globals";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadEdCsv } from "../../evaluations/data/csv.js";
import type { LoadWarning } from "../../evaluations/data/types.js";

const HEADER = "conv_id,utterance_idx,context,prompt,speaker_idx,utterance,selfeval,tags";

function writeCsv(lines: string[], eol = "\n"): string {
  const dir = mkdtempSync(join(tmpdir(), "io-csv-"));
  const file = join(dir, "test.csv");
  writeFileSync(file, lines.join(eol) + eol);
  return file;
}

// Two conversations in the official format: not quoted, `_comma_` for commas, a literal leading quote in one
// utterance, and in conversation B one row with a 9th field (which the official loaders ignore).
const SAMPLE = [
  HEADER,
  "hit:1_conv:2,1,sentimental,I found my old toys_comma_ all of them.,1,I found a box of my old toys today.,5|5|5_2|2|5,",
  "hit:1_conv:2,2,sentimental,I found my old toys_comma_ all of them.,2,Oh nice_comma_ which ones?,5|5|5_2|2|5,",
  'hit:1_conv:2,3,sentimental,I found my old toys_comma_ all of them.,1,"Action figures" mostly.,5|5|5_2|2|5,',
  "hit:1_conv:2,4,sentimental,I found my old toys_comma_ all of them.,2,That must bring back memories.,5|5|5_2|2|5,",
  "hit:1_conv:2,5,sentimental,I found my old toys_comma_ all of them.,1,It does.,5|5|5_2|2|5,",
  "hit:9_conv:18,1,afraid,A storm hit.,7,The storm last night scared me.,,",
  "hit:9_conv:18,2,afraid,A storm hit.,8,Are you ok?,,,extra",
  "hit:9_conv:18,3,afraid,A storm hit.,7,Yes but the power went out.,,",
  "hit:9_conv:18,4,afraid,A storm hit.,8,Glad you are safe.,,",
];

describe("official EmpatheticDialogues CSV", () => {
  test("each listener turn becomes an example with the turns before it", async () => {
    const warnings: LoadWarning[] = [];
    const examples = await loadEdCsv(writeCsv(SAMPLE), warnings);
    // Conversation A has 5 utterances: listener turns at 0-based positions 1 and 3. B has 4: positions 1 and 3.
    expect(examples.map((e) => e.id)).toEqual(["hit:1_conv:2#1", "hit:1_conv:2#3", "hit:9_conv:18#1", "hit:9_conv:18#3"]);
    expect(examples[0]).toEqual({
      id: "hit:1_conv:2#1",
      dialogue: ["I found a box of my old toys today."],
      emotion: "sentimental",
      reference: "Oh nice, which ones?",
      situation: "I found my old toys, all of them.",
      convId: "hit:1_conv:2",
    });
    expect(examples[1]?.dialogue).toEqual([
      "I found a box of my old toys today.",
      "Oh nice, which ones?",
      // MoEL's texts have no double quotes and no surrounding blanks; the conversion matches them.
      "Action figures mostly.",
    ]);
    expect(examples[1]?.reference).toBe("That must bring back memories.");
    // The last conversation of the file is kept (ParlAI's loop would drop it).
    expect(examples[3]).toMatchObject({
      emotion: "afraid",
      dialogue: ["The storm last night scared me.", "Are you ok?", "Yes but the power went out."],
      reference: "Glad you are safe.",
    });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.line).toBe(8);
    expect(warnings[0]?.message).toMatch(/9 fields/);
  });

  test("{ moelText: false } keeps utterances as written", async () => {
    const lines = [...SAMPLE];
    lines[3] = 'hit:1_conv:2,3,sentimental,I found my old toys_comma_ all of them.,1,"Action figures" mostly. ,5|5|5_2|2|5,';
    const raw = await loadEdCsv(writeCsv(lines), [], { moelText: false });
    expect(raw[1]?.dialogue[2]).toBe('"Action figures" mostly. ');
    const moel = await loadEdCsv(writeCsv(lines));
    expect(moel[1]?.dialogue[2]).toBe("Action figures mostly.");
  });

  test("CRLF files give the same examples", async () => {
    const lf = await loadEdCsv(writeCsv(SAMPLE));
    const crlf = await loadEdCsv(writeCsv(SAMPLE, "\r\n"));
    expect(crlf).toEqual(lf);
    expect(crlf[2]?.reference).toBe("Are you ok?");
  });

  test("an unknown emotion label is reported with its line", async () => {
    const lines = [...SAMPLE];
    lines[6] = "hit:9_conv:18,1,scaredish,A storm hit.,7,The storm last night scared me.,,";
    await expect(loadEdCsv(writeCsv(lines))).rejects.toThrow(/unknown emotion label "scaredish" on line 7 of .*test\.csv/);
  });

  test("a row with too few fields is reported with its line", async () => {
    const lines = [...SAMPLE];
    lines[3] = "hit:1_conv:2,3,sentimental,truncated row";
    await expect(loadEdCsv(writeCsv(lines))).rejects.toThrow(/line 4 of .* has 4 comma-separated fields/);
  });

  test("a non-numeric utterance_idx is reported with its line", async () => {
    const lines = [...SAMPLE];
    lines[2] = "hit:1_conv:2,two,sentimental,I found my old toys_comma_ all of them.,2,Oh nice,,";
    await expect(loadEdCsv(writeCsv(lines))).rejects.toThrow(/utterance_idx is not an integer on line 3/);
  });

  test("a conversation split across the file is an error, not two conversations with clashing ids", async () => {
    const lines = [...SAMPLE, "hit:1_conv:2,6,sentimental,x,2,Late row.,,"];
    await expect(loadEdCsv(writeCsv(lines))).rejects.toThrow(/hit:1_conv:2 on line 11 .* already appeared on line 2/);
  });

  test("a file without the header is refused", async () => {
    await expect(loadEdCsv(writeCsv(SAMPLE.slice(1)))).rejects.toThrow(/line 1 of .* is not the EmpatheticDialogues header/);
  });

  test("a gap in utterance_idx is a warning and file order is kept", async () => {
    const lines = SAMPLE.filter((_, i) => i !== 3); // drop A's utterance 3
    const warnings: LoadWarning[] = [];
    const examples = await loadEdCsv(writeCsv(lines), warnings);
    // Without utterance 3, the row of utterance 4 is line 4 of the file; line 7 is B's 9-field row.
    expect(warnings.map((w) => w.line)).toEqual([4, 7]);
    expect(examples[1]?.dialogue).toEqual(["I found a box of my old toys today.", "Oh nice, which ones?", "That must bring back memories."]);
    expect(examples[1]?.reference).toBe("It does.");
  });
  test("a quote that is never closed, and a stray carriage return, stay inside their own row", async () => {
    const lines = [...SAMPLE];
    // Read as quoted CSV, the unclosed quote would swallow every following line into one field.
    lines[3] = 'hit:1_conv:2,3,sentimental,I found my old toys_comma_ all of them.,1,"Action figures mostly.,5|5|5_2|2|5,';
    lines[7] = "hit:9_conv:18,2,afraid,A storm hit.,8,Are you\rok?,,";
    const warnings: LoadWarning[] = [];
    const examples = await loadEdCsv(writeCsv(lines), warnings, { moelText: false });
    expect(examples.map((e) => e.id)).toEqual(["hit:1_conv:2#1", "hit:1_conv:2#3", "hit:9_conv:18#1", "hit:9_conv:18#3"]);
    expect(examples[1]?.dialogue[2]).toBe('"Action figures mostly.');
    expect(examples[2]?.reference).toBe("Are you\rok?");
    expect(warnings).toEqual([]);
    // Line numbers after both rows are still the file's.
    const bad = [...lines];
    bad[9] = "hit:9_conv:18,4,afraid,A storm hit.,eight,Glad you are safe.,,";
    await expect(loadEdCsv(writeCsv(bad))).rejects.toThrow(/speaker_idx is not an integer on line 10 of /);
  });

  test("the data file bounds apply to CSV files, with the line", async () => {
    const lines = [...SAMPLE];
    lines[4] = `hit:1_conv:2,4,sentimental,x,2,${"long ".repeat(400)},,`;
    const file = writeCsv(lines);
    const saved = process.env.INSIDEOUT_MAX_DATA_LINE_BYTES;
    process.env.INSIDEOUT_MAX_DATA_LINE_BYTES = "1000";
    try {
      await expect(loadEdCsv(file)).rejects.toThrow(`line 5 of ${file} is longer than 1000 bytes (no newline found)`);
    } finally {
      if (saved === undefined) delete process.env.INSIDEOUT_MAX_DATA_LINE_BYTES;
      else process.env.INSIDEOUT_MAX_DATA_LINE_BYTES = saved;
    }
    const latin1 = Buffer.from(`${SAMPLE.slice(0, 6).join("\n")}\nhit:9_conv:18,1,afraid,Caf\u00e9.,7,x,,\n`, "latin1");
    writeFileSync(file, latin1);
    await expect(loadEdCsv(file)).rejects.toThrow(`invalid UTF-8 on line 7 of ${file}`);
    // The first problem in the file is the one reported, even when a later line cannot be read at all.
    const both = Buffer.concat([Buffer.from(`${SAMPLE.slice(0, 2).join("\n")}\nhit:1_conv:2,2,calm,x,2,y,,\n`), latin1]);
    writeFileSync(file, both);
    await expect(loadEdCsv(file)).rejects.toThrow(`unknown emotion label "calm" on line 3 of ${file}`);
  });
});
