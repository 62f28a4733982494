/**
 * (g) Pacing by the provider's rate limits: an InsideOut ERC eval against a bench server that enforces a requests and
 * a tokens bucket (bench/buckets.ts), the limits learnt from its headers alone (no --rpm/--tpm). The run's span (the
 * server's first request to its last answer) against the buckets' ideal for the requests it accepted, and the share
 * of requests answered 429. Two cases: tokens the tighter limit and 429s without Retry-After (the wait only in the
 * body), requests the tighter limit and 429s with Retry-After.
 *
 *   node dist/bench/pacing.js   (the (g) rows alone; `npm run bench` runs them too)
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { exportSetting } from "../core/settings.js";
import { loadDataset } from "../evaluations/data/index.js";
import { runEval } from "../evaluations/run.js";

export interface PacingCase {
  name: string;
  rpm: number;
  tpm: number;
  retryAfter: boolean;
  examples: number;
}

export interface PacingResult {
  spanMs: number;
  idealMs: number;
  accepted: number;
  rejected: number;
  errors: number;
  examples: number;
}

const LATENCY_MS = 100;
const CONCURRENCY = 16;

/**
 * Sized so that about 25 s of each run is beyond what the full buckets hold at the start: the InsideOut ERC example
 * costs ~3,000 tokens (six requests) as the server counts them.
 */
export const PACING_CASES: PacingCase[] = [
  { name: "tokens the tighter limit, 429 without Retry-After", rpm: 100_000, tpm: 120_000, retryAfter: false, examples: 56 },
  { name: "requests the tighter limit, 429 with Retry-After", rpm: 240, tpm: 10_000_000, retryAfter: true, examples: 56 },
];

function startServer(c: PacingCase, children: ChildProcess[]): Promise<string> {
  const here = dirname(fileURLToPath(import.meta.url));
  const args = [join(here, "server.js"), String(LATENCY_MS), String(c.rpm), String(c.tpm), c.retryAfter ? "1" : "0"];
  const child = spawn(process.execPath, args, { stdio: ["pipe", "pipe", "inherit"] });
  children.push(child);
  return new Promise((resolve, reject) => {
    child.once("error", reject);
    child.stdout!.once("data", (b: Buffer) => resolve(b.toString("utf8").trim()));
  });
}

export async function measurePacing(c: PacingCase, children: ChildProcess[]): Promise<PacingResult> {
  const url = await startServer(c, children);
  // openai: models of this process go to the case's server (the bench runs in a process of its own).
  exportSetting("OPENAI_BASE_URL", url);
  exportSetting("OPENAI_API_KEY", "bench-not-a-key");
  const dir = mkdtempSync(join(tmpdir(), "insideout-bench-pacing-"));
  try {
    const data = join(dir, "slice.jsonl");
    const examples = (await loadDataset("ed:test")).slice(0, c.examples);
    writeFileSync(data, examples.map((e) => JSON.stringify(e)).join("\n") + "\n");
    const result = await runEval({ task: "erc", method: "insideout", options: { model: "openai:bench" }, data, concurrency: CONCURRENCY, out: join(dir, "out"), cache: false });
    const stats = (await (await fetch(`${url.replace(/\/v1$/, "")}/stats`)).json()) as { accepted: number; rejected: number; firstAt: number; lastAt: number; idealMs: number };
    return {
      spanMs: stats.lastAt - stats.firstAt,
      idealMs: stats.idealMs,
      accepted: stats.accepted,
      rejected: stats.rejected,
      errors: result.errored + result.unfinished.count,
      examples: c.examples,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Nothing leaves this machine: no LangSmith tracing, whatever the caller's environment says. */
export function noTracing(): void {
  exportSetting("LANGSMITH_TRACING", "false");
  exportSetting("LANGCHAIN_TRACING_V2", "false");
}

/** The (g) rows of the bench table. */
export async function pacingRows(children: ChildProcess[], log: (s: string) => void): Promise<string[][]> {
  const rows: string[][] = [];
  for (const c of PACING_CASES) {
    log(`(g) pacing: ${c.name} (RPM ${c.rpm}, TPM ${c.tpm}, ${c.examples} examples at C = ${CONCURRENCY})…`);
    const r = await measurePacing(c, children);
    const total = r.accepted + r.rejected;
    rows.push(["g", `span / the buckets' ideal: ${c.name}`, (r.spanMs / r.idealMs).toFixed(3), "≤ 1.05",
      `${(r.spanMs / 1000).toFixed(1)} s vs ${(r.idealMs / 1000).toFixed(1)} s; ${r.examples} examples, ${r.errors} errors`]);
    rows.push(["g", `share of requests answered 429: ${c.name}`, (r.rejected / total).toFixed(3), "≤ 0.02", `${r.rejected} of ${total}`]);
  }
  return rows;
}

// Alone: the (g) rows only.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/\\/g, "/"))) {
  const children: ChildProcess[] = [];
  noTracing();
  pacingRows(children, (s) => process.stderr.write(`bench: ${s}\n`))
    .then((rows) => process.stdout.write(["| | measure | ratio | target | detail |", "|---|---|---|---|---|", ...rows.map((r) => `| ${r.join(" | ")} |`)].join("\n") + "\n"))
    .catch((e: unknown) => {
      process.stderr.write(`bench: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exitCode = 1;
    })
    .finally(() => {
      for (const c of children) c.kill();
    });
}
