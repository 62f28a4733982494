/** `insideout score`: metrics for any system's output files, with no model involved. */
import { basename } from "node:path";
import { Command } from "commander";
import { loadLabelSet } from "../../taxonomy/labelSets.js";
import { scoreLabelFiles, scoreTextFiles, type LabelScores, type TextScores } from "../../evaluations/score.js";
import { EQBENCH_QUESTIONS_FILE, defaultEqBenchDir, loadEqBenchQuestions, loadEqBenchResults } from "../../evaluations/data/eqbench.js";
import type { RescoredRun, Revision } from "../../evaluations/eqbench/rescore.js";

interface ScoreOptions {
  hyp?: string;
  ref?: string;
  tokenized?: boolean;
  gold?: string;
  pred?: string;
  labels: string;
  eqbench?: string[];
  questions?: string;
  revision: string;
  json?: boolean;
}

const f2 = (x: number): string => x.toFixed(2);

function table(rows: ReadonlyArray<readonly string[]>): string {
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((r) => (r[c] ?? "").length)));
  return rows.map((r) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ").trimEnd()).join("\n");
}

export function formatTextScores(s: TextScores): string {
  const d = s.bleuDetails;
  return [
    table([
      ["metric", "score"],
      ["BLEU-1", f2(s.bleu1)],
      ["BLEU-2", f2(s.bleu2)],
      ["BLEU-3", f2(s.bleu3)],
      ["BLEU-4", f2(s.bleu4)],
      ["ROUGE-1", f2(s.rouge1)],
      ["ROUGE-2", f2(s.rouge2)],
      ["ROUGE-L", f2(s.rougeL)],
      ["Distinct-1", f2(s.distinct1)],
      ["Distinct-2", f2(s.distinct2)],
    ]),
    "",
    `${s.n} pairs, ${s.tokenized ? "pre-tokenised (whitespace split)" : "raw text (tokenised)"}; ` +
      `n-gram precisions ${d.precisions.map(f2).join(" / ")}, brevity penalty ${d.brevityPenalty.toFixed(4)} ` +
      `(hypothesis ${d.hypLength} tokens, reference ${d.refLength}).`,
  ].join("\n");
}

export function formatLabelScores(s: LabelScores): string {
  const v = s.perValence;
  const out = [
    table([
      ["metric", "score", "of"],
      ["accuracy", f2(s.accuracy), `${s.correct}/${s.n}`],
      ["macro-F1", f2(s.macroF1), ""],
      ["accuracy, negative gold", f2(v.negative.accuracy), `${v.negative.correct}/${v.negative.n}`],
      ["accuracy, positive gold", f2(v.positive.accuracy), `${v.positive.correct}/${v.positive.n}`],
      ["accuracy, ambiguous gold", f2(v.ambiguous.accuracy), `${v.ambiguous.correct}/${v.ambiguous.n}`],
      ["cross-valence errors", f2(s.crossValence.rate), `${s.crossValence.errors}/${s.n}`],
    ]),
    "",
    `${s.n} examples, label set ${s.labelSet}, ${s.correct} correct, ${s.unparseable} predictions naming no label of the set.`,
    "",
    table([
      ["label", "gold", "predicted", "precision", "recall", "F1"],
      ...s.labels.map((l) => {
        const p = s.perLabel[l]!;
        return [l, String(p.support), String(p.predicted), f2(p.precision), f2(p.recall), f2(p.f1)];
      }),
    ]),
  ];
  const confusions: Array<[string, string, number]> = [];
  s.confusion.forEach((row, g) =>
    row.forEach((count, p) => {
      if (g !== p && count > 0) confusions.push([s.labels[g]!, s.labels[p] ?? "(no label)", count]);
    }),
  );
  confusions.sort((a, b) => b[2] - a[2]);
  if (confusions.length > 0) {
    out.push("", "Most frequent confusions (gold → predicted):");
    out.push(table(confusions.slice(0, 10).map(([g, p, c]) => [`  ${g} → ${p}`, String(c)])));
  }
  return out.join("\n");
}

export function formatEqBenchScores(rows: ReadonlyArray<{ file: string; run: RescoredRun }>): string {
  const lines = [["file", "run", "model", "revision", "score", "parseable", "published"]];
  for (const { file, run } of rows) {
    const revision = [...new Set(run.iterations.map((it) => (it.revise ? "on" : "off")))].join("/");
    const published = run.published ? `${f2(run.published.score)} (${run.published.parseable})` : "";
    lines.push([file, run.run, run.model ?? "", revision, f2(run.score), String(run.parseable), published]);
    if (run.iterations.length > 1) {
      for (const it of run.iterations) lines.push([`  iteration ${it.iteration}`, "", "", it.revise ? "on" : "off", f2(it.score), String(it.parseable), ""]);
    }
  }
  return table(lines);
}

