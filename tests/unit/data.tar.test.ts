import { describe, expect, test } from "@jest/globals";
import { execFileSync } from "node:child_process";
import { createReadStream, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
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
