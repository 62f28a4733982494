/**
 * Boots the LangGraph dev server the way users do (`node scripts/dev.mjs`, i.e. `npm run dev`) on a free loopback
 * port, waits until it answers, and stops it with its whole process group.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import path from "node:path";
import { REPO } from "./cli.js";

export interface DevServer {
  url: string;
  port: number;
  child: ChildProcess;
  /** Everything the server printed, for diagnosing a failed start. */
  output: () => string;
  /** Milliseconds from spawn to the first successful /ok. */
  startupMs: number;
  stop(): Promise<number | null>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const address = s.address();
      const port = typeof address === "object" && address ? address.port : 0;
      s.close(() => resolve(port));
    });
  });
}

export async function startDevServer(env: Record<string, string>, timeoutMs = 120_000): Promise<DevServer> {
  const port = await freePort();
  const started = performance.now();
  // --no-reload: other edits to the tree during a test run must not restart the server under it.
  const child = spawn(process.execPath, [path.join(REPO, "scripts/dev.mjs"), "--port", String(port), "--no-reload"], {
    cwd: REPO,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ["ignore", "pipe", "pipe"],
    detached: true,
  });
  let log = "";
  child.stdout?.on("data", (d: Buffer) => (log += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (log += d.toString()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<number | null> => {
    if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
    const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
    child.kill("SIGTERM"); // dev.mjs forwards it to the server's process group
    const timer = setTimeout(() => {
      try {
        process.kill(-child.pid!, "SIGKILL");
      } catch {
        // gone
      }
    }, 10_000);
    const code = await exited;
    clearTimeout(timer);
    return code;
  };
  while (performance.now() - started < timeoutMs) {
    if (child.exitCode !== null) throw new Error(`dev server exited with ${child.exitCode}:\n${log}`);
    try {
      if ((await fetch(`${url}/ok`)).ok) {
        return { url, port, child, output: () => log, startupMs: performance.now() - started, stop };
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  await stop();
  throw new Error(`dev server did not answer on ${url} within ${timeoutMs} ms:\n${log}`);
}
