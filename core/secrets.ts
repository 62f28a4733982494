/** Credentials must never be printed or traced: the one place that knows what they look like. */
import { environmentEntries } from "./settings.js";

/** Values of the environment's credentials (…_API_KEY, …_TOKEN, …_SECRET, …PASSWORD), longest first. */
export function secretValues(): string[] {
  return environmentEntries()
    .filter(([name, value]) => /KEY|TOKEN|SECRET|PASSWORD|CREDENTIALS/i.test(name) && value && value.trim().length >= 8)
    .map(([, value]) => value!.trim())
    .sort((a, b) => b.length - a.length);
}

/** The user information of a URL (`http://user:pass@host`): credentials wherever a URL is written. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;
/**
 * A URL's query string and fragment (`…/v1?key=…`): where a key is passed when a header is not. Stops at a quote or
 * backslash, so that masked JSON stays JSON, and before the punctuation that ends a sentence.
 */
const URL_QUERY = /\b([a-z][a-z0-9+.-]*:\/\/[^\s?#"'<>\\]*)[?#][^\s"'<>\\]*?(?=[):,.;]*(?:[\s"'<>\\]|$))/gi;

const spread = new Map<string, RegExp>();

/**
 * `secret` matched even where a line break or spaces split it (a message wrapped, a header value folded): its
 * characters in order, any whitespace between them.
 */
function spreadPattern(secret: string): RegExp {
  let pattern = spread.get(secret);
  if (!pattern) {
    const chars = [...secret.replace(/\s+/g, "")].map((c) => c.replace(/[.*+?^${}()|[\]\\/-]/g, "\\$&"));
    pattern = new RegExp(chars.join("\\s*"), "g");
    if (spread.size > 64) spread.clear();
    spread.set(secret, pattern);
  }
  return pattern;
}

/**
 * `text` with every credential value of the environment (whole or split by whitespace), every sk-…/lsv2_… key, every
 * URL's user and password and every URL's query string replaced.
 */
export function maskSecrets(text: string, secrets: string[] = secretValues()): string {
  let masked = text;
  for (const s of secrets) {
    masked = masked.split(s).join("[secret]");
    if (s.replace(/\s+/g, "").length >= 8) masked = masked.replace(spreadPattern(s), "[secret]");
  }
  return masked
    .replace(/\b(sk|lsv2)[-_][A-Za-z0-9_-]{6,}/g, "$1…")
    .replace(URL_USERINFO, "$1[secret]@")
    .replace(URL_QUERY, "$1?[secret]");
}
