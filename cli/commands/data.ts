/** `insideout data fetch` and `insideout data upload`: get EmpatheticDialogues (or MELD, EQ-Bench, EmoBench), and make ED a LangSmith dataset. */
import { Argument, Command } from "commander";
import { SingleBar } from "cli-progress";
import { isSet } from "../../core/settings.js";
import { DEFAULT_ED_URL, fetchEmpatheticDialogues } from "../../evaluations/data/fetch.js";
import { DEFAULT_MELD_URL, fetchMeld } from "../../evaluations/data/fetchMeld.js";
import { fetchRelease, type Release } from "../../evaluations/data/fetchRelease.js";
import { defaultEqBenchDir, EQBENCH_RELEASE, fetchedEqBenchDir } from "../../evaluations/data/eqbench.js";
import { defaultEmoBenchDir, EMOBENCH_RELEASE, fetchedEmoBenchDir } from "../../evaluations/data/emobench.js";
import { DEFAULT_DATASET_NAME, defaultDataDir, defaultMeldDir, ED_SPLITS, fetchedDataDir, fetchedMeldDir, MELD_SPLITS, type EdSplit } from "../../evaluations/data/index.js";

const MB = 1024 * 1024;

/** A progress bar on stderr when it is a terminal; silent otherwise (pipes, CI, --json). */
function progressBar(format: string, enabled: boolean): { update(value: number, total: number | undefined): void; stop(): void } {
  if (!enabled || !process.stderr.isTTY) return { update() {}, stop() {} };
  const bar = new SingleBar({ format, stream: process.stderr, hideCursor: true, clearOnComplete: false });
  let started = false;
  return {
    update(value, total) {
      if (!started) {
        bar.start(total ?? 0, 0);
        started = true;
      }
      if (total !== undefined) bar.setTotal(total);
      bar.update(value);
    },
    stop() {
      if (started) bar.stop();
    },
  };
}

function parseSplits(value: string): EdSplit[] {
  const splits = value.split(",").map((s) => s.trim()).filter(Boolean);
  for (const s of splits) {
    if (!(ED_SPLITS as readonly string[]).includes(s)) throw new Error(`--splits: unknown split "${s}" (use ${ED_SPLITS.join(", ")}).`);
  }
  return splits as EdSplit[];
}

function parseCount(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer, got "${value}".`);
  return n;
}

interface FetchCommandOptions {
  url?: string;
  dir?: string;
  force?: boolean;
  keepArchive?: boolean;
  json?: boolean;
}

function fetchCommand(): Command {
  return new Command("fetch")
    .description(
      "Download a dataset: ed (the official EmpatheticDialogues release, converted to MoEL-format JSONL), meld (MELD's test and dev CSVs), " +
        "eqbench (EQ-Bench v2's 171 questions) or emobench (EmoBench's EU and EA), checksummed, into the cache folder",
    )
    .addArgument(new Argument("[dataset]", "ed, meld, eqbench or emobench").choices(["ed", "meld", "eqbench", "emobench"]).default("ed"))
    .option("--url <url>", `ed: archive URL or local .tar.gz (default ${DEFAULT_ED_URL}); meld: folder URL or local folder of the CSVs (default ${DEFAULT_MELD_URL})`)
    .option("--dir <dir>", `output folder (default: ${fetchedDataDir()} for ed, ${fetchedMeldDir()} for meld, ${fetchedEqBenchDir()}, ${fetchedEmoBenchDir()})`)
    .option("--force", "download again even if the files are there")
    .option("--keep-archive", "ed: keep the downloaded .tar.gz")
    .option("--json", "print a JSON summary")
    .action(async (dataset: "ed" | "meld" | "eqbench" | "emobench", o: FetchCommandOptions) => {
      if (dataset === "eqbench") return fetchReleaseAction("EQ-Bench v2", EQBENCH_RELEASE, fetchedEqBenchDir(), defaultEqBenchDir(), o);
      if (dataset === "emobench") return fetchReleaseAction("EmoBench", EMOBENCH_RELEASE, fetchedEmoBenchDir(), defaultEmoBenchDir(), o);
      return dataset === "meld" ? fetchMeldAction(o) : fetchEdAction(o);
    });
}

/**
 * Runs a fetch under a download bar; true when the caller has a summary to print, false when `--json` printed the
 * result or the files were there already (`name` says which dataset).
 */
async function downloaded<R extends { downloaded: boolean; dir: string }>(
  name: string,
  o: FetchCommandOptions,
  fetch: (onProgress: (received: number, total: number | undefined) => void) => Promise<R>,
): Promise<R | undefined> {
  const bar = progressBar("downloading [{bar}] {percentage}% {value}/{total} bytes", !o.json);
  let result: R;
  try {
    result = await fetch((received, total) => bar.update(received, total));
  } finally {
    bar.stop();
  }
  if (o.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
    return undefined;
  }
  if (!result.downloaded) {
    process.stdout.write(`${name} is already in ${result.dir} (use --force to fetch again).\n`);
    return undefined;
  }
  return result;
}

async function fetchMeldAction(o: FetchCommandOptions): Promise<void> {
  if (o.keepArchive) throw new Error("--keep-archive is for ed: MELD's files come one by one, with no archive.");
  const result = await downloaded("MELD", o, (onProgress) =>
    fetchMeld({ ...(o.url ? { url: o.url } : {}), ...(o.dir ? { dir: o.dir } : {}), force: o.force ?? false, onProgress }),
  );
  if (!result) return;
  const lines = [`Downloaded MELD from ${result.url} (sha256 checked):`];
  for (const split of MELD_SPLITS) {
    const s = result.splits[split];
    if (s) lines.push(`  ${split}: ${s.examples} utterances  ${s.file}`);
  }
  const usedDir = defaultMeldDir();
  if (usedDir !== result.dir) lines.push(`Note: meld:test / meld:dev currently read ${usedDir}; set INSIDEOUT_MELD_DIR=${result.dir} to use these files.`);
  process.stdout.write(`${lines.join("\n")}\n`);
}

async function fetchReleaseAction(name: string, release: Release, fetchedDir: string, usedDir: string, o: FetchCommandOptions): Promise<void> {
  if (o.keepArchive) throw new Error(`--keep-archive is for ed: ${name}'s files come one by one, with no archive.`);
  const result = await downloaded(name, o, (onProgress) =>
    fetchRelease(release, { ...(o.url ? { url: o.url } : {}), dir: o.dir ?? fetchedDir, force: o.force ?? false, onProgress }),
  );
  if (!result) return;
  const lines = [`Downloaded ${name} from ${result.url} (sha256 checked):`];
  for (const f of Object.values(result.files)) lines.push(`  ${f.items} items  ${f.file}`);
  if (usedDir !== result.dir) lines.push(`Note: ${name} is currently read from ${usedDir} (the development copy).`);
  process.stdout.write(`${lines.join("\n")}\n`);
}

