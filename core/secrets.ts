/** Credentials must never be printed or traced: the one place that knows what they look like. */
import { environmentEntries } from "./settings.js";

/** Values of the environment's credentials (…_API_KEY, …_TOKEN, …_SECRET, …PASSWORD), longest first. */
export function secretValues(): string[] {
  return environmentEntries()
    .filter(([name, value]) => /KEY|TOKEN|SECRET|PASSWORD|CREDENTIALS/i.test(name) && value && value.length >= 8)
    .map(([, value]) => value!)
    .sort((a, b) => b.length - a.length);
}

/** The user information of a URL (`http://user:pass@host`): credentials wherever a URL is written. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;

/**
 * `text` with every credential value of the environment, every sk-…/lsv2_… key and every URL's user and password
 * replaced.
 */
export function maskSecrets(text: string, secrets: string[] = secretValues()): string {
  let masked = text;
  for (const s of secrets) masked = masked.split(s).join("[secret]");
  return masked.replace(/\b(sk|lsv2)[-_][A-Za-z0-9_-]{6,}/g, "$1…").replace(URL_USERINFO, "$1[secret]@");
}

/**
 * Refuses a server URL that holds a user name or password (`variable` names where it came from): fetch cannot send
 * them, so every call would fail as if the server were unreachable. The line shows the URL masked.
 */
export function refuseUrlCredentials(url: string, variable: string, keyVariable: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return; // not a URL: the client says so in its own words
  }
  if (parsed.username || parsed.password) {
    throw new Error(`${variable} holds a user name or password (${maskSecrets(url)}): requests cannot carry them in the URL; remove them, and give the key in ${keyVariable}.`);
  }
}
