/**
 * The Batch API collector (models/batch/) under ChatOpenAI, against the Batch-API loopback server, with its records
 * in a real experiment store: a failed line is a ModelCallFailure (never an answer) and is asked again by the next
 * run; a file uploaded by a run killed before it recorded its batch is matched to that batch, or made into one, and
 * never submitted twice; a request aborted before its stage is submitted is not sent.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { HumanMessage } from "@langchain/core/messages";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ModelCallFailure, notAResultIn } from "../../core/errors.js";
import { BatchApi } from "../../models/batch/api.js";
import { BatchCollector } from "../../models/batch/collector.js";
import { ModelResolver } from "../../models/factory.js";
import { ExperimentStore } from "../../store/experiments.js";
import { startFakeBatchApi, type FakeBatchApi } from "../helpers/batchServer.js";

let server: FakeBatchApi;
let dir: string;
const saved = { ...process.env };

beforeAll(async () => {
  // A request whose text says "fail" gets an HTTP 500 line; the rest are answered with their text reversed.
  server = await startFakeBatchApi((req) => {
    const text = String(req.messages.at(-1)?.content ?? "");
    return text.includes("fail") ? { status: 500 } : [...text].reverse().join("");
  });
  dir = mkdtempSync(path.join(tmpdir(), "insideout-models-batch-"));
  process.env.OPENAI_BASE_URL = server.url;
  process.env.OPENAI_API_KEY = "sk-test";
  process.env.INSIDEOUT_BATCH_POLL_MS = "20";
});
afterAll(async () => {
  process.env = saved;
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

function openStore(name: string) {
  return ExperimentStore.open(path.join(dir, `${name}.sqlite`), { task: "erc" });
}

async function chatThrough(collector: BatchCollector) {
  const model = await new ModelResolver({ batch: collector }).resolve("openai:batch-test");
  return (text: string, signal?: AbortSignal) => model.chat.invoke([new HumanMessage(text)], signal ? { signal } : {});
}

describe("Batch API collector", () => {
  it("answers a stage in one batch; a failed line is a ModelCallFailure, asked again by the next run", async () => {
    const store = openStore("failed-line");
    const collector = new BatchCollector(new BatchApi(), store.batches(), { settleMs: 50 });
    const ask = await chatThrough(collector);
    const before = server.created.length;
    const [good, bad] = await Promise.allSettled([ask("abc"), ask("please fail")]);
    expect(server.created.length).toBe(before + 1);
    expect(server.created.at(-1)!.customIds).toHaveLength(2);
    expect(good.status === "fulfilled" && good.value.content).toBe("cba");
    expect(bad.status).toBe("rejected");
    const failure = notAResultIn((bad as PromiseRejectedResult).reason);
    expect(failure).toBeInstanceOf(ModelCallFailure);
    expect(failure!.message).toContain("answered this request with HTTP 500");
    expect(collector.stats()).toMatchObject({ submitted: 1, answered: 1 });
    collector.close();

    // The next run: the answered request is found in its batch (not submitted again), the failed one is asked anew.
    const next = new BatchCollector(new BatchApi(), store.batches(), { settleMs: 50 });
    const again = await chatThrough(next);
    await expect(again("abc")).resolves.toMatchObject({ content: "cba" });
    expect(server.created.length).toBe(before + 1);
    await expect(again("please fail")).rejects.toThrow();
    expect(server.created.length).toBe(before + 2);
    expect(server.created.at(-1)!.customIds).toHaveLength(1);
    next.close();
    store.close();
  });

  it("a file uploaded just before a kill is matched to the batch made from it, or made into one, once", async () => {
    const api = new BatchApi();
    // What ChatOpenAI would send, and its key as the collector makes it (the SHA-256 of the body).
    const body = (text: string) => JSON.stringify({ model: "m", messages: [{ role: "user", content: text }] });
    const keyOf = (text: string) => createHash("sha256").update(body(text)).digest("hex");
    const line = (text: string) => JSON.stringify({ custom_id: keyOf(text), method: "POST", url: "/v1/chat/completions", body: JSON.parse(body(text)) as unknown });
    const store = openStore("killed-after-upload");
    const records = store.batches();
    // Killed after `create`: the batch exists at the server, only its file is in the store.
    const fileA = await api.upload(`${line("one")}\n`);
    records.recordUpload(fileA, [keyOf("one")]);
    const batchA = await api.create(fileA);
    // Killed before `create`: only the file.
    const fileB = await api.upload(`${line("two")}\n`);
    records.recordUpload(fileB, [keyOf("two")]);
    const created = server.created.length;

    const collector = new BatchCollector(api, records, { settleMs: 50 });
    const send = (text: string) => collector.fetch(`${server.url}/chat/completions`, { method: "POST", body: body(text) });
    const [a, b] = await Promise.all([send("one"), send("two")]);
    expect(((await a.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe("eno");
    expect(((await b.json()) as { choices: { message: { content: string } }[] }).choices[0]!.message.content).toBe("owt");
    // Batch A was found, not made again; file B became exactly one batch.
    expect(server.created.length).toBe(created + 1);
    expect(records.find(keyOf("one"))).toEqual({ inputFileId: fileA, batchId: batchA });
    expect(records.find(keyOf("two"))).toEqual({ inputFileId: fileB, batchId: server.created.at(-1)!.id });
    expect(collector.stats()).toMatchObject({ submitted: 1, resumed: 1, answered: 2 });
    collector.close();
    store.close();
  });

  it("a request aborted before its stage is submitted is not sent", async () => {
    const store = openStore("aborted");
    const collector = new BatchCollector(new BatchApi(), store.batches(), { settleMs: 200 });
    const ask = await chatThrough(collector);
    const before = server.created.length;
    const controller = new AbortController();
    const asked = ask("never sent", controller.signal);
    controller.abort();
    await expect(asked).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 400));
    expect(server.created.length).toBe(before);
    collector.close();
    store.close();
  });

  it("a completed batch whose output file is gone (404) is one line naming the batch; the next run asks again", async () => {
    const store = openStore("gone");
    const collector = new BatchCollector(new BatchApi(), store.batches(), { settleMs: 50 });
    const ask = await chatThrough(collector);
    const before = server.created.length;
    server.filesGone = true;
    try {
      const error = await ask("lost answer").then(() => undefined, (e: unknown) => e);
      const failure = notAResultIn(error);
      expect(failure).toBeInstanceOf(ModelCallFailure);
      const batch = server.created.at(-1)!.id;
      expect(failure!.message.split("\n")).toHaveLength(1);
      expect(failure!.message).toMatch(new RegExp(`batch ${batch} ended completed, but its output file file-out-\\d+ is gone from the server \\(HTTP 404\\).*run the same command again`));
      expect(failure!.message).not.toMatch(/no such model|--model/);
    } finally {
      server.filesGone = false;
    }
    collector.close();
    // The request was released: the next run submits it again, and gets its answer.
    const next = new BatchCollector(new BatchApi(), store.batches(), { settleMs: 50 });
    await expect((await chatThrough(next))("lost answer")).resolves.toMatchObject({ content: "rewsna tsol" });
    expect(server.created.length).toBe(before + 2);
    next.close();
    store.close();
  });

  it("lines for requests it does not hold, and lines longer than an answer may be, are read past: 64 MB of them", async () => {
    const store = openStore("padded");
    const notes: string[] = [];
    const collector = new BatchCollector(new BatchApi(), store.batches(), { settleMs: 50, notify: (l) => notes.push(l) });
    const ask = await chatThrough(collector);
    // 5 MB lines: each longer than INSIDEOUT_MAX_ANSWER_BYTES (4 MB) and its wrapper, so skipped unparsed.
    server.padOutput = { bytes: 64 * 1024 ** 2, lineBytes: 5 * 1024 ** 2 };
    try {
      const heap = process.memoryUsage().heapUsed;
      const answers = await Promise.all([ask("first"), ask("second")]);
      expect(answers.map((a) => a.content)).toEqual(["tsrif", "dnoces"]);
      // Nothing of the 64 MB stays behind (the answers' own lines are a few hundred bytes).
      expect(process.memoryUsage().heapUsed - heap).toBeLessThan(32 * 1024 ** 2);
      expect(notes.join("\n")).toMatch(/ended completed, 13 lines longer than an answer may be, skipped/);
    } finally {
      delete server.padOutput;
    }
    collector.close();
    store.close();
  });

  it("an output file larger than INSIDEOUT_MAX_BATCH_FILE_BYTES is one line saying so, read no further", async () => {
    const store = openStore("too-much");
    process.env.INSIDEOUT_MAX_BATCH_FILE_BYTES = String(1024 ** 2);
    const collector = new BatchCollector(new BatchApi(), store.batches(), { settleMs: 50 });
    const ask = await chatThrough(collector);
    server.padOutput = { bytes: 8 * 1024 ** 2, lineBytes: 1024 };
    try {
      const failure = notAResultIn(await ask("too much").then(() => undefined, (e: unknown) => e));
      expect(failure).toBeInstanceOf(ModelCallFailure);
      expect(failure!.message.split("\n")).toHaveLength(1);
      expect(failure!.message).toMatch(/could not poll batch batch_\d+ .*its output file file-out-\d+ holds more than 1 MiB: raise INSIDEOUT_MAX_BATCH_FILE_BYTES \(now 1048576\)/);
    } finally {
      delete server.padOutput;
      delete process.env.INSIDEOUT_MAX_BATCH_FILE_BYTES;
    }
    collector.close();
    store.close();
  });
});
