/** Options shared by the commands that run graphs, so they are spelled and documented once. */
import { Command, Option } from "commander";
import { DEFAULT_SAMPLE_TEMPERATURE, DEFAULT_SAMPLES, type RunOptions } from "../state/runOptions.js";
import { ALL_AGENTS } from "../taxonomy/agents.js";

export interface GraphCommandOptions {
  model?: string;
  labels: string;
  aggregation: RunOptions["aggregation"];
  agents: string;
  temperature: string;
  samples: string;
  sampleTemperature: string;
  json?: boolean;
  file?: string;
  server?: string;
  hideInputs?: boolean;
}

/** `file: false` for a command that takes no dialogue file (chat): the option stays out of its help, and is refused. */
export function addGraphOptions(cmd: Command, what: { file?: boolean } = {}): Command {
  const file = new Option("-f, --file <path>", "read the dialogue from a file, one turn per line (- for stdin)");
  return cmd
    .option(
      "-m, --model <provider:model>",
      "model, e.g. openai:gpt-4o-mini, anthropic:claude-sonnet-4-5, google-genai:gemini-2.5-flash, gigachat:GigaChat-2-Max, ollama:llama3.2, local:./model.gguf (default: auto: openai:gpt-4o-mini with OPENAI_API_KEY or OPENAI_BASE_URL, else the embedded local model)",
    )
    .option("-l, --labels <set>", "label set: ed32, ed18, meld7, or a JSON label-set file", "ed32")
    .addOption(
      new Option("-a, --aggregation <strategy>", "how the aggregate agent decides").choices(["llm", "vote", "weighted"]).default("llm"),
    )
    .option("--agents <list>", `comma-separated emotion agents (${ALL_AGENTS.join(", ")})`, "anger,disgust,fear,happiness,sadness")
    .option("-t, --temperature <t>", "sampling temperature", "0")
    .option("--samples <k>", "self-consistency: how many times the plain recogniser (or responder) is asked", String(DEFAULT_SAMPLES))
    .option("--sample-temperature <t>", "self-consistency: the samples' temperature, above 0 (the aggregator uses --temperature)", String(DEFAULT_SAMPLE_TEMPERATURE))
    .addOption(what.file === false ? file.hideHelp() : file)
    .option("--json", "print one JSON object with every opinion, the answer, failures, tokens and latency")
    .option("--server <url>", "run the graph on a running LangGraph server (npm run dev), e.g. http://127.0.0.1:2024")
    .option("--hide-inputs", "keep dialogue text out of LangSmith traces (inputs and outputs hidden; also LANGSMITH_HIDE_INPUTS=true)");
}

function numberOption(name: string, text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n)) throw new Error(`--${name} must be a number, got "${text}".`);
  return n;
}

export function toRunOptions(o: GraphCommandOptions): Partial<RunOptions> {
  const temperature = numberOption("temperature", o.temperature);
  return {
    model: o.model ?? "auto",
    labels: o.labels,
    aggregation: o.aggregation,
    agents: o.agents.split(",").map((a) => a.trim()).filter(Boolean) as RunOptions["agents"],
    temperature,
    samples: numberOption("samples", o.samples),
    sampleTemperature: numberOption("sample-temperature", o.sampleTemperature),
  };
}
