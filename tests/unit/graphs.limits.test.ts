/**
 * A run's conversation is held to the CLI's dialogue limits (core/inputLimits.ts: INSIDEOUT_MAX_TURNS,
 * INSIDEOUT_MAX_DIALOGUE_BYTES) whichever way it comes (`dialogue` or `messages`), and a benchmark run's question to
 * the byte limit: one line before any node runs, so a server's runs, which no CLI read, take nothing larger. A
 * benchmark graph given no question says so in one line, not as zod's list of issues. The real graphs, invoked here;
 * their START check throws before any node resolves a model (none is reachable: a call would fail otherwise).
 */
import { afterEach, beforeEach, describe, expect, it } from "@jest/globals";
import { AIMessage, HumanMessage } from "@langchain/core/messages";
import { builder as ercBuilder } from "../../graphs/erc.js";
import { builder as ergBuilder } from "../../graphs/erg.js";
import { builder as benchmarkBuilder } from "../../graphs/benchmark.js";
import { builder as baselineBenchmarkBuilder } from "../../graphs/baseline_benchmark.js";
import { turnsOf } from "../../nodes/turns.js";
import { runContext } from "../../state/runOptions.js";

const saved = { ...process.env };
beforeEach(() => {
  process.env.INSIDEOUT_MAX_TURNS = "20";
  process.env.INSIDEOUT_MAX_DIALOGUE_BYTES = "100";
  // Nothing listens here: a node that ran would fail with "Cannot reach", not with the errors below.
  process.env.OPENAI_BASE_URL = "http://127.0.0.1:9/v1";
  process.env.OPENAI_API_KEY = "sk-test-limits-0123456789";
});
afterEach(() => {
  process.env = { ...saved };
});

const turns = (n: number, text = "hi") => Array.from({ length: n }, () => text);
const context = (task: "erc" | "erg") => ({ context: runContext({ model: "openai:m" }, task) as never });

describe("the dialogue limits on a graph's input", () => {
  it("21 turns where 20 are allowed: one line naming the limit, before any node", async () => {
    await expect(ercBuilder.compile().invoke({ dialogue: turns(21) }, context("erc"))).rejects.toThrow(
      "The dialogue has 21 turns, more than 20, the most a dialogue may have (INSIDEOUT_MAX_TURNS): give a shorter one, or raise the limit where the graph runs.",
    );
  });

  it("a turn the CLI and data files refuse is refused on a graph's input too: a NUL, or only invisible characters", async () => {
    await expect(ercBuilder.compile().invoke({ dialogue: ["I lost\u0000 it.", "Oh no.", "Yes."] }, context("erc"))).rejects.toThrow(
      "Turn 1 of 3 holds the control character U+0000 (NUL) at character 7: a text turn has none; remove it.",
    );
    await expect(ercBuilder.compile().invoke({ dialogue: ["I lost it.", "\u200b\u200b", "Yes."] }, context("erc"))).rejects.toThrow(
      "Turn 2 of 3 is blank: turns alternate Speaker and Listener, so a blank one cannot be dropped.",
    );
    await expect(ercBuilder.compile().invoke({ dialogue: ["\u200b", " "] }, context("erc"))).rejects.toThrow(/empty/i);
  });

  it("chat messages over 100 bytes (each turn's bytes and a newline, as the CLI counts): the same line for bytes", async () => {
    // Three turns of 40 bytes: 41 × 3 = 123 > 100.
    const messages = [new HumanMessage("a".repeat(40)), new AIMessage("b".repeat(40)), new HumanMessage("c".repeat(40))];
    await expect(ergBuilder.compile().invoke({ messages }, context("erg"))).rejects.toThrow(
      "The dialogue is longer than 100 bytes, the most a dialogue may hold (INSIDEOUT_MAX_DIALOGUE_BYTES): give a shorter one, or raise the limit where the graph runs.",
    );
  });

  it("at the limits exactly, a dialogue is taken (20 turns; 100 bytes: two turns of 49 bytes and their newlines)", () => {
    const of = (dialogue: string[]) => turnsOf({ dialogue, messages: [] });
    expect(of(turns(20))).toHaveLength(20);
    expect(of(["é".repeat(24) + "a", "x".repeat(49)])).toHaveLength(2);
    // One byte more (a two-byte é for an a): refused.
    expect(() => of(["é".repeat(25), "x".repeat(49)])).toThrow(/longer than 100 bytes/);
  });
});

describe("a benchmark graph's question", () => {
  it("none given (a dialogue instead): one line, no zod issues", async () => {
    for (const builder of [benchmarkBuilder, baselineBenchmarkBuilder]) {
      const error = await builder.compile().invoke({ dialogue: ["I lost my keys."] } as never, { context: { model: "openai:m" } as never }).then(() => new Error("no error"), (e: unknown) => e as Error);
      expect(error.name).toBe("NoQuestionError");
      expect(error.message).toBe("The run has no `question`: a benchmark graph answers a benchmark question (EQ-Bench, EmoBench).");
    }
  });

  it("a question larger than a dialogue may be: one line", async () => {
    const question = { kind: "ea", scenario: "s".repeat(200), subject: "Sam", options: { choice: ["a", "b"] }, language: "en" };
    await expect(benchmarkBuilder.compile().invoke({ question } as never, { context: { model: "openai:m" } as never })).rejects.toThrow(
      "The question is longer than 100 bytes, the most a dialogue may hold (INSIDEOUT_MAX_DIALOGUE_BYTES)",
    );
  });
});
