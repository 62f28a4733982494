/**
 * A rubric as data: EmpatheticDialogues' human-evaluation criteria (Rashkin et al. 2019, §5: empathy/sympathy,
 * relevance, fluency, each on a 1–5 Likert scale), the questions ED's crowd raters and Kumar et al. 2025's experts
 * answered about the Supporter's (ED's Listener's) responses in a conversation. `judge calibrate` asks our judge the
 * same questions, so its ratings can be set beside theirs.
 */

export interface Rubric<C extends string = string> {
  /** How the rubric is named in reports and in the judge's trace. */
  name: string;
  criteria: readonly C[];
  /** The integer scale of every criterion. */
  min: number;
  max: number;
  /** Each criterion's question, as the raters read it. */
  questions: Readonly<Record<C, string>>;
  /** System prompt; {rubric} is replaced by the criteria's questions, {min}/{max} by the scale. */
  system: string;
  /** User prompt; {conversation} is replaced by the conversation. */
  user: string;
}

export const ED_HUMAN_CRITERIA = ["empathy", "relevance", "fluency"] as const;
export type EdHumanCriterion = (typeof ED_HUMAN_CRITERIA)[number];

export const ED_HUMAN_RUBRIC: Rubric<EdHumanCriterion> = {
  name: "ed-human",
  criteria: ED_HUMAN_CRITERIA,
  min: 1,
  max: 5,
  questions: {
    empathy: "Empathy/Sympathy: did the responses show understanding of the feelings of the person talking about their experience?",
    relevance: "Relevance: did the responses seem appropriate to the conversation? Were they on-topic?",
    fluency: "Fluency: could you understand the responses? Did the language seem accurate?",
  },
  system: `You rate conversations for a study of empathetic dialogue. In each conversation a Seeker talks about a
personal experience and a Supporter responds. Rate the Supporter's responses in the whole conversation on each
criterion below, with an integer from {min} (not at all) to {max} (very much), as a careful human rater would.

{rubric}

Answer in JSON with one integer score per criterion: "empathy", "relevance", "fluency".`,
  user: `Conversation:
{conversation}`,
};
