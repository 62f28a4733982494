/**
 * `insideout compare` shows what the experiments' records hold, and tests only what can be paired. The experiments are
 * made by real evals (the built CLI) against a loopback model server whose every answer is "sad" (and a LangGraph
 * server answering "sad"), so each accuracy is worked out by hand from the data below; then some are doctored.
 *
 *   A.jsonl: q0..q5, dialogues "A …", gold sad ×3 (q0–q2), joyful ×3 (q3–q5): "sad" everywhere scores 3/6 = 50.00.
 *   B.jsonl: the same ids, other dialogues, gold sad ×6: 6/6 = 100.00.
 */
import { afterAll, beforeAll, describe, expect, it } from "@jest/globals";
import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { answerFromSchema, requestedSchema, startFakeOpenAI, type FakeOpenAI } from "../helpers/openaiServer.js";
import { startFakeLangGraph, type FakeLangGraph } from "../helpers/fakeLangGraph.js";
import { runCli, type CliResult } from "../helpers/cli.js";

let model: FakeOpenAI;
let graphs: FakeLangGraph;
const dir = mkdtempSync(path.join(tmpdir(), "compare-trust-"));
const A = path.join(dir, "A.jsonl");
const B = path.join(dir, "B.jsonl");
const at = (name: string) => path.join(dir, name);

const env = () => ({ OPENAI_BASE_URL: model.url, OPENAI_API_KEY: "sk-test", INSIDEOUT_CACHE_DIR: at("cache") });

async function evalInto(out: string, method: string, data: string, extra: string[] = []): Promise<void> {
  const r = await runCli(["eval", "--task", "erc", "--method", method, "--model", "openai:m", "--labels", "ed32", "--data", data, "--out", at(out), "--no-progress", ...extra], env());
  if (r.code !== 0) throw new Error(`eval ${out} failed: ${r.stderr}`);
}

const compare = (...args: string[]): Promise<CliResult> => runCli(["compare", ...args], env());

beforeAll(async () => {
  model = await startFakeOpenAI((req) => JSON.stringify(answerFromSchema(requestedSchema(req)!, (p, o) => (p === "emotion" ? "sad" : o[0]))));
  graphs = await startFakeLangGraph((run) => ({
    dialogue: run.input.dialogue,
    emotion: { emotion: "sad", confidence: 0.9, rationale: "r", decidedBy: "recognizer" },
    opinions: {},
    candidates: {},
    failures: {},
    calls: [{ name: "recognize", promptTokens: 10, completionTokens: 5, calls: 1, latencyMs: 1, ok: true }],
  }));
  const gold = ["sad", "sad", "sad", "joyful", "joyful", "joyful"];
  const lines = (make: (i: number) => object) => gold.map((_, i) => JSON.stringify(make(i))).join("\n") + "\n";
  writeFileSync(A, lines((i) => ({ id: `q${i}`, dialogue: [`A: day ${i} went by.`], emotion: gold[i], reference: "I see." })));
  writeFileSync(B, lines((i) => ({ id: `q${i}`, dialogue: [`B: something else entirely, ${i}.`], emotion: "sad", reference: "Oh no." })));
  await evalInto("baseline-A", "baseline", A);
  await evalInto("insideout-B", "insideout", B);
  await evalInto("insideout-A", "insideout", A);
  await evalInto("server-A", "baseline", A, ["--server", graphs.url]);
}, 120_000);

afterAll(async () => {
  await model.close();
  await graphs.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Json {
  experiments: { name: string; accuracy: number; improv?: number; reference?: string }[];
  pairs: { shared: number; erc?: { accuracyA: number; accuracyB: number; mcnemar: { b: number; c: number } } }[];
  warnings: string[];
}

describe("compare: experiments on different data", () => {
  it("same ids, other dialogues and gold: side by side, each row naming its data, no Improv. or paired test, said", async () => {
    const r = await compare(at("baseline-A"), at("insideout-B"));
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`baseline · m · ed32 · data ${A.replace(/[.]/g, "\\.")}\\s+50\\.00 .*\\(reference\\)\\s+6\\n`));
    expect(r.stdout).toMatch(new RegExp(`insideout · m · ed32 · data ${B.replace(/[.]/g, "\\.")}\\s+100\\.00 .*\\(reference\\)\\s+6\\n`));
    expect(r.stdout).not.toMatch(/Paired test|\+50\.00/);
    expect(r.stdout).toMatch(/warning: .*baseline-A and .*insideout-B ran on different data \(example "q0" is not the same in both\): no Improv\. or paired test between them/);

    const json = JSON.parse((await compare(at("baseline-A"), at("insideout-B"), "--json")).stdout) as Json;
    expect(json.pairs).toEqual([]);
    expect(json.experiments.map((e) => [e.accuracy, e.improv, e.reference])).toEqual([[50, undefined, undefined], [100, undefined, undefined]]);
  }, 60_000);

  it("the control, on the same data: paired on all six, rows without a data column", async () => {
    const json = JSON.parse((await compare(at("baseline-A"), at("insideout-A"), "--json")).stdout) as Json;
    expect(json.warnings).toEqual([]);
    expect(json.experiments.map((e) => e.name)).toEqual(["baseline · m · ed32", "insideout · m · ed32"]);
    expect(json.experiments[1]!.improv).toBe(0);
    // Both answered "sad" everywhere: the same three right, no discordant example.
    expect(json.pairs).toHaveLength(1);
    expect(json.pairs[0]).toMatchObject({ shared: 6, erc: { accuracyA: 50, accuracyB: 50, mcnemar: { b: 0, c: 0 } } });
  }, 60_000);

  it("one run here and one on a LangGraph server: each row says where its graphs ran", async () => {
    const json = JSON.parse((await compare(at("server-A"), at("insideout-A"), "--json")).stdout) as Json;
    expect(json.experiments.map((e) => e.name)).toEqual([
      `baseline · m · ed32 · server ${graphs.url}`,
      `insideout · m · ed32 · endpoint ${model.url}`,
    ]);
    expect(json.pairs[0]).toMatchObject({ shared: 6, erc: { accuracyA: 50, accuracyB: 50 } });
  }, 60_000);
});

