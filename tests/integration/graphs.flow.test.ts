import { describe, expect, it } from "@jest/globals";
import { MemorySaver } from "@langchain/langgraph";
import { builder as ercBuilder } from "../../graphs/erc.js";
import { builder as ergBuilder } from "../../graphs/erg.js";
import { builder as baselineErcBuilder } from "../../graphs/baseline_erc.js";
import { builder as baselineErgBuilder } from "../../graphs/baseline_erg.js";
import { builder as ercBaselineErgBuilder } from "../../graphs/erc_baseline_erg.js";
import { runContext } from "../../state/runOptions.js";
import { promptText } from "../helpers/roles.js";
import { opinion, scripted } from "../helpers/scriptedModel.js";

const dialogue = ["My dog died yesterday. I keep expecting him at the door."];
const EKMAN = ["anger", "disgust", "fear", "happiness", "sadness"] as const;

describe("erc graph (InsideOut ERC)", () => {
  it("fans out to the five agents in parallel and joins once at the aggregator", async () => {
    const { spec, model } = scripted(({ role }) => {
      if (role.kind === "agent") return opinion(role.emotion === "happiness" ? "nostalgic" : "sad", 0.7);
      if (role.kind === "aggregate") return opinion("devastated", 0.9, "loss of a pet");
      throw new Error(`unexpected ${role.kind}`);
    }, 50);
    const graph = ercBuilder.compile({ checkpointer: new MemorySaver() });
    const out = await graph.invoke({ dialogue }, { context: runContext({ model: spec }), configurable: { thread_id: "t1" } });
    expect(Object.keys(out.opinions).sort()).toEqual(EKMAN);
    expect(out.opinions.happiness?.emotion).toBe("nostalgic");
    expect(out.emotion).toMatchObject({ emotion: "devastated", decidedBy: "llm" });
    const roles = model.calls.map((c) => c.role.kind);
    expect(roles.filter((r) => r === "aggregate")).toHaveLength(1);
    expect(roles.filter((r) => r === "agent")).toHaveLength(5);
    // The aggregator comes after every agent, and the agents overlapped.
    expect(roles[roles.length - 1]).toBe("aggregate");
    expect(model.maxInFlight).toBe(5);
    expect(out.failures).toEqual({});
    expect(out.calls.map((c: { name: string }) => c.name).sort()).toEqual([
      "agent:anger", "agent:disgust", "agent:fear", "agent:happiness", "agent:sadness", "aggregate",
    ]);
  });

  it("the aggregator sees every agent's opinion", async () => {
    const { spec, model } = scripted(({ role }) =>
      role.kind === "agent" ? opinion(role.emotion === "fear" ? "afraid" : "sad", 0.6, `view of ${role.emotion}`) : opinion("sad"),
    );
    await ercBuilder.compile().invoke({ dialogue }, { context: runContext({ model: spec }) });
    const agg = model.calls.find((c) => c.role.kind === "aggregate")!;
    const prompt = promptText(agg.messages);
    for (const e of EKMAN) expect(prompt).toContain(`view of ${e}`);
    expect(prompt).toMatch(/- fear: afraid/);
  });

  it("the agents' prompts share everything up to their own instruction, a message of its own after the conversation", async () => {
    const { spec, model } = scripted(({ role }) => opinion(role.kind === "agent" ? "sad" : "devastated"));
    await ercBuilder.compile().invoke({ dialogue }, { context: runContext({ model: spec }) });
    const agents = model.calls.filter((c) => c.role.kind === "agent");
    expect(agents).toHaveLength(5);
    const texts = agents.map((c) => c.messages.map((m) => String(m.content)));
    const ownAt = texts.map((t) => t.findIndex((m) => /^You are (Anger|Disgust|Fear|Joy|Sadness), one of the emotions/.test(m)));
    // The shared part (the label list), then the conversation, then the agent's persona: the same index for all.
    expect(new Set(ownAt)).toEqual(new Set([2]));
    expect(agents.map((c) => c.messages[2]!.getType())).toEqual(agents.map(() => "human"));
    for (const t of texts) expect(t.slice(0, 2)).toEqual(texts[0]!.slice(0, 2));
    expect(texts[0]![0]).toContain("Choose exactly one label from this list: ");
    expect(texts[0]![1]).toBe(`Conversation:\nSpeaker: ${dialogue[0]}`);
    // The aggregate agent's prompt shares the same two messages; its own instruction comes third.
    const aggregator = model.calls.find((c) => c.role.kind === "aggregate")!.messages.map((m) => String(m.content));
    expect(aggregator.slice(0, 2)).toEqual(texts[0]!.slice(0, 2));
    expect(aggregator[2]).toMatch(/^You are the aggregate agent/);
    // Each agent's own instruction is different, and names the agent it is for.
    const own = texts.map((t) => t[2]!);
    expect(new Set(own).size).toBe(5);
    for (const [i, c] of agents.entries()) {
      const emotion = (c.role as { emotion: string }).emotion;
      const name = emotion === "happiness" ? "Joy" : emotion.replace(/^./, (x) => x.toUpperCase());
      expect(own[i]).toMatch(new RegExp(`^You are ${name}, one of the emotions[^]*through your own eyes, as ${name}\\.`));
    }
  });

  it("adds surprise as a sixth agent when asked", async () => {
    const { spec, model } = scripted(({ role }) => (role.kind === "agent" ? opinion("surprised") : opinion("surprised")));
    const out = await ercBuilder
      .compile()
      .invoke({ dialogue }, { context: runContext({ model: spec, agents: [...EKMAN, "surprise"], aggregation: "vote" }) });
    expect(Object.keys(out.opinions)).toHaveLength(6);
    expect(model.calls).toHaveLength(6);
    expect(out.emotion?.decidedBy).toBe("vote");
  });

  it("runs only the agents the run selects: no task at all for the others", async () => {
    const { spec, model } = scripted(() => opinion("afraid"));
    const ran: string[] = [];
    const stream = await ercBuilder
      .compile()
      .stream({ dialogue }, { context: runContext({ model: spec, agents: ["fear", "sadness"], aggregation: "vote" }), streamMode: "updates" });
    for await (const update of stream) ran.push(...Object.keys(update as object));
    expect(ran.sort()).toEqual(["aggregate", "fear", "sadness"]);
    expect(model.calls).toHaveLength(2);
  });

  it("replies after recognising when respond is on", async () => {
    const { spec } = scripted(({ role }) =>
      role.kind === "respond" ? "I'm so sorry about your dog." : opinion("sad"),
    );
    const out = await ercBuilder.compile().invoke({ dialogue }, { context: runContext({ model: spec, respond: true }) });
    expect(out.reply).toEqual({ text: "I'm so sorry about your dog.", author: "responder" });
  });
});

