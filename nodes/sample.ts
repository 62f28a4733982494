/**
 * One self-consistency sample: the plain recogniser (ERC), the plain responder (ERG) or the benchmark baseline (EQ-Bench's
 * own prompt, EmoBench's plain answerer) asked once more, at the run's `sampleTemperature`, with no persona. The k samples are to the aggregate agent what the emotion agents are to
 * InsideOut: each writes under its own name (`sample-1` …) and, like an agent, records a failure instead of throwing,
 * so the other samples' work survives. Each call carries its index into the LLM cache key (models/answerKey.ts): k
 * requests that read the same are k answers, and a re-run replays them.
 */
import type { LangGraphRunnableConfig } from "@langchain/langgraph";
import type { SampleInput, Update } from "../state/state.js";
import { failureToRecord, record, usageOf } from "./common.js";
import { reportFailure, runEnv } from "./env.js";
import { askEqBenchPrompt, askQuestion, questionOf, ratesEveryEmotion } from "./answerQuestion.js";
import { askRecognizer } from "./recognize.js";
import { askResponder } from "./respond.js";
import type { Task } from "./emotionAgent.js";
import { sampleName } from "../state/state.js";

export function sample(task: Task) {
  return async function sampleNode(state: SampleInput, config: LangGraphRunnableConfig): Promise<Update> {
    const name = sampleName(state.sample);
    const runName = `sample:${state.sample}`;
    try {
      const env = await runEnv(config);
      const how = { model: await env.samplingModel(), runName, sample: state.sample };
      if (task === "benchmark") {
        const q = questionOf(state);
        // EQ-Bench's samples are its own prompt (the baseline) asked k times; EmoBench's, the plain answerer's.
        const { value, usage } = q.kind === "eqbench" ? await askEqBenchPrompt(q, config, how) : await askQuestion(q, config, how);
        if (q.kind === "eqbench" && !ratesEveryEmotion(q, value)) {
          const failure = reportFailure(config, name, `unparseable answer: it does not score exactly the four emotions (${q.emotions.join(", ")})`);
          return { failures: { [name]: failure }, calls: [record(runName, usage, true)] };
        }
        return { answers: { [name]: value }, failures: { [name]: null }, calls: [record(runName, usage, true)] };
      }
      if (task === "erc") {
        const { value, usage, note } = await askRecognizer(env, state, config, how);
        return { opinions: { [name]: value }, failures: { [name]: null }, calls: [record(runName, usage, true)], ...(note ? { notes: [note] } : {}) };
      }
      const { text, usage, note } = await askResponder(env, state, config, how);
      return { candidates: { [name]: { reply: text } }, failures: { [name]: null }, calls: [record(runName, usage, true)], ...(note ? { notes: [note] } : {}) };
    } catch (error) {
      const failure = reportFailure(config, name, failureToRecord(error, config));
      return { failures: { [name]: failure }, calls: [record(runName, usageOf(error), false)] };
    }
  };
}
