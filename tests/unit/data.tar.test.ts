import { describe, expect, test } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { createReadStream, existsSync, linkSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { Readable } from "node:stream";
import { gzipSync } from "node:zlib";
import { extractTarGz } from "../../evaluations/data/tar.js";

/** Builds <root>/<dir>/... with GNU tar in the given format; returns the .tar.gz path. */
function buildArchive(format: "gnu" | "pax" | "ustar", files: Record<string, Buffer | string>): string {
  const root = mkdtempSync(join(tmpdir(), "io-tar-"));
  const src = join(root, "src");
  for (const [rel, content] of Object.entries(files)) {
    const path = join(src, rel);
    mkdirSync(join(path, ".."), { recursive: true });
    writeFileSync(path, content);
  }
  const archive = join(root, `a-${format}.tar.gz`);
  execFileSync("tar", [`--format=${format}`, "-czf", archive, "-C", src, "."]);
  return archive;
}

function outDir(): string {
  return mkdtempSync(join(tmpdir(), "io-tar-out-"));
}

// 150 characters: longer than the 100 of a plain tar name, so each format has to use its own long-name scheme.
const LONG_DIR = `empatheticdialogues/${"d".repeat(60)}/${"e".repeat(60)}`;

describe("extractTarGz", () => {
  const big = Buffer.alloc(1_500_000);
  for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;

  for (const format of ["gnu", "pax", "ustar"] as const) {
    test(`extracts the selected files of a ${format} archive, long names included`, async () => {
      const archive = buildArchive(format, {
        "empatheticdialogues/test.csv": "conv_id,utterance_idx\nhit:1,1\n",
        [`${LONG_DIR}/valid.csv`]: "valid content\n",
        "empatheticdialogues/train.csv": big,
        "empatheticdialogues/README.txt": "not wanted",
        "empatheticdialogues/empty.csv": "",
      });
      const out = outDir();
      const written = await extractTarGz(createReadStream(archive), (name) =>
        ["test.csv", "valid.csv", "train.csv", "empty.csv"].includes(basename(name)) ? join(out, basename(name)) : undefined,
      );
      expect(written.map((n) => n.replace(/^\.\//, "")).sort()).toEqual(
        [`${LONG_DIR}/valid.csv`, "empatheticdialogues/empty.csv", "empatheticdialogues/test.csv", "empatheticdialogues/train.csv"].sort(),
      );
      expect(readFileSync(join(out, "test.csv"), "utf8")).toBe("conv_id,utterance_idx\nhit:1,1\n");
      expect(readFileSync(join(out, "valid.csv"), "utf8")).toBe("valid content\n");
      expect(readFileSync(join(out, "train.csv")).equals(big)).toBe(true);
      expect(readFileSync(join(out, "empty.csv"))).toHaveLength(0);
      // No temp files are left next to the results, and nothing unselected was written.
      expect(readdirSync(out).sort()).toEqual(["empty.csv", "test.csv", "train.csv", "valid.csv"]);
    });
  }

  test("a damaged gzip stream is an error and leaves no partial file", async () => {
    const archive = readFileSync(buildArchive("gnu", { "x/test.csv": big }));
    const damaged = Buffer.from(archive);
    for (let i = 2000; i < 2400; i++) damaged[i] = 0x55;
    const out = outDir();
    await expect(extractTarGz(Readable.from([damaged]), (n) => (basename(n) === "test.csv" ? join(out, "test.csv") : undefined))).rejects.toThrow(
      /gzip|checksum|truncated/,
    );
    expect(readdirSync(out)).toEqual([]);
  });

  test("a truncated archive is an error, not a short file", async () => {
    const archive = readFileSync(buildArchive("gnu", { "x/test.csv": big }));
    const out = outDir();
    await expect(
      extractTarGz(Readable.from([archive.subarray(0, Math.floor(archive.length / 2))]), (n) => join(out, basename(n))),
    ).rejects.toThrow(/truncated|unexpected end|gzip/i);
    expect(readdirSync(out)).toEqual([]);
  });

  test("gzip data that is not a tar archive is refused by the header checksum", async () => {
    const notTar = gzipSync(Buffer.from("conv_id,utterance_idx,context\n".repeat(40)));
    await expect(extractTarGz(Readable.from([notTar]), () => undefined)).rejects.toThrow(/checksum mismatch/);
  });
});

/** Runs GNU tar in `dir` with `args` (for archives that name links or paths outside the folder). */
function tarIn(dir: string, args: string[]): void {
  execFileSync("tar", args, { cwd: dir });
}

describe("extractTarGz refuses or skips what a hostile archive holds", () => {
  test("links named like a wanted file are never written, nor followed", async () => {
    const root = mkdtempSync(join(tmpdir(), "io-tar-links-"));
    const src = join(root, "src");
    mkdirSync(src);
    writeFileSync(join(root, "secret.txt"), "outside the archive\n");
    writeFileSync(join(src, "valid.csv"), "real\n");
    symlinkSync(join(root, "secret.txt"), join(src, "test.csv"));
    // GNU tar stores the second name of a file as a hard link (type 1) to the first.
    linkSync(join(src, "valid.csv"), join(src, "train.csv"));
    const archive = join(root, "links.tar.gz");
    tarIn(src, ["-czf", archive, "valid.csv", "test.csv", "train.csv"]);
    const out = outDir();
    const asked: string[] = [];
    const written = await extractTarGz(createReadStream(archive), (name) => {
      asked.push(name);
      return join(out, basename(name));
    });
    expect(written).toEqual(["valid.csv"]);
    // The selector is not even asked about the links.
    expect(asked).toEqual(["valid.csv"]);
    expect(readdirSync(out)).toEqual(["valid.csv"]);
    expect(readFileSync(join(out, "valid.csv"), "utf8")).toBe("real\n");
  });

  test("names with ../ or an absolute path reach only the selector, never the file system", async () => {
    const root = mkdtempSync(join(tmpdir(), "io-tar-paths-"));
    const src = join(root, "a", "b");
    mkdirSync(src, { recursive: true });
    writeFileSync(join(src, "test.csv"), "traversal\n");
    const archive = join(root, "paths.tar.gz");
    // -P keeps the names as given: "../../escape/test.csv" and an absolute one.
    tarIn(src, ["-P", "-czf", archive, "--transform", "s,^test,../../escape/test,", "test.csv"]);
    tarIn(src, ["-P", "-czf", join(root, "abs.tar.gz"), join(src, "test.csv")]);
    for (const [file, name] of [[archive, "../../escape/test.csv"], [join(root, "abs.tar.gz"), join(src, "test.csv")]] as const) {
      const out = outDir();
      const asked: string[] = [];
      const written = await extractTarGz(createReadStream(file), (n) => {
        asked.push(n);
        return join(out, "chosen.csv");
      });
      expect(asked).toEqual([name]);
      expect(written).toEqual([name]);
      expect(readdirSync(out)).toEqual(["chosen.csv"]);
      expect(readFileSync(join(out, "chosen.csv"), "utf8")).toBe("traversal\n");
    }
    expect(existsSync(join(root, "escape"))).toBe(false);
    expect(existsSync(join(tmpdir(), "..", "escape"))).toBe(false);
  });

  test("an entry larger than the cap is refused from its header, before anything is written", async () => {
    const archive = buildArchive("gnu", { "x/small.csv": "ok\n", "x/test.csv": Buffer.alloc(300_000, 0x61) });
    const out = outDir();
    await expect(
      extractTarGz(createReadStream(archive), (n) => join(out, basename(n)), { entryBytes: 100_000 }),
    ).rejects.toThrow(/x\/test\.csv in the archive holds 300000 bytes, more than 100000 bytes: .*INSIDEOUT_MAX_DATA_BYTES \(now 100000\)/);
    // Entries before the refused one are complete; nothing of the refused one exists, not even a temp file.
    expect(readdirSync(out).filter((f) => f.startsWith("test.csv"))).toEqual([]);
  });

  test("by default the cap is INSIDEOUT_MAX_DATA_BYTES", async () => {
    const archive = buildArchive("gnu", { "x/test.csv": Buffer.alloc(70_000, 0x61) });
    const saved = process.env.INSIDEOUT_MAX_DATA_BYTES;
    process.env.INSIDEOUT_MAX_DATA_BYTES = "65536";
    try {
      await expect(extractTarGz(createReadStream(archive), (n) => join(outDir(), basename(n)))).rejects.toThrow(
        /holds 70000 bytes, more than 64 KiB/,
      );
    } finally {
      if (saved === undefined) delete process.env.INSIDEOUT_MAX_DATA_BYTES;
      else process.env.INSIDEOUT_MAX_DATA_BYTES = saved;
    }
  });

  test("a decompression bomb is stopped, even in entries nobody asked for", async () => {
    const root = mkdtempSync(join(tmpdir(), "io-tar-bomb-"));
    const src = join(root, "src");
    mkdirSync(src);
    // 64 MiB of zeros gzip to ~64 KiB: a ratio over the 1000 that tar allows.
    execFileSync("truncate", ["-s", "64M", join(src, "zeros.bin")]);
    const archive = join(root, "bomb.tar.gz");
    tarIn(src, ["-czf", archive, "zeros.bin"]);
    await expect(extractTarGz(createReadStream(archive), () => undefined)).rejects.toThrow(/expands more than 1000-fold/);
  });

  test("a plain (uncompressed) tar is refused, as before: the release is gzip", async () => {
    const root = mkdtempSync(join(tmpdir(), "io-tar-plain-"));
    writeFileSync(join(root, "test.csv"), "x\n");
    tarIn(root, ["-cf", "plain.tar", "test.csv"]);
    await expect(extractTarGz(createReadStream(join(root, "plain.tar")), () => undefined)).rejects.toThrow(
      "not a valid gzip archive: incorrect header check",
    );
    await expect(extractTarGz(Readable.from([Buffer.alloc(0)]), () => undefined)).rejects.toThrow(/not a valid gzip archive/);
  });
});
