import { Command, Option } from "commander";
import { addGraphOptions, checkRun, givenRunOptions, type GraphCommandOptions } from "../options.js";
import { methodNames } from "../../graphs/methodNames.js";

export function recognizeCommand(): Command {
  const cmd = new Command("recognize")
    .description("Recognise the speaker's emotion in a dialogue (ERC): each emotion agent's opinion, then the final label")
    .argument("[turns...]", "the dialogue, one argument per turn, speaker first")
    .addOption(
      new Option("--method <method>", "baseline: the LLM alone; insideout: five agents + aggregator; self-consistency: the LLM alone asked --samples times + aggregator")
        .choices(methodNames("erc"))
        .default("insideout"),
    )
    .addHelpText("after", '\nExample:\n  insideout recognize --model openai:gpt-4o-mini "I finally got the job!" "Congratulations!" "I still can\'t believe it."');
  addGraphOptions(cmd, "erc", methodNames("erc")).action(async (turns: string[], o: GraphCommandOptions & { method: string }) => {
    // Loaded only when the command runs: LangChain and the graphs take most of a second to import (cli/main.ts).
    const [{ runLocally }, { readDialogue }, { runRemotely }, { formatOpinion, formatResult }] = await Promise.all([
      import("../run.js"),
      import("../dialogue.js"),
      import("../remote.js"),
      import("../format.js"),
    ]);
    // Checked before the dialogue is read and before any model call: a run that cannot work costs nothing.
    const run = checkRun("erc", o.method, givenRunOptions(cmd));
    const dialogue = await readDialogue(turns, o.file);
    const live = !o.json && process.stderr.isTTY;
    // --json waits for the final state; otherwise agents are shown as they finish (streamed from a server).
    const result = await (o.server ? runRemotely.bind(null, o.server) : runLocally)(run, dialogue, o.json ? undefined : (node, update) => {
      // An agent writes under its own name, a self-consistency sample under its own (`sample-2`).
      if (live) for (const [name, opinion] of Object.entries(update.opinions ?? {})) process.stderr.write(`${formatOpinion(name, opinion)}\n`);
    });
    process.stdout.write(o.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatResult(result)}\n`);
  });
  return cmd;
}
