/**
 * Charts as inline SVG strings, generated here so that report.html is one self-contained file (no scripts, no
 * CDN, nothing fetched). Every text that reaches the markup goes through escapeHtml. Shapes carry data-* attributes
 * (label, value) so a test, or a reader's devtools, can check what was drawn.
 */
import { escapeHtml as esc, fmt } from "./format.js";

/** The sequential scale of the heatmap, light to dark (ColorBrewer "Blues"); 0 maps to the first, 1 to the last. */
export const HEAT_STOPS = ["#f7fbff", "#deebf7", "#c6dbef", "#9ecae1", "#6baed6", "#4292c6", "#2171b5", "#08519c", "#08306b"] as const;

/** Categorical colours for series (Tableau 10), chosen to stay distinct for the colour-blind in the first four. */
export const SERIES_COLOURS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"] as const;

const hex = (n: number) => Math.round(n).toString(16).padStart(2, "0");
const rgb = (c: string) => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)) as [number, number, number];

/** Colour of a share in [0, 1], interpolated linearly between neighbouring stops. */
export function heatColour(share: number): string {
  const t = Math.min(1, Math.max(0, Number.isFinite(share) ? share : 0)) * (HEAT_STOPS.length - 1);
  const i = Math.min(Math.floor(t), HEAT_STOPS.length - 2);
  const f = t - i;
  const a = rgb(HEAT_STOPS[i]!);
  const b = rgb(HEAT_STOPS[i + 1]!);
  return `#${a.map((x, k) => hex(x + (b[k]! - x) * f)).join("")}`;
}

export interface HeatmapInput {
  title: string;
  rowLabels: readonly string[];
  colLabels: readonly string[];
  /** Counts, matrix[row][col]; rows are gold labels, columns predictions. */
  matrix: ReadonlyArray<readonly number[]>;
  rowAxis?: string;
  colAxis?: string;
}

const approxTextWidth = (labels: readonly string[], px: number) => Math.max(0, ...labels.map((l) => l.length)) * px * 0.6;

/**
 * A confusion matrix as a heatmap. Colour is the share of the row (of the gold label's examples), so rare and
 * frequent emotions are equally readable; the count and share are in each cell's tooltip, and the diagonal is
 * outlined so correct answers stand out.
 */
export function heatmap(input: HeatmapInput): string {
  const { rowLabels, colLabels, matrix } = input;
  const cell = rowLabels.length > 20 ? 16 : 24;
  const font = 11;
  const left = 16 + approxTextWidth(rowLabels, font) + 8;
  const top = 36 + approxTextWidth(colLabels, font) * 0.8 + 8;
  const plotW = colLabels.length * cell;
  const plotH = rowLabels.length * cell;
  const legendW = 70;
  const width = Math.ceil(left + plotW + 16 + legendW);
  const height = Math.ceil(top + plotH + 40);
  const parts: string[] = [];
  parts.push(`<text class="chart-title" x="0" y="16" font-size="14" font-weight="600">${esc(input.title)}</text>`);

  rowLabels.forEach((gold, r) => {
    const row = matrix[r] ?? [];
    const total = row.reduce((s, v) => s + v, 0);
    const y = top + r * cell;
    parts.push(
      `<text class="row-label" x="${left - 6}" y="${y + cell / 2 + 4}" text-anchor="end" font-size="${font}">${esc(gold)}</text>`,
    );
    colLabels.forEach((pred, c) => {
      const n = row[c] ?? 0;
      const share = total > 0 ? n / total : 0;
      const x = left + c * cell;
      const tip = `gold ${gold} → predicted ${pred}: ${n}${total > 0 ? ` (${(100 * share).toFixed(1)}% of ${gold})` : ""}`;
      parts.push(
        `<rect class="cell" x="${x}" y="${y}" width="${cell}" height="${cell}" fill="${heatColour(share)}" stroke="#ffffff" stroke-width="0.5"` +
          ` data-gold="${esc(gold)}" data-pred="${esc(pred)}" data-count="${n}"><title>${esc(tip)}</title></rect>`,
      );
    });
  });
  // Outline the diagonal (same label on both axes) so the correct answers are easy to follow.
  rowLabels.forEach((gold, r) => {
    const c = colLabels.indexOf(gold);
    if (c >= 0) {
      parts.push(
        `<rect class="diag" x="${left + c * cell + 0.5}" y="${top + r * cell + 0.5}" width="${cell - 1}" height="${cell - 1}" fill="none" stroke="#e15759" stroke-width="1"/>`,
      );
    }
  });
  colLabels.forEach((pred, c) => {
    const x = left + c * cell + cell / 2 + 4;
    parts.push(
      `<text class="col-label" transform="translate(${x},${top - 6}) rotate(-60)" font-size="${font}">${esc(pred)}</text>`,
    );
  });
  parts.push(
    `<text x="${left + plotW / 2}" y="${top + plotH + 24}" text-anchor="middle" font-size="12" font-style="italic">${esc(input.colAxis ?? "predicted")}</text>`,
    `<text transform="translate(12,${top + plotH / 2}) rotate(-90)" text-anchor="middle" font-size="12" font-style="italic">${esc(input.rowAxis ?? "gold")}</text>`,
  );

  // Colour scale: a vertical gradient with its ends and middle labelled.
  const lx = left + plotW + 16;
  const lh = Math.min(plotH, 200);
  const gradient = HEAT_STOPS.map((c, i) => `<stop offset="${(100 * i) / (HEAT_STOPS.length - 1)}%" stop-color="${c}"/>`).join("");
  parts.push(
    `<defs><linearGradient id="heat-scale" x1="0" y1="1" x2="0" y2="0">${gradient}</linearGradient></defs>`,
    `<g class="colour-scale"><rect x="${lx}" y="${top}" width="14" height="${lh}" fill="url(#heat-scale)" stroke="#999"/>`,
    ...[0, 0.5, 1].map(
      (v) => `<text x="${lx + 18}" y="${top + lh - v * lh + 4}" font-size="10">${Math.round(v * 100)}%</text>`,
    ),
    `<text x="${lx}" y="${top + lh + 16}" font-size="10">of row</text></g>`,
  );
  return svg("heatmap", width, height, input.title, parts);
}

