/**
 * Prompt templates are plain strings with `{name}` placeholders. Rendering fails loudly on a placeholder without a
 * value and on a value without a placeholder, so a renamed variable can never leave `{gaps}` in a prompt.
 */
const PLACEHOLDER = /\{([a-z_]+)\}/g;

export function placeholders(template: string): string[] {
  return [...new Set([...template.matchAll(PLACEHOLDER)].map((m) => m[1] as string))];
}

export function render(template: string, values: Readonly<Record<string, string>>): string {
  const needed = placeholders(template);
  const missing = needed.filter((p) => !(p in values));
  if (missing.length) throw new Error(`Prompt template is missing values for: ${missing.join(", ")}`);
  const unused = Object.keys(values).filter((k) => !needed.includes(k));
  if (unused.length) throw new Error(`Prompt template has no placeholder for: ${unused.join(", ")}`);
  return template.replace(PLACEHOLDER, (_, name: string) => values[name] as string);
}
