/**
 * Line charts: named series over a shared x axis (loss and metric curves per epoch), and the
 * forecast chart (actual against predicted values over time) built on it.
 *
 * Layout, in pixels (so a test can predict where a point lands):
 *   left   = 60 (+ 16 with a y label)        right  = width − 20
 *   top    = 12 (+ 24 with a title) (+ 18 per legend row + 6; a legend is drawn for 2+ series)
 *   bottom = height − 36 (− 16 with an x label)
 * x: the data's range exactly (lines reach both edges), ticks inside it, whole numbers only when
 *    every x is whole. y: the data's range widened to nice ticks, or log10 with `logY`.
 * Missing points (null, NaN, ±Infinity, and values ≤ 0 on a log axis) break a line; a point with
 * no neighbour is drawn as a dot, and every point gets a dot when a series has at most 40.
 */
import { axisTitles, legend, legendHeight, xAxis, yAxis, type Frame, type LegendItem } from './axes.ts';
import { linearScale, linearTicks, logScale, logTicks, type Scale, type Ticks } from './scale.ts';
import { INK, MUTED, PALETTE, chartTitle, el, emptyMessage, isPresent, px, svgDocument, text } from './svg.ts';

export interface ChartSeries {
  name: string;
  /** One value per point; null or NaN where there is none. */
  values: readonly (number | null)[];
  /** x of each value (default 0, 1, 2, …). */
  x?: readonly number[];
  /** CSS colour (default: the palette, by position). */
  color?: string;
  dashed?: boolean;
}

/** A vertical line across the plot at `x`, labelled at its top (a data split, the best epoch). */
export interface XMarker {
  x: number;
  label: string;
}

export interface LineChartOptions {
  title?: string;
  xLabel?: string;
  yLabel?: string;
  /** Pixels (default 640 × 320). */
  width?: number;
  height?: number;
  /** Log10 y axis (for losses); values ≤ 0 are then missing. */
  logY?: boolean;
  /** Values the y axis must reach besides the data's (e.g. [0, 1] for accuracy). */
  yInclude?: readonly number[];
  /** Label of the tick at whole x = k (years, dates); ticks where k is out of range are left out. */
  xTickLabels?: readonly string[];
  markers?: readonly XMarker[];
}

interface Point {
  x: number;
  y: number;
}

/** The drawable points of a series, as runs of consecutive present points. */
function runs(s: ChartSeries, logY: boolean): Point[][] {
  const out: Point[][] = [];
  let run: Point[] = [];
  for (let i = 0; i < s.values.length; i++) {
    const v = s.values[i];
    const x = s.x === undefined ? i : s.x[i];
    if (isPresent(v) && isPresent(x) && (!logY || v > 0)) {
      run.push({ x, y: v });
    } else if (run.length > 0) {
      out.push(run);
      run = [];
    }
  }
  if (run.length > 0) out.push(run);
  return out;
}

function extent(values: Iterable<number>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return lo <= hi ? [lo, hi] : null;
}

function checkSeries(what: string, series: readonly ChartSeries[]): void {
  for (const s of series) {
    if (s.x !== undefined && s.x.length !== s.values.length) {
      throw new Error(`${what}: series '${s.name}' has ${s.values.length} values but ${s.x.length} x positions`);
    }
  }
}

function drawSeries(pts: Point[][], x: Scale, y: Scale, color: string, dashed: boolean): string {
  const total = pts.reduce((n, r) => n + r.length, 0);
  let d = '';
  let dots = '';
  for (const r of pts) {
    if (r.length > 1) {
      r.forEach((p, i) => {
        d += `${d === '' ? '' : ' '}${i === 0 ? 'M' : 'L'}${px(x(p.x))} ${px(y(p.y))}`;
      });
    }
    if (r.length === 1 || total <= 40) {
      for (const p of r) dots += el('circle', { cx: x(p.x), cy: y(p.y), r: 2.5, fill: color });
    }
  }
  const line =
    d === ''
      ? ''
      : el('path', {
          d, fill: 'none', stroke: color, 'stroke-width': 2, 'stroke-linejoin': 'round', 'stroke-linecap': 'round',
          'stroke-dasharray': dashed ? '6 4' : undefined,
        });
  return line + dots;
}

/**
 * A line chart of several named series.
 *
 * @example
 * const svg = lineChart(
 *   [{ name: 'train', values: [0.9, 0.5, 0.3], x: [1, 2, 3] }, { name: 'validation', values: [1, 0.6, 0.5], x: [1, 2, 3] }],
 *   { title: 'Loss', xLabel: 'epoch', logY: true },
 * );
 */
