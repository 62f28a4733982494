/**
 * Inputs that cannot work are refused before anything is paid for: through the built CLI, each is a non-zero exit,
 * one line on stderr, and not one request at the (loopback) model server, nor at a LangGraph server.
 */
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { type FakeOpenAI, startWellBehavedOpenAI } from "../helpers/openaiServer.js";
import { runCli, type CliResult } from "../helpers/cli.js";

let server: FakeOpenAI;
const dir = mkdtempSync(join(tmpdir(), "insideout-validation-"));

beforeAll(async () => {
  // Answers every request well, so that a check that came too late shows as requests made, not as a failure.
  server = await startWellBehavedOpenAI();
});
afterAll(async () => {
  await server.close();
});

const env = () => ({ OPENAI_BASE_URL: server.url, OPENAI_API_KEY: "sk-test" });

/** Runs the CLI and checks the refusal: non-zero, one line matching `problem`, no request at the model server. */
async function refused(args: string[], problem: RegExp, input?: string): Promise<CliResult> {
  const before = server.requests.length;
  const r = await runCli(args, env(), input);
  expect(r.stderr.trim().split("\n")).toHaveLength(1);
  expect(r.stderr).toMatch(problem);
  expect(r.code).not.toBe(0);
  expect(server.requests.length - before).toBe(0);
  return r;
}

let n = 0;
function labelFile(content: string | object): string {
  const f = join(dir, `labels-${n++}.json`);
  writeFileSync(f, typeof content === "string" ? content : JSON.stringify(content));
  return f;
}

const recognize = (...extra: string[]) => ["recognize", "--model", "openai:m", ...extra, "I lost my job.", "Oh no.", "I feel awful."];
const respond = (...extra: string[]) => ["respond", "--model", "openai:m", ...extra, "I lost my job."];

describe("the counter sees requests (control)", () => {
  it("a valid recognize and respond do reach the server", async () => {
    const before = server.requests.length;
    const r = await runCli(respond("--aggregation", "weighted"), env());
    expect(r.code).toBe(0);
    // By hand: erc+insideout is one recognition and five agents' proposals; weighted needs no aggregator call.
    expect(server.requests.length - before).toBe(6);
    const ok = await runCli(recognize("--labels", labelFile({ labels: ["sad", "joyful"] })), env());
    expect(ok.code).toBe(0);
  });
});

describe("label sets", () => {
  it.each<[string, object | string, RegExp]>([
    ["no groups", { groups: {} }, /labels-\d+\.json: has no labels/],
    ["a blank label", { labels: ["sad", " "] }, /labels-\d+\.json: label 2 .* is blank/],
    ["a duplicate once normalised", { labels: ["Joyful", "sad", "joyful."] }, /labels-\d+\.json: has "joyful" twice/],
    ["a group with no members", { groups: { good: ["joyful"], bad: [] } }, /labels-\d+\.json: group "bad" has no members/],
    ["a member in two groups", { groups: { good: ["joyful", "proud"], bad: ["sad", "proud"] } }, /labels-\d+\.json: "proud" is in two groups/],
    ["not JSON", "{oops", /Cannot read label set file .*labels-\d+\.json: not JSON/],
  ])("recognize --labels with %s", async (_what, content, problem) => {
    await refused(recognize("--labels", labelFile(content)), problem);
  });

  it("a label file over 1 MB", async () => {
    const big = labelFile(`{"labels": ["sad", "joyful"]}${" ".repeat(1024 * 1024)}`);
    await refused(recognize("--labels", big), /labels-\d+\.json: larger than 1 MB/);
  });

  it("respond (ERG) and chat check the label set too", async () => {
    const empty = labelFile({ groups: {} });
    await refused(respond("--labels", empty), /has no labels/);
    await refused(["chat", "--model", "openai:m", "--labels", empty], /has no labels/, "I lost my job.\n");
  });
});

