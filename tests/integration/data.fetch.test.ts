/**
 * `insideout data fetch` end to end, against an HTTP server on 127.0.0.1 serving a .tar.gz that this test builds
 * (system tar) from small CSV files in the official EmpatheticDialogues format.
 */
import { afterAll, beforeAll, describe, expect, jest, test } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { dataCommand } from "../../cli/commands/data.js";
import { loadDataset } from "../../evaluations/data/index.js";
import { fetchEmpatheticDialogues, type FetchResult } from "../../evaluations/data/fetch.js";

const HEADER = "conv_id,utterance_idx,context,prompt,speaker_idx,utterance,selfeval,tags";
const CSV = {
  test: [
    HEADER,
    "hit:1_conv:2,1,nostalgic,Old photos_comma_ found today.,1,I found old photos of my grandparents.,5|5|5_2|2|5,",
    "hit:1_conv:2,2,nostalgic,Old photos_comma_ found today.,2,That sounds lovely. How old are they?,5|5|5_2|2|5,",
    "hit:1_conv:2,3,nostalgic,Old photos_comma_ found today.,1,From the fifties_comma_ I think.,5|5|5_2|2|5,",
    "hit:1_conv:2,4,nostalgic,Old photos_comma_ found today.,2,You should frame a few.,5|5|5_2|2|5,",
    "hit:1_conv:2,5,nostalgic,Old photos_comma_ found today.,1,Good idea.,5|5|5_2|2|5,",
    "hit:3_conv:7,1,furious,Someone keyed my car.,3,Someone keyed my car last night!,,",
    "hit:3_conv:7,2,furious,Someone keyed my car.,4,That is awful. Did you call the police?,,",
  ],
  valid: [
    HEADER,
    "hit:8_conv:16,1,grateful,My neighbour helped.,5,My neighbour shovelled my driveway.,,",
    "hit:8_conv:16,2,grateful,My neighbour helped.,6,What a kind thing to do!,,",
    "hit:8_conv:16,3,grateful,My neighbour helped.,5,I baked her cookies.,,",
  ],
  train: [
    HEADER,
    "hit:9_conv:18,1,lonely,Alone on my birthday.,7,Nobody called me on my birthday.,,",
    "hit:9_conv:18,2,lonely,Alone on my birthday.,8,I am sorry. Happy birthday from me!,,",
  ],
};

let archive: Buffer;
let server: Server;
let base = "";
const hits: string[] = [];
/** More archives to serve, by path: built by the tests that need them. */
const served = new Map<string, Buffer>();

