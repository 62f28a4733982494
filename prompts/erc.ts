/** Emotion recognition: the emotion agents' view, the aggregate agent's decision, the zero-shot recogniser. */

/**
 * Every InsideOut ERC prompt is laid out shared part first: ERC_SHARED (the task's label list and answer format, the
 * same for the five agents and the aggregate agent), then the conversation (DIALOGUE), then the caller's own
 * instruction (AGENT_ERC_PERSONA, AGGREGATE_ERC or AGGREGATE_ERC_SAMPLES) as a message of its own. The six prompts of a
 * dialogue thus share their longest prefix, which a local runtime keeps evaluated between calls and a server's prefix
 * cache (vLLM, llama-server, OpenAI) reuses.
 */
export const ERC_SHARED = `Choose exactly one label from this list: {labels}.

Answer in JSON with "emotion" (one label from the list), "confidence" (a number from 0 to 1 for how sure you are)
and "rationale" (one or two sentences).`;

export const AGENT_ERC_PERSONA = `{persona}

Read the conversation above through your own eyes, as {agent}. Decide which emotion the Speaker feels about the
situation they describe. Your own emotion makes you sensitive to some feelings, but be honest: if the Speaker's
emotion is not yours, say which one it is.`;

export const AGGREGATE_ERC = `You are the aggregate agent of an emotionally intelligent system. Several emotion agents,
each embodying one emotion, have read the conversation above and given their opinion of the Speaker's emotion.
Weigh their opinions and their reasons against the conversation itself, and decide the Speaker's emotion.
An agent is biased towards its own emotion, so agreement between different agents is strong evidence, and a
well-argued minority view can still be right.

The agents' opinions:
{opinions}`;

/** Self-consistency's aggregate agent: the same decision over independent readings instead of the agents' opinions. */
export const AGGREGATE_ERC_SAMPLES = `You are the aggregate agent of an emotionally intelligent system. The same question
has been asked several times, independently, about the conversation above, and each reading gave its opinion of the
Speaker's emotion. Weigh their opinions and their reasons against the conversation itself, and decide the Speaker's
emotion. Agreement between readings is evidence, and a well-argued minority view can still be right.

The readings' opinions:
{opinions}`;

export const RECOGNIZE = `You are an expert in emotions. Read the conversation below and decide which emotion the
Speaker feels about the situation they describe.

Choose exactly one label from this list: {labels}.

Answer in JSON with "emotion" (one label from the list), "confidence" (0 to 1) and "rationale" (one or two sentences).`;

export const DIALOGUE = `Conversation:
{dialogue}`;

/** Before a multi-party dialogue (MELD), whose turns carry their speakers' names instead of Speaker/Listener. */
export const NAMED_SPEAKERS = `(Each line starts with its speaker's name. The Speaker is {speaker}, who says the last line.)`;
