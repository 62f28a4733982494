import { afterEach, describe, expect, it } from "@jest/globals";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { ConfigMismatchError, ExperimentStore } from "../../store/experiments.js";

const dirs: string[] = [];
const fresh = () => {
  const d = mkdtempSync(path.join(tmpdir(), "insideout-store-"));
  dirs.push(d);
  return path.join(d, "experiment.sqlite");
};
afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

const config = { task: "erc", method: "baseline", model: "openai:m", labels: "ed32", split: "ed:test", limit: null, seed: 0 };

describe("ExperimentStore", () => {
  it("keeps one record per id (the first), in dataset order, across reopenings", () => {
    const file = fresh();
    const a = ExperimentStore.open<{ v: number }>(file, config);
    expect(a.put("b", 1, { v: 1 })).toBe(true);
    expect(a.put("a", 0, { v: 2 })).toBe(true);
    expect(a.put("b", 1, { v: 3 })).toBe(false);
    a.close();
    const b = ExperimentStore.open<{ v: number }>(file, { ...config });
    expect(b.count()).toBe(2);
    expect(b.get("b")).toEqual({ v: 1 });
    expect(b.get("zz")).toBeUndefined();
    expect(b.all()).toEqual([{ v: 2 }, { v: 1 }]);
    expect([...b.ids()].sort()).toEqual(["a", "b"]);
    b.close();
  });

  it("refuses a different configuration, naming what differs", () => {
    const file = fresh();
    ExperimentStore.open(file, config).close();
    expect(() => ExperimentStore.open(file, { ...config, labels: "ed18", limit: 50 })).toThrow(ConfigMismatchError);
    expect(() => ExperimentStore.open(file, { ...config, labels: "ed18" })).toThrow(/labels: stored "ed32", now "ed18".*new --out/);
  });
});
