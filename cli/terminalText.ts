/**
 * Text a model or a server wrote, made safe to print on a terminal: control characters (ESC starts colour, cursor and
 * clipboard sequences; CR overwrites the line) are shown as `\x1b`, not obeyed. Line breaks and tabs stay.
 */
const obeyed = (code: number): boolean => (code < 0x20 && code !== 0x09 && code !== 0x0a) || (code >= 0x7f && code <= 0x9f);

export function shown(text: string): string {
  let out = "";
  let from = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (!obeyed(code)) continue;
    out += `${text.slice(from, i)}\\x${code.toString(16).padStart(2, "0")}`;
    from = i + 1;
  }
  return from === 0 ? text : out + text.slice(from);
}
