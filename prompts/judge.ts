/**
 * The LLM judge of empathetic replies (the paper's GPT-4 judge of its ERG table). The paper names the five criteria and the 1–10 scale but
 * publishes no rubric; this one is our own. Each criterion has anchors at 1, 5 and 10 so that scores mean the same
 * thing across judge models and across runs.
 */

export const JUDGE_CRITERIA = ["fluency", "identification", "empathy", "suggestion", "overall"] as const;
export type JudgeCriterion = (typeof JUDGE_CRITERIA)[number];

export const RUBRIC: Readonly<Record<JudgeCriterion, string>> = {
  fluency:
    "Fluency: is the reply well-formed, natural, easy-to-read English? 1 = broken or unreadable; 5 = understandable " +
    "but awkward or with clear errors; 10 = perfectly natural, as a fluent person would write it.",
  identification:
    "Identification: does the reply show that the Listener recognised what the Speaker feels and what the situation " +
    "is? 1 = ignores or misreads the Speaker's feelings; 5 = a generic or partly right reading; 10 = names or clearly " +
    "reflects the Speaker's actual emotion and its cause.",
  empathy:
    "Empathy: does the reply show care and understanding, taking the Speaker's perspective? 1 = cold, dismissive or " +
    "inappropriate; 5 = polite but generic sympathy; 10 = warm, specific, genuinely understanding.",
  suggestion:
    "Suggestion: does the reply help the Speaker's well-being, with encouragement, a helpful idea or a question that " +
    "moves them forward, where that fits? 1 = unhelpful or harmful; 5 = vaguely supportive; 10 = a well-judged, " +
    "helpful contribution for this situation (which may be celebrating with them when the news is good).",
  overall:
    "Overall: how good is this reply as the Listener's next turn, all things considered? 1 = very poor; 5 = " +
    "acceptable; 10 = excellent, as a caring and skilled listener would answer.",
};

export const JUDGE_SYSTEM = `You are an impartial judge of empathetic conversation. You will read a conversation
between a Speaker and a Listener and one candidate reply for the Listener's next turn. Score the reply on each
criterion below with an integer from 1 to 10, judging the reply alone (not the earlier turns), and independently
of its length.

{rubric}

Answer in JSON with the five integer scores: "fluency", "identification", "empathy", "suggestion", "overall".`;

export const JUDGE_USER = `Conversation so far:
{dialogue}

Candidate reply of the Listener:
{reply}`;
