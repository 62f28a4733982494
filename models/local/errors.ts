/**
 * What goes wrong with a local: model, as one line with what to do. `model`: the name or the file (not found, not
 * GGUF, cannot be loaded); `header`: a GGUF header with an insane count; `runtime`: llama.cpp cannot start or make a
 * context; `schema`: a JSON schema the grammar cannot express. Kept apart from node-llama-cpp so that naming it loads
 * nothing.
 */
export type LocalFailureKind = "model" | "header" | "runtime" | "schema";

export class LocalModelError extends Error {
  constructor(
    readonly kind: LocalFailureKind,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = "LocalModelError";
  }
}
