import { Command, Option } from "commander";
import { addGraphOptions, checkRun, givenRunOptions, type GraphCommandOptions } from "../options.js";
import { methodNames } from "../../graphs/methodNames.js";
import { shown } from "../../core/terminalText.js";

export function respondCommand(): Command {
  const cmd = new Command("respond")
    .description("Reply empathetically to a dialogue (ERG): the recognised emotion, the candidate replies, the chosen reply")
    .argument("[turns...]", "the dialogue, one argument per turn, speaker first")
    .addOption(
      new Option(
        "--method <method>",
        "baseline: plain reply; erc+baseline: reply told the emotion; erc+insideout: five agents propose, the aggregator selects; " +
          "self-consistency and erc+self-consistency: the plain reply (told the emotion) drafted --samples times, the aggregator selects",
      )
        .choices(methodNames("erg"))
        .default("erc+insideout"),
    );
  addGraphOptions(cmd, "erg", methodNames("erg")).action(async (turns: string[], o: GraphCommandOptions & { method: string }) => {
    // Loaded only when the command runs (cli/main.ts).
    const [{ runLocally }, { readDialogue }, { runRemotely }, { formatResult }] = await Promise.all([
      import("../run.js"),
      import("../dialogue.js"),
      import("../remote.js"),
      import("../format.js"),
    ]);
    // Checked before the dialogue is read and before any model call: a run that cannot work costs nothing.
    const run = checkRun("erg", o.method, givenRunOptions(cmd));
    const dialogue = await readDialogue(turns, o.file);
    const live = !o.json && process.stderr.isTTY;
    // --json waits for the final state; otherwise agents are shown as they finish (streamed from a server).
    const result = await (o.server ? runRemotely.bind(null, o.server) : runLocally)(run, dialogue, o.json ? undefined : (node, update) => {
      if (live) for (const [name, c] of Object.entries(update.candidates ?? {})) process.stderr.write(`  ${name.padEnd(10)} proposes: ${shown(c.reply)}\n`);
    });
    process.stdout.write(o.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatResult(result)}\n`);
  });
  return cmd;
}
