import { Command, Option } from "commander";
import { nonNegativeInt, positiveInt } from "../args.js";

export function compareCommand(): Command {
  return new Command("compare")
    .description(
      "Experiments side by side: ERC accuracy and macro-F1, ERG metrics and judge scores, the paper's Improv. column, " +
        "95% bootstrap intervals, and paired tests on shared examples (McNemar for accuracy, paired bootstrap for judge scores)",
    )
    .argument("<dirs...>", "experiment directories written by `insideout eval --out DIR`")
    .option("--json", "print the comparison as JSON")
    .option("--out <dir>", "also write compare.md and compare.html (with charts) into this directory")
    .addOption(new Option("--resamples <n>", "bootstrap resamples").default(1000).argParser(positiveInt))
    .addOption(new Option("--seed <n>", "bootstrap seed, for reproducible intervals and p-values").default(1).argParser(nonNegativeInt))
    .addHelpText("after", "\nExample:\n  insideout compare runs/erc-baseline runs/erc-insideout --out runs/compare")
    .action(async (dirs: string[], o: { json?: boolean; out?: string; resamples: number; seed: number }) => {
      // Loaded only when the command runs (cli/main.ts).
      const { compareText, loadAndCompare, writeCompare } = await import("../../evaluations/compare.js");
      const { comparison, experiments } = await loadAndCompare(dirs, { resamples: o.resamples, seed: o.seed });
      if (o.out) await writeCompare(o.out, comparison, experiments);
      process.stdout.write(o.json ? `${JSON.stringify(comparison, null, 2)}\n` : compareText(comparison, experiments));
      if (o.out && !o.json) process.stdout.write(`Wrote ${o.out}/compare.md and ${o.out}/compare.html\n`);
    });
}