describe("erg graph (ERC+InsideOut)", () => {
  it("recognises first, tells the agents, then the aggregator chooses one of their candidates", async () => {
    const { spec, model } = scripted(({ role, system }) => {
      if (role.kind === "recognize") return opinion("sad", 0.8);
      if (role.kind === "agent") {
        expect(system).toContain("seems to feel sad");
        return JSON.stringify({ reply: `reply from ${role.emotion}`, confidence: 0.5, rationale: "r" });
      }
      if (role.kind === "aggregate") return JSON.stringify({ choice: "sadness", rationale: "most empathetic" });
      throw new Error(`unexpected ${role.kind}`);
    });
    const out = await ergBuilder.compile().invoke({ dialogue }, { context: runContext({ model: spec }, "erg") });
    expect(out.recognized?.emotion).toBe("sad");
    expect(Object.keys(out.candidates).sort()).toEqual(EKMAN);
    expect(out.reply).toEqual({ text: "reply from sadness", author: "sadness", rationale: "most empathetic" });
    const kinds = model.calls.map((c) => c.role.kind);
    expect(kinds[0]).toBe("recognize");
    expect(kinds[kinds.length - 1]).toBe("aggregate");
    expect(kinds).toHaveLength(7);
    const agg = model.calls.at(-1)!;
    for (const e of EKMAN) expect(agg.system).toContain(`reply from ${e}`);
  });

  it("weighted selection picks the candidate its agent was most confident in, ties to the earlier agent", async () => {
    const conf: Record<string, number> = { anger: 0.2, disgust: 0.9, fear: 0.9, happiness: 0.1, sadness: 0.5 };
    const { spec } = scripted(({ role }) =>
      role.kind === "agent"
        ? JSON.stringify({ reply: `r-${role.emotion}`, confidence: conf[role.emotion], rationale: "x" })
        : opinion("sad"),
    );
    const out = await ergBuilder.compile().invoke({ dialogue }, { context: runContext({ model: spec, aggregation: "weighted" }, "erg") });
    expect(out.reply?.author).toBe("disgust");
  });

  it("after recognising, runs only the agents the run selects", async () => {
    const { spec } = scripted(({ role }) =>
      role.kind === "agent" ? JSON.stringify({ reply: `r-${role.emotion}`, confidence: 0.5, rationale: "x" }) : opinion("sad"),
    );
    const ran: string[] = [];
    const context = runContext({ model: spec, agents: ["happiness", "surprise"], aggregation: "weighted" }, "erg");
    for await (const update of await ergBuilder.compile().stream({ dialogue }, { context, streamMode: "updates" })) {
      ran.push(...Object.keys(update as object));
    }
    expect(ran).toHaveLength(4);
    expect(ran[0]).toBe("recognize");
    expect(ran.slice(1, 3).sort()).toEqual(["happiness", "surprise"]);
    expect(ran[3]).toBe("aggregate");
  });
});

