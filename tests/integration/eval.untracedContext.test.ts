/**
 * The eval workers' lighter async context (evaluations/untracedContext.ts): installed only over the @langchain/core it
 * was written against, and, once installed, a graph sees what it saw before (its config, inherited callbacks and
 * tags, context variables, a tracer's run tree) without a RunTree built per node when nothing traces.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { BaseCallbackHandler } from "@langchain/core/callbacks/base";
import { getContextVariable, setContextVariable } from "@langchain/core/context";
import { RunnableLambda } from "@langchain/core/runnables";
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";
import { LangChainTracer } from "@langchain/core/tracers/tracer_langchain";
import { Annotation, getConfig, START, StateGraph } from "@langchain/langgraph";
import { Client } from "langsmith";
import { isRunTree } from "langsmith/run_trees";
import { installUntracedContext } from "../../evaluations/untracedContext.js";
import { startLangSmithCapture, type LangSmithCapture } from "../helpers/langsmithCapture.js";

/** Names of the chain runs a handler is told about, in order. */
class ChainNames extends BaseCallbackHandler {
  name = "chain_names";
  names: string[] = [];
  override handleChainStart(_chain: unknown, _inputs: unknown, _runId: string, _parent?: string, _tags?: string[], _meta?: unknown, _type?: string, runName?: string) {
    if (runName) this.names.push(runName);
  }
}

let capture: LangSmithCapture;
let client: Client;
beforeAll(async () => {
  capture = await startLangSmithCapture();
  client = new Client({ apiUrl: capture.url, apiKey: "test-not-a-key" });
});
afterAll(async () => {
  await client.awaitPendingTraceBatches();
  await capture.close();
});

/** LangChain's tracer, sending to a loopback stand-in for LangSmith. */
const tracer = () => new LangChainTracer({ client, projectName: "untraced-context-test" });

interface Seen {
  threadId: unknown;
  tags: string[];
  contextVariable: unknown;
  storeIsRunTree: boolean;
  storeTracing: unknown;
}

/** One node that reports what it can see through the async context, and calls a lambda without passing config. */
async function observe(callbacks: BaseCallbackHandler[] = []): Promise<Seen> {
  let seen: Seen | undefined;
  const State = Annotation.Root({ n: Annotation<number> });
  const graph = new StateGraph(State)
    .addNode("look", async () => {
      const store = AsyncLocalStorageProviderSingleton.getInstance().getStore() as { tracingEnabled?: unknown } | undefined;
      const inner = RunnableLambda.from(() => getContextVariable("who")).withConfig({ runName: "inner" });
      // No config passed: callbacks and tags must come from the node's context, as LangChain users rely on.
      await inner.invoke(undefined);
      const config = getConfig();
      seen = {
        threadId: config.configurable?.thread_id,
        tags: config.tags ?? [],
        contextVariable: getContextVariable("who"),
        storeIsRunTree: isRunTree(store),
        storeTracing: store?.tracingEnabled,
      };
      return { n: 1 };
    })
    .addEdge(START, "look")
    .compile();
  await AsyncLocalStorageProviderSingleton.getInstance().run(undefined, async () => {
    setContextVariable("who", "the caller");
    await graph.invoke({ n: 0 }, { configurable: { thread_id: "t-1" }, tags: ["eval"], callbacks });
  });
  return seen!;
}

describe("installUntracedContext", () => {
  it("refuses, changing nothing, over any runWithConfig but the one it was written against", () => {
    const other = { runWithConfig: () => 1, getInstance: AsyncLocalStorageProviderSingleton.getInstance };
    const original = other.runWithConfig;
    expect(installUntracedContext(other as unknown as typeof AsyncLocalStorageProviderSingleton)).toBe(false);
    expect(other.runWithConfig).toBe(original);
  });

  it("gives a graph the same config, tags, callbacks, context variables and tracer run trees, without a RunTree per node", async () => {
    const names = new ChainNames();
    const before = await observe([names]);
    const tracedBefore = await observe([tracer()]);
    const seenBefore = [...names.names];

    // Fails when @langchain/core changes runWithConfig: read the new one, then update the copy and its fingerprint.
    expect(installUntracedContext()).toBe(true);
    expect(installUntracedContext()).toBe(true);

    names.names = [];
    const after = await observe([names]);
    const tracedAfter = await observe([tracer()]);

    expect(before).toMatchObject({ threadId: "t-1", contextVariable: "the caller", storeIsRunTree: true, storeTracing: false });
    expect(before.tags).toContain("eval");
    expect(seenBefore).toContain("inner");
    expect({ ...after, storeIsRunTree: true }).toEqual(before);
    expect(after.storeIsRunTree).toBe(false);
    expect(names.names).toEqual(seenBefore);
    // With a tracer, the frame is the tracer's own run tree, as before.
    expect(tracedBefore).toMatchObject({ storeIsRunTree: true, storeTracing: true });
    expect(tracedAfter).toEqual(tracedBefore);
  });
});
