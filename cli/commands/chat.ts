/**
 * An interactive conversation with ERC+InsideOut: the user is the speaker; each turn shows the recognised emotion
 * and the agents' proposals as they arrive, then the chosen reply. `--save` appends every exchange to a JSONL file as
 * it happens, so Ctrl-C loses nothing.
 */
import { createInterface } from "node:readline/promises";
import { Command, Option } from "commander";
import { CHAT_HELP, parseChatLine } from "../chatCommands.js";
import { openTranscript } from "../dialogue.js";
import { addGraphOptions, checkRun, givenRunOptions, type GraphCommandOptions } from "../options.js";
import { shown } from "../../core/terminalText.js";
import { asTurn } from "../../core/turnText.js";

/** chat's methods: none samples, so chat has no self-consistency flags. */
const CHAT_METHODS = ["baseline", "erc+baseline", "erc+insideout"];

export function chatCommand(): Command {
  const cmd = new Command("chat")
    .description("Talk with an empathetic assistant (ERG), seeing the emotion agents' views as it goes; /help lists chat's commands, Ctrl-C or /quit ends")
    .addOption(new Option("--method <method>", "ERG method").choices(CHAT_METHODS).default("erc+insideout"))
    .option("--save <file>", "append each exchange to this JSONL file as it happens");
  addGraphOptions(cmd, "erg", CHAT_METHODS, { file: false }).action(async (o: GraphCommandOptions & { method: string; save?: string }) => {
    // chat's turns are typed (or piped: `insideout chat < turns.txt`); a dialogue file is for recognize and respond.
    if (o.file !== undefined) {
      throw new Error("chat takes your turns as you type them, not --file: pipe them instead (insideout chat < FILE), or use recognize/respond --file FILE.");
    }
    // Loaded only when the command runs (cli/main.ts).
    const [{ runLocally }, { runRemotely }, { effectiveSpec }] = await Promise.all([import("../run.js"), import("../remote.js"), import("../../models/factory.js")]);
    // Everything that can be checked is, before the first turn is paid for: options, label set, method, --save.
    const run = checkRun("erg", o.method, givenRunOptions(cmd));
    const { options } = run;
    const transcript = o.save ? openTranscript(o.save) : undefined;
    const rl = createInterface({ input: process.stdin, output: process.stdout, terminal: process.stdin.isTTY });
    let turns: string[] = [];
    // On a terminal readline turns Ctrl-C into this event (and would merely pause without a listener): end the chat;
    // a turn already under way finishes and is saved first.
    rl.on("SIGINT", () => rl.close());
    // A server resolves `auto` with its own environment; locally it is known now.
    const model = o.server && options.model === "auto" ? "the server's default model" : effectiveSpec(options.model);
    process.stdout.write(`Talking to ${model}${o.server ? ` on ${o.server}` : ""}. Say how you feel (/help for commands, /quit to leave).\n`);
    rl.setPrompt("you> ");
    rl.prompt();
    // The line iterator buffers what arrives while a turn is running (piped input delivers every line at once).
    for await (const raw of rl) {
      const parsed = parseChatLine(raw);
      if (parsed.kind === "quit") break;
      if (parsed.kind !== "turn") {
        if (parsed.kind === "help") process.stdout.write(`${CHAT_HELP}\n`);
        else if (parsed.kind === "new") {
          turns = [];
          process.stdout.write("(a new conversation)\n");
        } else if (parsed.kind === "unknown") {
          process.stdout.write(`Unknown command ${parsed.command}: /help lists the commands; start the line with // to send it as you typed it.\n`);
        }
        rl.prompt();
        continue;
      }
      const line = parsed.text;
      turns.push(line);
      const result = await (o.server ? runRemotely.bind(null, o.server) : runLocally)(run, [...turns], (node, update) => {
        if (update.recognized) process.stdout.write(`  (you seem ${update.recognized.emotion})\n`);
        const c = update.candidates?.[node];
        if (c) process.stdout.write(`  ${node}: ${shown(c.reply)}\n`);
      });
      for (const [a, why] of Object.entries(result.failures)) process.stdout.write(`  ${a} failed: ${shown(why)}\n`);
      const reply = result.reply?.text ?? "(no reply)";
      turns.push(asTurn(reply));
      process.stdout.write(`insideout> ${shown(reply)}${result.reply && result.reply.author !== "responder" ? `  [${result.reply.author}]` : ""}\n`);
      if (o.json) process.stdout.write(`${JSON.stringify(result)}\n`);
      transcript?.append({ user: line, reply, emotion: result.recognized?.emotion, author: result.reply?.author });
      rl.prompt();
    }
    rl.close();
    transcript?.close();
    process.stdout.write("bye\n");
  });
  return cmd;
}