describe("method × options", () => {
  it("respond --aggregation vote: zero requests, one line", async () => {
    await refused(respond("--aggregation", "vote"), /^insideout: ERG method erc\+insideout: aggregation cannot be vote \(replies carry no label\): use llm or weighted\.$/m);
  });

  it("respond --method baseline --aggregation vote (the ERG graphs have no vote)", async () => {
    await refused(respond("--method", "baseline", "--aggregation", "vote"), /ERG method baseline: aggregation cannot be vote/);
  });

  it("chat --aggregation vote, with turns waiting on stdin", async () => {
    const save = join(dir, "never.jsonl");
    await refused(["chat", "--model", "openai:m", "--aggregation", "vote", "--save", save], /aggregation cannot be vote/, "I lost my job.\nYes.\n");
    // Refused before the transcript was opened: no empty file left behind.
    expect(existsSync(save)).toBe(false);
  });

  it("an agent listed twice", async () => {
    await refused(recognize("--agents", "anger,fear,anger"), /ERC method insideout: the agent "anger" is listed twice/);
  });

  it("an agent that does not exist is named", async () => {
    await refused(recognize("--agents", "anger,joy"), /Invalid option --agents \("joy"\): .*expected one of/);
  });

  it("eval --rpm/--tpm: a number that is not one, or a model they would not pace", async () => {
    const evalArgs = (...extra: string[]) => ["eval", "--task", "erc", "--method", "baseline", "--limit", "2", "--out", join(dir, `paced-${n++}`), ...extra];
    await refused(evalArgs("--model", "openai:m", "--tpm", "0"), /--tpm.*expected a positive integer, got "0"/);
    await refused(evalArgs("--model", "openai:m", "--rpm", "1.5"), /--rpm.*expected an integer/);
    await refused(evalArgs("--model", "ollama:llama3.2", "--rpm", "60"), /--rpm and --tpm pace openai: models .* not ollama:llama3.2/);
  });

  it("--server: refused before the LangGraph server is asked anything", async () => {
    let hits = 0;
    const lg: Server = createServer((_req, res) => {
      hits++;
      res.writeHead(500).end();
    });
    await new Promise<void>((resolve) => lg.listen(0, "127.0.0.1", resolve));
    try {
      const url = `http://127.0.0.1:${(lg.address() as AddressInfo).port}`;
      await refused(respond("--server", url, "--aggregation", "vote"), /aggregation cannot be vote/);
      await refused(recognize("--server", url, "--labels", labelFile({ groups: {} })), /has no labels/);
      expect(hits).toBe(0);
    } finally {
      lg.closeAllConnections();
      await new Promise<void>((resolve) => lg.close(() => resolve()));
    }
  });
});

describe("chat --save FILE that cannot be written", () => {
  const chat = (save: string) => ["chat", "--model", "openai:m", "--save", save];

  it("its folder does not exist", async () => {
    await refused(chat(join(dir, "missing", "t.jsonl")), /Cannot write --save .*t\.jsonl: its folder .*missing does not exist\./, "I lost my job.\n");
  });

  it("it is a folder", async () => {
    const folder = join(dir, "a-folder");
    mkdirSync(folder);
    await refused(chat(folder), /Cannot write --save .*a-folder: it is a folder\./, "I lost my job.\n");
  });

  it("its 'folder' is a file", async () => {
    const file = join(dir, "plain-file");
    writeFileSync(file, "x");
    await refused(chat(join(file, "t.jsonl")), /Cannot write --save .*: .*plain-file is not a folder\./, "I lost my job.\n");
  });

  // Root may write anywhere: the permission check can only be seen as another user.
  const asRoot = process.getuid?.() === 0;
  (asRoot ? it.skip : it)("its folder is not writable", async () => {
    const locked = join(dir, "locked");
    mkdirSync(locked, { mode: 0o500 });
    await refused(chat(join(locked, "t.jsonl")), /Cannot write --save .*: permission denied\./, "I lost my job.\n");
  });
});
