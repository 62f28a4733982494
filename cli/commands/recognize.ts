import { Command, Option } from "commander";
import { readDialogue } from "../dialogue.js";
import { formatOpinion, formatResult } from "../format.js";
import { addGraphOptions, toRunOptions, type GraphCommandOptions } from "../options.js";
import { runnerFor } from "../remote.js";
import { validateOptions } from "../run.js";

export function recognizeCommand(): Command {
  const cmd = new Command("recognize")
    .description("Recognise the speaker's emotion in a dialogue (ERC): each emotion agent's opinion, then the final label")
    .argument("[turns...]", "the dialogue, one argument per turn, speaker first")
    .addOption(new Option("--method <method>", "baseline: the LLM alone; insideout: five agents + aggregator").choices(["baseline", "insideout"]).default("insideout"))
    .addHelpText("after", '\nExample:\n  insideout recognize --model openai:gpt-4o-mini "I finally got the job!" "Congratulations!" "I still can\'t believe it."');
  addGraphOptions(cmd).action(async (turns: string[], o: GraphCommandOptions & { method: string }) => {
    // Checked before the dialogue is read and before any model call: a run that cannot work costs nothing.
    const options = validateOptions(toRunOptions(o), { task: "erc", method: o.method });
    const dialogue = await readDialogue(turns, o.file);
    const live = !o.json && process.stderr.isTTY;
    // --json waits for the final state; otherwise agents are shown as they finish (streamed from a server).
    const result = await runnerFor(o.server)("erc", o.method, dialogue, options, o.json ? undefined : (node, update) => {
      if (live && update.opinions?.[node]) process.stderr.write(`${formatOpinion(node, update.opinions[node])}\n`);
    });
    process.stdout.write(o.json ? `${JSON.stringify(result, null, 2)}\n` : `${formatResult(result)}\n`);
  });
  return cmd;
}
