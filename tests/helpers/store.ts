/** Rows the eval's experiment store holds so far (0 before the writer has made it), read from another process's file. */
import { existsSync } from "node:fs";
import path from "node:path";
import Database from "better-sqlite3";

export function storedRows(out: string): number {
  const file = path.join(out, "experiment.sqlite");
  if (!existsSync(file)) return 0;
  try {
    const db = new Database(file, { readonly: true, fileMustExist: true });
    try {
      return (db.prepare("SELECT count(*) AS n FROM examples").get() as { n: number }).n;
    } finally {
      db.close();
    }
  } catch {
    return 0; // the writer is creating the schema right now
  }
}
