/** A llama.cpp binding that cannot start or be configured: one line, with what to do. */
export class LocalRuntimeError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LocalRuntimeError";
  }
}
