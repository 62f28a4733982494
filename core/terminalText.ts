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

/** One whole line on stderr, shown as text, first clearing, on a terminal, the line a progress bar may be drawing on. */
export function stderrLine(line: string): void {
  process.stderr.write(`${process.stderr.isTTY ? "\r\x1b[2K" : ""}${shown(line)}\n`);
}
