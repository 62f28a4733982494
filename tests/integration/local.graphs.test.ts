/**
 * The full `erc` and `erg` graphs end to end on the embedded runtime: node-llama-cpp running a tiny random-weight
 * GGUF written by the test. Random weights cannot understand a dialogue, so nothing here checks *which* emotion wins;
 * what is checked is that every structured answer of every node parses on its first attempt (the grammar), that no
 * agent failed, and that the parallel agents were decoded together on one context of one loaded model.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { MemorySaver } from "@langchain/langgraph";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runContext } from "../../state/runOptions.js";
import { builder as ercBuilder } from "../../graphs/erc.js";
import { builder as ergBuilder } from "../../graphs/erg.js";
import { LocalEngines } from "../../models/local/engine.js";
import { disposeLlamaRuntime } from "../../models/local/runtime.js";
import { loadLabelSet } from "../../taxonomy/labelSets.js";
import { ModelResolver } from "../../models/factory.js";
import { withModels } from "../../nodes/env.js";
import { writeTinyGguf } from "../../bench/tinyGguf.js";

const EKMAN = ["anger", "disgust", "fear", "happiness", "sadness"];
const dialogue = ["I finally got the job I wanted!", "Congratulations, that is great news.", "I still can't believe it."];
const ed32 = loadLabelSet("ed32").labels;

let dir: string;
let tiny: string;
/** Each test's own engines: counters from zero, one load each. */
const registries: LocalEngines[] = [];
function ownEngines(): LocalEngines {
  const engines = new LocalEngines();
  registries.push(engines);
  return engines;
}
const saved = { threads: process.env.INSIDEOUT_THREADS, maxString: process.env.INSIDEOUT_LOCAL_MAX_STRING };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "insideout-graphs-local-"));
  tiny = writeTinyGguf(join(dir, "tiny.gguf")).path;
  process.env.INSIDEOUT_THREADS = "1";
  // Random weights rarely close a string on their own; a short cap keeps each answer to a few dozen tokens.
  process.env.INSIDEOUT_LOCAL_MAX_STRING = "40";
});

afterAll(async () => {
  for (const r of registries) await r.dispose();
  await disposeLlamaRuntime();
  for (const [key, value] of [["INSIDEOUT_THREADS", saved.threads], ["INSIDEOUT_LOCAL_MAX_STRING", saved.maxString]] as const) {
    if (value === undefined) delete process.env[key];
    else process.env[key] = value;
  }
  rmSync(dir, { recursive: true, force: true });
});

describe("graphs on local:<tiny.gguf>", () => {
  test("erc: five agents, the LLM aggregator and the responder all answer, every structured answer parses", async () => {
    const engines = ownEngines();
    const graph = ercBuilder.compile({ checkpointer: new MemorySaver() });
    const out = await graph.invoke(
      { dialogue },
      { context: runContext({ model: `local:${tiny}`, respond: true }), configurable: { ...withModels(new ModelResolver({ engines })), thread_id: "erc-local" } },
    );
    expect(out.failures).toEqual({});
    expect(Object.keys(out.opinions).sort()).toEqual(EKMAN);
    for (const o of Object.values(out.opinions)) {
      expect(ed32).toContain(o.emotion);
      expect(o.confidence).toBeGreaterThanOrEqual(0);
      expect(o.confidence).toBeLessThanOrEqual(1);
    }
    expect(out.emotion?.decidedBy).toBe("llm");
    expect(ed32).toContain(out.emotion?.emotion);
    expect(out.reply?.author).toBe("responder");
    expect(out.reply?.text.length).toBeGreaterThan(0);
    const names = out.calls.map((c) => c.name).sort();
    expect(names).toEqual(["agent:anger", "agent:disgust", "agent:fear", "agent:happiness", "agent:sadness", "aggregate", "respond"]);
    // One request each: no answer needed the repair retry.
    for (const c of out.calls) expect({ name: c.name, ok: c.ok, calls: c.calls }).toEqual({ name: c.name, ok: true, calls: 1 });

    const stats = (await engines.engine(tiny)).stats();
    expect(engines.loads(tiny)).toBe(1);
    expect(stats.contextsCreated).toBe(1);
    // The five parallel LangGraph branches reached the context together and shared decode batches.
    expect(stats.peakActiveCalls).toBe(5);
    expect(stats.maxSequencesPerBatch).toBe(5);
  });

  test("erg: recogniser, five candidate replies, and the aggregator's choice among them", async () => {
    const engines = ownEngines();
    const out = await ergBuilder.compile().invoke({ dialogue }, { context: runContext({ model: `local:${tiny}` }, "erg"), configurable: withModels(new ModelResolver({ engines })) });
    expect(out.failures).toEqual({});
    expect(ed32).toContain(out.recognized?.emotion);
    expect(Object.keys(out.candidates).sort()).toEqual(EKMAN);
    expect(EKMAN).toContain(out.reply?.author);
    expect(out.reply?.text).toBe(out.candidates[out.reply?.author ?? ""]?.reply);
    for (const c of out.calls) expect({ name: c.name, ok: c.ok, calls: c.calls }).toEqual({ name: c.name, ok: true, calls: 1 });
    expect(out.calls).toHaveLength(7);
    const stats = (await engines.engine(tiny)).stats();
    expect(stats.maxSequencesPerBatch).toBe(5);
    expect(engines.loads(tiny)).toBe(1);
  });
});
