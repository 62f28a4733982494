/**
 * (i) Start-up: how long the CLI takes before it answers `--help`, and before `recognize` sends its first request to
 * the model, each as a ratio to a bare `node -e 0` measured in the same run (so a busy machine slows both alike).
 * The request goes to a server in this process that answers nothing: the child is killed when it arrives.
 *
 *   node dist/bench/startup.js [runs]   prints the rows as JSON
 */
import { spawn } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

// The command as users run it (scripts/bundle-cli.mjs).
const cli = join(dirname(fileURLToPath(import.meta.url)), "..", "bundle", "insideout.js");

export interface StartupResult {
  runs: number;
  /** Medians, ms. */
  nodeMs: number;
  helpMs: number;
  firstRequestMs: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** Wall time of a child process from spawn to exit, ms. */
function timed(args: string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { stdio: "ignore" });
    child.once("error", reject);
    child.once("exit", (code) => (code === 0 ? resolve(performance.now() - started) : reject(new Error(`node ${args.join(" ")} exited with ${code}`))));
  });
}

/** From spawning `insideout recognize` to its first request reaching `url`'s server, ms. */
function firstRequest(onRequest: { next?: () => void }, url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, [cli, "recognize", "--model", "openai:bench", "I finally got the job!"], {
      stdio: ["ignore", "ignore", "pipe"],
      env: { ...process.env, OPENAI_BASE_URL: url, OPENAI_API_KEY: "bench-not-a-key", LANGSMITH_TRACING: "false", LANGCHAIN_TRACING_V2: "false" },
    });
    let stderr = "";
    child.stderr!.on("data", (b: Buffer) => (stderr += b.toString("utf8")));
    onRequest.next = () => {
      const ms = performance.now() - started;
      child.kill("SIGKILL");
      resolve(ms);
    };
    child.once("error", reject);
    child.once("exit", () => reject(new Error(`recognize ended before its first request: ${stderr.trim().split("\n").at(-1) ?? ""}`)));
  });
}

export async function measureStartup(runs: number): Promise<StartupResult> {
  const hook: { next?: () => void } = {};
  const server = createServer((req) => {
    hook.next?.();
    hook.next = undefined;
    req.socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  const node: number[] = [];
  const help: number[] = [];
  const first: number[] = [];
  try {
    // Interleaved, so that a change in the machine's load falls on all three alike.
    for (let i = 0; i < runs; i++) {
      node.push(await timed(["-e", "0"]));
      help.push(await timed([cli, "--help"]));
      first.push(await firstRequest(hook, url));
    }
  } finally {
    server.close();
  }
  return { runs, nodeMs: median(node), helpMs: median(help), firstRequestMs: median(first) };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  measureStartup(Number(process.argv[2] ?? 10))
    .then((r) => process.stdout.write(`${JSON.stringify(r)}\n`))
    .catch((e: unknown) => {
      process.stderr.write(`startup: ${e instanceof Error ? e.message : String(e)}\n`);
      process.exitCode = 1;
    });
}
