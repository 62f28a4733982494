import { describe, expect, it, jest } from "@jest/globals";
import { END, START, StateGraph } from "@langchain/langgraph";
import { z } from "zod/v3";
import { InsideOutState, withStablePartial, type Update } from "../../graphs/state.js";

const opinion = { emotion: "sad", confidence: 0.5, rationale: "r" };

describe("InsideOutState's partial copy", () => {
  it("is built once, for the state and for an extended copy of it", () => {
    expect(InsideOutState.partial()).toBe(InsideOutState.partial());
    const extended = InsideOutState.extend({ extra: z.number() });
    expect(extended.partial()).toBe(extended.partial());
    expect(extended.partial()).not.toBe(InsideOutState.partial());
    expect(extended.partial().safeParse({ extra: "x" }).success).toBe(false);
  });

  it("parses as zod's own partial does; a mask still gives a fresh, masked copy", () => {
    const plain = z.object({ a: z.string(), b: z.number() });
    const stable = withStablePartial(z.object({ a: z.string(), b: z.number() }));
    for (const input of [{}, { a: "x" }, { b: "no" }, { a: 1, b: 2 }]) {
      expect(stable.partial().safeParse(input).success).toBe(plain.partial().safeParse(input).success);
    }
    const masked = stable.partial({ a: true });
    expect(masked).not.toBe(stable.partial());
    expect(masked.safeParse({}).success).toBe(false);
    expect(masked.safeParse({ b: 1 }).success).toBe(true);
  });

  it("LangGraph still validates every node's update, without building a partial schema per update", async () => {
    const good = async (): Promise<Update> => ({ opinions: { fear: opinion }, calls: [] });
    const graph = new StateGraph(InsideOutState)
      .addNode("a", good)
      .addNode("b", good)
      .addNode("c", good)
      .addEdge(START, "a")
      .addEdge("a", "b")
      .addEdge("b", "c")
      .addEdge("c", END)
      .compile();
    await graph.invoke({ dialogue: ["hello"] });
    // Zod 3's own partial() is what LangGraph's update validation calls through the state object.
    const built = jest.spyOn(z.ZodObject.prototype, "partial");
    try {
      const out = await graph.invoke({ dialogue: ["hello again"] });
      expect(out.opinions).toEqual({ fear: opinion });
      expect(built).not.toHaveBeenCalled();
    } finally {
      built.mockRestore();
    }

    const bad = new StateGraph(InsideOutState)
      .addNode("bad", async () => ({ opinions: { fear: { ...opinion, confidence: "high" } } }) as unknown as Update)
      .addEdge(START, "bad")
      .addEdge("bad", END)
      .compile();
    await expect(bad.invoke({ dialogue: ["hello"] })).rejects.toThrow(/confidence/);
  });
});
