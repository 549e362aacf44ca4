/**
 * Curves in a terminal, for the end of training.
 *
 * sparkline: one character per value (or per bucket of values when there are more than `width`),
 *   level = round((v − min) / (max − min) · 7) into
 *     Unicode  ▁ ▂ ▃ ▄ ▅ ▆ ▇ █        ASCII  _ . - : = + * #
 *   so [0, 1, 2, 3] gives ▁▃▆█. A constant series sits at level 3 (▄); a missing value
 *   (null, NaN, ±Infinity) is a space; a bucket shows the mean of its present values.
 * asciiCurve: a `height` × `width` grid, one marker per series and column, the top and bottom
 *   rows labelled with the maximum and minimum; fewer values than columns are interpolated
 *   linearly (a gap next to a missing value), more are averaged per column. Where series meet,
 *   the first one listed is drawn on top.
 * Plain ASCII when `ascii` is true or, by default, when TERM is 'dumb'.
 */
import { compactNumber } from './scale.ts';
import { isPresent } from './svg.ts';

const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
const ASCII_LEVELS = ['_', '.', '-', ':', '=', '+', '*', '#'];

function asciiByDefault(ascii: boolean | undefined): boolean {
  return ascii ?? process.env.TERM === 'dumb';
}

/** `values` squeezed into `width` columns: the mean of the present values of each bucket (NaN if none). */
function buckets(values: readonly (number | null)[], width: number): number[] {
  const n = values.length;
  const out: number[] = [];
  for (let j = 0; j < width; j++) {
    let sum = 0;
    let count = 0;
    for (let i = Math.floor((j * n) / width); i < Math.floor(((j + 1) * n) / width); i++) {
      const v = values[i];
      if (isPresent(v)) {
        sum += v;
        count += 1;
      }
    }
    out.push(count === 0 ? NaN : sum / count);
  }
  return out;
}

function range(values: Iterable<number | null>): [number, number] | null {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!isPresent(v)) continue;
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  return lo <= hi ? [lo, hi] : null;
}

export interface SparklineOptions {
  /** Append '  min … max …' (default true). */
  labels?: boolean;
  /** ASCII levels instead of block characters (default: TERM === 'dumb'). */
  ascii?: boolean;
}

/**
 * A one-line chart of `values`, at most `width` characters (default: one per value).
 *
 * @example sparkline([0, 1, 2, 3], 4, { labels: false }); // '▁▃▆█'
 * @example sparkline([0, 1, 2, 3]); // '▁▃▆█  min 0  max 3'
 */
export function sparkline(values: readonly (number | null)[], width = values.length, options: SparklineOptions = {}): string {
  if (!Number.isInteger(width) || width < 1) throw new Error(`sparkline: width must be a whole number ≥ 1, got ${width}`);
  const levels = asciiByDefault(options.ascii) ? ASCII_LEVELS : BLOCKS;
  const shown = values.length > width ? buckets(values, width) : values;
  const r = range(values);
  const sr = range(shown);
  const line = shown
    .map((v) => {
      if (!isPresent(v) || sr === null) return ' ';
      if (sr[1] === sr[0]) return levels[3];
      return levels[Math.round(((v - sr[0]) / (sr[1] - sr[0])) * 7)];
    })
    .join('');
  if (options.labels === false) return line;
  return r === null ? `${line}  no data` : `${line}  min ${compactNumber(r[0])}  max ${compactNumber(r[1])}`;
}

export interface CurveSeries {
  name: string;
  values: readonly (number | null)[];
}

export interface AsciiCurveOptions {
  /** Plot columns, not counting the labels (default 60). */
  width?: number;
  /** Plot rows (default 10). */
  height?: number;
  /** Log10 rows (values ≤ 0 are then missing). */
  logY?: boolean;
  /** Name of the x axis, printed after the last index (e.g. 'epoch'). */
  xLabel?: string;
  /** ASCII only (default: TERM === 'dumb'). */
  ascii?: boolean;
}

