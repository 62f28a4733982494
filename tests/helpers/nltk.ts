/**
 * Reference values from NLTK (Debian's python3-nltk: `apt-get install -y python3-nltk`), computed at test time in a
 * Python child process, so metric tests compare with an independent implementation rather than with themselves.
 */
import { spawnSync } from "node:child_process";

let cached: string | undefined;

/** A python3 that can import nltk: $INSIDEOUT_PYTHON, then Debian's /usr/bin/python3, then python3 on PATH. */
export function pythonWithNltk(): string {
  if (cached) return cached;
  const candidates = [process.env.INSIDEOUT_PYTHON, "/usr/bin/python3", "python3"].filter((p): p is string => !!p);
  for (const py of candidates) {
    const r = spawnSync(py, ["-c", "import nltk"], { encoding: "utf8" });
    if (r.status === 0) return (cached = py);
  }
  throw new Error(
    `No python3 with NLTK found (tried ${candidates.join(", ")}): run "apt-get install -y python3-nltk" or set INSIDEOUT_PYTHON.`,
  );
}

/** Runs a Python script that reads JSON on stdin and writes JSON on stdout. */
export function runPython<T>(script: string, input: unknown): T {
  const r = spawnSync(pythonWithNltk(), ["-c", script], {
    input: JSON.stringify(input),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`python failed (${r.status}): ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

export interface BleuCase {
  refs: string[][][];
  hyps: string[][];
}

/** NLTK `corpus_bleu` with weights (1/n,)*n for n = 1..4, for each corpus; values in [0, 1]. */
export function nltkCorpusBleu(cases: BleuCase[]): number[][] {
  return runPython<number[][]>(
    `
import json, sys, warnings
warnings.filterwarnings("ignore")  # NLTK warns on zero n-gram matches; the value (0) is what we compare
from nltk.translate.bleu_score import corpus_bleu
out = []
for c in json.load(sys.stdin):
    out.append([float(corpus_bleu(c["refs"], c["hyps"], weights=tuple([1.0 / n] * n))) for n in range(1, 5)])
json.dump(out, sys.stdout)
`,
    cases,
  );
}