export interface BarSeries {
  name: string;
  values: ReadonlyArray<number | null>;
}

export interface BarChartInput {
  title: string;
  categories: readonly string[];
  series: readonly BarSeries[];
  /** Axis maximum; the largest value otherwise. */
  max?: number;
  unit?: string;
  digits?: number;
  /** Extra class on the <svg>, for telling charts apart. */
  kind?: string;
}

/** Horizontal grouped bars: one group per category, one bar per series, values written at the bar ends. */
export function barChart(input: BarChartInput): string {
  const { categories, series } = input;
  const digits = input.digits ?? 1;
  const unit = input.unit ?? "";
  const font = 11;
  const barH = series.length > 1 ? Math.max(7, Math.floor(18 / series.length) + 2) : 14;
  const groupH = barH * series.length + 6;
  const legendH = series.length > 1 ? 18 * Math.ceil(series.length / 2) : 0;
  const top = 28 + legendH;
  const left = 16 + approxTextWidth(categories, font);
  const plotW = 380;
  const width = Math.ceil(left + plotW + 70);
  const height = Math.ceil(top + categories.length * groupH + 28);
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  const max = input.max ?? Math.max(1e-9, ...all);
  const parts: string[] = [];
  parts.push(`<text class="chart-title" x="0" y="16" font-size="14" font-weight="600">${esc(input.title)}</text>`);
  if (series.length > 1) {
    series.forEach((s, i) => {
      const x = (i % 2) * 280;
      const y = 26 + Math.floor(i / 2) * 18;
      parts.push(
        `<rect x="${x}" y="${y}" width="12" height="12" fill="${SERIES_COLOURS[i % SERIES_COLOURS.length]}"/>`,
        `<text class="legend" x="${x + 16}" y="${y + 10}" font-size="11">${esc(s.name)}</text>`,
      );
    });
  }
  // Gridlines at quarters of the axis, labelled, so bar lengths can be read without hovering.
  for (const q of [0, 0.25, 0.5, 0.75, 1]) {
    const x = left + q * plotW;
    parts.push(
      `<line x1="${x}" y1="${top - 4}" x2="${x}" y2="${top + categories.length * groupH}" stroke="#ddd"/>`,
      `<text x="${x}" y="${top + categories.length * groupH + 14}" text-anchor="middle" font-size="10" fill="#555">${fmt(q * max, q * max >= 10 ? 0 : 1)}${esc(unit)}</text>`,
    );
  }
  categories.forEach((cat, ci) => {
    const gy = top + ci * groupH;
    parts.push(
      `<text class="category" x="${left - 6}" y="${gy + (barH * series.length) / 2 + 4}" text-anchor="end" font-size="${font}">${esc(cat)}</text>`,
    );
    series.forEach((s, si) => {
      const v = s.values[ci] ?? null;
      const y = gy + si * barH;
      const w = v === null || !Number.isFinite(v) ? 0 : (Math.max(0, v) / max) * plotW;
      const label = v === null ? "n/a" : `${fmt(v, digits)}${unit}`;
      parts.push(
        `<rect class="bar" x="${left}" y="${y}" width="${w.toFixed(2)}" height="${barH - 1}" fill="${SERIES_COLOURS[si % SERIES_COLOURS.length]}"` +
          ` data-category="${esc(cat)}" data-series="${esc(s.name)}" data-value="${v ?? ""}"><title>${esc(`${cat} · ${s.name}: ${label}`)}</title></rect>`,
        `<text x="${left + w + 4}" y="${y + barH - 3}" font-size="${Math.min(font, barH)}" fill="#333">${esc(label)}</text>`,
      );
    });
  });
  return svg(`bar-chart${input.kind ? ` ${input.kind}` : ""}`, width, height, input.title, parts);
}

function svg(cls: string, width: number, height: number, title: string, parts: readonly string[]): string {
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="${cls}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}"` +
    ` role="img" aria-label="${esc(title)}" font-family="system-ui, -apple-system, 'Segoe UI', sans-serif">${parts.join("")}</svg>`
  );
}
