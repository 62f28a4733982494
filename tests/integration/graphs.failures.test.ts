import { describe, expect, it } from "@jest/globals";
import { builder as ercBuilder } from "../../graphs/erc.js";
import { builder as ergBuilder } from "../../graphs/erg.js";
import { runContext } from "../../state/runOptions.js";
import { promptText } from "../helpers/roles.js";
import { opinion, scripted } from "../helpers/scriptedModel.js";

const dialogue = ["I failed my driving test again."];

describe("retry on invalid output", () => {
  it("shows the validation error to the model and accepts the corrected answer", async () => {
    let fearAttempts = 0;
    const { spec, model } = scripted(({ role }) => {
      if (role.kind === "agent" && role.emotion === "fear") {
        fearAttempts++;
        return fearAttempts === 1 ? opinion("bored") : opinion("anxious", 0.7);
      }
      return opinion("disappointed");
    });
    const out = await ercBuilder.compile().invoke({ dialogue }, { context: runContext({ model: spec }) });
    expect(out.opinions.fear?.emotion).toBe("anxious");
    expect(out.failures).toEqual({});
    const fearCalls = model.calls.filter((c) => c.role.kind === "agent" && c.role.emotion === "fear");
    expect(fearCalls).toHaveLength(2);
    const retryText = fearCalls[1]!.messages.map((m) => String(m.content)).join("\n");
    expect(retryText).toMatch(/invalid/);
    expect(retryText).toMatch(/emotion/);
    expect(out.calls.find((c: { name: string }) => c.name === "agent:fear")?.calls).toBe(2);
  });

  it("accepts a label in another form without a retry", async () => {
    const { spec, model } = scripted(() => opinion("Disappointed."));
    const out = await ercBuilder.compile().invoke({ dialogue }, { context: runContext({ model: spec }) });
    expect(out.emotion?.emotion).toBe("disappointed");
    expect(model.calls).toHaveLength(6);
  });
});

describe("failure isolation", () => {
  it("one agent failing for good leaves the others' work, and the aggregator runs on the rest", async () => {
    const { spec, model } = scripted(({ role }) => {
      if (role.kind === "agent" && role.emotion === "disgust") return "I refuse to answer in JSON.";
      if (role.kind === "agent" && role.emotion === "anger") throw new Error("socket hang up");
      return opinion("disappointed", 0.6, `${role.kind === "agent" ? role.emotion : "agg"} view`);
    });
    const out = await ercBuilder.compile().invoke({ dialogue }, { context: runContext({ model: spec }) });
    expect(Object.keys(out.opinions).sort()).toEqual(["fear", "happiness", "sadness"]);
    expect(out.failures.disgust).toMatch(/invalid answer after 2 attempts/);
    expect(out.failures.anger).toMatch(/socket hang up/);
    expect(out.emotion?.emotion).toBe("disappointed");
    const agg = model.calls.find((c) => c.role.kind === "aggregate")!;
    const prompt = promptText(agg.messages);
    expect(prompt).toContain("fear view");
    expect(prompt).not.toMatch(/- disgust:/);
    expect(prompt).not.toMatch(/- anger:/);
  });

  it("all agents failing is one clear error", async () => {
    const { spec } = scripted(({ role }) => {
      if (role.kind === "agent") throw new Error("model overloaded");
      return opinion("sad");
    });
    await expect(ercBuilder.compile().invoke({ dialogue }, { context: runContext({ model: spec }) })).rejects.toThrow(
      /All emotion agents failed \(\w+: model overloaded\)/,
    );
  });

  it("an aggregator that fails falls back to the weighted vote and says so", async () => {
    const { spec } = scripted(({ role }) => {
      if (role.kind === "aggregate") return "no idea";
      return role.kind === "agent" && role.emotion === "sadness" ? opinion("sad", 0.9) : opinion("ashamed", 0.3);
    });
    const out = await ercBuilder.compile().invoke({ dialogue }, { context: runContext({ model: spec }) });
    // ashamed: 4 × 0.3 = 1.2 > sad: 0.9 → ashamed.
    expect(out.emotion).toMatchObject({ emotion: "ashamed", decidedBy: "weighted" });
    expect(out.failures.aggregate).toMatch(/invalid answer/);
  });

  it("in ERG, a failed proposer is left out of the choice", async () => {
    const { spec, model } = scripted(({ role }) => {
      if (role.kind === "recognize") return opinion("disappointed");
      if (role.kind === "agent") {
        if (role.emotion === "happiness") throw new Error("timeout");
        return JSON.stringify({ reply: `from ${role.emotion}`, confidence: 0.5, rationale: "r" });
      }
      return JSON.stringify({ choice: "fear", rationale: "calm" });
    });
    const out = await ergBuilder.compile().invoke({ dialogue }, { context: runContext({ model: spec }, "erg") });
    expect(Object.keys(out.candidates)).toHaveLength(4);
    expect(out.failures.happiness).toMatch(/timeout/);
    expect(out.reply?.author).toBe("fear");
    const agg = model.calls.at(-1)!;
    expect(agg.system).toMatch(/one of: anger, disgust, fear, sadness\)/);
  });

  it("an empty dialogue is refused before any LLM call", async () => {
    const { spec, model } = scripted(() => opinion("sad"));
    await expect(ercBuilder.compile().invoke({ dialogue: ["  "] }, { context: runContext({ model: spec }) })).rejects.toThrow(/dialogue is empty/);
    expect(model.calls).toHaveLength(0);
  });
});
