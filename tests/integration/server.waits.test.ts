/**
 * A LangGraph server run is bounded: a server that accepts a run and never ends it is given up after the stall
 * limit (the run cancelled), one that is gone is said in seconds, and a zod error the server sends is one line.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { runError, runOnServer, serverClient } from "../../core/langgraphServer.js";
import { ServerRunFailure } from "../../core/errors.js";
import { freePort } from "../helpers/devServer.js";
import { startFakeLangGraph, type FakeLangGraph } from "../helpers/fakeLangGraph.js";

let hanging: FakeLangGraph;
beforeAll(async () => {
  hanging = await startFakeLangGraph(() => "hang");
});
afterAll(async () => {
  await hanging.close();
});

const run = { graphId: "erc_baseline", input: { dialogue: ["I lost my keys."] }, expected: { task: "erc" as const }, context: {} };

describe("server runs end", () => {
  it("a run that never ends: a ServerRunFailure once the stream has been silent for the stall limit", async () => {
    const t0 = performance.now();
    const error = await runOnServer(serverClient(hanging.url), hanging.url, { ...run, stallMs: 1000 }).catch((e: unknown) => e);
    const ms = performance.now() - t0;
    expect(error).toBeInstanceOf(ServerRunFailure);
    expect((error as Error).message).toBe(`The LangGraph server at ${hanging.url} sent nothing for 1 s: the run was cancelled; check the server.`);
    expect(ms).toBeGreaterThanOrEqual(950);
    expect(ms).toBeLessThan(5000);
  });

  it("a run past its deadline, though the stream is not silent that long", async () => {
    const error = await runOnServer(serverClient(hanging.url), hanging.url, { ...run, stallMs: 60_000, deadlineMs: 800 }).catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/did not end the run within 1 s/);
  });

  it("a server that is gone (nothing listening) is reported in seconds", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const t0 = performance.now();
    const error = await runOnServer(serverClient(url), url, run).catch((e: unknown) => e);
    const ms = performance.now() - t0;
    expect((error as ServerRunFailure).kind).toBe("unreachable");
    expect(ms).toBeLessThan(10_000);
  }, 30_000);

  it("a zod error's JSON from the server is its first issue on one line", () => {
    const message = JSON.stringify([{ code: "custom", message: "The dialogue is empty: give at least one non-empty turn from the speaker.", path: ["dialogue"] }], null, 2);
    const e = runError("http://s", { error: "ZodError", message });
    expect(e.message).toBe("The LangGraph server at http://s failed the run: ZodError: The dialogue is empty: give at least one non-empty turn from the speaker. (at dialogue)");
  });
});
