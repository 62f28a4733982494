/**
 * The benchmark questions (EQ-Bench v2, EmoBench EU and EA) as the emotion agents, the aggregate agent and the plain
 * answerer see them: laid out as ERC's prompts are (prompts/erc.ts), the task's shared part first (system), then the
 * question (QUESTION_*), then the caller's own instruction as a message of its own, so a question's prompts share
 * their longest prefix. Our own wording; the EQ-Bench baseline instead sends EQ-Bench's own prompt unchanged (minus
 * its revision part, as EQ-Bench's runner does by default).
 */

export const EQBENCH_SHARED = `Predict the emotional state of a character at the end of a dialogue: give each of the
four listed emotions a score from 0 to 10 for the intensity the character is likely to feel it. Zero is a valid score,
meaning they are likely not feeling that emotion; score at least one emotion above 0.

Answer in JSON with "scores" (each of the four emotions, named exactly as listed, with a whole number from 0 to 10)
and "rationale" (one or two sentences).`;

export const QUESTION_EQBENCH = `Dialogue:
{dialogue}
[End dialogue]

{ask}`;

export const EMOBENCH_SHARED_EU = `Read the scenario and answer two questions about {subject}: which emotion they would
ultimately feel, and what caused it. Choose each answer from its list, written exactly as listed.

Answer in JSON with "emotion" (one of the emotion options), "cause" (one of the cause options), "confidence" (a number
from 0 to 1 for how sure you are) and "rationale" (one or two sentences).`;

export const EMOBENCH_SHARED_EA = `Read the scenario and choose the most effective action or reply for {subject} among
the options, written exactly as listed.

Answer in JSON with "choice" (one of the options), "confidence" (a number from 0 to 1 for how sure you are) and
"rationale" (one or two sentences).`;

export const QUESTION_EMOBENCH = `Scenario:
{scenario}

{options}`;

/** The plain answerer (the benchmarks' baseline and self-consistency's samples of EmoBench) before the shared part. */
export const PLAIN_ANSWERER = `You are an expert in emotions.`;

export const AGENT_BENCHMARK_PERSONA = `{persona}

Read the question above through your own eyes, as {agent}. Your own emotion makes you sensitive to some feelings, but
be honest: answer as the person in the question would feel and act, not as you would.`;

const AGGREGATE_HEAD = `You are the aggregate agent of an emotionally intelligent system.`;

export const AGGREGATE_BENCHMARK = `${AGGREGATE_HEAD} Several emotion agents, each embodying one
emotion, have answered the question above. Weigh their answers and their reasons against the question itself, and
give the final answer. An agent is biased towards its own emotion, so agreement between different agents is strong
evidence, and a well-argued minority view can still be right.

The agents' answers:
{answers}`;

export const AGGREGATE_BENCHMARK_SAMPLES = `${AGGREGATE_HEAD} The same question above has been
answered several times, independently. Weigh the answers and their reasons against the question itself, and give the
final answer. Agreement between answers is evidence, and a well-argued minority view can still be right.

The answers:
{answers}`;
