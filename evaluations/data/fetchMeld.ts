/**
 * `insideout data fetch meld`: download MELD's test and dev CSVs from the official repository (declare-lab/MELD,
 * `data/MELD/`) into the folder `meld:test` and `meld:dev` fall back to, each checked against the sha256 of the
 * release this version was tested with (commit 2d2011b4, 2024-03-10) and read through the MELD reader (fetchRelease.ts).
 */
import { fetchRelease, type Release, type ReleaseFetchOptions } from "./fetchRelease.js";
import { fetchedMeldDir, loadMeldCsv, meldFileName, MELD_SPLITS, type MeldSplit } from "./meld.js";

/** The folder of the release's CSVs; a file's URL is this plus its name. */
export const DEFAULT_MELD_URL = "https://raw.githubusercontent.com/declare-lab/MELD/master/data/MELD/";

/** sha256 of the files at declare-lab/MELD commit 2d2011b4 (the copies in ../shared/data/meld are byte-identical). */
export const MELD_SHA256: Readonly<Record<MeldSplit, string>> = {
  test: "8d37103938f7067600839fe29d5a114a6cd1bcdafb75bec101e06464c5006888",
  dev: "2e89c6f8aa182d6f62f8c6331aece905ac7273ca4999660bfb5213e1d0370c1c",
};

/** The files are ~300 KB; anything far larger is not them, and is not downloaded whole. */
export const MAX_MELD_FILE_BYTES = 16 << 20;

export const MELD_RELEASE: Release = {
  url: DEFAULT_MELD_URL,
  files: MELD_SPLITS.map((split) => ({
    name: meldFileName(split),
    title: `MELD ${split} file`,
    sha256: MELD_SHA256[split],
    check: async (file: string) => (await loadMeldCsv(file)).length,
  })),
  maxBytes: MAX_MELD_FILE_BYTES,
  licence: "GPL-3.0 (MELD, Poria et al. 2019; EmotionLines, Chen et al. 2018)",
  otherwise: "use --url for a copy of declare-lab/MELD data/MELD at commit 2d2011b4, or put your own copy in INSIDEOUT_MELD_DIR.",
};

export interface MeldFetchOptions extends Partial<ReleaseFetchOptions> {
  /** Folder URL (or local folder) holding `test_sent_emo.csv` and `dev_sent_emo.csv`; default DEFAULT_MELD_URL. */
  url?: string;
}

export interface MeldFetchResult {
  dir: string;
  url: string;
  downloaded: boolean;
  splits: Partial<Record<MeldSplit, { file: string; bytes: number; sha256: string; examples: number }>>;
}

export async function fetchMeld(options: MeldFetchOptions = {}): Promise<MeldFetchResult> {
  const r = await fetchRelease(MELD_RELEASE, { ...options, dir: options.dir ?? fetchedMeldDir() });
  const splits: MeldFetchResult["splits"] = {};
  for (const split of MELD_SPLITS) {
    const f = r.files[meldFileName(split)];
    if (f) splits[split] = { file: f.file, bytes: f.bytes, sha256: f.sha256, examples: f.items };
  }
  return { dir: r.dir, url: r.url, downloaded: r.downloaded, splits };
}