beforeAll(async () => {
  const root = mkdtempSync(join(tmpdir(), "io-fetch-src-"));
  const src = join(root, "empatheticdialogues");
  mkdirSync(src);
  for (const [split, lines] of Object.entries(CSV)) writeFileSync(join(src, `${split}.csv`), lines.join("\n") + "\n");
  writeFileSync(join(src, "README.txt"), "not a split");
  execFileSync("tar", ["-czf", join(root, "ed.tar.gz"), "-C", root, "empatheticdialogues"]);
  archive = readFileSync(join(root, "ed.tar.gz"));

  server = createServer((req, res) => {
    hits.push(req.url ?? "");
    const extra = served.get(req.url ?? "");
    if (extra) {
      res.writeHead(200, { "content-type": "application/gzip", "content-length": String(extra.length) });
      res.end(extra);
    } else if (req.url === "/ed.tar.gz") {
      res.writeHead(200, { "content-type": "application/gzip", "content-length": String(archive.length) });
      res.end(archive);
    } else if (req.url === "/chunked.tar.gz") {
      // No content-length: the client must cope without a total.
      res.writeHead(200, { "content-type": "application/gzip" });
      let i = 0;
      const step = (): void => {
        if (i >= archive.length) return void res.end();
        res.write(archive.subarray(i, i + 64));
        i += 64;
        setImmediate(step);
      };
      step();
    } else if (req.url === "/short.tar.gz") {
      // Promises the full length, sends half, then drops the connection.
      res.writeHead(200, { "content-length": String(archive.length) });
      res.write(archive.subarray(0, Math.floor(archive.length / 2)), () => res.destroy());
    } else {
      res.writeHead(404).end("no such file");
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => server.close(() => r()));
});

function outDir(): string {
  return mkdtempSync(join(tmpdir(), "io-fetch-out-"));
}

describe("data fetch", () => {
  test("downloads, extracts and converts every split; the loader reads the result", async () => {
    const dir = outDir();
    const progress: Array<[number, number | undefined]> = [];
    const result = await fetchEmpatheticDialogues({ url: `${base}/ed.tar.gz`, dir, onProgress: (r, t) => progress.push([r, t]) });

    expect(result.downloaded).toBe(true);
    expect(result.archiveBytes).toBe(archive.length);
    expect(result.archiveSha256).toBe(createHash("sha256").update(archive).digest("hex"));
    expect(progress.at(-1)).toEqual([archive.length, archive.length]);
    // test: a 5-utterance conversation (listener turns 1, 3) and a 2-utterance one (turn 1); valid: 3 utterances (turn
    // 1); train: 2 utterances (turn 1).
    expect(result.splits.test).toMatchObject({ conversations: 2, examples: 3, warnings: [] });
    expect(result.splits.valid).toMatchObject({ conversations: 1, examples: 1 });
    expect(result.splits.train).toMatchObject({ conversations: 1, examples: 1 });

    expect(await loadDataset("ed:test", { dataDir: dir })).toEqual([
      {
        id: "hit:1_conv:2#1",
        dialogue: ["I found old photos of my grandparents."],
        emotion: "nostalgic",
        reference: "That sounds lovely. How old are they?",
        situation: "Old photos, found today.",
        convId: "hit:1_conv:2",
      },
      {
        id: "hit:1_conv:2#3",
        dialogue: ["I found old photos of my grandparents.", "That sounds lovely. How old are they?", "From the fifties, I think."],
        emotion: "nostalgic",
        reference: "You should frame a few.",
        situation: "Old photos, found today.",
        convId: "hit:1_conv:2",
      },
      {
        id: "hit:3_conv:7#1",
        dialogue: ["Someone keyed my car last night!"],
        emotion: "furious",
        reference: "That is awful. Did you call the police?",
        situation: "Someone keyed my car.",
        convId: "hit:3_conv:7",
      },
    ]);
    expect((await loadDataset("ed:train", { dataDir: dir }))[0]?.reference).toBe("I am sorry. Happy birthday from me!");
    // The JSONL lines carry the same fields as the MoEL-format files in ../shared.
    const firstLine = JSON.parse(readFileSync(join(dir, "ed_valid_moel_format.jsonl"), "utf8").split("\n")[0]!) as Record<string, unknown>;
    expect(Object.keys(firstLine).sort()).toEqual(["context", "conv_id", "emotion", "idx", "situation", "target"]);

    // Final files only: no temp files, the archive removed, the raw CSVs kept, provenance recorded.
    expect(readdirSync(dir).sort()).toEqual(["SOURCE.json", "ed_test_moel_format.jsonl", "ed_train_moel_format.jsonl", "ed_valid_moel_format.jsonl", "raw"]);
    expect(readdirSync(join(dir, "raw")).sort()).toEqual(["test.csv", "train.csv", "valid.csv"]);
    expect(readFileSync(join(dir, "raw", "valid.csv"), "utf8")).toBe(CSV.valid.join("\n") + "\n");
    const source = JSON.parse(readFileSync(join(dir, "SOURCE.json"), "utf8")) as { url: string; sha256: string };
    expect(source.url).toBe(`${base}/ed.tar.gz`);
    expect(source.sha256).toBe(result.archiveSha256);

    // A second fetch finds the files and downloads nothing; --force downloads again.
    const before = hits.length;
    expect((await fetchEmpatheticDialogues({ url: `${base}/ed.tar.gz`, dir })).downloaded).toBe(false);
    expect(hits.length).toBe(before);
    expect((await fetchEmpatheticDialogues({ url: `${base}/ed.tar.gz`, dir, force: true })).downloaded).toBe(true);
    expect(hits.length).toBe(before + 1);
  });

  test("works without a content-length, and into $INSIDEOUT_CACHE_DIR by default", async () => {
    const cacheDir = outDir();
    const saved = process.env.INSIDEOUT_CACHE_DIR;
    process.env.INSIDEOUT_CACHE_DIR = cacheDir;
    let result: FetchResult;
    const totals: Array<number | undefined> = [];
    try {
      result = await fetchEmpatheticDialogues({ url: `${base}/chunked.tar.gz`, onProgress: (_r, t) => totals.push(t) });
    } finally {
      if (saved === undefined) delete process.env.INSIDEOUT_CACHE_DIR;
      else process.env.INSIDEOUT_CACHE_DIR = saved;
    }
    expect(result.dir).toBe(join(cacheDir, "empathetic_dialogues"));
    expect(totals.every((t) => t === undefined)).toBe(true);
    expect(totals.length).toBeGreaterThan(1);
    expect(result.archiveBytes).toBe(archive.length);
    expect(await loadDataset("ed:valid", { dataDir: result.dir })).toHaveLength(1);
  });

  test("an HTTP error says so and leaves nothing behind", async () => {
    const dir = outDir();
    await expect(fetchEmpatheticDialogues({ url: `${base}/nope.tar.gz`, dir })).rejects.toThrow(/HTTP 404/);
    expect(readdirSync(dir)).toEqual(["raw"]);
    expect(readdirSync(join(dir, "raw"))).toEqual([]);
  });

  test("an unreachable server is named in plain words", async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, "127.0.0.1", r));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((r) => probe.close(() => r()));
    const dir = outDir();
    await expect(fetchEmpatheticDialogues({ url: `http://127.0.0.1:${port}/ed.tar.gz`, dir })).rejects.toThrow(
      `Cannot download http://127.0.0.1:${port}/ed.tar.gz: the server refused the connection.`,
    );
    expect(readdirSync(join(dir, "raw"))).toEqual([]);
  });

  test("a download cut short is an error, with no partial archive nor converted file", async () => {
    const dir = outDir();
    await expect(fetchEmpatheticDialogues({ url: `${base}/short.tar.gz`, dir })).rejects.toThrow(/Download of .*short.tar.gz failed after \d+ of \d+ bytes/);
    expect(readdirSync(dir)).toEqual(["raw"]);
    expect(readdirSync(join(dir, "raw"))).toEqual([]);
  });

  test("the CLI command runs the same fetch and prints a JSON summary", async () => {
    const dir = outDir();
    const out: string[] = [];
    const spy = jest.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
      out.push(String(chunk));
      return true;
    });
    try {
      await dataCommand().parseAsync(["fetch", "--url", `${base}/ed.tar.gz`, "--dir", dir, "--json"], { from: "user" });
    } finally {
      spy.mockRestore();
    }
    const summary = JSON.parse(out.join("")) as FetchResult;
    expect(summary.dir).toBe(dir);
    expect(summary.splits.test?.examples).toBe(3);
    expect(existsSync(join(dir, "ed_test_moel_format.jsonl"))).toBe(true);
  });
  /** A release-like archive whose test.csv is replaced by `makeTest(path)`; served at /<name>. */
  function serveVariant(name: string, makeTest: (path: string) => void): string {
    const root = mkdtempSync(join(tmpdir(), "io-fetch-hostile-"));
    const src = join(root, "empatheticdialogues");
    mkdirSync(src);
    for (const split of ["valid", "train"] as const) writeFileSync(join(src, `${split}.csv`), CSV[split].join("\n") + "\n");
    makeTest(join(src, "test.csv"));
    execFileSync("tar", ["-czf", join(root, name), "-C", root, "empatheticdialogues"]);
    served.set(`/${name}`, readFileSync(join(root, name)));
    return `${base}/${name}`;
  }

  function convertedFiles(dir: string): string[] {
    return readdirSync(dir).filter((f) => f.endsWith(".jsonl") || f === "SOURCE.json");
  }

  test("a test.csv that is a symlink is not followed: the archive has no test.csv", async () => {
    const secret = join(mkdtempSync(join(tmpdir(), "io-fetch-secret-")), "secret.csv");
    writeFileSync(secret, CSV.test.join("\n") + "\n");
    const url = serveVariant("link.tar.gz", (path) => symlinkSync(secret, path));
    const dir = outDir();
    await expect(fetchEmpatheticDialogues({ url, dir })).rejects.toThrow(`The archive at ${url} has no test.csv: is it the EmpatheticDialogues release?`);
    expect(readdirSync(join(dir, "raw")).sort()).toEqual(["train.csv", "valid.csv"]);
    expect(convertedFiles(dir)).toEqual([]);
  });

  test("a split larger than INSIDEOUT_MAX_DATA_BYTES is refused before it is written", async () => {
    const url = serveVariant("huge.tar.gz", (path) => writeFileSync(path, `${CSV.test.join("\n")}\n${"x".repeat(80_000)}\n`));
    const dir = outDir();
    const saved = process.env.INSIDEOUT_MAX_DATA_BYTES;
    process.env.INSIDEOUT_MAX_DATA_BYTES = "65536";
    try {
      await expect(fetchEmpatheticDialogues({ url, dir })).rejects.toThrow(
        /empatheticdialogues\/test\.csv in the archive holds \d+ bytes, more than 64 KiB: .*INSIDEOUT_MAX_DATA_BYTES \(now 65536\)/,
      );
    } finally {
      if (saved === undefined) delete process.env.INSIDEOUT_MAX_DATA_BYTES;
      else process.env.INSIDEOUT_MAX_DATA_BYTES = saved;
    }
    expect(readdirSync(join(dir, "raw")).filter((f) => f.startsWith("test.csv"))).toEqual([]);
    expect(convertedFiles(dir)).toEqual([]);
  });
});
