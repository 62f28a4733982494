/**
 * The size limits of label sets, score's text files and an experiment's files are settings: their defaults hold, and
 * each is overridable through its environment variable (read when used).
 */
import { afterEach, describe, expect, it } from "@jest/globals";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { readExperiment } from "../../evaluations/report/schema.js";
import { readLines } from "../../evaluations/score.js";
import { loadLabelSet } from "../../taxonomy/labelSets.js";

const dir = mkdtempSync(path.join(tmpdir(), "limits-"));
let seq = 0;
function file(content: string | object): string {
  const f = path.join(dir, `f-${++seq}.json`);
  writeFileSync(f, typeof content === "string" ? content : JSON.stringify(content));
  return f;
}
const labels = (n: number) => ({ labels: Array.from({ length: n }, (_, i) => `label${i}`) });
const NAMES = ["INSIDEOUT_MAX_LABELS", "INSIDEOUT_MAX_GROUP_MEMBERS", "INSIDEOUT_MAX_TEXTS_BYTES", "INSIDEOUT_MAX_EXPERIMENT_FILE_BYTES", "INSIDEOUT_MAX_PARSED_FILE_BYTES"];

afterEach(() => {
  for (const n of NAMES) delete process.env[n];
});

describe("limits as settings", () => {
  it("a label set holds at most 256 labels by default, INSIDEOUT_MAX_LABELS otherwise", () => {
    expect(loadLabelSet(file(labels(256))).labels).toHaveLength(256);
    expect(() => loadLabelSet(file(labels(257)))).toThrow(/has 257 labels, more than 256.*INSIDEOUT_MAX_LABELS/);
    process.env.INSIDEOUT_MAX_LABELS = "3";
    expect(loadLabelSet(file(labels(3))).labels).toHaveLength(3);
    expect(() => loadLabelSet(file(labels(4)))).toThrow(/has 4 labels, more than 3/);
  });

  it("groups hold at most 4096 gold labels together by default, INSIDEOUT_MAX_GROUP_MEMBERS otherwise", () => {
    const groups = (n: number) => ({ groups: { a: Array.from({ length: n - 1 }, (_, i) => `g${i}`), b: ["last"] } });
    expect(loadLabelSet(file(groups(4096))).labels).toEqual(["a", "b"]);
    expect(() => loadLabelSet(file(groups(4097)))).toThrow(/has 4097 group members, more than 4096.*INSIDEOUT_MAX_GROUP_MEMBERS/);
    process.env.INSIDEOUT_MAX_GROUP_MEMBERS = "2";
    expect(() => loadLabelSet(file(groups(3)))).toThrow(/has 3 group members, more than 2/);
  });

  it("score's text files: INSIDEOUT_MAX_TEXTS_BYTES bytes (64 MiB unless set)", async () => {
    const texts = file("one\ntwo\n"); // 8 bytes
    expect(await readLines(texts)).toEqual(["one", "two"]);
    process.env.INSIDEOUT_MAX_TEXTS_BYTES = "7";
    await expect(readLines(texts)).rejects.toThrow(/holds 8 bytes, more than 7 bytes.*raise INSIDEOUT_MAX_TEXTS_BYTES/);
    process.env.INSIDEOUT_MAX_TEXTS_BYTES = "8";
    expect(await readLines(texts)).toEqual(["one", "two"]);
  });

  it("an experiment's metrics.json: INSIDEOUT_MAX_EXPERIMENT_FILE_BYTES bytes", async () => {
    const exp = mkdtempSync(path.join(dir, "exp-"));
    const metrics = JSON.stringify({ task: "erc" });
    writeFileSync(path.join(exp, "metrics.json"), metrics);
    process.env.INSIDEOUT_MAX_EXPERIMENT_FILE_BYTES = String(metrics.length - 1);
    await expect(readExperiment(exp)).rejects.toThrow(/metrics\.json holds \d+ bytes.*raise INSIDEOUT_MAX_EXPERIMENT_FILE_BYTES/);
  });

  it("an experiment's metrics.json is parsed whole, so INSIDEOUT_MAX_PARSED_FILE_BYTES (8 MiB) holds it too", async () => {
    const exp = mkdtempSync(path.join(dir, "exp-"));
    // 9 MB of empty objects: parsed, about 40 times that.
    writeFileSync(path.join(exp, "metrics.json"), `[${Array(3_000_000).fill("{}").join(",")}]`);
    await expect(readExperiment(exp)).rejects.toThrow(/metrics\.json holds 9000001 bytes, more than 8 MiB.*raise INSIDEOUT_MAX_PARSED_FILE_BYTES \(now 8388608\)/);
    process.env.INSIDEOUT_MAX_PARSED_FILE_BYTES = "10";
    process.env.INSIDEOUT_MAX_EXPERIMENT_FILE_BYTES = "20";
    writeFileSync(path.join(exp, "metrics.json"), JSON.stringify({ task: "erc" }));
    await expect(readExperiment(exp)).rejects.toThrow(/metrics\.json holds 14 bytes, more than 10 bytes.*raise INSIDEOUT_MAX_PARSED_FILE_BYTES \(now 10\)/);
  });

  it("a bad value is one line naming the variable", () => {
    process.env.INSIDEOUT_MAX_LABELS = "1";
    expect(() => loadLabelSet(file(labels(2)))).toThrow(/INSIDEOUT_MAX_LABELS="1" must be a whole number ≥ 2/);
  });
});
