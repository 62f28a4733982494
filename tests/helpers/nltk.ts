/**
 * Reference values from NLTK (Debian's python3-nltk: `apt-get install -y python3-nltk`) and other Python references
 * (`runPython(script, input, module)`), computed at test time in a Python child process, so metric tests compare with
 * an independent implementation rather than with themselves.
 */
import { spawnSync } from "node:child_process";

const found = new Map<string, string>();

/** A python3 that can import `module`: $INSIDEOUT_PYTHON, then Debian's /usr/bin/python3, then python3 on PATH. */
export function pythonWith(module: string): string {
  const known = found.get(module);
  if (known) return known;
  const candidates = [process.env.INSIDEOUT_PYTHON, "/usr/bin/python3", "python3"].filter((p): p is string => !!p);
  for (const py of candidates) {
    const r = spawnSync(py, ["-c", `import ${module}`], { encoding: "utf8" });
    if (r.status === 0) {
      found.set(module, py);
      return py;
    }
  }
  throw new Error(
    `No python3 with ${module} found (tried ${candidates.join(", ")}): install it (e.g. "apt-get install -y python3-${module}") or set INSIDEOUT_PYTHON.`,
  );
}

export function pythonWithNltk(): string {
  return pythonWith("nltk");
}

/** Runs a Python script that reads JSON on stdin and writes JSON on stdout, with a python3 that can import `module`. */
export function runPython<T>(script: string, input: unknown, module = "nltk"): T {
  const r = spawnSync(pythonWith(module), ["-c", script], {
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
