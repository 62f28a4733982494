/**
 * EQ-Bench v2 files (github.com/EQ-bench/EQ-Bench): the questions (`eq_bench_v2_questions_171.json`: per id a prompt
 * and `reference_answer_fullscale`, the v2 reference) and EQ-Bench's results files, whose runs hold each question's
 * raw model answer (`raw_inference`). Both shapes of results are read: a published file (`raw_results` by iteration,
 * with the run's metadata beside it) and the runner's `raw_results.json` (runs by id, each with `iterations`).
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { z } from "zod";
import { cacheDir } from "../../core/settings.js";
import { developmentDataDir } from "../../store/paths.js";
import type { EqBenchReference } from "../eqbench/score.js";
import { DataFileError } from "./lines.js";
import type { Release } from "./fetchRelease.js";
import { readJsonFile } from "./text.js";

export const EQBENCH_QUESTIONS_FILE = "eq_bench_v2_questions_171.json";

/** Where `insideout data fetch eqbench` puts the questions. */
export function fetchedEqBenchDir(): string {
  return join(cacheDir(), "eq_bench");
}

/** The development copy `<repo>/../shared/data/eq_bench` if it exists, else the fetch folder. */
export function defaultEqBenchDir(): string {
  return developmentDataDir("eq_bench") ?? fetchedEqBenchDir();
}

export interface EqBenchQuestion {
  id: string;
  prompt: string;
  reference: EqBenchReference;
}

// EQ-Bench writes intensities as numbers or numeric strings ("6"); its code reads them with float().
const Intensity = z.union([
  z.number().finite(),
  z.string().trim().regex(/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/u).transform(Number),
]);
const Fullscale = z.object({
  emotion1: z.string(),
  emotion2: z.string(),
  emotion3: z.string(),
  emotion4: z.string(),
  emotion1_score: Intensity,
  emotion2_score: Intensity,
  emotion3_score: Intensity,
  emotion4_score: Intensity,
});
const Questions = z.record(z.string(), z.object({ prompt: z.string(), reference_answer_fullscale: Fullscale }));

function problem(file: string, error: z.ZodError): DataFileError {
  const issue = error.issues[0]!;
  return new DataFileError(`${file} is not an EQ-Bench file: ${issue.path.join(".") || "(top)"}: ${issue.message}`, file, 0);
}

export async function loadEqBenchQuestions(file: string = join(defaultEqBenchDir(), EQBENCH_QUESTIONS_FILE)): Promise<EqBenchQuestion[]> {
  if (!existsSync(file)) throw new DataFileError(`${file} does not exist: run \`insideout data fetch eqbench\`, or name the questions file`, file, 0);
  const parsed = Questions.safeParse(await readJsonFile(file));
  if (!parsed.success) throw problem(file, parsed.error);
  const questions = Object.entries(parsed.data).map(([id, q]) => {
    const r = q.reference_answer_fullscale;
    return {
      id,
      prompt: q.prompt,
      reference: {
        emotions: [r.emotion1, r.emotion2, r.emotion3, r.emotion4],
        scores: [r.emotion1_score, r.emotion2_score, r.emotion3_score, r.emotion4_score],
      } satisfies EqBenchReference,
    };
  });
  if (questions.length === 0) throw new DataFileError(`${file} holds no questions`, file, 0);
  return questions;
}

export interface EqBenchIteration {
  iteration: string;
  /** Each question's raw answer, by question id. */
  answers: ReadonlyMap<string, string>;
  /** Whether the run kept EQ-Bench's revision part, as its recorded scores tell; undefined when none are recorded. */
  revisedRecorded?: boolean;
}

export interface EqBenchRun {
  run: string;
  model?: string;
  /** The score and parseable count the file publishes, when it does. */
  published?: { score: number; parseable: number };
  iterations: EqBenchIteration[];
}

const RecordedScores = z.record(z.string(), z.object({ revised_score: z.number().nullable().optional() }).passthrough()).optional();
const Iteration = z.object({
  raw_inference: z.record(z.string(), z.string()),
  individual_scores: RecordedScores,
  /** Where the runner keeps v2 scores beside v1's. */
  individual_scores_fullscale: RecordedScores,
});
const Published = z.object({
  raw_results: z.record(z.string(), Iteration),
  run_id: z.string().optional(),
  model_path: z.string().optional(),
  benchmark_score: z.number().optional(),
  n_questions_parseable: z.number().optional(),
});
const RunnerRun = z.object({
  run_metadata: z.object({ model_path: z.string().optional() }).passthrough().optional(),
  iterations: z.record(z.string(), Iteration.partial({ raw_inference: true })),
});

function iterations(raw: Record<string, z.infer<typeof Iteration> | Partial<z.infer<typeof Iteration>>>): EqBenchIteration[] {
  return Object.entries(raw)
    .filter(([, it]) => it.raw_inference !== undefined)
    .map(([iteration, it]) => {
      const recorded = it.individual_scores_fullscale ?? it.individual_scores;
      const scores = recorded ? Object.values(recorded) : [];
      return {
        iteration,
        answers: new Map(Object.entries(it.raw_inference!)),
        ...(scores.length > 0 ? { revisedRecorded: scores.some((s) => s.revised_score !== null && s.revised_score !== undefined) } : {}),
      };
    });
}

export async function loadEqBenchResults(file: string): Promise<EqBenchRun[]> {
  const json = await readJsonFile(file);
  const published = Published.safeParse(json);
  if (published.success) {
    const p = published.data;
    return [
      {
        run: p.run_id ?? "1",
        ...(p.model_path !== undefined ? { model: p.model_path } : {}),
        ...(p.benchmark_score !== undefined && p.n_questions_parseable !== undefined
          ? { published: { score: p.benchmark_score, parseable: p.n_questions_parseable } }
          : {}),
        iterations: iterations(p.raw_results),
      },
    ];
  }
  const runner = z.record(z.string(), RunnerRun).safeParse(json);
  if (!runner.success || Object.keys(runner.data).length === 0) {
    throw new DataFileError(
      `${file} is not an EQ-Bench results file (expected raw_results with each question's raw_inference, or runs with iterations)`,
      file,
      0,
    );
  }
  return Object.entries(runner.data).map(([run, r]) => ({
    run,
    ...(r.run_metadata?.model_path !== undefined ? { model: r.run_metadata.model_path } : {}),
    iterations: iterations(r.iterations),
  }));
}

/** EQ-Bench's questions at the commit these readers were tested with (EQ-bench/EQ-Bench d28c60c, 2024-03-24). */
export const EQBENCH_RELEASE: Release = {
  url: "https://raw.githubusercontent.com/EQ-bench/EQ-Bench/d28c60c514fe6667dc5818114ed10088f91f09f3/data/",
  files: [
    {
      name: EQBENCH_QUESTIONS_FILE,
      title: "EQ-Bench v2 questions file",
      sha256: "b4e9bf11df7e88bc12381efab18565f8b0ff0d4743fe8708c4482df91c4e617a",
      check: async (file) => (await loadEqBenchQuestions(file)).length,
    },
  ],
  maxBytes: 16 << 20,
  licence: "MIT (EQ-Bench, Samuel Paech)",
  otherwise: "use --url for a folder holding EQ-Bench's data/ at commit d28c60c.",
};
