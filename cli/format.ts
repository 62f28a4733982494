/** Human-readable output of a run; what a model wrote is shown, not obeyed, by the terminal (terminalText.ts). */
import { isSelfConsistency } from "../graphs/methodNames.js";
import type { RunResult } from "./run.js";
import { shown } from "../core/terminalText.js";

const pct = (x: number) => `${Math.round(x * 100)}%`;

export function formatOpinion(agent: string, o: { emotion: string; confidence: number; rationale: string }): string {
  return `  ${agent.padEnd(10)} ${o.emotion.padEnd(13)} ${pct(o.confidence).padStart(4)}  ${shown(o.rationale)}`;
}

export function formatResult(r: RunResult): string {
  const lines: string[] = [];
  if (r.recognized && r.method !== "baseline") lines.push(`Recognised emotion: ${r.recognized.emotion} (${pct(r.recognized.confidence)})`);
  const opinions = Object.entries(r.opinions);
  if (opinions.length) {
    lines.push(isSelfConsistency(r.method) ? "Samples:" : "Agents:");
    for (const [a, o] of opinions) lines.push(formatOpinion(a, o));
  }
  const candidates = Object.entries(r.candidates);
  if (candidates.length) {
    lines.push("Candidate replies:");
    for (const [a, c] of candidates) lines.push(`  ${a.padEnd(10)} ${(c.confidence === undefined ? "" : pct(c.confidence)).padStart(4)}  ${shown(c.reply)}`);
  }
  for (const [a, why] of Object.entries(r.failures)) lines.push(`  ${a.padEnd(10)} FAILED: ${shown(why)}`);
  if (r.task === "erc" && r.emotion) {
    lines.push(`Emotion: ${r.emotion.emotion} (${pct(r.emotion.confidence)}, ${r.emotion.decidedBy}) — ${shown(r.emotion.rationale)}`);
  }
  if (r.reply) {
    const by = r.reply.author === "responder" ? "" : ` [chosen: ${r.reply.author}${r.reply.rationale ? ` — ${shown(r.reply.rationale)}` : ""}]`;
    lines.push(`Reply: ${shown(r.reply.text)}${by}`);
  }
  lines.push(
    `(${r.usage.llmCalls} LLM calls, ${r.usage.promptTokens}+${r.usage.completionTokens} tokens, ${(r.latencyMs / 1000).toFixed(2)} s, ${r.options.model})`,
  );
  return lines.join("\n");
}
