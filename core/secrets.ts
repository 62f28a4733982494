/** Credentials must never be printed or traced: the one place that knows what they look like. */
import { environmentEntries } from "./settings.js";

/** Values of the environment's credentials (…_API_KEY, …_TOKEN, …_SECRET, …PASSWORD), longest first. */
export function secretValues(): string[] {
  return environmentEntries()
    .filter(([name, value]) => /KEY|TOKEN|SECRET|PASSWORD|CREDENTIALS/i.test(name) && value && value.length >= 8)
    .map(([, value]) => value!)
    .sort((a, b) => b.length - a.length);
}

/** `text` with every credential value of the environment and every sk-…/lsv2_… key replaced. */
export function maskSecrets(text: string, secrets: string[] = secretValues()): string {
  let masked = text;
  for (const s of secrets) masked = masked.split(s).join("[secret]");
  return masked.replace(/\b(sk|lsv2)[-_][A-Za-z0-9_-]{6,}/g, "$1…");
}
