/**
 * The run options as flags, made from each task's schema (state/runOptions.ts), which Studio shows too: a flag's
 * help is the schema's description, its default the schema's, its choices the schema's enum. Only the spelling on the
 * command line (short letter, placeholder) is the CLI's own. Options are parsed once here, at the edge, and handed
 * down typed.
 */
import { Command, InvalidArgumentError, Option } from "commander";
import { z } from "zod";
import { checkMethodOptions, isSelfConsistency } from "../graphs/methodNames.js";
import { RUN_OPTIONS, RunOptions, type TaskName } from "../state/runOptions.js";
import type { LabelSet } from "../taxonomy/labelSet.js";
import { loadLabelSet } from "../taxonomy/labelSets.js";
import { positiveInt } from "./args.js";

type Key = keyof RunOptions;

/** How each run option is spelled on the command line; `respond` is not a flag (no command offers it). */
const SPELLING: Partial<Record<Key, string>> = {
  model: "-m, --model <provider:model>",
  labels: "-l, --labels <set>",
  aggregation: "-a, --aggregation <strategy>",
  agents: "--agents <list>",
  temperature: "-t, --temperature <t>",
  samples: "--samples <k>",
  sampleTemperature: "--sample-temperature <t>",
};

/** Self-consistency's own options: offered only where a method samples. */
const SAMPLING: readonly Key[] = ["samples", "sampleTemperature"];

const flagOf = (key: string) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/** A number flag: converted as the field's type says, then checked by the field itself (its range, its message). */
function numberArg(field: z.ZodType, type: z.ZodNumber): (value: string) => number {
  return (value) => {
    const n = type.isInt && (type.minValue ?? 0) >= 1 ? positiveInt(value) : Number(value);
    if (value.trim() === "" || !Number.isFinite(n)) throw new InvalidArgumentError(`expected a number, got "${value}"`);
    const checked = field.safeParse(n);
    if (!checked.success) throw new InvalidArgumentError(checked.error.issues[0]?.message ?? "invalid");
    return n;
  };
}

/** The flag of one schema field: its description, default and choices; its value converted to the field's type. */
function flagFor(field: z.ZodType, spelling: string, withDefault: boolean): Option {
  const inner = field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : field;
  const option = new Option(spelling, field.description);
  if (withDefault) {
    const value: unknown = field.parse(undefined);
    option.default(value, Array.isArray(value) ? value.join(",") : undefined);
  }
  if (inner instanceof z.ZodEnum) {
    // Shown in the help; the value is checked with the others (the method's rules included), in one line.
    option.choices(inner.options.map(String)).argParser((v: string) => v);
  } else if (inner instanceof z.ZodNumber) {
    option.argParser(numberArg(field, inner));
  } else if (inner instanceof z.ZodArray) {
    option.argParser((v: string) => v.split(",").map((a) => a.trim()).filter(Boolean));
  }
  return option;
}

/**
 * Adds the run options of `task` that its `methods` read: self-consistency's only where one samples. "any": any
 * task's (every aggregation), for the commands that run several (eval, reproduce). `omit`: those the command sets
 * itself; `noDefault`: those whose default depends on other flags (eval's label set: the data's own).
 */
export function addRunOptions(cmd: Command, task: TaskName | "any", methods: readonly string[], o: { omit?: readonly Key[]; noDefault?: readonly Key[] } = {}): Command {
  const sampling = methods.some(isSelfConsistency);
  const schema = task === "any" ? RunOptions : RUN_OPTIONS[task];
  for (const [key, field] of Object.entries(schema.shape) as [Key, z.ZodType][]) {
    const spelling = SPELLING[key];
    if (!spelling || o.omit?.includes(key) || (!sampling && SAMPLING.includes(key))) continue;
    cmd.addOption(flagFor(field, spelling, !o.noDefault?.includes(key)));
  }
  return cmd;
}

/** The run options given on the command line (not those left at their defaults): what a user chose. */
export function givenRunOptions(cmd: Command): Partial<RunOptions> {
  const values = cmd.opts();
  const given = Object.keys(SPELLING).filter((k) => values[k] !== undefined && cmd.getOptionValueSource(k) !== "default");
  return Object.fromEntries(given.map((k) => [k, values[k]])) as Partial<RunOptions>;
}

/** The tasks of the commands that run one dialogue's graph (recognize, respond, chat); a benchmark's run in evals. */
export type DialogueTask = Extract<TaskName, "erc" | "erg">;

/** Run options checked for a task and method: the schema's types and ranges, the method's rules, and the label set read. */
export interface CheckedRun {
  task: DialogueTask;
  method: string;
  options: RunOptions;
  labelSet: LabelSet;
}

/**
 * The run options, parsed once: their types and ranges (one line naming the flag), the label set (read and checked:
 * taxonomy/labelSets.ts), and whether the method can run with them (graphs/methods.ts). Nothing here calls a model,
 * so every command runs it before the first call.
 */
export function checkRun(task: DialogueTask, method: string, raw: Partial<RunOptions>): CheckedRun {
  // Any run's schema (every aggregation): the task's own aggregations are the method's rules, said with its name.
  const parsed = RunOptions.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    // `agents.1` means the second listed agent: name it, since that is what the user typed.
    const [key, index] = issue?.path ?? [];
    const list = (raw as Record<string, unknown>)[String(key)];
    const value = typeof index === "number" && Array.isArray(list) ? ` ("${String(list[index])}")` : "";
    throw new Error(`Invalid option ${flagOf(String(key))}${value}: ${issue?.message}`);
  }
  const labelSet = loadLabelSet(parsed.data.labels);
  checkMethodOptions(task, method, parsed.data);
  return { task, method, options: parsed.data, labelSet };
}

/** The flags of the commands that run one graph (recognize, respond, chat) besides the run options. */
export interface GraphCommandOptions {
  json?: boolean;
  file?: string;
  server?: string;
  hideInputs?: boolean;
}

/**
 * The run options of `task`'s `methods`, and what the commands that run one graph share. `file: false` for a command
 * that takes no dialogue file (chat): the option stays out of its help, and is refused.
 */
export function addGraphOptions(cmd: Command, task: TaskName, methods: readonly string[], what: { file?: boolean } = {}): Command {
  const file = new Option("-f, --file <path>", "read the dialogue from a file, one turn per line (- for stdin)");
  return addRunOptions(cmd, task, methods)
    .addOption(what.file === false ? file.hideHelp() : file)
    .option("--json", "print one JSON object with every opinion, the answer, failures, tokens and latency")
    .option("--server <url>", "run the graph on a running LangGraph server (npm run dev), e.g. http://127.0.0.1:2024")
    .option("--hide-inputs", "keep dialogue text out of LangSmith traces (inputs and outputs hidden; also LANGSMITH_HIDE_INPUTS=true)");
}
