/**
 * `insideout data fetch meld` end to end, against an HTTP server on 127.0.0.1 serving MELD's release CSVs (read in
 * place from ../shared/data/meld), an altered copy, and answers too large to be them.
 */
import { afterAll, beforeAll, describe, expect, jest, test } from "@jest/globals";
import { createHash } from "node:crypto";
import { mkdtempSync, readdirSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dataCommand } from "../../cli/commands/data.js";
import { loadDataset } from "../../evaluations/data/index.js";
import { fetchMeld, MAX_MELD_FILE_BYTES, type MeldFetchResult } from "../../evaluations/data/fetchMeld.js";
import { REPO } from "../helpers/cli.js";

const SHARED = join(REPO, "..", "shared", "data", "meld");
const FILES = ["test_sent_emo.csv", "dev_sent_emo.csv"] as const;
const release = Object.fromEntries(FILES.map((f) => [f, readFileSync(join(SHARED, f))])) as Record<(typeof FILES)[number], Buffer>;

let server: Server;
let base = "";
const hits: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = req.url ?? "";
    hits.push(url);
    const [, folder, name] = url.split("/") as [string, string, (typeof FILES)[number]];
    const body = release[name];
    if (!body) return void res.writeHead(404).end("no such file");
    if (folder === "ok") return void res.writeHead(200, { "content-length": String(body.length) }).end(body);
    if (folder === "tampered" && name === "dev_sent_emo.csv") {
      // One label changed: a valid MELD file, but not the release.
      const text = body.toString("utf8").replace(",neutral,neutral,", ",joy,neutral,");
      return void res.writeHead(200).end(text);
    }
    if (folder === "tampered") return void res.writeHead(200).end(body);
    if (folder === "large") {
      // Says it is 1 GB: refused from the length, before the body.
      res.writeHead(200, { "content-length": String(1 << 30) });
      return void res.write("Sr No.,");
    }
    if (folder === "endless") {
      // No length, and never ends: refused once past the cap.
      res.writeHead(200);
      const chunk = Buffer.alloc(1 << 16, 0x61);
      const more = (): void => {
        while (!res.destroyed && res.write(chunk));
        if (!res.destroyed) res.once("drain", more);
      };
      res.on("close", () => res.removeAllListeners("drain"));
      return more();
    }
    res.writeHead(404).end("no such folder");
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((r) => server.close(() => r()));
});

const outDir = (): string => mkdtempSync(join(tmpdir(), "io-fetch-meld-"));

describe("data fetch meld", () => {
  test("downloads both files, checks them, and meld:test / meld:dev read them", async () => {
    const dir = outDir();
    const result = await fetchMeld({ url: `${base}/ok/`, dir });
    expect(result.downloaded).toBe(true);
    for (const f of FILES) expect(readFileSync(join(dir, f)).equals(release[f])).toBe(true);
    expect(result.splits.test).toMatchObject({ bytes: release["test_sent_emo.csv"].length, examples: 2610 });
    expect(result.splits.dev?.sha256).toBe(createHash("sha256").update(release["dev_sent_emo.csv"]).digest("hex"));
    expect(readdirSync(dir).sort()).toEqual(["SOURCE.json", "dev_sent_emo.csv", "test_sent_emo.csv"]);

    const saved = process.env.INSIDEOUT_MELD_DIR;
    process.env.INSIDEOUT_MELD_DIR = dir;
    try {
      expect(await loadDataset("meld:dev")).toHaveLength(1109);
    } finally {
      if (saved === undefined) delete process.env.INSIDEOUT_MELD_DIR;
      else process.env.INSIDEOUT_MELD_DIR = saved;
    }

    // A second fetch downloads nothing; --force again.
    const before = hits.length;
    expect((await fetchMeld({ url: `${base}/ok`, dir })).downloaded).toBe(false);
    expect(hits.length).toBe(before);
    expect((await fetchMeld({ url: `${base}/ok`, dir, force: true })).downloaded).toBe(true);
    expect(hits.length).toBe(before + 2);
  });

  test("a file that is not the release is refused by its checksum and not kept", async () => {
    const dir = outDir();
    await expect(fetchMeld({ url: `${base}/tampered/`, dir })).rejects.toThrow(
      /tampered\/dev_sent_emo\.csv is not the MELD dev file this version knows \(sha256 [0-9a-f]{64}, expected 2e89c6f8/,
    );
    // The test file, checked, stays; nothing else (no temp file, no SOURCE.json).
    expect(readdirSync(dir)).toEqual(["test_sent_emo.csv"]);
  });

  test.each(["large", "endless"])("the %s answer is refused at the size cap, leaving nothing", async (folder) => {
    const dir = outDir();
    await expect(fetchMeld({ url: `${base}/${folder}/`, dir })).rejects.toThrow(
      new RegExp(`Download of .*/${folder}/test_sent_emo\\.csv is larger than ${MAX_MELD_FILE_BYTES} bytes`),
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  test("the CLI command `data fetch meld` prints a JSON summary; --keep-archive is ED's", async () => {
    const dir = outDir();
    const out: string[] = [];
    const spy = jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      await dataCommand().parseAsync(["fetch", "meld", "--url", `${base}/ok/`, "--dir", dir, "--json"], { from: "user" });
    } finally {
      spy.mockRestore();
    }
    const summary = JSON.parse(out.join("")) as MeldFetchResult;
    expect(summary.dir).toBe(dir);
    expect(summary.splits.dev?.examples).toBe(1109);
    await expect(dataCommand().parseAsync(["fetch", "meld", "--keep-archive", "--dir", dir], { from: "user" })).rejects.toThrow(/--keep-archive is for ed/);
  });
});
