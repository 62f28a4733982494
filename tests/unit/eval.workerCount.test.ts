/** When `insideout eval --workers auto` uses worker threads, and what it refuses. */
import { describe, expect, it } from "@jest/globals";
import { availableParallelism } from "node:os";
import { workerCount } from "../../evaluations/run.js";

describe("workerCount", () => {
  it("auto: none where the graph must stay in this thread", () => {
    expect(workerCount({ workers: "auto", langsmith: true }, ["openai:gpt-4o-mini"], 32)).toBe(0);
    expect(workerCount({ workers: "auto" }, ["local:default"], 32)).toBe(0);
    expect(workerCount({ workers: "auto" }, ["openai:gpt-4o-mini", "local:./judge.gguf"], 32)).toBe(0);
    expect(workerCount({ workers: "auto" }, ["scripted:x"], 32)).toBe(0);
    expect(workerCount({ workers: "auto" }, ["openai:gpt-4o-mini"], 1)).toBe(0);
  });

  it("auto with HTTP models: one per CPU with at least 8 examples in flight each, at most 8, none below 2", () => {
    const cpus = availableParallelism();
    expect(workerCount({}, ["openai:gpt-4o-mini", "ollama:llama3.2", undefined], 32)).toBe(cpus >= 2 ? Math.min(cpus, 4) : 0);
    expect(workerCount({}, ["ollama:llama3.2"], 16)).toBe(cpus >= 2 ? 2 : 0);
    expect(workerCount({}, ["openai:gpt-4o-mini"], 8)).toBe(0);
    expect(workerCount({}, ["openai:gpt-4o-mini"], 1000)).toBe(cpus >= 2 ? Math.min(cpus, 8) : 0);
  });

  it("an explicit count is used as given, and bad ones are one clear error", () => {
    expect(workerCount({ workers: 3 }, ["local:default"], 8)).toBe(3);
    expect(workerCount({ workers: 0 }, ["openai:gpt-4o-mini"], 8)).toBe(0);
    expect(() => workerCount({ workers: 2, langsmith: true }, ["openai:x"], 8)).toThrow(/--workers cannot be used with --langsmith/);
    expect(() => workerCount({ workers: -1 }, ["openai:x"], 8)).toThrow(/--workers must be auto or a whole number/);
  });

  // Traces are scrubbed of keys and flushed by the main thread only; a worker would send its own, unscrubbed.
  it.each(["LANGSMITH_TRACING", "LANGCHAIN_TRACING_V2", "LANGSMITH_TRACING_V2", "LANGCHAIN_TRACING"])("none with %s=true, and explicit ones refused", (name) => {
    const before = process.env[name];
    process.env[name] = "true";
    try {
      expect(workerCount({ workers: "auto" }, ["openai:gpt-4o-mini"], 1000)).toBe(0);
      expect(() => workerCount({ workers: 2 }, ["openai:x"], 32)).toThrow(/--workers cannot be used with LangSmith tracing on/);
      expect(workerCount({ workers: 0 }, ["openai:x"], 32)).toBe(0);
    } finally {
      if (before === undefined) delete process.env[name];
      else process.env[name] = before;
    }
  });
});
