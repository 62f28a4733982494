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
      (v) => `<text x="${lx + 18}" y="${top + lh - v * lh + 4}" font-size="11">${Math.round(v * 100)}%</text>`,
    ),
    `<text x="${lx}" y="${top + lh + 16}" font-size="11">of row</text></g>`,
  );
  return svg("heatmap", width, height, input.title, parts);
}

export interface Ticks {
  /** Tick values from 0 (or below) to the axis end, evenly spaced by `step`. */
  values: number[];
  step: number;
  /** Decimals that tell every tick apart and no more: 0 for a step of 500, 2 for 0.05. */
  digits: number;
}

/**
 * "Nice numbers" axis ticks (Heckbert, Graphics Gems 1990): the step is 1, 2 or 5 × 10^k, the first that gives at
 * most about `target` intervals over [min, max]; the axis runs from a multiple of the step at or below min to one at
 * or above max. Labels then read 0, 500, 1000 rather than 0, 570, 1139, and never repeat.
 */
export function niceTicks(min: number, max: number, target = 5): Ticks {
  const lo = Math.min(min, max);
  let hi = Math.max(min, max);
  if (!(hi > lo)) hi = lo + (lo === 0 ? 1 : Math.abs(lo));
  const raw = (hi - lo) / Math.max(1, target);
  const k = Math.floor(Math.log10(raw));
  const mag = 10 ** k;
  // Compare with a little slack so that, say, 0.2/0.1 = 2.0000000004 still counts as 2.
  const f = raw / mag;
  const nice = f <= 1 + 1e-9 ? 1 : f <= 2 + 1e-9 ? 2 : f <= 5 + 1e-9 ? 5 : 10;
  const step = nice * mag;
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  const first = Math.floor(lo / step + 1e-9);
  const last = Math.ceil(hi / step - 1e-9);
  const values: number[] = [];
  for (let i = first; i <= last; i++) values.push(Number((i * step).toFixed(digits)));
  return { values, step, digits };
}

export interface BarSeries {
  name: string;
  values: ReadonlyArray<number | null>;
  /** 95% intervals, drawn as whiskers across each bar's end; null where there is none. */
  intervals?: ReadonlyArray<readonly [number, number] | null>;
}

export interface BarChartInput {
  title: string;
  categories: readonly string[];
  series: readonly BarSeries[];
  /** Axis maximum; otherwise the first nice tick at or above the largest value (or interval end). */
  max?: number;
  unit?: string;
  digits?: number;
  /** Extra class on the <svg>, for telling charts apart. */
  kind?: string;
}

/** The smallest text in a chart: tick labels, bar values and legends alike stay readable. */
export const MIN_FONT_PX = 11;

/** Horizontal grouped bars: one group per category, one bar per series, values written at the bar ends. */
export function barChart(input: BarChartInput): string {
  const { categories, series } = input;
  const digits = input.digits ?? 1;
  const unit = input.unit ?? "";
  const font = MIN_FONT_PX;
  // Tall enough for an 11 px value label beside each bar, however many series share a group.
  const barH = series.length > 1 ? 15 : 18;
  const groupH = barH * series.length + 8;
  const legendH = series.length > 1 ? 18 * Math.ceil(series.length / 2) : 0;
  const top = 28 + legendH;
  const left = 16 + approxTextWidth(categories, font);
  const plotW = 380;
  const width = Math.ceil(left + plotW + 120);
  const height = Math.ceil(top + categories.length * groupH + 30);
  const all = series.flatMap((s) => [
    ...s.values.filter((v): v is number => v !== null && Number.isFinite(v)),
    ...(s.intervals ?? []).flatMap((i) => (i ? [i[1]] : [])),
  ]);
  const ticks = input.max !== undefined ? niceTicks(0, input.max) : niceTicks(0, Math.max(0, ...all));
  const max = input.max ?? ticks.values[ticks.values.length - 1]!;
  const xOf = (v: number) => left + (Math.min(Math.max(0, v), max) / max) * plotW;
  const parts: string[] = [];
  parts.push(`<text class="chart-title" x="0" y="16" font-size="14" font-weight="600">${esc(input.title)}</text>`);
  if (series.length > 1) {
    series.forEach((s, i) => {
      const x = (i % 2) * 280;
      const y = 26 + Math.floor(i / 2) * 18;
      parts.push(
        `<rect x="${x}" y="${y}" width="12" height="12" fill="${SERIES_COLOURS[i % SERIES_COLOURS.length]}"/>`,
        `<text class="legend" x="${x + 16}" y="${y + 10}" font-size="${font}">${esc(s.name)}</text>`,
      );
    });
  }
  // Gridlines at nice round ticks, labelled, so bar lengths can be read without hovering.
  const bottom = top + categories.length * groupH;
  for (const t of ticks.values.filter((v) => v >= 0 && v <= max + 1e-9)) {
    const x = xOf(t);
    parts.push(
      `<line x1="${x}" y1="${top - 4}" x2="${x}" y2="${bottom}" stroke="#ddd"/>`,
      `<text class="tick" x="${x}" y="${bottom + 15}" text-anchor="middle" font-size="${font}" fill="#555">${fmt(t, ticks.digits)}${esc(unit)}</text>`,
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
      const ok = v !== null && Number.isFinite(v);
      const w = ok ? xOf(v) - left : 0;
      const interval = ok ? (s.intervals?.[ci] ?? null) : null;
      const label = v === null ? "n/a" : `${fmt(v, digits)}${unit}`;
      const tip = `${cat} · ${s.name}: ${label}${interval ? ` (95% interval ${fmt(interval[0], digits)}–${fmt(interval[1], digits)}${unit})` : ""}`;
      parts.push(
        `<rect class="bar" x="${left}" y="${y}" width="${w.toFixed(2)}" height="${barH - 2}" fill="${SERIES_COLOURS[si % SERIES_COLOURS.length]}"` +
          ` data-category="${esc(cat)}" data-series="${esc(s.name)}" data-value="${v ?? ""}"><title>${esc(tip)}</title></rect>`,
      );
      let labelX = left + w + 4;
      if (interval) {
        const [x1, x2] = [xOf(interval[0]), xOf(interval[1])];
        const cy = y + (barH - 2) / 2;
        parts.push(
          `<g class="whisker" data-category="${esc(cat)}" data-series="${esc(s.name)}" data-low="${interval[0]}" data-high="${interval[1]}" stroke="#222" stroke-width="1.2">` +
            `<line x1="${x1.toFixed(2)}" y1="${cy}" x2="${x2.toFixed(2)}" y2="${cy}"/>` +
            `<line x1="${x1.toFixed(2)}" y1="${cy - 4}" x2="${x1.toFixed(2)}" y2="${cy + 4}"/>` +
            `<line x1="${x2.toFixed(2)}" y1="${cy - 4}" x2="${x2.toFixed(2)}" y2="${cy + 4}"/></g>`,
        );
        labelX = Math.max(labelX, x2 + 4);
      }
      parts.push(`<text class="value" x="${labelX.toFixed(2)}" y="${y + barH - 5}" font-size="${font}" fill="#333">${esc(label)}</text>`);
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
