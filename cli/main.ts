#!/usr/bin/env node
/** The `insideout` command line. */
import { EventEmitter } from "node:events";
import { Command } from "commander";
import { agreementCommand } from "./commands/agreement.js";
import { chatCommand } from "./commands/chat.js";
import { compareCommand } from "./commands/compare.js";
import { dataCommand } from "./commands/data.js";
import { evalCommand } from "./commands/eval.js";
import { judgeCommand } from "./commands/judge.js";
import { recognizeCommand } from "./commands/recognize.js";
import { reproduceCommand } from "./commands/reproduce.js";
import { respondCommand } from "./commands/respond.js";
import { scoreCommand } from "./commands/score.js";
import { explain } from "./errors.js";

// Start-up: these modules define the commands only (commander, option declarations, names). A command's action
// imports what it runs when it runs (LangChain, the graphs, providers), so `--help` and argument errors answer at
// once; a new command keeps to that (tests/integration/cli.startup.test.ts checks it). Users run this file bundled,
// each dynamic import a chunk (scripts/bundle-cli.mjs).

// Parallel branches each hang an abort listener on the run's signal; more than ten agents and calls is normal here.
EventEmitter.defaultMaxListeners = 64;

const program = new Command("insideout")
  .description(
    "InsideOut (ECAI 2024): five emotion agents and an aggregate agent make any chat LLM emotionally intelligent.\n" +
      "Models are provider:model (openai:gpt-4o-mini, anthropic:claude-sonnet-4-5, google-genai:gemini-2.5-flash, gigachat:GigaChat-2-Max, ollama:llama3.2, local:./model.gguf); OPENAI_BASE_URL points openai: at any compatible server; docs/models.md lists each provider's variables.",
  )
  .version("0.1.0")
  .showHelpAfterError("(add --help for usage)");

program.addCommand(recognizeCommand());
program.addCommand(respondCommand());
program.addCommand(chatCommand());
program.addCommand(compareCommand());
program.addCommand(scoreCommand());
program.addCommand(agreementCommand());
program.addCommand(judgeCommand());
program.addCommand(dataCommand());
program.addCommand(evalCommand());
program.addCommand(reproduceCommand());

/** Loaded before a command's action runs; none is loaded for help, the version or an argument error. */
let tracing: typeof import("../core/tracing.js") | undefined;

// Before any command runs: the tracing client reads the hide settings when it is created.
program.hook("preAction", async (_program, action) => {
  tracing = await import("../core/tracing.js");
  tracing.hideTracedData(action.opts().hideInputs === true);
  tracing.scrubSecretsFromTraces();
});

program
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    process.stderr.write(`insideout: ${explain(error)}\n`);
    process.exitCode = 1;
  })
  // Traces are sent in the background: wait for them, or the last runs of a command never reach LangSmith.
  .finally(() => tracing?.flushTraces().catch((e: unknown) => process.stderr.write(`insideout: could not send traces: ${explain(e)}\n`)));
