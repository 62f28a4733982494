/** A label set: the labels a model may answer with, and how gold labels map onto them (built-ins and files: labelSets.ts). */
export interface LabelSet {
  name: string;
  /** Labels the model chooses among, in a fixed order that also breaks ties deterministically. */
  labels: readonly string[];
  /** Maps a fine-grained gold label (e.g. an ed32 label) to a label of this set; identity where absent. */
  groupOf: Readonly<Record<string, string>>;
  /** The file it was read from; absent for a built-in set. */
  source?: string;
}
