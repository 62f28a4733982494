/**
 * tests/helpers/fakeLangGraph.ts in a process of its own, so that a test can kill it as a server dies:
 * `tsx tests/helpers/fakeLangGraphProcess.ts hang|answer` prints its URL on the first line of stdout. `hang` accepts
 * every run and never ends it; `answer` ends each run with an ERC answer for the dialogue sent ("afraid", 0.5). Each
 * run it takes is a line `run` on stdout.
 */
import { startFakeLangGraph } from "./fakeLangGraph.js";

const mode = process.argv[2];
if (mode !== "hang" && mode !== "answer") throw new Error("usage: fakeLangGraphProcess.ts hang|answer");
const server = await startFakeLangGraph((run) => {
  process.stdout.write("run\n");
  return mode === "hang"
    ? "hang"
    : {
        dialogue: run.input.dialogue,
        emotion: { emotion: "afraid", confidence: 0.5, rationale: "r", decidedBy: "recognizer" },
        opinions: {},
        candidates: {},
        failures: {},
        calls: [{ name: "recognize", promptTokens: 10, completionTokens: 5, calls: 1, latencyMs: 1, ok: true }],
      };
});
process.stdout.write(`${server.url}\n`);
