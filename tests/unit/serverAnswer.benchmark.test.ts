/**
 * A LangGraph server's final state for a benchmark question (core/serverAnswer.ts) is this run's answer only when it
 * echoes the question sent (whatever order its keys come in) and holds an answer; the states below are hand-made.
 */
import { describe, expect, it } from "@jest/globals";
import { finalStateProblem } from "../../core/serverAnswer.js";

const question = { kind: "ea", scenario: "Sam's friend forgot his birthday.", subject: "Sam", options: { choice: ["Say nothing", "Tell the friend", "Leave", "Shout"] }, language: "en" };
const answer = { values: { choice: "Tell the friend" }, decidedBy: "vote" };
const expected = { task: "benchmark" } as const;
const calls = [{ name: "answer", promptTokens: 12, completionTokens: 3, calls: 1, latencyMs: 4.5, ok: true }];

describe("a benchmark question's final state from a server", () => {
  it("is the answer when it echoes the question, keys in any order, and answers it", () => {
    const reordered = { language: "en", options: { choice: [...question.options.choice] }, subject: "Sam", scenario: question.scenario, kind: "ea" };
    expect(finalStateProblem({ question: reordered, answer, calls }, { question }, expected)).toBeUndefined();
  });

  it("is refused without the usage of its calls", () => {
    expect(finalStateProblem({ question, answer }, { question }, expected)).toBe("it records no model call, so its usage is missing");
  });

  it.each<[string, Record<string, unknown>, string]>([
    ["another question", { question: { ...question, subject: "Alex" }, answer }, "its question is not the one sent"],
    ["the options reordered", { question: { ...question, options: { choice: [...question.options.choice].reverse() } }, answer }, "its question is not the one sent"],
    ["no question", { answer }, "its question is not the one sent"],
    ["no answer", { question }, "it has no answer"],
  ])("is refused with %s", (_, state, problem) => {
    expect(finalStateProblem(state, { question }, expected)).toBe(problem);
  });

  it("is refused when its answer is not an answer's shape", () => {
    expect(finalStateProblem({ question, answer: { values: { choice: ["a"] }, decidedBy: "vote" } }, { question }, expected)).toMatch(/^answer\.values\.choice: /);
  });
});
