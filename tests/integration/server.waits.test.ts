/**
 * A LangGraph server run is bounded: a server that accepts a run and never ends it is given up after the stall
 * limit (the run cancelled), one that is gone is said in seconds, one that streams more than
 * INSIDEOUT_MAX_SERVER_STREAM_BYTES is cut off there, and a zod error the server sends is one line.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { runError, runOnServer, serverClient } from "../../core/langgraphServer.js";
import { ServerRunFailure } from "../../core/errors.js";
import { runCli } from "../helpers/cli.js";
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

/** A run on `url` with a 1 s stall limit fails as stalled, after about that second. */
async function expectStalled(url: string): Promise<void> {
  const t0 = performance.now();
  const error = await runOnServer(serverClient(url), url, { ...run, stallMs: 1000 }).catch((e: unknown) => e);
  const ms = performance.now() - t0;
  expect(error).toBeInstanceOf(ServerRunFailure);
  expect((error as Error).message).toBe(`The LangGraph server at ${url} sent no complete event for 1 s (INSIDEOUT_SERVER_STALL_MS): the run was cancelled; check the server.`);
  expect(ms).toBeGreaterThanOrEqual(950);
  expect(ms).toBeLessThan(5000);
}

describe("server runs end", () => {
  it("a run that never ends: a ServerRunFailure once the stream has been silent for the stall limit", async () => {
    await expectStalled(hanging.url);
  });

  it.each(["heartbeat", "emptyEvents", "partial"] as const)("a run that never ends but keeps sending bytes (%s) is stalled all the same", async (mode) => {
    // Bytes every 100 ms: the stall limit counts complete events with data, not bytes.
    const chatty = await startFakeLangGraph(() => mode);
    try {
      await expectStalled(chatty.url);
    } finally {
      await chatty.close();
    }
  });

  it("the stall limit and the deadline are settings: INSIDEOUT_SERVER_STALL_MS, INSIDEOUT_SERVER_RUN_DEADLINE_MS", async () => {
    const chatty = await startFakeLangGraph(() => "heartbeat");
    try {
      process.env.INSIDEOUT_SERVER_STALL_MS = "700";
      const stalled = await runOnServer(serverClient(chatty.url), chatty.url, run).catch((e: unknown) => e);
      expect((stalled as Error).message).toMatch(/sent no complete event for 1 s \(INSIDEOUT_SERVER_STALL_MS\)/);
      process.env.INSIDEOUT_SERVER_STALL_MS = "60000";
      process.env.INSIDEOUT_SERVER_RUN_DEADLINE_MS = "1200";
      const t0 = performance.now();
      const late = await runOnServer(serverClient(chatty.url), chatty.url, run).catch((e: unknown) => e);
      expect((late as Error).message).toMatch(/did not end the run within 1 s \(INSIDEOUT_SERVER_RUN_DEADLINE_MS\)/);
      expect(performance.now() - t0).toBeGreaterThanOrEqual(1150);
    } finally {
      delete process.env.INSIDEOUT_SERVER_STALL_MS;
      delete process.env.INSIDEOUT_SERVER_RUN_DEADLINE_MS;
      await chatty.close();
    }
  });

  it("recognize --server against a server sending heartbeats: one line once INSIDEOUT_SERVER_STALL_MS has passed", async () => {
    // Before, SSE comments every second kept recognize --server running past 120 s.
    const chatty = await startFakeLangGraph(() => "heartbeat");
    try {
      const r = await runCli(["recognize", "--server", chatty.url, "--model", "openai:m", "I lost my keys."], { INSIDEOUT_SERVER_STALL_MS: "1500" });
      expect(r.code).not.toBe(0);
      expect(r.stderr.trim().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(/sent no complete event for 2 s \(INSIDEOUT_SERVER_STALL_MS\): the run was cancelled/);
      expect(r.ms).toBeGreaterThanOrEqual(1500);
      expect(r.ms).toBeLessThan(15_000);
    } finally {
      await chatty.close();
    }
  }, 30_000);

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
    // Not retried with backoff (the SDK's 4 retries took 15-30 s).
    expect(ms).toBeLessThan(2000);
  }, 30_000);

  it("a stream that ends without a final state, or breaks off mid-run: one line at once", async () => {
    for (const [answer, message] of [
      ["end", "ended the run without a result."],
      ["drop", ""],
    ] as const) {
      const s = await startFakeLangGraph(() => answer);
      try {
        const t0 = performance.now();
        const error = await runOnServer(serverClient(s.url), s.url, run).catch((e: unknown) => e);
        expect(performance.now() - t0).toBeLessThan(2000);
        expect(error).toBeInstanceOf(ServerRunFailure);
        expect((error as Error).message).toBe(answer === "end" ? `The LangGraph server at ${s.url} ${message}` : `Cannot reach the LangGraph server at ${s.url}: start it with \`npm run dev\` or check --server.`);
      } finally {
        await s.close();
      }
    }
  });

  it("a final state larger than INSIDEOUT_MAX_SERVER_STREAM_BYTES: the run fails there, in one line", async () => {
    // 300 KB of state where 100 KB are allowed (the default is 64 MiB; a smaller cap keeps the test small).
    const big = await startFakeLangGraph((r) => ({ dialogue: r.input.dialogue, pad: "x".repeat(300_000) }));
    process.env.INSIDEOUT_MAX_SERVER_STREAM_BYTES = "102400";
    try {
      const error = await runOnServer(serverClient(big.url), big.url, run).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ServerRunFailure);
      expect((error as Error).message).toBe(`The LangGraph server at ${big.url} sent more than 100 KiB for one run: check the server, or raise INSIDEOUT_MAX_SERVER_STREAM_BYTES.`);
      // The control: the same state under the default cap is read (and then judged: not an ERC answer).
      delete process.env.INSIDEOUT_MAX_SERVER_STREAM_BYTES;
      const read = await runOnServer(serverClient(big.url), big.url, run).catch((e: unknown) => e);
      expect((read as Error).message).toMatch(/not its answer/);
    } finally {
      delete process.env.INSIDEOUT_MAX_SERVER_STREAM_BYTES;
      await big.close();
    }
  });

  it("a zod error's JSON from the server is its first issue on one line", () => {
    const message = JSON.stringify([{ code: "custom", message: "The dialogue is empty: give at least one non-empty turn from the speaker.", path: ["dialogue"] }], null, 2);
    const e = runError("http://s", { error: "ZodError", message });
    expect(e.message).toBe("The LangGraph server at http://s failed the run: ZodError: The dialogue is empty: give at least one non-empty turn from the speaker. (at dialogue)");
  });
});
