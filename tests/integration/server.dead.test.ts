/**
 * A LangGraph server that dies mid-eval (its process killed: the runs' streams break, the next runs' connections are
 * refused) is reported in seconds by `eval --server` and `recognize --server`, not after the SDK's retries of each
 * refused connection (15-30 s per run, per reconnect). The server is tests/helpers/fakeLangGraph.ts in a process of
 * its own, killed with SIGKILL.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { REPO } from "../helpers/cli.js";
import { spawnCli, writeEdSlice } from "../helpers/evalOracle.js";

const N = 12;
let dir: string;
let data: string;
const servers: ChildProcess[] = [];

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), "insideout-server-dead-"));
  data = path.join(dir, "first.jsonl");
  writeEdSlice(data, N);
});

afterAll(() => {
  for (const s of servers) if (s.exitCode === null && s.signalCode === null) s.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

/** The fake server in its own process; resolves with its URL and a count of the runs it took. */
async function startServer(mode: "hang" | "answer"): Promise<{ url: string; runs: () => number; kill: () => void }> {
  // node itself (tsx as its loader), so that killing it kills the server, not a wrapper.
  const child = spawn(process.execPath, ["--import", "tsx", path.join(REPO, "tests/helpers/fakeLangGraphProcess.ts"), mode], { cwd: REPO, stdio: ["ignore", "pipe", "inherit"] });
  servers.push(child);
  let runs = 0;
  const lines = createInterface({ input: child.stdout! });
  const url = await new Promise<string>((resolve) =>
    lines.on("line", (line) => {
      if (line === "run") runs++;
      else resolve(line);
    }),
  );
  return { url, runs: () => runs, kill: () => child.kill("SIGKILL") };
}

async function until(check: () => boolean, ms = 20_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe("a LangGraph server killed mid-eval", () => {
  it("eval --server: the runs in flight and the ones after are unfinished within seconds, the server named, no metrics", async () => {
    const server = await startServer("hang");
    const out = path.join(dir, "eval");
    const run = spawnCli(["eval", "--task", "erc", "--method", "baseline", "--model", "openai:m", "--labels", "ed32", "--data", data, "--out", out, "--server", server.url, "--concurrency", "2", "--no-progress"], {});
    await until(() => server.runs() >= 2);
    const killed = performance.now();
    server.kill();
    const r = await run.done;
    const afterKill = performance.now() - killed;
    expect(r.code).toBe(1);
    expect(afterKill).toBeLessThan(6000);
    expect(r.stderr).toContain(`Cannot reach the LangGraph server at ${server.url}`);
    expect(existsSync(path.join(out, "metrics.json"))).toBe(false);
  }, 60_000);

  it("recognize --server: a run whose server dies mid-stream exits non-zero within seconds, in one line", async () => {
    const server = await startServer("hang");
    const run = spawnCli(["recognize", "--server", server.url, "--model", "openai:m", "--labels", "ed32", "I lost my keys again."], {});
    await until(() => server.runs() >= 1);
    const killed = performance.now();
    server.kill();
    const r = await run.done;
    expect(performance.now() - killed).toBeLessThan(6000);
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe(`insideout: Cannot reach the LangGraph server at ${server.url}: start it with \`npm run dev\` or check --server.`);
  }, 60_000);

  it("the control: a server that stays up answers every example", async () => {
    const server = await startServer("answer");
    const out = path.join(dir, "control");
    const r = await spawnCli(["eval", "--task", "erc", "--method", "baseline", "--model", "openai:m", "--labels", "ed32", "--data", data, "--out", out, "--server", server.url, "--concurrency", "2", "--no-progress", "--json"], {}).done;
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { n: number }).n).toBe(N);
    expect(server.runs()).toBe(N);
    server.kill();
  }, 60_000);
});
