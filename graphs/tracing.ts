/**
 * Whether LangChain will send the graphs' runs to LangSmith: the same four variables its callback manager reads
 * (@langchain/core's isTracingEnabled, which the package does not export). Tracing is opt-in; all of them are off
 * unless set to "true".
 */
const TRACING_VARIABLES = ["LANGSMITH_TRACING_V2", "LANGCHAIN_TRACING_V2", "LANGSMITH_TRACING", "LANGCHAIN_TRACING"];

export function tracingEnabled(): boolean {
  return TRACING_VARIABLES.some((name) => process.env[name] === "true");
}
