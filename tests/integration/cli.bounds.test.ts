/**
 * Every input bounded, through the built CLI: /dev/zero, an endless pipe, a binary file, an endless data line give one
 * line and a non-zero exit within seconds with little memory; a huge turn or huge model answers, wherever they are,
 * give requests whose size follows the context budget.
 */
import { spawn, spawnSync } from "node:child_process";
import { createWriteStream, existsSync, mkdtempSync, openSync, closeSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { CLI, REPO } from "../helpers/cli.js";
import { requestedSchema, startFakeOpenAI, promptOf, type ChatRequest, type FakeOpenAI } from "../helpers/openaiServer.js";
import { roleOf } from "../helpers/roles.js";
import { peakRssMb, RSS_PROBE, withoutRss } from "../helpers/rssProbe.js";

const dir = mkdtempSync(join(tmpdir(), "insideout-bounds-"));
const LONG_ANSWER = 100_000;
let server: FakeOpenAI;

// Every structured answer is schema-valid, with 100 000-character rationales and replies: the aggregate prompt must
// not grow with them.
beforeAll(async () => {
  server = await startFakeOpenAI((req) => {
    const schema = requestedSchema(req);
    if (!schema) return "A reply.";
    const props = Object.keys(schema.properties ?? {});
    const answer: Record<string, unknown> = {};
    for (const p of props) {
      const s = schema.properties![p]!;
      if (s.enum) answer[p] = s.enum[0];
      else if (s.type === "number") answer[p] = 0.5;
      else answer[p] = `${p} ${"r".repeat(LONG_ANSWER)}`;
    }
    return JSON.stringify(answer);
  });
});
afterAll(async () => {
  await server.close();
});

// The CLI's own footprint, a refusal before any read, measured in this run: bounds are growth over it.
let baseMb: number;
beforeAll(async () => {
  baseMb = (await run(["recognize", "--method", "baseline", "--model", "openai:m", "--file", "/dev/null"], "ignore")).rssMb;
  process.stderr.write(`cli.bounds: the CLI's footprint ${baseMb.toFixed(0)} MB\n`);
  expect(baseMb).toBeLessThan(Infinity);
});

interface Run {
  code: number | null;
  stderr: string;
  ms: number;
  /** Peak RSS of the CLI process, in MB (from its own process.resourceUsage at exit). */
  rssMb: number;
}


function run(args: string[], stdin: "ignore" | "pipe" | number, extraEnv: Record<string, string> = {}, input?: string): Promise<Run> {
  const started = performance.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: REPO,
      stdio: [stdin, "ignore", "pipe"],
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        OPENAI_BASE_URL: server.url,
        OPENAI_API_KEY: "sk-test",
        INSIDEOUT_CACHE_DIR: join(dir, "cache"),
        NODE_OPTIONS: RSS_PROBE,
        ...extraEnv,
      },
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), 30_000);
    let stderr = "";
    child.stderr!.on("data", (c: Buffer) => (stderr += c.toString()));
    if (input !== undefined) child.stdin!.end(input);
    child.on("close", (code) => {
      clearTimeout(timer);
            resolve({
        code,
        stderr: withoutRss(stderr).trim(),
        ms: performance.now() - started,
        rssMb: peakRssMb(stderr),
      });
    });
  });
}

const recognize = ["recognize", "--method", "baseline", "--model", "openai:m"];

