/**
 * Writing an experiment's files so that a reader never sees half of one: write a temporary file, then rename.
 * Files are owner-only (0600, new folders 0700) and secrets are masked in what is written; a failed write (full disk,
 * read-only, no permission) is one StorageError naming the file, and leaves neither a half-written file nor the
 * temporary one behind.
 */
import { randomBytes } from "node:crypto";
import { rename, unlink, writeFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { maskSecrets } from "../core/secrets.js";
import { ensurePrivateDir } from "../store/paths.js";
import { storageFailure, type StoredFileKind } from "../store/storageFailure.js";

const KIND: StoredFileKind = {
  name: "The output file",
  whenDamaged: "delete it",
  elsewhere: "write to another folder",
};

/**
 * Writes `content` to `file` atomically. Content given as parts (the lines of predictions.jsonl) is written part by
 * part, masked each, so a large file is never one string in memory; a part must not split a secret.
 */
export async function writeFileAtomic(file: string, content: string | Iterable<string>): Promise<void> {
  // Same directory as the target: rename is atomic only within one file system.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    ensurePrivateDir(dirname(resolve(file)));
    const masked = typeof content === "string" ? maskSecrets(content) : maskedParts(content);
    await writeFile(tmp, masked, { encoding: "utf8", mode: 0o600, flag: "wx" });
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw storageFailure(e, file, KIND);
  }
}

function* maskedParts(parts: Iterable<string>): Generator<string> {
  for (const part of parts) yield maskSecrets(part);
}
