/**
 * LangSmith's problems named as LangSmith's: a failed LangSmith call (unreachable, slow, a rejected key, a 5xx) becomes
 * one line naming LANGSMITH_ENDPOINT and what to set, instead of passing for a model server's failure. It stops the
 * run (going on cannot help), and being a NotAResult the CLI prints its message as it is.
 */
import { NotAResult } from "./errors.js";
import { maskSecrets } from "./secrets.js";
import { SETTINGS, setting } from "./settings.js";

export const DEFAULT_LANGSMITH_ENDPOINT = SETTINGS.LANGSMITH_ENDPOINT.default;

/**
 * The langsmith Client's documented options for its own timeout and retries (a few seconds, not half a minute), and
 * its server and key read through our settings, so that a key with a line break or an endpoint with a query string is
 * one line before the first call instead of the SDK's own error with the value in it.
 */
export function langsmithClientOptions(): { timeout_ms: number; callerOptions: { maxRetries: number }; apiUrl: string; apiKey?: string } {
  const apiKey = setting("LANGSMITH_API_KEY");
  return { timeout_ms: setting("INSIDEOUT_LANGSMITH_TIMEOUT_MS"), callerOptions: { maxRetries: 1 }, apiUrl: setting("LANGSMITH_ENDPOINT"), ...(apiKey ? { apiKey } : {}) };
}

export class LangSmithFailure extends NotAResult {
  readonly stopsRun = true;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = "LangSmithFailure";
  }
}

function endpoint(): string {
  return setting("LANGSMITH_ENDPOINT");
}

function textOf(error: unknown): string {
  const parts: string[] = [];
  for (let e = error, i = 0; e && i < 6; e = (e as { cause?: unknown }).cause, i++) {
    parts.push(e instanceof Error ? `${e.name} ${e.message} ${String((e as { code?: unknown }).code ?? "")}` : String(e));
  }
  return parts.join(" ");
}

/**
 * The LangSmithFailure that a langsmith Client call's error stands for, or undefined when it is not a transport or
 * HTTP failure. Call it where a LangSmith call is awaited: `catch (e) { throw langsmithFailure(e) ?? e; }`.
 */
export function langsmithFailure(error: unknown): LangSmithFailure | undefined {
  if (error instanceof LangSmithFailure) return error;
  const text = textOf(error);
  const at = `LangSmith at ${endpoint()}`;
  const status = (error as { status?: unknown })?.status;
  const code = typeof status === "number" ? status : Number(/\b([45]\d\d)\b/.exec(text)?.[1]);
  let line: string | undefined;
  if (code === 401 || code === 403) line = `${at} rejected the API key (HTTP ${code}): check LANGSMITH_API_KEY.`;
  else if (code >= 500) line = `${at} failed (HTTP ${code}): try again later, or check LANGSMITH_ENDPOINT.`;
  else if (code === 429) line = `${at} is rate-limiting (HTTP 429): try again later.`;
  else if (/ECONNREFUSED|ENOTFOUND|EAI_AGAIN|fetch failed|ECONNRESET|UND_ERR|other side closed/i.test(text))
    line = `Cannot reach ${at}: check LANGSMITH_ENDPOINT (unset means ${DEFAULT_LANGSMITH_ENDPOINT}), or leave --langsmith off.`;
  else if (/timed? ?out|TimeoutError|AbortError|aborted/i.test(text))
    line = `${at} did not answer in time: check LANGSMITH_ENDPOINT, or raise INSIDEOUT_LANGSMITH_TIMEOUT_MS.`;
  return line ? new LangSmithFailure(maskSecrets(line), { cause: error }) : undefined;
}

/**
 * Before LangSmith is used: is anything answering at the endpoint? langsmith 0.12's Client retries a refused connection
 * four times with backoff (~27 s) whatever its caller options say, so an unreachable endpoint is found here, in at most
 * a few seconds, with one GET of its `/info`. Any HTTP answer counts as reachable: keys and statuses are the client's.
 */
export async function reachLangSmith(timeoutMs = 5000): Promise<void> {
  const url = `${endpoint().replace(/\/+$/, "")}/info`;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: "manual" });
    await res.body?.cancel();
  } catch (error) {
    const timedOut = error instanceof Error && (error.name === "TimeoutError" || error.name === "AbortError");
    const line = timedOut
      ? `LangSmith at ${endpoint()} did not answer within ${timeoutMs / 1000} s: check LANGSMITH_ENDPOINT, or leave --langsmith off.`
      : `Cannot reach LangSmith at ${endpoint()}: check LANGSMITH_ENDPOINT (unset means ${DEFAULT_LANGSMITH_ENDPOINT}), or leave --langsmith off.`;
    throw new LangSmithFailure(maskSecrets(line), { cause: error });
  }
}
