/**
 * The model downloader against an HTTP server on 127.0.0.1 that this test starts: progress, resume after a cut
 * connection (HTTP Range), a server that ignores Range, checksum mismatch, offline, and the once-only cache.
 * Expected hashes are computed here with node:crypto from the bytes the server sends, not by the code under test.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "@jest/globals";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { cacheDir } from "../../core/settings.js";
import {
  DownloadError,
  downloadFile,
  ensurePinnedModel,
  type DownloadProgress,
} from "../../models/download.js";
import type { PinnedModel } from "../../models/defaultLocal.js";

const SIZE = 3 * 1024 * 1024 + 17;
const payload = randomBytes(SIZE);
const payloadSha = createHash("sha256").update(payload).digest("hex");

type Mode = "normal" | "cutOnce" | "ignoreRange";
interface Hit {
  path: string;
  range: string | undefined;
}

let server: Server;
let base: string;
let mode: Mode = "normal";
let hits: Hit[] = [];
let cutAfter = 0;
let dir: string;
const dirs: string[] = [];

function handler(req: IncomingMessage, res: ServerResponse): void {
  const range = req.headers.range;
  hits.push({ path: req.url ?? "", range });
  const m = range && mode !== "ignoreRange" ? /^bytes=(\d+)-$/.exec(range) : null;
  const start = m?.[1] ? Number(m[1]) : 0;
  if (start >= SIZE) {
    res.writeHead(416, { "Content-Range": `bytes */${SIZE}` });
    res.end();
    return;
  }
  const body = payload.subarray(start);
  if (m) {
    res.writeHead(206, { "Content-Length": body.length, "Content-Range": `bytes ${start}-${SIZE - 1}/${SIZE}` });
  } else {
    res.writeHead(200, { "Content-Length": body.length });
  }
  if (mode === "cutOnce" && hits.length === 1) {
    // Send part of the body, then drop the connection the way a flaky network does.
    res.write(body.subarray(0, cutAfter), () => res.socket?.destroy());
    return;
  }
  res.end(body);
}

beforeAll(async () => {
  server = createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  mode = "normal";
  hits = [];
  dir = mkdtempSync(join(tmpdir(), "insideout-dl-"));
  dirs.push(dir);
});

function sink(): { stream: Writable & { isTTY?: boolean }; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join("") };
}

describe("downloadFile", () => {
  test("reports monotone progress up to the full size and writes the exact bytes", async () => {
    const seen: DownloadProgress[] = [];
    const dest = join(dir, "m.gguf");
    const out = sink();
    const result = await downloadFile({
      url: `${base}/m.gguf`,
      dest,
      sha256: payloadSha,
      onProgress: (p) => seen.push({ ...p }),
      progress: "lines",
      progressStream: out.stream,
    });
    expect(readFileSync(dest).equals(payload)).toBe(true);
    expect(result.sha256).toBe(payloadSha);
    expect(result.resumed).toBe(false);
    expect(seen.length).toBeGreaterThan(2);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.received).toBeGreaterThanOrEqual(seen[i - 1]!.received);
    expect(seen.at(-1)).toEqual({ received: SIZE, total: SIZE, resumedFrom: 0 });
    // The non-TTY reporter prints a handful of lines, ending at 100%, not one line per chunk.
    const lines = out.text().trim().split("\n");
    expect(lines.at(-1)).toMatch(/100% \(3\.1 MB of 3\.1 MB\)/);
    expect(lines.length).toBeLessThanOrEqual(11);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });

  test("draws a progress bar on a terminal", async () => {
    const out = sink();
    out.stream.isTTY = true;
    await downloadFile({ url: `${base}/tty.gguf`, dest: join(dir, "tty.gguf"), progress: "auto", progressStream: out.stream, label: "tty.gguf" });
    // cli-progress's final frame: the label, a full bar and 100%.
    expect(out.text()).toMatch(/tty\.gguf \[█+\] 100% \| 3\/3 MB/);
  });

  test("resumes with a Range request after the connection is cut mid-body", async () => {
    mode = "cutOnce";
    cutAfter = 1024 * 1024;
    const dest = join(dir, "cut.gguf");
    const result = await downloadFile({ url: `${base}/cut.gguf`, dest, sha256: payloadSha, progress: "silent", retryDelayMs: 10 });
    expect(hits.length).toBe(2);
    expect(hits[0]!.range).toBeUndefined();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(hits[1]!.range ?? "")?.[1]);
    // The client asks for exactly what it lacks: something arrived before the cut, not more than was sent.
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(cutAfter);
    expect(result.resumed).toBe(true);
    expect(readFileSync(dest).equals(payload)).toBe(true);
  });

  test("continues a partial file left by an earlier run", async () => {
    const dest = join(dir, "partial.gguf");
    writeFileSync(`${dest}.part`, payload.subarray(0, 12345));
    const seen: DownloadProgress[] = [];
    const result = await downloadFile({ url: `${base}/p.gguf`, dest, sha256: payloadSha, progress: "silent", onProgress: (p) => seen.push(p) });
    expect(hits).toEqual([{ path: "/p.gguf", range: "bytes=12345-" }]);
    expect(result.resumed).toBe(true);
    expect(seen[0]?.resumedFrom).toBe(12345);
    expect(readFileSync(dest).equals(payload)).toBe(true);
  });

  test("starts over when the server ignores Range, instead of appending a second copy", async () => {
    mode = "ignoreRange";
    const dest = join(dir, "ign.gguf");
    writeFileSync(`${dest}.part`, Buffer.from("stale bytes from somewhere else"));
    const result = await downloadFile({ url: `${base}/i.gguf`, dest, sha256: payloadSha, progress: "silent" });
    expect(hits[0]?.range).toBe("bytes=31-");
    expect(result.resumed).toBe(false);
    expect(readFileSync(dest).equals(payload)).toBe(true);
  });

  test("a checksum mismatch deletes the file and says so", async () => {
    const dest = join(dir, "bad.gguf");
    const wrong = "0".repeat(64);
    const promise = downloadFile({ url: `${base}/bad.gguf`, dest, sha256: wrong, progress: "silent" });
    await expect(promise).rejects.toMatchObject({ name: "DownloadError", kind: "checksum" });
    await expect(promise).rejects.toThrow(/checksum mismatch.*expected sha256 0{64}, got [0-9a-f]{64}; the file was deleted/);
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(`${dest}.part`)).toBe(false);
  });
});

describe("ensurePinnedModel", () => {
  const pinned = (): PinnedModel => ({
    name: "Test model",
    fileName: "test.gguf",
    url: `${base}/pinned.gguf`,
    sha256: payloadSha,
    sizeBytes: SIZE,
    license: "MIT",
    licenseUrl: "https://example.invalid/license",
    source: "test",
  });

  test("downloads once into the cache folder, then reuses the file without a request", async () => {
    const env = { INSIDEOUT_CACHE_DIR: dir };
    const out = sink();
    const first = await ensurePinnedModel(pinned(), { env, progress: "lines", progressStream: out.stream });
    expect(first).toBe(join(dir, "models", "test.gguf"));
    expect(readFileSync(first).equals(payload)).toBe(true);
    expect(out.text()).toMatch(/First run: fetching the default local model Test model/);
    const requestsAfterFirst = hits.length;
    expect(requestsAfterFirst).toBe(1);
    const second = await ensurePinnedModel(pinned(), { env, progress: "silent" });
    expect(second).toBe(first);
    expect(hits.length).toBe(requestsAfterFirst);
  });

  test("offline and nothing cached: one clear line saying how to point at a model", async () => {
    // A port that was just free and is now closed: connection refused, as with no network.
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const err = await ensurePinnedModel(pinned(), {
      env: { INSIDEOUT_CACHE_DIR: dir },
      url: `http://127.0.0.1:${port}/x.gguf`,
      progress: "silent",
      progressStream: sink().stream,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DownloadError);
    const message = (err as Error).message;
    expect(message).not.toContain("\n");
    expect(message).toMatch(/could not be downloaded: cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    expect(message).toContain("--model local:/path/to/model.gguf");
    expect(message).toContain("ollama:");
    expect(message).toContain("OPENAI_API_KEY");
  });
});

describe("cacheDir", () => {
  test("INSIDEOUT_CACHE_DIR wins, then XDG_CACHE_HOME/insideout, then ~/.cache/insideout", () => {
    expect(cacheDir({ INSIDEOUT_CACHE_DIR: "/a", XDG_CACHE_HOME: "/b" })).toBe("/a");
    expect(cacheDir({ XDG_CACHE_HOME: "/b" })).toBe("/b/insideout");
    expect(cacheDir({})).toMatch(/\/\.cache\/insideout$/);
  });
});

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
