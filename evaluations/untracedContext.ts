/**
 * A lighter async context for the eval's worker threads, where nothing is traced.
 *
 * @langchain/core's `runWithConfig` runs every LangGraph node, channel write and branch (48 times per InsideOut
 * example) inside a brand-new LangSmith `RunTree` with `tracingEnabled: false`, whose only use with tracing off is to
 * carry the runnable's config (`extra[lc:child_config]`) and the `tracingEnabled: false` flag. Building it costs
 * ~20 µs (a uuid7 from `crypto.getRandomValues`, dates, environment reads, two dozen defineProperty calls) and makes
 * garbage: about 15 % of a worker's CPU per example (profiled at C = 32, bench/ part d). Here the same frame is a plain
 * object carrying those two fields; everything else `runWithConfig` does (a tracer's own run tree, context variables)
 * is kept as it is.
 *
 * This replaces a method of a library singleton, so it only does so over the exact source it was written against
 * (@langchain/core 1.4.0), and only in a worker thread, which never traces: `installUntracedContext()` returns false
 * and changes nothing otherwise (tests/integration/eval.untracedContext.test.ts fails on a @langchain/core upgrade, to look again).
 */
import { createHash } from "node:crypto";
import { CallbackManager } from "@langchain/core/callbacks/manager";
import type { RunnableConfig } from "@langchain/core/runnables";
import { AsyncLocalStorageProviderSingleton } from "@langchain/core/singletons";

/** sha256 (first 16 hex digits) of `runWithConfig.toString()` in @langchain/core 1.4.0. */
const RUN_WITH_CONFIG_SOURCE = "f9cadd9d3efec5f4";

const LC_CHILD_KEY = Symbol.for("lc:child_config");
const CONTEXT_VARIABLES_KEY = Symbol.for("lc:context_variables");

type Frame = { extra?: Record<PropertyKey, unknown>; tracingEnabled?: boolean; [CONTEXT_VARIABLES_KEY]?: unknown };
type Provider = typeof AsyncLocalStorageProviderSingleton;

const fingerprint = (f: (...args: never[]) => unknown) => createHash("sha256").update(f.toString()).digest("hex").slice(0, 16);

function runWithConfig<T>(this: Provider, config: RunnableConfig | undefined, callback: () => T, avoidCreatingRootRunTree?: boolean): T {
  const callbackManager = CallbackManager._configureSync(config?.callbacks, undefined, config?.tags, undefined, config?.metadata);
  const storage = this.getInstance();
  const previous = storage.getStore() as Frame | undefined;
  const parentRunId = callbackManager?.getParentRunId();
  const tracer = callbackManager?.handlers?.find((h) => h?.name === "langchain_tracer") as
    | { getRunTreeWithTracingConfig(id: string): Frame | undefined }
    | undefined;
  let frame: Frame | undefined;
  if (tracer && parentRunId) frame = tracer.getRunTreeWithTracingConfig(parentRunId);
  else if (!avoidCreatingRootRunTree) frame = { tracingEnabled: false, extra: {} };
  if (frame) frame.extra = { ...frame.extra, [LC_CHILD_KEY]: config };
  if (previous?.[CONTEXT_VARIABLES_KEY] !== undefined) {
    frame ??= {};
    frame[CONTEXT_VARIABLES_KEY] = previous[CONTEXT_VARIABLES_KEY];
  }
  return storage.run(frame, callback) as T;
}

/** True when installed (or already installed); false, changing nothing, over any other @langchain/core. */
export function installUntracedContext(provider: Provider = AsyncLocalStorageProviderSingleton): boolean {
  if (provider.runWithConfig === runWithConfig) return true;
  if (fingerprint(provider.runWithConfig) !== RUN_WITH_CONFIG_SOURCE) return false;
  provider.runWithConfig = runWithConfig;
  return true;
}
