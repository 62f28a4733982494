import { notAResultIn } from "../core/errors.js";
import { maskSecrets } from "../core/secrets.js";
import { setting } from "../core/settings.js";
import { shown } from "../core/terminalText.js";

/** One line a user can act on, for any error; never an API key. */
export function explain(error: unknown): string {
  // Ours already say what happened, where, and what to do.
  const ours = notAResultIn(error);
  if (ours) return shown(maskSecrets(ours.message.replace(/\s+/g, " ").trim()));
  let message = error instanceof Error ? error.message : String(error);
  // The OpenAI client reports any transport failure as "Connection error."; our retrying fetch's reason (timeouts,
  // dropped connections, after N attempts) is in the cause, and it is the part a user can act on.
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error && cause.name === "TransportError") message = `${message} ${cause.message}`;
  let line = message.replace(/\s+/g, " ").trim().slice(0, 400);
  if (/Connection error|ECONNREFUSED|ENOTFOUND|fetch failed/i.test(message)) {
    const where = baseUrlShown();
    line = `Cannot reach the model server${where}: check that it is running, or set OPENAI_BASE_URL / --model. (${line})`;
  } else if (/401|Incorrect API key|invalid_api_key/i.test(message)) {
    line = `The model server rejected the API key: check OPENAI_API_KEY. (${line})`;
  }
  // A server's or model's words may be in it: shown, not obeyed, by the terminal.
  return shown(maskSecrets(line));
}

/** " at <OPENAI_BASE_URL>" when it is set and valid: explaining one error must not throw another. */
function baseUrlShown(): string {
  try {
    const baseUrl = setting("OPENAI_BASE_URL");
    return baseUrl ? ` at ${baseUrl}` : "";
  } catch {
    return "";
  }
}
