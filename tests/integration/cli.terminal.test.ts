/**
 * What a model writes is printed as text, never obeyed by the terminal: an ESC sequence (here OSC 52, which asks some
 * terminals to write the clipboard) or a carriage return in a rationale or reply reaches stdout as `\x1b`, `\x0d`.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { runCli } from "../helpers/cli.js";
import { answerFromSchema, requestedSchema, startFakeOpenAI, type FakeOpenAI } from "../helpers/openaiServer.js";
import { shown } from "../../core/terminalText.js";

const HOSTILE = "calm\x1b]52;c;cm0gLXJmIH4=\x07 words\rOVERWRITTEN\x9b2J\tend";
let server: FakeOpenAI;

beforeAll(async () => {
  server = await startFakeOpenAI((req) => {
    const schema = requestedSchema(req);
    if (!schema) return `A reply. ${HOSTILE}`;
    // Every free text of a structured answer (labels are single lower-case words) carries the hostile text too.
    return JSON.stringify(answerFromSchema(schema), (_k, v: unknown) => (typeof v === "string" && !/^[a-z]+$/.test(v) ? `${v} ${HOSTILE}` : v));
  });
});
afterAll(async () => {
  await server.close();
});

describe("model text on a terminal", () => {
  it("shown() spells out C0 (but tab and line feed), DEL and C1 characters, by hand", () => {
    expect(shown("a\x1b[31mb\rc\td\ne\x7f\x9b\u00a0")).toBe("a\\x1b[31mb\\x0dc\td\ne\\x7f\\x9b\u00a0");
    expect(shown("plain text, ünïcode 😀")).toBe("plain text, ünïcode 😀");
  });

  const turns = ["I lost my keys again.", "Oh no!", "And my phone."];
  for (const [command, input] of [
    [["recognize", "--method", "insideout", ...turns], undefined],
    [["respond", "--method", "erc+insideout", ...turns], undefined],
    // Two turns: the first reply (with a BEL) is in the second turn's dialogue, as the turn definition allows it.
    [["chat", "--method", "erc+insideout"], "I lost my keys again.\nAnd my phone.\n"],
  ] as const) {
    it(`${command[0]}: no control character but line feeds reaches stdout; the text is there, spelled out`, async () => {
      const r = await runCli([...command, "--model", "openai:m"], { OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "sk-test-terminal" }, input);
      expect(r.stderr).toBe("");
      expect(r.code).toBe(0);
      const obeyed = [...r.stdout].filter((c) => {
        const n = c.codePointAt(0)!;
        return (n < 0x20 && n !== 0x09 && n !== 0x0a) || (n >= 0x7f && n <= 0x9f);
      });
      expect(obeyed).toEqual([]);
      expect(r.stdout).toContain("calm\\x1b]52;c;cm0gLXJmIH4=\\x07 words\\x0dOVERWRITTEN\\x9b2J\tend");
    }, 60_000);
  }
});