/** One line, non-zero, within seconds, RSS small. */
function expectRefused(r: Run, pattern: RegExp): void {
  expect(r.stderr.split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
  expect(r.code).not.toBe(0);
  expect(r.ms).toBeLessThan(10_000);
  expect(r.rssMb - baseMb).toBeLessThan(150);
}

describe("dialogue input is bounded", () => {
  it("recognize < /dev/zero stops at the dialogue limit", async () => {
    const fd = openSync("/dev/zero", "r");
    try {
      const r = await run(recognize, fd);
      expectRefused(r, /^insideout: The dialogue from standard input is longer than 1 MiB: .*INSIDEOUT_MAX_DIALOGUE_BYTES/);
    } finally {
      closeSync(fd);
    }
    expect(server.requests).toHaveLength(0);
  });

  it("--file /dev/zero, and the limit follows INSIDEOUT_MAX_DIALOGUE_BYTES", async () => {
    // Issue 23: a device where a file is expected is refused as such, before any read.
    expectRefused(await run([...recognize, "--file", "/dev/zero"], "ignore"), /^insideout: --file \/dev\/zero is not a regular file \(a pipe, device or socket\)/);
    const file = join(dir, "3k.txt");
    writeFileSync(file, `${"a".repeat(2999)}\n`);
    expectRefused(
      await run([...recognize, "--file", file], "ignore", { INSIDEOUT_MAX_DIALOGUE_BYTES: "2048" }),
      /3k\.txt is longer than 2 KiB: .*\(now 2048\)/,
    );
    expect(server.requests).toHaveLength(0);
  });

  it("a FIFO whose writer never stops", async () => {
    const fifo = join(dir, "endless.fifo");
    expect(spawnSync("mkfifo", [fifo]).status).toBe(0);
    const writer = createWriteStream(fifo);
    let open = true;
    writer.on("error", () => (open = false)); // EPIPE once the CLI has stopped reading
    const line = Buffer.from("I am still talking\n".repeat(1000));
    const pump = (): void => {
      while (open && writer.write(line));
      if (open) writer.once("drain", pump);
    };
    writer.once("open", pump);
    try {
      // Issue 23: a pipe where a file is expected is refused as such (also one with no writer, which would hang).
      expectRefused(await run([...recognize, "--file", fifo], "ignore"), /endless\.fifo is not a regular file/);
    } finally {
      open = false;
      writer.destroy();
    }
  });

  it("a binary file, and text with a NUL byte", async () => {
    const bin = join(dir, "model.bin");
    writeFileSync(bin, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0x02, 0x01, 0xff, 0xfe, 0x00]));
    expectRefused(await run([...recognize, "--file", bin], "ignore"), /model\.bin is not valid UTF-8/);
    const nul = join(dir, "nul.txt");
    writeFileSync(nul, "hello\nthere\0friend\n");
    expectRefused(await run([...recognize, "--file", nul], "ignore"), /nul\.txt looks binary, not a text dialogue: control byte 0x00 on line 2/);
  });

  it("more turns than INSIDEOUT_MAX_TURNS", async () => {
    const turns = Array.from({ length: 1001 }, (_, i) => `turn ${i}`).join("\n");
    expectRefused(await run(recognize, "pipe", {}, turns), /The dialogue from standard input has 1001 turns, more than 1000: .*INSIDEOUT_MAX_TURNS/);
    expectRefused(await run([...recognize, "a", "b", "c"], "ignore", { INSIDEOUT_MAX_TURNS: "2" }), /The dialogue from the arguments has 3 turns, more than 2/);
    expect(server.requests).toHaveLength(0);
  });
});

describe("data files are bounded", () => {
  const evalArgs = (data: string, out: string) => [
    "eval", "--task", "erc", "--method", "baseline", "--model", "openai:m", "--data", data, "--out", out, "--no-progress",
  ];

  it("eval --data /dev/zero names the file and line 1, and writes nothing", async () => {
    const out = join(dir, "out-zero");
    const r = await run(evalArgs("/dev/zero", out), "ignore");
    expectRefused(r, /^insideout: The data file \/dev\/zero is not a regular file \(a pipe, device or socket\)/);
    expect(existsSync(out)).toBe(false);
  });

  it("a JSONL or CSV file whose second line never ends names line 2", async () => {
    const good = JSON.stringify({ dialogue: ["I lost my job."], emotion: "sad", reference: null });
    const jsonl = join(dir, "endless.jsonl");
    writeFileSync(jsonl, `${good}\n${"x".repeat(1.5 * 2 ** 20)}`);
    expectRefused(await run(evalArgs(jsonl, join(dir, "out-jsonl")), "ignore"), /line 2 of .*endless\.jsonl is longer than 1 MiB/);
    const csv = join(dir, "endless.csv");
    writeFileSync(csv, `conv_id,utterance_idx,context,prompt,speaker_idx,utterance,selfeval,tags\n${"y".repeat(1.5 * 2 ** 20)}`);
    expectRefused(await run(evalArgs(csv, join(dir, "out-csv")), "ignore"), /line 2 of .*endless\.csv is longer than 1 MiB/);
  });

  it("a file over INSIDEOUT_MAX_DATA_BYTES", async () => {
    const line = JSON.stringify({ dialogue: ["I lost my job."], emotion: "sad", reference: null });
    const jsonl = join(dir, "big.jsonl");
    writeFileSync(jsonl, `${line}\n`.repeat(2000));
    expectRefused(
      await run(evalArgs(jsonl, join(dir, "out-big")), "ignore", { INSIDEOUT_MAX_DATA_BYTES: "65536" }),
      /big\.jsonl holds more than 64 KiB .*INSIDEOUT_MAX_DATA_BYTES \(now 65536\)/,
    );
  });
});

