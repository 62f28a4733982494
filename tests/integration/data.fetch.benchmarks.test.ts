/**
 * `data fetch eqbench|emobench` against an HTTP server on 127.0.0.1 serving the shared copies (which are the releases'
 * files, unmodified) and an altered copy: the release is kept and readable, the altered file refused and not kept.
 */
import { afterAll, beforeAll, describe, expect, test } from "@jest/globals";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EMOBENCH_RELEASE, loadEmoBench } from "../../evaluations/data/emobench.js";
import { EQBENCH_RELEASE, loadEqBenchQuestions } from "../../evaluations/data/eqbench.js";
import { fetchRelease } from "../../evaluations/data/fetchRelease.js";
import { REPO } from "../helpers/cli.js";

const SHARED = join(REPO, "..", "shared", "data");
const served: Record<string, Buffer> = {
  "eq_bench_v2_questions_171.json": readFileSync(join(SHARED, "eq_bench", "eq_bench_v2_questions_171.json")),
  "EU.jsonl": readFileSync(join(SHARED, "emobench", "EU.jsonl")),
  "EA.jsonl": readFileSync(join(SHARED, "emobench", "EA.jsonl")),
};

let server: Server;
let base = "";
beforeAll(async () => {
  server = createServer((req, res) => {
    const [, folder, name] = (req.url ?? "").split("/") as [string, string, string];
    const body = served[name];
    if (!body) return void res.writeHead(404).end("no such file");
    // An item's answer changed: valid data, but not the release.
    if (folder === "tampered" && name === "EA.jsonl") return void res.writeHead(200).end(body.toString("utf8").replace('"label": "Suggest', '"label": "Xuggest'));
    return void res.writeHead(200, { "content-length": String(body.length) }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

const outDir = (): string => mkdtempSync(join(tmpdir(), "insideout-fetch-bench-"));

describe("data fetch eqbench|emobench", () => {
  test("EQ-Bench: the questions arrive checked and load (171, as SOURCE.md says)", async () => {
    const dir = outDir();
    const r = await fetchRelease(EQBENCH_RELEASE, { url: `${base}/ok/`, dir });
    expect(r.downloaded).toBe(true);
    expect(r.files["eq_bench_v2_questions_171.json"]!.items).toBe(171);
    expect(readdirSync(dir).sort()).toEqual(["SOURCE.json", "eq_bench_v2_questions_171.json"]);
    expect((await loadEqBenchQuestions(join(dir, "eq_bench_v2_questions_171.json"))).length).toBe(171);
    // There already: nothing downloaded.
    expect((await fetchRelease(EQBENCH_RELEASE, { url: `${base}/ok/`, dir })).downloaded).toBe(false);
  });

  test("EmoBench: EU and EA arrive checked, 400 items each (200 en + 200 zh)", async () => {
    const dir = outDir();
    const r = await fetchRelease(EMOBENCH_RELEASE, { url: `${base}/ok`, dir });
    expect(r.files["EU.jsonl"]!.items).toBe(400);
    expect(r.files["EA.jsonl"]!.items).toBe(400);
    expect((await loadEmoBench("ea", { file: join(dir, "EA.jsonl"), languages: ["zh"] })).length).toBe(200);
  });

  test("an altered file is refused by its checksum and not kept", async () => {
    const dir = outDir();
    await expect(fetchRelease(EMOBENCH_RELEASE, { url: `${base}/tampered/`, dir })).rejects.toThrow(
      /tampered\/EA\.jsonl is not the EmoBench EA file this version knows \(sha256 [0-9a-f]{64}, expected 344c8491/,
    );
    expect(readdirSync(dir)).toEqual(["EU.jsonl"]);
  });
});
