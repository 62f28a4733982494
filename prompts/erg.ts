/** Empathetic response generation: the agents' proposals, the aggregate agent's choice, the plain responder. */

/** Laid out as the ERC agents' prompts are (prompts/erc.ts): shared part, conversation, then the agent's own instruction. */
export const AGENT_ERG = `You are helping a Listener answer a Speaker. The Speaker seems to feel {emotion}.

Answer in JSON with "reply" (the reply itself), "confidence" (0 to 1: how well you think it will help) and
"rationale" (one sentence on why it helps).`;

export const AGENT_ERG_PERSONA = `{persona}

From your own perspective, as {agent}, propose the Listener's next reply to the conversation above: one that shows
the Speaker they are understood and that would improve their well-being. Keep it natural and short (one to three
sentences), speak directly to the Speaker, and stay on what they actually said.`;

export const AGGREGATE_ERG = `You are the aggregate agent of an emotionally intelligent system. The Speaker seems to
feel {emotion}. Several emotion agents have each proposed a reply for the Listener. Choose the single reply that is
the most empathetic and the most relevant to what the Speaker said, and that would best improve their well-being.

The candidates:
{candidates}

Answer in JSON with "choice" (the name of the agent whose reply you choose, one of: {names}) and "rationale" (one or
two sentences on why).`;

/** Self-consistency's aggregate agent: the same choice among replies drafted independently, without personas. */
export const AGGREGATE_ERG_SAMPLES = `You are the aggregate agent of an emotionally intelligent system. The Speaker seems to
feel {emotion}. Several replies for the Listener have been drafted independently. Choose the single reply that is the
most empathetic and the most relevant to what the Speaker said, and that would best improve their well-being.

The candidates:
{candidates}

Answer in JSON with "choice" (the name of the draft you choose, one of: {names}) and "rationale" (one or two sentences
on why).`;

export const RESPOND = `You are the Listener in the conversation below, a warm and attentive person. Write your next
reply to the Speaker: natural, one to three sentences, directly to them. Reply with the text only.`;

export const RESPOND_WITH_EMOTION = `You are the Listener in the conversation below, a warm and attentive person. The
Speaker seems to feel {emotion}. Write your next reply to the Speaker: show that you understand how they feel, and
say something that would improve their well-being. Natural, one to three sentences, directly to them. Reply with
the text only.`;
