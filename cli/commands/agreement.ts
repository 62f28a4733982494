/** `insideout agreement`: how far raters agree (quadratic-weighted κ, Spearman's ρ) per rated dimension. */
import { Command } from "commander";
import type { AgreementRow } from "../../evaluations/agreement.js";
import type { RatingFile } from "../../evaluations/data/ratings.js";

interface AgreementOptions {
  id?: string;
  median: string[];
  json?: boolean;
}

const f2 = (x: number): string => (Number.isNaN(x) ? "n/a" : x.toFixed(2));

export function formatAgreement(rows: readonly AgreementRow[]): string {
  const p3 = (x: number): string => (Number.isNaN(x) ? "n/a" : x.toFixed(3));
  const cells = [["dimension", "rater", "rater", "n", "kappa", "p", "spearman"], ...rows.map((r) => [r.dimension, r.a, r.b, String(r.n), f2(r.kappa), p3(r.kappaP), f2(r.spearman)])];
  const widths = cells[0]!.map((_, c) => Math.max(...cells.map((r) => r[c]!.length)));
  return cells.map((r) => r.map((cell, c) => (c < 3 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join("  ").trimEnd()).join("\n");
}

/** `experts=e1.csv,e2.csv,e3.csv` → the consensus's name and files. */
function parseMedian(spec: string): { name: string; files: string[] } {
  const eq = spec.indexOf("=");
  const files = spec.slice(eq + 1).split(",").filter((f) => f !== "");
  if (eq <= 0 || files.length < 2) throw new Error(`--median wants NAME=FILE,FILE[,FILE...] (at least two files), not "${spec}".`);
  return { name: spec.slice(0, eq), files };
}

export function agreementCommand(): Command {
  return new Command("agreement")
    .summary("agreement between rating files: quadratic-weighted Cohen's kappa and Spearman's rho per dimension")
    .description(
      "How far raters agree: for every pair of rating files and every dimension both rate, quadratic-weighted Cohen's kappa and Spearman's rho over the items both rated",
    )
    .argument("[files...]", "rating files (CSV, TSV, or JSONL): an id column, then one numeric column per dimension")
    .option("--id <column>", "the column that identifies an item (default: the first named column)")
    .option("--median <name=files>", "add a consensus rater: the median per item of these files (repeatable), e.g. experts=e1.csv,e2.csv,e3.csv", (v: string, acc: string[]) => [...acc, v], [])
    .option("--json", "machine-readable output")
    .addHelpText(
      "after",
      "\nRows are matched by id; a dimension is a column most of whose cells are numbers (other cells count as not rated);\n" +
        "a nameless column (a pandas index) is ignored. Each pair is compared on the items both rated.\n" +
        "  kappa     quadratic-weighted Cohen's kappa: categories are the values (to two decimals) that occur in either rating, in order,\n" +
        "            a disagreement between the i-th and j-th weighs (i-j)^2; 1 = perfect, 0 = chance (as scikit-learn's\n" +
        "            cohen_kappa_score and statsmodels' cohens_kappa, which Kumar et al. 2025 used).\n" +
        "  p         two-sided p-value of kappa = 0 from statsmodels' large-sample variance (z = kappa / se), as the study reports.\n" +
        "  spearman  Spearman's rho: Pearson's r of the ranks, ties sharing their mean rank (scipy's spearmanr).\n" +
        "\nExample (reproduces Kumar et al.'s table for EmpatheticDialogues):\n" +
        "  insideout agreement expert1_ratings.csv expert2_ratings.csv expert3_ratings.csv crowd_ratings.csv \\\n" +
        "    --median experts=expert1_ratings.csv,expert2_ratings.csv,expert3_ratings.csv",
    )
    .action(async (files: string[], o: AgreementOptions) => {
      const consensus = o.median.map(parseMedian);
      if (files.length + consensus.length < 2) throw new Error("agreement needs at least two rating files (or one and a --median consensus).");
      // Loaded only when the command runs (cli/main.ts).
      const [{ agreementTable, medianRater }, { readRatingFile }] = await Promise.all([import("../../evaluations/agreement.js"), import("../../evaluations/data/ratings.js")]);
      const cache = new Map<string, Promise<RatingFile>>();
      const read = (f: string): Promise<RatingFile> => {
        if (!cache.has(f)) cache.set(f, readRatingFile(f, o.id));
        return cache.get(f)!;
      };
      const raters = await Promise.all(files.map(read));
      for (const c of consensus) raters.push(medianRater(c.name, await Promise.all(c.files.map(read))));
      const names = raters.map((r) => r.name);
      const twice = names.find((n, i) => names.indexOf(n) !== i);
      if (twice !== undefined) throw new Error(`two raters are named ${twice}: give files distinct names.`);
      const rows = agreementTable(raters);
      if (rows.length === 0) throw new Error("the files share no numeric dimension: nothing to compare.");
      process.stdout.write(o.json ? `${JSON.stringify(rows, null, 2)}\n` : `${formatAgreement(rows)}\n`);
    });
}
