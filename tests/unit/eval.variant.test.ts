/**
 * What an experiment is called: its default `--out` folder and its name in reports carry the run options that differ
 * from the defaults, and only those, so default runs keep the names they always had (written out here by hand).
 */
import { describe, expect, it } from "@jest/globals";
import { createHash } from "node:crypto";
import { HumanMessage } from "@langchain/core/messages";
import { defaultOutDir } from "../../evaluations/plan.js";
import { methodLabel } from "../../evaluations/variant.js";
import { answerKey, type AnswerRequest } from "../../models/answerKey.js";

const FIVE = ["anger", "disgust", "fear", "happiness", "sadness"];
const base = { task: "erc", model: "openai:gpt-4o-mini", labels: "ed32", data: "ed:test" };
const defaults = { agents: FIVE, aggregation: "llm", temperature: 0 };

describe("default --out names", () => {
  it("a default run keeps its name, with or without the options spelled out", () => {
    expect(defaultOutDir({ ...base, method: "insideout" })).toBe("experiments/erc-insideout-openai-gpt-4o-mini-ed32-test");
    expect(defaultOutDir({ ...base, method: "insideout", variant: defaults, limit: 50 })).toBe("experiments/erc-insideout-openai-gpt-4o-mini-ed32-test-n50");
    expect(defaultOutDir({ ...base, method: "self-consistency", variant: { ...defaults, samples: 5, sampleTemperature: 0.7 } })).toBe(
      "experiments/erc-self-consistency-openai-gpt-4o-mini-ed32-test",
    );
  });

  it("each option that differs is appended, before the sample size", () => {
    const name = (method: string, v: object, limit?: number) =>
      defaultOutDir({ ...base, method, variant: { ...defaults, ...v }, ...(limit ? { limit } : {}) }).replace("experiments/erc-", "");
    expect(name("insideout", { aggregation: "vote" }, 100)).toBe("insideout-openai-gpt-4o-mini-ed32-test-vote-n100");
    expect(name("insideout", { agents: ["anger", "disgust", "happiness", "sadness"] })).toBe("insideout-openai-gpt-4o-mini-ed32-test-no-fear");
    expect(name("insideout", { agents: [...FIVE, "surprise"], temperature: 0.5 })).toBe("insideout-openai-gpt-4o-mini-ed32-test-with-surprise-t0.5");
    // Another order is another prompt for the aggregator: named by the list itself.
    expect(name("insideout", { agents: ["fear", "anger"] })).toBe("insideout-openai-gpt-4o-mini-ed32-test-agents-fear+anger");
    expect(name("self-consistency", { samples: 10, sampleTemperature: 1, aggregation: "weighted" })).toBe("self-consistency-openai-gpt-4o-mini-ed32-test-weighted-k10-st1");
    // Sampling options mean nothing to other methods.
    expect(name("insideout", { samples: 10 })).toBe("insideout-openai-gpt-4o-mini-ed32-test");
  });

  it("reports name the variant beside the method; older metrics without options keep the plain method", () => {
    expect(methodLabel("insideout", { ...defaults, aggregation: "weighted", agents: ["anger", "disgust", "fear", "happiness"] })).toBe("insideout (weighted, no-sadness)");
    expect(methodLabel("insideout", defaults)).toBe("insideout");
    expect(methodLabel("baseline", undefined)).toBe("baseline");
  });
});

describe("the LLM-cache key of a sample", () => {
  const request: AnswerRequest = {
    identity: { provider: "openai", endpoint: "http://127.0.0.1:1/v1", model: "m", params: { temperature: 0.7 } },
    messages: [new HumanMessage("Speaker: hi")],
  };

  it("each sample index is its own key, and a request without one keeps the key it always had", () => {
    const keys = [1, 2, 3].map((sample) => answerKey({ ...request, sample }));
    expect(new Set(keys).size).toBe(3);
    expect(keys).not.toContain(answerKey(request));
    expect(answerKey({ ...request, sample: 2 })).toBe(keys[1]);
    // Key version 1 as stored before samples existed: sha256 of the framed request, worked out independently here.
    const framed = '{"endpoint":"http://127.0.0.1:1/v1","messages":[["human","Speaker: hi"]],"method":null,"model":"m","params":{"temperature":0.7},"provider":"openai","schema":null,"schemaName":null,"strict":false,"v":1}';
    expect(answerKey(request)).toBe(createHash("sha256").update(framed).digest("hex"));
  });
});