/** The value under column c of `width`, for a series of n values (see the file header). */
function columns(values: readonly (number | null)[], width: number): number[] {
  const n = values.length;
  if (n > width) return buckets(values, width);
  const out: number[] = [];
  for (let c = 0; c < width; c++) {
    const f = width === 1 || n === 1 ? 0 : (c * (n - 1)) / (width - 1);
    const i = Math.floor(f);
    const a = values[i];
    const b = values[Math.min(n - 1, i + 1)];
    if (f === i) out.push(isPresent(a) ? a : NaN);
    else out.push(isPresent(a) && isPresent(b) ? a + (b - a) * (f - i) : NaN);
  }
  return out;
}

/**
 * A multi-row plot of one or more curves (the loss at the end of training).
 *
 * @example
 * console.log(asciiCurve([{ name: 'train', values: history.epochs.map((e) => e.loss) }], { width: 40, height: 8, xLabel: 'epoch' }));
 */
export function asciiCurve(series: readonly CurveSeries[], options: AsciiCurveOptions = {}): string {
  const width = options.width ?? 60;
  const height = options.height ?? 10;
  if (!Number.isInteger(width) || width < 2) throw new Error(`asciiCurve: width must be a whole number ≥ 2, got ${width}`);
  if (!Number.isInteger(height) || height < 2) throw new Error(`asciiCurve: height must be a whole number ≥ 2, got ${height}`);
  const ascii = asciiByDefault(options.ascii);
  const marks = ascii ? ['*', 'o', '+', 'x', '#', '@'] : ['●', '○', '◆', '◇', '■', '□'];
  const logY = options.logY === true;
  const toY = (v: number): number => (logY ? (v > 0 ? Math.log10(v) : NaN) : v);
  const cols = series.map((s) => columns(s.values, width).map(toY));
  const yr = range(cols.flat());

  const grid: string[][] = Array.from({ length: height }, () => new Array<string>(width).fill(' '));
  if (yr !== null) {
    for (let k = series.length - 1; k >= 0; k--) {
      cols[k].forEach((v, c) => {
        if (!isPresent(v)) return;
        const t = yr[1] === yr[0] ? 0.5 : (v - yr[0]) / (yr[1] - yr[0]);
        grid[height - 1 - Math.round(t * (height - 1))][c] = marks[k % marks.length];
      });
    }
  }
  const fromY = (v: number): number => (logY ? 10 ** v : v);
  const top = yr === null ? '' : compactNumber(fromY(yr[1]));
  const bottom = yr === null ? '' : compactNumber(fromY(yr[0]));
  const lw = Math.max(top.length, bottom.length);
  const [tick, bar, corner, rule] = ascii ? ['+', '|', '+', '-'] : ['┤', '│', '└', '─'];
  const lines = grid.map((row, r) => {
    const label = r === 0 ? top : r === height - 1 ? bottom : '';
    const axis = label === '' ? bar : tick;
    return `${label.padStart(lw)} ${axis}${row.join('')}`.trimEnd();
  });
  lines.push(`${' '.repeat(lw)} ${corner}${rule.repeat(width)}`);
  const n = Math.max(0, ...series.map((s) => s.values.length));
  const last = String(n);
  const xl = options.xLabel === undefined ? '' : `  ${options.xLabel}`;
  lines.push(`${' '.repeat(lw + 2)}1${last.padStart(Math.max(1, width - 1))}${xl}`);
  lines.push(`${' '.repeat(lw + 2)}${series.map((s, k) => `${marks[k % marks.length]} ${s.name}`).join('   ')}`.trimEnd());
  if (yr === null) lines.splice(Math.floor(height / 2), 1, `${' '.repeat(lw)} ${bar}${'no data'.padStart(Math.floor(width / 2) + 3)}`);
  return lines.join('\n');
}
