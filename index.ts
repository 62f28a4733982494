/**
 * InsideOut as a library: the graphs (compiled, and their builders to compile with your own checkpointer), their run
 * options, the model resolver, the label sets and the eval. Subpaths (`insideout/graphs/erg.js`, ...) reach the rest.
 */
export { graph as ercGraph, builder as ercBuilder } from "./graphs/erc.js";
export { graph as ergGraph, builder as ergBuilder } from "./graphs/erg.js";
export { graph as baselineErcGraph, builder as baselineErcBuilder } from "./graphs/baseline_erc.js";
export { graph as baselineErgGraph, builder as baselineErgBuilder } from "./graphs/baseline_erg.js";
export { graph as ercBaselineErgGraph, builder as ercBaselineErgBuilder } from "./graphs/erc_baseline_erg.js";
export { ErcRunOptions, ErgRunOptions, RunOptions, type TaskName } from "./state/runOptions.js";
export { builderFor, ERC_METHODS, ERG_METHODS } from "./graphs/methods.js";
export type { State, Opinion, Candidate, FinalEmotion, FinalReply } from "./state/state.js";
export { ModelResolver, registerProvider, resolveModel } from "./models/factory.js";
export type { ResolvedModel, ModelIdentity, ProviderFactory } from "./models/types.js";
export { withModels } from "./nodes/env.js";
export { ConversationError, turnsOf } from "./nodes/turns.js";
export { BUILTIN_LABEL_SETS, loadLabelSet } from "./taxonomy/labelSets.js";
export type { LabelSet } from "./taxonomy/labelSet.js";
export { runEval, type EvalOptions, type EvalResult } from "./evaluations/run.js";
export { ModelCallFailure, NotAResult, StorageError } from "./core/errors.js";
