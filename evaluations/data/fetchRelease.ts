/**
 * `insideout data fetch` for datasets published as a few files in a repository (MELD, EQ-Bench, EmoBench): each file
 * is downloaded under a size cap, checked against the sha256 of the release this version was tested with, and read
 * through its reader before it appears under its final name; a file that fails any check is removed, so no later run
 * trusts it. SOURCE.json, written last, records where the files came from.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { download, type FetchOptions } from "./fetch.js";

export interface ReleaseFile {
  /** The file's name, in the release folder and on disk. */
  name: string;
  /** How errors name it, e.g. "MELD dev file". */
  title: string;
  sha256: string;
  /** Reads the downloaded file as the loaders will (throws on a bad one); how many items it holds. */
  check: (file: string) => Promise<number>;
}

export interface Release {
  /** Folder URL whose files are the release's; a file's URL is this plus its name. */
  url: string;
  files: readonly ReleaseFile[];
  /** Each file's size cap: anything far larger is not the release, and is not downloaded whole. */
  maxBytes: number;
  licence: string;
  /** What to do when a file is not the release: the end of the error. */
  otherwise: string;
}

export interface ReleaseFetchOptions extends Pick<FetchOptions, "force" | "onProgress"> {
  /** Folder URL (or local folder) holding the files; default the release's. */
  url?: string;
  dir: string;
}

export interface ReleaseFetchResult {
  dir: string;
  url: string;
  downloaded: boolean;
  files: Record<string, { file: string; bytes: number; sha256: string; items: number }>;
}

function fileUrl(base: string, name: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(base)) return base.endsWith("/") ? `${base}${name}` : `${base}/${name}`;
  return join(base, name);
}

export async function fetchRelease(release: Release, options: ReleaseFetchOptions): Promise<ReleaseFetchResult> {
  const url = options.url ?? release.url;
  const dir = options.dir;
  const files: ReleaseFetchResult["files"] = {};
  if (!options.force && release.files.every((f) => existsSync(join(dir, f.name)))) return { dir, url, downloaded: false, files };
  mkdirSync(dir, { recursive: true });
  for (const f of release.files) {
    const from = fileUrl(url, f.name);
    const unchecked = join(dir, `${f.name}.unchecked-${process.pid}`);
    try {
      const { bytes, sha256 } = await download(from, unchecked, options.onProgress, release.maxBytes);
      if (sha256 !== f.sha256) throw new Error(`${from} is not the ${f.title} this version knows (sha256 ${sha256}, expected ${f.sha256}): ${release.otherwise}`);
      const items = await f.check(unchecked);
      renameSync(unchecked, join(dir, f.name));
      files[f.name] = { file: join(dir, f.name), bytes, sha256, items };
    } finally {
      rmSync(unchecked, { force: true });
    }
  }
  writeFileSync(join(dir, "SOURCE.json"), `${JSON.stringify({ url, fetchedAt: new Date().toISOString(), licence: release.licence, files }, null, 2)}\n`);
  return { dir, url, downloaded: true, files };
}
