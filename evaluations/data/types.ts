import type { Question } from "../../state/question.js";
import type { EqBenchReference } from "../eqbench/score.js";

/** A benchmark question's gold answer: EQ-Bench's reference intensities, or EmoBench's right option per field. */
export type BenchmarkGold =
  | { kind: "eqbench"; reference: EqBenchReference }
  | { kind: "eu" | "ea"; answers: Readonly<Record<string, string>> };

/**
 * One evaluation example: a dialogue (context turns, the speaker first, then speaker and listener alternating; or,
 * with `speakers`, a multi-party conversation), the gold emotion and, for response generation, the listener's reply.
 */
export interface Example {
  /** Stable across loads and across sources: `<conv_id>#<number of context turns>` for EmpatheticDialogues. */
  id: string;
  dialogue: string[];
  /** The gold label: ed32 for EmpatheticDialogues (the conversation's), meld7 for MELD (the last utterance's). */
  emotion: string;
  /** The listener's reply to `dialogue`; null where the source has none (3 test and 5 valid examples in MoEL's split). */
  reference: string | null;
  /** The speaker's situation description (ED's `prompt` column). */
  situation?: string;
  convId?: string;
  /** Multi-party dialogues (MELD): the name of each turn's speaker, one per `dialogue` turn. */
  speakers?: string[];
  /**
   * A benchmark question (EQ-Bench, EmoBench): what the benchmark graphs are given instead of the dialogue, with its
   * gold answer and its category (EmoBench's coarse category or EA's category, and language). `emotion` is then "".
   */
  benchmark?: { question: Question; gold: BenchmarkGold; category?: string };
}

/** A problem that does not stop loading (e.g. a CSV row with extra fields), with where it was found. */
export interface LoadWarning {
  file: string;
  line: number;
  message: string;
}

/** The LangSmith dataset `insideout data upload` creates and `eval --langsmith` runs against by default. */
export const DEFAULT_DATASET_NAME = "insideout-empathetic-dialogues";

/** `ed:test` and friends: the named EmpatheticDialogues splits. */
export type EdSplit = "train" | "valid" | "test";
export const ED_SPLITS: readonly EdSplit[] = ["train", "valid", "test"];

/** Example id for turn `contextLength` of conversation `convId`; the same for the MoEL JSONL and the official CSV. */
export function exampleId(convId: string, contextLength: number): string {
  return `${convId}#${contextLength}`;
}