describe("baselines", () => {
  it("baseline_erc makes one call and returns the recogniser's label", async () => {
    const { spec, model } = scripted(() => opinion("lonely", 0.6));
    const out = await baselineErcBuilder.compile().invoke({ dialogue }, { context: runContext({ model: spec }) });
    expect(out.emotion).toMatchObject({ emotion: "lonely", decidedBy: "recognizer" });
    expect(model.calls).toHaveLength(1);
  });

  it("baseline_erg replies without any emotion in the prompt", async () => {
    const { spec, model } = scripted(() => "That sounds hard.");
    const out = await baselineErgBuilder.compile().invoke({ dialogue }, { context: runContext({ model: spec }, "erg") });
    expect(out.reply?.text).toBe("That sounds hard.");
    expect(model.calls).toHaveLength(1);
    expect(model.calls[0]!.system).not.toMatch(/seems to feel/);
  });

  it("erc_baseline_erg tells the responder the recognised emotion", async () => {
    const { spec, model } = scripted(({ role }) => (role.kind === "recognize" ? opinion("devastated") : "I'm sorry."));
    const out = await ercBaselineErgBuilder.compile().invoke({ dialogue }, { context: runContext({ model: spec }, "erg") });
    expect(out.reply?.text).toBe("I'm sorry.");
    expect(model.calls.map((c) => c.role.kind)).toEqual(["recognize", "respond"]);
    expect(model.calls[1]!.system).toContain("seems to feel devastated");
  });

  it("ed18 offers only group names and maps a synonym answer to its group", async () => {
    const { spec, model } = scripted(() => opinion("Lonely."));
    const out = await baselineErcBuilder.compile().invoke({ dialogue }, { context: runContext({ model: spec, labels: "ed18" }) });
    expect(out.emotion?.emotion).toBe("sad");
    expect(model.calls[0]!.system).not.toContain("devastated");
  });
});