describe("requests follow the context budget", () => {
  // INSIDEOUT_CONTEXT_TOKENS=3048 leaves (3048 - 2048) * 3 = 3000 characters of dialogue; everything else in a
  // request (persona, labels, the agents' rationales or replies) lives in the 2048 reserved tokens, 6144 characters.
  const BUDGET = 3000;
  const RESERVED = 2048 * 3;
  const env = { INSIDEOUT_CONTEXT_TOKENS: "3048", INSIDEOUT_MAX_DIALOGUE_BYTES: String(8 * 2 ** 20) };
  const HUGE = 5 * 2 ** 20;
  const sizeOf = (req: ChatRequest) => req.messages.reduce((n, m) => n + (m.content ?? "").length, 0);

  async function requestsOf(args: string[], turns: string[]) {
    const file = join(dir, `dialogue-${turns.length}-${turns[0]!.length}.txt`);
    writeFileSync(file, turns.join("\n"));
    const before = server.requests.length;
    const r = await run([...args, "--file", file], "ignore", env);
    return { r, requests: server.requests.slice(before) };
  }

  for (const [where, turns] of [
    ["the second of two turns", ["I have news.", `${"w".repeat(HUGE)} THE END`]],
    ["the first of two turns", [`${"w".repeat(HUGE)} MIDDLE END`, "So what now?"]],
    ["the middle of five turns", ["one", "two", `${"w".repeat(HUGE)} MIDDLE END`, "four", "five is last"]],
  ] as const) {
    it(`a 5 MB turn as ${where}, and 100 000-character rationales, through insideout`, async () => {
      const { r, requests } = await requestsOf(["recognize", "--model", "openai:m"], [...turns]);
      expect(r.code).toBe(0);
      expect(requests.length).toBe(6);
      for (const req of requests) expect(sizeOf(req)).toBeLessThanOrEqual(BUDGET + RESERVED);
      // What is kept of each turn is its end; the last turn is always there.
      const agent = requests.find((q) => roleOf(promptOf(q)).kind === "agent")!;
      expect(JSON.stringify(agent.messages)).toContain(turns[turns.length - 1]!.slice(-10));
      expect(r.stderr).toMatch(/The dialogue is longer than the model's context \(3000 characters for the dialogue\): .*cut the first \d+ characters of (the last turn|turn \d)/);
      expect(r.stderr).toMatch(/The agents' rationales are longer than their share of the model's context \(614 characters each\)/);
      process.stderr.write(`cli.bounds: a 5 MB turn as ${where}: peak RSS ${r.rssMb.toFixed(0)} MB\n`);
      expect(r.rssMb - baseMb).toBeLessThan(350);
    }, 60_000);
  }

  it("ERG: 100 000-character candidate replies are cut in the aggregate's prompt", async () => {
    const { r, requests } = await requestsOf(["respond", "--method", "erc+insideout", "--model", "openai:m"], ["I have news.", "Tell me.", "I got the job!"]);
    expect(r.code).toBe(0);
    const aggregate = requests.filter((q) => roleOf(promptOf(q)).kind === "aggregate");
    expect(aggregate).toHaveLength(1);
    for (const req of requests) expect(sizeOf(req)).toBeLessThanOrEqual(BUDGET + RESERVED);
    expect(r.stderr).toMatch(/The candidate replies are longer than their share of the model's context \(614 characters each\)/);
  }, 60_000);
});