async function fetchEdAction(o: FetchCommandOptions): Promise<void> {
  const result = await downloaded("EmpatheticDialogues", o, (onProgress) =>
    fetchEmpatheticDialogues({
      url: o.url ?? DEFAULT_ED_URL,
      ...(o.dir ? { dir: o.dir } : {}),
      force: o.force ?? false,
      keepArchive: o.keepArchive ?? false,
      onProgress,
    }),
  );
  if (!result) return;
  const lines = [`Downloaded ${((result.archiveBytes ?? 0) / MB).toFixed(1)} MB from ${result.url} (sha256 ${result.archiveSha256}).`];
  for (const split of ED_SPLITS) {
    const s = result.splits[split];
    if (!s) continue;
    lines.push(`  ${split}: ${s.conversations} conversations → ${s.examples} examples  ${s.jsonl}`);
    for (const w of s.warnings.slice(0, 3)) lines.push(`    note: line ${w.line}: ${w.message}`);
    if (s.warnings.length > 3) lines.push(`    (${s.warnings.length - 3} more notes)`);
  }
  const usedDir = defaultDataDir();
  if (usedDir !== result.dir) {
    lines.push(`Note: ed:test / ed:valid currently read ${usedDir}; set INSIDEOUT_DATA_DIR=${result.dir} to use these files.`);
  }
  process.stdout.write(`${lines.join("\n")}\n`);
}

function uploadCommand(): Command {
  return new Command("upload")
    .description("Create or update a LangSmith dataset with the EmpatheticDialogues splits (idempotent: a second upload adds nothing)")
    .option("--dataset <name>", "LangSmith dataset name", DEFAULT_DATASET_NAME)
    .option("--splits <list>", "comma-separated splits", "test,valid")
    .option("--limit <n>", "at most n examples per split (the seeded sample that eval --limit uses)")
    .option("--seed <s>", "sample seed for --limit", "0")
    .option("--data-dir <dir>", "folder of ed_<split>_moel_format.jsonl (default: INSIDEOUT_DATA_DIR, ../shared, or the fetch cache)")
    .option("--json", "print a JSON summary")
    .addHelpText("after", "\nNeeds LANGSMITH_API_KEY; LANGSMITH_ENDPOINT selects the server (self-hosted or EU).")
    .action(async (o: { dataset: string; splits: string; limit?: string; seed: string; dataDir?: string; json?: boolean }) => {
      if (!isSet("LANGSMITH_API_KEY") && !isSet("LANGSMITH_ENDPOINT")) {
        throw new Error("LANGSMITH_API_KEY is not set: export it (and LANGSMITH_ENDPOINT for a self-hosted server) to upload a dataset.");
      }
      const limit = parseCount("--limit", o.limit);
      // Loaded only when the command runs (cli/main.ts): the LangSmith client is most of `data`'s start-up.
      const { uploadToLangSmith } = await import("../../evaluations/data/langsmith.js");
      const bar = progressBar("uploading [{bar}] {value}/{total} examples", !o.json);
      let result;
      try {
        result = await uploadToLangSmith({
          datasetName: o.dataset,
          splits: parseSplits(o.splits),
          ...(limit !== undefined ? { limit } : {}),
          seed: o.seed,
          ...(o.dataDir ? { dataDir: o.dataDir } : {}),
          onProgress: (done, total) => {
            if (total > 0) bar.update(done, total);
          },
        });
      } finally {
        bar.stop();
      }
      if (o.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        return;
      }
      const sizes = Object.entries(result.perSplit).map(([s, n]) => `${s} ${n}`).join(", ");
      process.stdout.write(
        `${result.createdDataset ? "Created" : "Updated"} LangSmith dataset "${result.datasetName}" (${result.datasetId}): ` +
          `${result.created} added, ${result.updated} changed, ${result.unchanged} already there (${sizes}).\n`,
      );
    });
}

export function dataCommand(): Command {
  return new Command("data")
    .description("Get EmpatheticDialogues, MELD, EQ-Bench or EmoBench (fetch), and make EmpatheticDialogues a LangSmith dataset (upload)")
    .addCommand(fetchCommand())
    .addCommand(uploadCommand());
}