export function lineChart(series: readonly ChartSeries[], options: LineChartOptions = {}): string {
  checkSeries('lineChart', series);
  const W = options.width ?? 640;
  const H = options.height ?? 320;
  const logY = options.logY === true;
  const colors = series.map((s, i) => s.color ?? PALETTE[i % PALETTE.length]);
  const items: LegendItem[] = series.map((s, i) => ({ name: s.name, color: colors[i], swatch: 'line', dashed: s.dashed === true }));
  const hasTitle = options.title !== undefined && options.title !== '';
  const left = 60 + (options.yLabel ? 16 : 0);
  const right = W - 20;
  const legendTop = 12 + (hasTitle ? 24 : 0);
  const legendH = series.length > 1 ? legendHeight(items, left, right) + 6 : 0;
  const f: Frame = { left, right, top: legendTop + legendH, bottom: H - 36 - (options.xLabel ? 16 : 0) };

  const pts = series.map((s) => runs(s, logY));
  const all = pts.flat(2);
  const ys = all.map((p) => p.y).concat((options.yInclude ?? []).filter((v) => isPresent(v) && (!logY || v > 0)));
  const xr = extent(all.map((p) => p.x)) ?? [0, 1];
  const yr = extent(ys) ?? [0, 1];
  const wholeX = all.every((p) => Number.isInteger(p.x));
  const xt = linearTicks(xr[0], xr[1], { integer: wholeX, snap: false, target: Math.max(2, Math.floor((right - left) / 80)) });
  const yt: Ticks = logY && ys.length > 0 ? logTicks(yr[0], yr[1]) : linearTicks(yr[0], yr[1]);
  const x = linearScale(xt.lo, xt.hi, f.left, f.right);
  const y = (logY && ys.length > 0 ? logScale : linearScale)(yt.lo, yt.hi, f.bottom, f.top);

  const labels = options.xTickLabels;
  const xTicks = xt.ticks.flatMap((v, i) => {
    if (labels === undefined) return [{ x: x(v), label: xt.labels[i] }];
    const label = Number.isInteger(v) ? labels[v] : undefined;
    return label === undefined ? [] : [{ x: x(v), label }];
  });

  let body = hasTitle ? chartTitle(W, options.title ?? '') : '';
  if (legendH > 0) body += legend(items, left, right, legendTop + 9);
  body += yAxis(f, yt, y) + xAxis(f, xTicks) + axisTitles(f, options.xLabel, options.yLabel);
  for (const m of options.markers ?? []) {
    if (!isPresent(m.x) || m.x < xt.lo || m.x > xt.hi) continue;
    const mx = x(m.x);
    body += el('line', { x1: mx, y1: f.top, x2: mx, y2: f.bottom, stroke: MUTED, 'stroke-width': 1, 'stroke-dasharray': '4 3' });
    body += text(mx + 4, f.top + 12, m.label, { fill: MUTED, 'font-size': 11 });
  }
  if (all.length === 0) body += emptyMessage((f.left + f.right) / 2, (f.top + f.bottom) / 2, 'no data');
  series.forEach((s, i) => {
    body += el('g', { class: 'series', 'data-name': s.name }, drawSeries(pts[i], x, y, colors[i], s.dashed === true));
  });
  return svgDocument(W, H, options.title ?? series.map((s) => s.name).join(', '), body);
}

export interface ForecastChartInput {
  /** The observed values, one per time step. */
  actual: readonly (number | null)[];
  /** Predictions aligned with `actual` (null where a model made none, e.g. the first window). */
  predictions: readonly { name: string; values: readonly (number | null)[] }[];
  /** One label per time step (years, dates), used for the x ticks. */
  labels?: readonly string[];
  /** Where parts of the series start, by step index: `{ x: 250, label: 'test' }` draws a line between steps 249 and 250. */
  splits?: readonly XMarker[];
}

export type ForecastChartOptions = Omit<LineChartOptions, 'markers' | 'xTickLabels' | 'logY'>;

/**
 * Actual values against one or more forecasts over time, with optional split lines.
 *
 * @example
 * forecastChart(
 *   { actual: [5, 11, 16, 23], predictions: [{ name: 'persistence', values: [null, 5, 11, 16] }],
 *     labels: ['1700', '1701', '1702', '1703'], splits: [{ x: 3, label: 'test' }] },
 *   { title: 'Sunspots', yLabel: 'sunspot number' },
 * );
 */
export function forecastChart(input: ForecastChartInput, options: ForecastChartOptions = {}): string {
  const n = input.actual.length;
  for (const p of input.predictions) {
    if (p.values.length !== n) {
      throw new Error(`forecastChart: prediction '${p.name}' has ${p.values.length} values, expected ${n} (one per actual value)`);
    }
  }
  if (input.labels !== undefined && input.labels.length !== n) {
    throw new Error(`forecastChart: ${input.labels.length} labels, expected ${n} (one per actual value)`);
  }
  const series: ChartSeries[] = [
    { name: 'actual', values: input.actual, color: INK },
    ...input.predictions.map((p, i) => ({ name: p.name, values: p.values, color: PALETTE[(i + 1) % PALETTE.length] })),
  ];
  const markers = (input.splits ?? []).map((m) => ({ x: m.x - 0.5, label: m.label }));
  return lineChart(series, { ...options, xLabel: options.xLabel ?? 'time', markers, xTickLabels: input.labels });
}
