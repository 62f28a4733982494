/** Small text helpers shared by the Markdown, HTML and terminal renderings. */

/** HTML-escapes text (dialogues and labels are user data); safe in element content and in quoted attributes. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

/** Markdown table cells must not break the row: pipes are escaped and line breaks become spaces. */
export function mdCell(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

export function mdTable(head: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.map(mdCell).join(" | ")} |`;
  return [line(head), `|${head.map(() => "---").join("|")}|`, ...rows.map(line)].join("\n");
}

/** A fixed-width terminal table; columns of numbers (and intervals, dashes) are right-aligned, text left-aligned. */
export function textTable(head: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const all = [head, ...rows];
  const widths = head.map((_, c) => Math.max(...all.map((r) => (r[c] ?? "").length)));
  const numeric = head.map((_, c) => rows.length > 0 && rows.every((r) => /^[-+−±<\d.[\], –()a-z]*$/.test(r[c] ?? "") && /\d|–/.test(r[c] ?? "")));
  const line = (cells: readonly string[]) =>
    cells.map((cell, c) => (numeric[c] ? cell.padStart(widths[c]!) : cell.padEnd(widths[c]!))).join("  ").trimEnd();
  return [line(head), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

/** A number with fixed decimals, or an en dash where there is none (so tables never show "NaN" or "undefined"). */
export function fmt(x: number | null | undefined, digits = 2): string {
  return x === null || x === undefined || !Number.isFinite(x) ? "–" : x.toFixed(digits);
}

/** A signed difference, as the paper's "Improv." column prints it. */
export function signed(x: number | null | undefined, digits = 2): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return "–";
  return `${x > 0 ? "+" : x < 0 ? "−" : "±"}${Math.abs(x).toFixed(digits)}`;
}

export function ci(range: readonly [number, number] | null | undefined, digits = 2): string {
  return range ? `[${fmt(range[0], digits)}, ${fmt(range[1], digits)}]` : "–";
}

export function pValue(p: number | null | undefined): string {
  if (p === null || p === undefined || !Number.isFinite(p)) return "–";
  return p < 0.001 ? "<0.001" : p.toFixed(3);
}

export function int(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? "–" : Math.round(x).toLocaleString("en-US");
}
