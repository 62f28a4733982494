import { describe, expect, it } from "@jest/globals";
import * as erc from "../../prompts/erc.js";
import * as erg from "../../prompts/erg.js";
import { PERSONAS } from "../../prompts/personas.js";
import { placeholders, render } from "../../prompts/render.js";
import { ALL_AGENTS } from "../../taxonomy/agents.js";

describe("render", () => {
  it("fills every placeholder", () => {
    expect(render("Hi {name}, you feel {emotion}.", { name: "Ann", emotion: "sad" })).toBe("Hi Ann, you feel sad.");
  });
  it("fails loudly on a missing value", () => {
    expect(() => render("Candidates: {gaps}", {})).toThrow(/missing values for: gaps/);
  });
  it("fails loudly on a value with no placeholder (a renamed variable)", () => {
    expect(() => render("Hi {name}", { name: "x", labels: "y" })).toThrow(/no placeholder for: labels/);
  });
  it("leaves JSON-looking braces that are not placeholders alone", () => {
    expect(render('Answer like {"emotion": "sad"} for {who}', { who: "me" })).toBe('Answer like {"emotion": "sad"} for me');
  });
});

describe("the prompts", () => {
  it("an agent's shared part names no agent: what differs between agents is only in its own instruction", () => {
    for (const shared of [erc.ERC_SHARED, erg.AGENT_ERG]) {
      expect(shared).not.toMatch(/persona|agent|aggregat|Anger|Disgust|Fear|Joy|Sadness|Surprise/);
    }
    // The ERC aggregate agent's instruction follows the same shared part and conversation.
    for (const own of [erc.AGGREGATE_ERC, erc.AGGREGATE_ERC_SAMPLES]) expect(own).toContain("the conversation above");
    for (const own of [erc.AGENT_ERC_PERSONA, erg.AGENT_ERG_PERSONA]) {
      expect(own.startsWith("{persona}")).toBe(true);
      expect(own).toContain("the conversation above");
    }
  });
  it("each agent has its own persona that embodies its emotion", () => {
    const texts = ALL_AGENTS.map((a) => PERSONAS[a]);
    expect(new Set(texts).size).toBe(ALL_AGENTS.length);
    for (const t of texts) expect(t).toMatch(/^You are \w+, one of the emotions/);
  });
  it("templates use exactly the placeholders their nodes fill", () => {
    expect(placeholders(erc.ERC_SHARED)).toEqual(["labels"]);
    expect(placeholders(erc.AGENT_ERC_PERSONA).sort()).toEqual(["agent", "persona"]);
    expect(placeholders(erc.AGGREGATE_ERC)).toEqual(["opinions"]);
    expect(placeholders(erc.RECOGNIZE)).toEqual(["labels"]);
    expect(placeholders(erg.AGENT_ERG)).toEqual(["emotion"]);
    expect(placeholders(erg.AGENT_ERG_PERSONA).sort()).toEqual(["agent", "persona"]);
    expect(placeholders(erg.AGGREGATE_ERG).sort()).toEqual(["candidates", "emotion", "names"]);
    // Self-consistency's aggregator is filled like InsideOut's, from the samples instead of the agents.
    expect(placeholders(erc.AGGREGATE_ERC_SAMPLES)).toEqual(["opinions"]);
    expect(placeholders(erg.AGGREGATE_ERG_SAMPLES).sort()).toEqual(["candidates", "emotion", "names"]);
    expect(placeholders(erg.RESPOND)).toEqual([]);
    expect(placeholders(erg.RESPOND_WITH_EMOTION)).toEqual(["emotion"]);
  });
});
