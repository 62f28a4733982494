/**
 * Markdown and HTML renderings of tables and charts, shared by the experiment report and `insideout compare`.
 * The HTML page is self-contained: inline CSS and SVG, no scripts, nothing loaded from elsewhere.
 */
import type { Chart } from "./charts.js";
import { escapeHtml as esc, mdTable } from "./format.js";
import { SHOWN_EXAMPLES, type Prediction } from "./schema.js";
import type { Table } from "./tables.js";

export function tableToMarkdown(t: Table): string {
  return [`## ${t.title}`, "", mdTable(t.head, t.rows), ...(t.note ? ["", `_${t.note}_`] : [])].join("\n");
}

export function tableToHtml(t: Table): string {
  const head = t.head.map((h) => `<th>${esc(h)}</th>`).join("");
  const rows = t.rows.map((r) => `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${esc(c)}</th>` : `<td>${esc(c)}</td>`)).join("")}</tr>`).join("\n");
  return (
    `<section class="table ${esc(t.key)}"><h2>${esc(t.title)}</h2>` +
    `<div class="scroll"><table><thead><tr>${head}</tr></thead><tbody>\n${rows}\n</tbody></table></div>` +
    (t.note ? `<p class="note">${esc(t.note)}</p>` : "") +
    `</section>`
  );
}

export function chartToHtml(c: Chart): string {
  return `<figure class="chart">${c.svg}</figure>`;
}

/** What each agent said about one example: its label (ERC) or its proposed reply (ERG), and what failed. */
function opinionsHtml(p: Prediction): string {
  const conf = (c: number | undefined) => (c === undefined ? "" : c.toFixed(2));
  const rows: string[] = [];
  for (const [agent, o] of Object.entries(p.opinions)) {
    rows.push(`<tr><th scope="row">${esc(agent)}</th><td class="label">${esc(o.emotion)}</td><td>${conf(o.confidence)}</td><td class="text">${esc(o.rationale ?? "")}</td></tr>`);
  }
  for (const [agent, c] of Object.entries(p.candidates)) {
    const chosen = p.prediction.author === agent ? ' class="chosen"' : "";
    rows.push(`<tr${chosen}><th scope="row">${esc(agent)}${chosen ? " (chosen)" : ""}</th><td class="text">${esc(c.reply)}</td><td>${conf(c.confidence)}</td><td class="text">${esc(c.rationale ?? "")}</td></tr>`);
  }
  for (const [agent, why] of Object.entries(p.failures)) {
    rows.push(`<tr><th scope="row">${esc(agent)}</th><td class="err" colspan="3">failed: ${esc(why)}</td></tr>`);
  }
  if (!rows.length) return "";
  const what = Object.keys(p.candidates).length ? "Reply" : "Emotion";
  return (
    `<table class="opinions"><caption>Agents' opinions</caption><thead><tr><th>Agent</th><th>${what}</th><th>Confidence</th><th>Rationale</th></tr></thead>` +
    `<tbody>${rows.join("")}</tbody></table>`
  );
}

/**
 * A few examples with their dialogues and the agents' opinions, so a reader sees what was asked and how the answer
 * came about; the first ones are open. Everything in them is user data, escaped.
 */
export function examplesToHtml(preds: readonly Prediction[], limit = SHOWN_EXAMPLES, open = 3): string {
  if (!preds.length) return "";
  const items = preds.slice(0, limit).map((p, i) => {
    // Multi-party dialogues (MELD) name each turn's speaker; two-party ones alternate speaker and listener.
    const who = p.inputs?.speakers;
    const turns = (p.inputs?.dialogue ?? [])
      .map((t, i) => `<li class="${i % 2 ? "listener" : "speaker"}">${who?.[i] ? `<b>${esc(who[i])}:</b> ` : ""}${esc(t)}</li>`)
      .join("");
    const predicted = p.error
      ? `<span class="err">error: ${esc(p.error)}</span>`
      : [p.prediction.emotion ? `emotion <b>${esc(p.prediction.emotion)}</b>` : "", p.prediction.reply ? `reply “${esc(p.prediction.reply)}”` : ""]
          .filter(Boolean)
          .join(" · ");
    const gold = `gold <b>${esc(p.gold.label ?? p.gold.emotion)}</b>${p.reference ? ` · reference “${esc(p.reference)}”` : ""}`;
    const judge = p.judge
      ? `<p class="example-judge">judge: ${Object.entries(p.judge).filter((kv) => typeof kv[1] === "number").map(([k, v]) => `${esc(k)} ${String(v)}`).join(" · ")}</p>`
      : "";
    return `<details class="example"${i < open ? " open" : ""}><summary>${esc(p.id)} — ${gold} — ${predicted}</summary><ol class="dialogue">${turns}</ol>${opinionsHtml(p)}${judge}</details>`;
  });
  return `<section class="examples"><h2>Examples (first ${Math.min(limit, preds.length)} of ${preds.length})</h2>${items.join("\n")}</section>`;
}

const CSS = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:1200px;padding:0 16px;color:#222;background:#fff}
h1{font-size:22px;margin-bottom:4px}h2{font-size:16px;margin:24px 0 8px}
.meta{color:#555;font-size:13px}
table{border-collapse:collapse;font-size:13px}th,td{border:1px solid #ddd;padding:4px 8px;text-align:right;white-space:nowrap}
thead th{background:#f3f5f8}tbody th{text-align:left;font-weight:500}
.scroll{overflow-x:auto}.note{font-size:12px;color:#666;max-width:900px}
.charts{display:flex;flex-wrap:wrap;gap:24px;align-items:flex-start}
figure.chart{margin:0;padding:8px;border:1px solid #eee;border-radius:6px;background:#fff}
details{font-size:13px;margin:6px 0}summary{cursor:pointer}.dialogue li.listener{color:#555}.err{color:#b00}
table.opinions{margin:4px 0 8px 24px;font-size:12px}table.opinions th,table.opinions td{text-align:left}table.opinions caption{text-align:left;font-weight:600;padding:2px 0}
table.opinions td.text,table.opinions td.label{text-align:left;white-space:normal;max-width:560px}tr.chosen{background:#eef6ee}.example-judge{margin:0 0 8px 24px;color:#555}
`;

export interface Page {
  title: string;
  meta: string[];
  sections: string[];
}

export function htmlPage(p: Page): string {
  return [
    "<!doctype html>",
    '<html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    // No network: the page must render offline and must not fetch anything on a reader's behalf.
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${esc(p.title)}</title><style>${CSS}</style></head><body>`,
    `<h1>${esc(p.title)}</h1>`,
    `<p class="meta">${p.meta.map(esc).join("<br>")}</p>`,
    ...p.sections,
    "</body></html>",
    "",
  ].join("\n");
}
