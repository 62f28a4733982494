import { describe, expect, it } from "@jest/globals";
import { execFileSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

describe("the eval's queue at a concurrency above 10", () => {
  it("runs 32 examples at once, stores each once, and Node prints no listener-leak warning", () => {
    const out = execFileSync(path.join(REPO, "node_modules/.bin/tsx"), [path.join(REPO, "tests/helpers/queueRun.ts")], { cwd: REPO, encoding: "utf8" });
    const seen = JSON.parse(out) as { most: number; stored: string[]; warnings: string[] };
    expect(seen.most).toBe(32);
    expect(seen.stored).toHaveLength(96);
    expect(new Set(seen.stored).size).toBe(96);
    expect(seen.warnings).toEqual([]);
  });
});
