/**
 * Bar chart: one bar per category, or a group of bars per category when there are several
 * series (accuracy per hidden size, with and without dropout).
 *
 * Same frame as the line chart (see line-chart.ts): left 60 (+16 with a y label), right
 * width − 20, top 12 (+24 title) (+18 per legend row + 6, for 2+ series), bottom height − 36
 * (−16 with an x label). Each category gets an equal band; its bars fill the middle 80%.
 * The y axis always includes 0, bars grow from 0, each is labelled with its value.
 * A missing value (null, NaN) leaves its slot empty.
 */
import { axisTitles, legend, legendHeight, xAxis, yAxis, type Frame, type LegendItem } from './axes.ts';
import { compactNumber, linearScale, linearTicks } from './scale.ts';
import { MUTED, PALETTE, chartTitle, el, emptyMessage, isPresent, svgDocument, text, truncate } from './svg.ts';

export interface BarChartInput {
  /** One label per group of bars, left to right. */
  categories: readonly string[];
  /** Each series has one value per category. */
  series: readonly { name: string; values: readonly (number | null)[]; color?: string }[];
}

export interface BarChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Pixels (default 640 × 320). */
  width?: number;
  height?: number;
  /** Values the y axis must reach besides 0 and the data's (e.g. [1] for accuracy). */
  yInclude?: readonly number[];
}

/**
 * @example
 * barChart(
 *   { categories: ['4', '16', '64'], series: [{ name: 'no dropout', values: [0.81, 0.93, 0.97] }, { name: 'dropout 0.2', values: [0.79, 0.92, 0.98] }] },
 *   { title: 'Accuracy by hidden size', xLabel: 'hidden size', yInclude: [1] },
 * );
 */
export function barChart(input: BarChartInput, options: BarChartOptions = {}): string {
  const nCat = input.categories.length;
  for (const s of input.series) {
    if (s.values.length !== nCat) {
      throw new Error(`barChart: series '${s.name}' has ${s.values.length} values, expected ${nCat} (one per category)`);
    }
  }
  const W = options.width ?? 640;
  const H = options.height ?? 320;
  const colors = input.series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]);
  const items: LegendItem[] = input.series.map((s, i) => ({ name: s.name, color: colors[i], swatch: 'box' }));
  const hasTitle = options.title !== undefined && options.title !== '';
  const left = 60 + (options.yLabel ? 16 : 0);
  const right = W - 20;
  const legendTop = 12 + (hasTitle ? 24 : 0);
  const legendH = input.series.length > 1 ? legendHeight(items, left, right) + 6 : 0;
  const f: Frame = { left, right, top: legendTop + legendH, bottom: H - 36 - (options.xLabel ? 16 : 0) };

  const values = input.series.flatMap((s) => s.values.filter(isPresent));
  const ys = [0, ...values, ...(options.yInclude ?? []).filter(isPresent)];
  const yt = linearTicks(Math.min(...ys), Math.max(...ys));
  const y = linearScale(yt.lo, yt.hi, f.bottom, f.top);
  const band = (f.right - f.left) / Math.max(1, nCat);
  const barW = (band * 0.8) / Math.max(1, input.series.length);
  const maxChars = Math.max(2, Math.floor(band / 6.6));

  let body = hasTitle ? chartTitle(W, options.title ?? '') : '';
  if (legendH > 0) body += legend(items, left, right, legendTop + 9);
  body += yAxis(f, yt, y);
  body += xAxis(f, input.categories.map((c, i) => ({ x: f.left + band * (i + 0.5), label: truncate(c, maxChars) })));
  body += axisTitles(f, options.xLabel, options.yLabel);
  if (values.length === 0) body += emptyMessage((f.left + f.right) / 2, (f.top + f.bottom) / 2, 'no data');
  const y0 = y(0);
  input.series.forEach((s, k) => {
    let bars = '';
    s.values.forEach((v, i) => {
      if (!isPresent(v)) return;
      const x = f.left + band * (i + 0.1) + barW * k;
      const yv = y(v);
      bars += el('rect', { x, y: Math.min(y0, yv), width: barW, height: Math.abs(y0 - yv), fill: colors[k] });
      const ly = v >= 0 ? yv - 4 : yv + 12;
      bars += text(x + barW / 2, ly, compactNumber(v), { 'text-anchor': 'middle', 'font-size': barW >= 28 ? 10 : 8, fill: MUTED });
    });
    body += el('g', { class: 'series', 'data-name': s.name }, bars);
  });
  // The zero line over the bars' feet when the axis goes below zero.
  if (yt.lo < 0) body += el('line', { x1: f.left, y1: y0, x2: f.right, y2: y0, stroke: MUTED, 'stroke-width': 1 });
  return svgDocument(W, H, options.title ?? input.series.map((s) => s.name).join(', '), body);
}
