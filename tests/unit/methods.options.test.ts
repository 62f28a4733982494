/** Task × method × options that cannot run as asked are refused before any model call (graphs/methods.ts). */
import { describe, expect, it } from "@jest/globals";
import { checkMethodOptions, type MethodOptions } from "../../graphs/methods.js";
import { type TaskName } from "../../state/runOptions.js";

const FIVE = ["anger", "disgust", "fear", "happiness", "sadness"];
const opts = (o: Partial<MethodOptions> = {}): MethodOptions => ({ aggregation: "llm", agents: FIVE, ...o });

describe("checkMethodOptions", () => {
  it.each<[TaskName, string, Partial<MethodOptions>, RegExp]>([
    ["erg", "erc+insideout", { aggregation: "vote" }, /^ERG method erc\+insideout: aggregation cannot be vote \(replies carry no label\): use llm or weighted\.$/],
    // The ERG graphs' run options have no vote at all, baselines included: their first node would refuse it.
    ["erg", "baseline", { aggregation: "vote" }, /aggregation cannot be vote/],
    ["erg", "erc+baseline", { aggregation: "vote" }, /aggregation cannot be vote/],
    ["erg", "erc+insideout", { respond: true }, /respond is for ERC; every ERG method replies already/],
    ["erg", "baseline", { respond: true }, /respond is for ERC/],
    ["erc", "insideout", { agents: ["anger", "fear", "anger"] }, /the agent "anger" is listed twice/],
    ["erg", "erc+insideout", { agents: ["sadness", "sadness"] }, /the agent "sadness" is listed twice/],
    ["erc", "nope", {}, /Unknown erc method "nope": use baseline, insideout, self-consistency\./],
    // The plain responder's samples carry no confidence to weigh, and no label to vote on.
    ["erg", "self-consistency", { aggregation: "weighted" }, /^ERG method self-consistency: aggregation must be llm/],
    ["erg", "erc+self-consistency", { aggregation: "weighted" }, /aggregation must be llm/],
    ["erg", "insideout", {}, /Unknown erg method "insideout"/],
    // EQ-Bench's answers are four ratings (averaged), EmoBench's a chosen option (voted on), ERC's a label.
    ["eqbench", "insideout", { aggregation: "vote" }, /^EQBENCH method insideout: aggregation cannot be vote \(.*\): use llm or mean or median\.$/],
    ["eqbench", "self-consistency", { aggregation: "weighted" }, /aggregation cannot be weighted/],
    ["emobench-eu", "insideout", { aggregation: "mean" }, /^EMOBENCH-EU method insideout: aggregation cannot be mean \(.*\): use llm or vote or weighted\.$/],
    ["emobench-ea", "self-consistency", { aggregation: "median" }, /aggregation cannot be median/],
    ["erc", "insideout", { aggregation: "median" }, /^ERC method insideout: aggregation cannot be median \(.*\): use llm or vote or weighted\.$/],
    ["erg", "erc+insideout", { aggregation: "mean" }, /aggregation cannot be mean/],
    ["eqbench", "baseline", { respond: true }, /respond is for ERC/],
    ["emobench-eu", "insideout", { agents: ["fear", "fear"] }, /the agent "fear" is listed twice/],
    ["eqbench", "erc+insideout", {}, /Unknown eqbench method "erc\+insideout"/],
  ])("%s %s %j is refused", (task, method, o, problem) => {
    expect(() => checkMethodOptions(task, method, opts(o))).toThrow(problem);
  });

  it.each<[TaskName, string, Partial<MethodOptions>]>([
    ["erc", "insideout", { aggregation: "vote" }],
    ["erc", "insideout", { aggregation: "weighted", respond: true }],
    ["erc", "insideout", { agents: ["surprise"] }],
    ["erg", "erc+insideout", { aggregation: "weighted" }],
    ["erg", "erc+insideout", { aggregation: "llm", agents: [...FIVE, "surprise"] }],
    // Baselines have no agents: what is listed there is ignored, as documented, duplicates included.
    ["erc", "baseline", { aggregation: "vote", agents: ["anger", "anger"] }],
    ["erg", "baseline", { aggregation: "weighted" }],
    ["erg", "erc+baseline", { agents: ["fear", "fear"], respond: false }],
    ["erc", "self-consistency", { aggregation: "vote" }],
    ["erc", "self-consistency", { aggregation: "weighted" }],
    // Every ERC graph replies after its decision when asked to.
    ["erc", "baseline", { respond: true }],
    ["erc", "self-consistency", { respond: true }],
    ["erg", "erc+self-consistency", { aggregation: "llm" }],
    ["eqbench", "insideout", { aggregation: "mean" }],
    ["eqbench", "self-consistency", { aggregation: "median" }],
    ["emobench-eu", "insideout", { aggregation: "vote" }],
    ["emobench-ea", "self-consistency", { aggregation: "weighted" }],
  ])("%s %s %j runs", (task, method, o) => {
    expect(() => checkMethodOptions(task, method, opts(o))).not.toThrow();
  });
});
