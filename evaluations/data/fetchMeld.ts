/**
 * `insideout data fetch meld`: download MELD's test and dev CSVs from the official repository (declare-lab/MELD,
 * `data/MELD/`) into the folder `meld:test` and `meld:dev` fall back to. Each file is capped in size, checked against
 * the sha256 of the release this version was tested with (commit 2d2011b4, 2024-03-10), and read through the MELD
 * reader before it appears under its final name; a file that fails any check is removed, so no later run trusts it.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { download, type FetchOptions } from "./fetch.js";
import { fetchedMeldDir, loadMeldCsv, meldFileName, meldSplitFile, MELD_SPLITS, type MeldSplit } from "./meld.js";

/** The folder of the release's CSVs; a file's URL is this plus its name. */
export const DEFAULT_MELD_URL = "https://raw.githubusercontent.com/declare-lab/MELD/master/data/MELD/";

/** sha256 of the files at declare-lab/MELD commit 2d2011b4 (the copies in ../shared/data/meld are byte-identical). */
export const MELD_SHA256: Readonly<Record<MeldSplit, string>> = {
  test: "8d37103938f7067600839fe29d5a114a6cd1bcdafb75bec101e06464c5006888",
  dev: "2e89c6f8aa182d6f62f8c6331aece905ac7273ca4999660bfb5213e1d0370c1c",
};

/** The files are ~300 KB; anything far larger is not them, and is not downloaded whole. */
export const MAX_MELD_FILE_BYTES = 16 << 20;

export interface MeldFetchOptions extends Pick<FetchOptions, "dir" | "force" | "onProgress"> {
  /** Folder URL (or local folder) holding `test_sent_emo.csv` and `dev_sent_emo.csv`; default DEFAULT_MELD_URL. */
  url?: string;
}

export interface MeldFetchResult {
  dir: string;
  url: string;
  downloaded: boolean;
  splits: Partial<Record<MeldSplit, { file: string; bytes: number; sha256: string; examples: number }>>;
}

function fileUrl(base: string, name: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(base)) return base.endsWith("/") ? `${base}${name}` : `${base}/${name}`;
  return join(base, name);
}

export async function fetchMeld(options: MeldFetchOptions = {}): Promise<MeldFetchResult> {
  const url = options.url ?? DEFAULT_MELD_URL;
  const dir = options.dir ?? fetchedMeldDir();
  const splits: MeldFetchResult["splits"] = {};
  if (!options.force && MELD_SPLITS.every((s) => existsSync(meldSplitFile(s, dir)))) return { dir, url, downloaded: false, splits };
  mkdirSync(dir, { recursive: true });
  for (const split of MELD_SPLITS) {
    const name = meldFileName(split);
    const from = fileUrl(url, name);
    const unchecked = join(dir, `${name}.unchecked-${process.pid}`);
    try {
      const { bytes, sha256 } = await download(from, unchecked, options.onProgress, MAX_MELD_FILE_BYTES);
      if (sha256 !== MELD_SHA256[split]) {
        throw new Error(
          `${from} is not the MELD ${split} file this version knows (sha256 ${sha256}, expected ${MELD_SHA256[split]}): ` +
            `use --url for a copy of declare-lab/MELD data/MELD at commit 2d2011b4, or put your own copy in INSIDEOUT_MELD_DIR.`,
        );
      }
      const examples = (await loadMeldCsv(unchecked)).length;
      renameSync(unchecked, meldSplitFile(split, dir));
      splits[split] = { file: meldSplitFile(split, dir), bytes, sha256, examples };
    } finally {
      rmSync(unchecked, { force: true });
    }
  }
  const source = {
    url,
    fetchedAt: new Date().toISOString(),
    licence: "GPL-3.0 (MELD, Poria et al. 2019; EmotionLines, Chen et al. 2018)",
    splits,
  };
  writeFileSync(join(dir, "SOURCE.json"), `${JSON.stringify(source, null, 2)}\n`);
  return { dir, url, downloaded: true, splits };
}