describe("compare: files that are not what the eval recorded are refused in one line", () => {
  /** A copy of insideout-A (its store included), then `doctor` applied to it. */
  function doctored(name: string, doctor: (d: string) => void): string {
    const d = at(name);
    cpSync(at("insideout-A"), d, { recursive: true });
    doctor(d);
    return d;
  }
  const lines = (d: string) => readFileSync(path.join(d, "predictions.jsonl"), "utf8").trimEnd().split("\n");
  const writeLines = (d: string, ls: string[]) => writeFileSync(path.join(d, "predictions.jsonl"), ls.join("\n") + "\n");
  const editMetrics = (d: string, edit: (m: { erc: { accuracy: number; accuracyCI95: number[] } }) => void) => {
    const file = path.join(d, "metrics.json");
    const m = JSON.parse(readFileSync(file, "utf8")) as { erc: { accuracy: number; accuracyCI95: number[] } };
    edit(m);
    writeFileSync(file, JSON.stringify(m, null, 2));
  };
  const editLine = (d: string, i: number, edit: (r: { prediction: { emotion?: string }; gold: { emotion: string } }) => void) => {
    const ls = lines(d);
    const r = JSON.parse(ls[i]!) as { prediction: { emotion?: string }; gold: { emotion: string } };
    edit(r);
    ls[i] = JSON.stringify(r);
    writeLines(d, ls);
  };

  const cases: [string, (d: string) => void, (d: string) => RegExp][] = [
    [
      "metrics.json claiming 97.5 with an interval [0, 10]",
      (d) => editMetrics(d, (m) => ((m.erc.accuracy = 97.5), (m.erc.accuracyCI95 = [0, 10]))),
      (d) => new RegExp(`${d}/metrics\\.json disagrees with the records in ${d}/experiment\\.sqlite \\(erc\\.accuracy: the file says 97\\.5, the records give 50\\)`),
    ],
    [
      "predictions.jsonl doctored to gold",
      (d) => lines(d).forEach((_, i) => editLine(d, i, (r) => (r.prediction.emotion = r.gold.emotion))),
      // q0–q2 were right already ("sad"): the first line that changed is q3's, line 4.
      (d) => new RegExp(`${d}/predictions\\.jsonl:4 is not the record ${d}/experiment\\.sqlite holds for example "q3"`),
    ],
    [
      "a prediction outside the label set",
      (d) => editLine(d, 1, (r) => (r.prediction.emotion = "bananas")),
      (d) => new RegExp(`${d}/predictions\\.jsonl:2: the prediction "bananas" is not a label of ed32`),
    ],
    [
      "two lines duplicated",
      (d) => writeLines(d, [...lines(d), ...lines(d).slice(0, 2)]),
      (d) => new RegExp(`${d}/predictions\\.jsonl:7 repeats example "q0" \\(first on line 1\\)`),
    ],
    [
      "two lines duplicated, without a store to check against",
      (d) => (rmSync(path.join(d, "experiment.sqlite")), writeLines(d, [...lines(d), ...lines(d).slice(0, 2)])),
      (d) => new RegExp(`${d}/predictions\\.jsonl:7 repeats example "q0"`),
    ],
    [
      "a record left out",
      (d) => writeLines(d, lines(d).slice(0, 5)),
      (d) => new RegExp(`${d}/predictions\\.jsonl holds 5 records but ${d}/experiment\\.sqlite 6`),
    ],
  ];
  for (const [name, doctor, expected] of cases) {
    it(`${name}: exit 1, one line naming the file, nothing on stdout`, async () => {
      const d = doctored(name.replace(/\W+/g, "-"), doctor);
      const r = await compare(at("baseline-A"), d);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(r.stderr).toMatch(expected(d));
    }, 60_000);
  }

  it("the same experiment twice, or through a link to it: refused", async () => {
    symlinkSync(at("insideout-A"), at("link-A"));
    for (const other of [at("insideout-A"), `${at("insideout-A")}/`, at("link-A")]) {
      const r = await compare(at("insideout-A"), other);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(`insideout: ${at("insideout-A")} and ${other} are the same experiment directory: compare different experiments.\n`);
    }
  }, 60_000);

  it("the remedy named works: the same eval again rewrites the files, and compare shows the records' 50.00", async () => {
    const d = doctored("rewritten", (x) => editMetrics(x, (m) => (m.erc.accuracy = 97.5)));
    expect((await compare(at("baseline-A"), d)).code).toBe(1);
    const r = await runCli(["eval", "--task", "erc", "--method", "insideout", "--model", "openai:m", "--labels", "ed32", "--data", A, "--out", d, "--no-progress"], env());
    expect(r.code).toBe(0);
    const json = JSON.parse((await compare(at("baseline-A"), d, "--json")).stdout) as Json;
    expect(json.experiments[1]!.accuracy).toBe(50);
  }, 60_000);
});
