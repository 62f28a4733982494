/** Writing an experiment's files so that a reader never sees half of one: write a temporary file, then rename. */
import { randomBytes } from "node:crypto";
import { rename, unlink, writeFile } from "node:fs/promises";

export async function writeFileAtomic(file: string, content: string): Promise<void> {
  // Same directory as the target: rename is atomic only within one file system.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(tmp, content, "utf8");
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