async function scoreEqBench(files: readonly string[], o: ScoreOptions): Promise<void> {
  // Loaded only when the command runs (cli/main.ts).
  const { REVISIONS, rescoreRun } = await import("../../evaluations/eqbench/rescore.js");
  if (!(REVISIONS as readonly string[]).includes(o.revision)) throw new Error(`--revision must be one of ${REVISIONS.join(", ")}, not "${o.revision}".`);
  const questions = await loadEqBenchQuestions(o.questions);
  const rows: Array<{ file: string; run: RescoredRun }> = [];
  for (const file of files) {
    for (const run of await loadEqBenchResults(file)) rows.push({ file: basename(file), run: rescoreRun(questions, run, o.revision as Revision) });
  }
  process.stdout.write(o.json ? `${JSON.stringify(rows, null, 2)}\n` : `${formatEqBenchScores(rows)}\n`);
}

export function scoreCommand(): Command {
  return new Command("score")
    .summary("score output files: BLEU, ROUGE, Distinct for texts; accuracy, macro-F1 for labels; EQ-Bench results")
    .description(
      "Score any system's output files (one text or label per line, aligned by line): BLEU, ROUGE, Distinct, or accuracy and macro-F1; " +
        "or rescore EQ-Bench v2 results files from their raw answers",
    )
    .option("--hyp <file>", "system outputs, one per line")
    .option("--ref <file>", "references, one per line, aligned with --hyp")
    .option("--tokenized", "texts are already tokenised (whitespace-separated), as published systems' output files are")
    .option("--gold <file>", "gold labels, one per line (ed32 labels are mapped onto --labels)")
    .option("--pred <file>", "predicted labels, one per line (normalised: \"Joyful.\" counts as joyful)")
    .option("--labels <set>", "label set for --gold/--pred: ed32, ed18, meld7, or a JSON file", "ed32")
    .option("--eqbench <files...>", "EQ-Bench v2 results files: rescore each run from its raw answers (raw_inference)")
    .option("--questions <file>", `EQ-Bench v2 questions for --eqbench (default: ${EQBENCH_QUESTIONS_FILE} in ${defaultEqBenchDir()})`)
    .option("--revision <mode>", "--eqbench: parse the answers with EQ-Bench's revision part (on), without (off), or as the run was made (auto)", "auto")
    .option("--json", "machine-readable output")
    .addHelpText(
      "after",
      "\nTexts (--hyp, --ref), all scores ×100:\n" +
        "  BLEU-1..4    corpus-level, cumulative, exactly as NLTK's corpus_bleu (no smoothing, closest reference length)\n" +
        "  ROUGE-1/2/L  F-measure per pair as Google's rouge-score (no stemming), averaged over pairs\n" +
        "  Distinct-1/2 distinct n-grams / all n-grams over all hypotheses\n" +
        "  Raw text is lowercased and tokenised as the EmpatheticDialogues baselines (MoEL) tokenised their references;\n" +
        "  with --tokenized each line is split on whitespace only (no lowercasing), as for published systems' outputs.\n" +
        "Labels (--gold, --pred): accuracy, macro-F1 (over labels present in gold or predictions), per-label precision,\n" +
        "  recall and F1, accuracy by the gold label's valence, cross-valence errors (positive read as negative or the\n" +
        "  reverse), most frequent confusions; --json adds the full confusion matrix.\n" +
        "EQ-Bench v2 (--eqbench): how close a model's intensities (0-10) of four emotions of a dialogue's character come\n" +
        "  to the reference, exactly as EQ-Bench's own code scores it: per question 10 - 0.7477 x the sum over emotions\n" +
        "  of the distance d (0 if exact, 6.5/(1+e^(-1.2(d-4))) up to 5, d above); a question that does not name the\n" +
        "  four emotions is unparseable; score = mean over parseable questions x 10 (0-100); with the revision part the\n" +
        "  revised answers count when they score no lower and >= 95 % as many parse. --json adds each question's score.\n" +
        "\nExamples:\n" +
        "  insideout score --hyp moel.txt --ref ref.txt --tokenized\n" +
        "  insideout score --gold gold.txt --pred pred.txt --labels ed18 --json\n" +
        "  insideout score --eqbench gpt-4-0613_eqbench_v2_results.json",
    )
    .action(async (o: ScoreOptions) => {
      const texts = o.hyp !== undefined || o.ref !== undefined;
      const labels = o.gold !== undefined || o.pred !== undefined;
      const eqbench = o.eqbench !== undefined;
      if (Number(texts) + Number(labels) + Number(eqbench) !== 1) {
        throw new Error("score needs one of --hyp FILE --ref FILE (texts), --gold FILE --pred FILE (labels), or --eqbench FILE... (EQ-Bench results).");
      }
      if (eqbench) return scoreEqBench(o.eqbench!, o);
      if (texts) {
        if (o.hyp === undefined || o.ref === undefined) throw new Error("--hyp and --ref go together: give both files.");
        const s = await scoreTextFiles(o.hyp, o.ref, o.tokenized ?? false);
        process.stdout.write(o.json ? `${JSON.stringify(s, null, 2)}\n` : `${formatTextScores(s)}\n`);
        return;
      }
      if (o.gold === undefined || o.pred === undefined) throw new Error("--gold and --pred go together: give both files.");
      const s = await scoreLabelFiles(o.gold, o.pred, loadLabelSet(o.labels));
      process.stdout.write(o.json ? `${JSON.stringify(s, null, 2)}\n` : `${formatLabelScores(s)}\n`);
    });
}
