/**
 * Axis scales and "nice" ticks.
 *
 * Linear ticks step by 1, 2 or 5 × 10^k (Heckbert's "nice numbers", Graphics Gems 1990), about
 * `target` of them; the domain is widened outwards to whole steps so the axis ends on a tick.
 * Log ticks are at 10^k, adding 2 and 5 × 10^k (then every digit) when a range spans too few
 * decades to show at least 3.
 */

export interface Ticks {
  /** Domain of the axis (data range widened to whole steps). */
  lo: number;
  hi: number;
  /** Tick values inside [lo, hi], ascending. */
  ticks: number[];
  /** Labels of the ticks, same order. */
  labels: string[];
}

/** Decimals that show a step of `step` exactly (0.2 → 1, 0.05 → 2, 5 → 0). */
function decimalsFor(step: number): number {
  return Math.max(0, Math.ceil(-Math.log10(step) - 1e-9));
}

/** A domain for [min, max] that is not empty: a constant is widened by 10% of itself (or ±1 at 0). */
function widen(min: number, max: number): [number, number] {
  if (max > min) return [min, max];
  const pad = min === 0 ? 1 : Math.abs(min) * 0.1;
  return [min - pad, max + pad];
}

function niceStep(range: number, target: number, integer: boolean): number {
  const raw = range / Math.max(1, target);
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  const step = (f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10) * mag;
  return integer ? Math.max(1, Math.round(step)) : step;
}

/**
 * Nice linear ticks for data in [min, max].
 * `integer`: steps of at least 1 (epochs, indices). `snap` false keeps the domain at the data's
 * range and only places ticks inside it (x axes, where lines should reach both edges).
 *
 * @example linearTicks(0, 1); // { lo: 0, hi: 1, ticks: [0, 0.2, 0.4, 0.6, 0.8, 1], labels: ['0.0', '0.2', ...] }
 */
export function linearTicks(min: number, max: number, options: { target?: number; integer?: boolean; snap?: boolean } = {}): Ticks {
  const [a, b] = widen(min, max);
  const step = niceStep(b - a, options.target ?? 5, options.integer === true);
  const kLo = Math.floor(a / step + 1e-9);
  const kHi = Math.ceil(b / step - 1e-9);
  const snap = options.snap !== false;
  const lo = snap ? kLo * step : a;
  const hi = snap ? kHi * step : b;
  const dec = decimalsFor(step);
  const big = Math.max(Math.abs(lo), Math.abs(hi)) >= 1e6 || step < 1e-4;
  const ticks: number[] = [];
  const labels: string[] = [];
  for (let k = kLo; k <= kHi; k++) {
    const v = Number((k * step).toFixed(Math.min(20, dec + 2)));
    if (v < lo - step * 1e-9 || v > hi + step * 1e-9) continue;
    ticks.push(v);
    labels.push(big ? compactNumber(v) : v.toFixed(dec));
  }
  return { lo, hi, ticks, labels };
}

/**
 * Log-scale ticks for positive data in [min, max] (both > 0). The domain is the data's range
 * widened by 5% of its span in log space, so curves do not touch the frame.
 *
 * @example logTicks(0.05, 2.3).labels; // ['0.05', '0.1', '0.2', '0.5', '1', '2']
 */
export function logTicks(min: number, max: number): Ticks {
  let a = Math.log10(min);
  let b = Math.log10(max);
  if (!(b > a)) {
    a -= 0.1;
    b += 0.1;
  }
  const pad = (b - a) * 0.05;
  a -= pad;
  b += pad;
  const lo = 10 ** a;
  const hi = 10 ** b;
  for (const mantissas of [[1], [1, 2, 5], [1, 2, 3, 4, 5, 6, 7, 8, 9]]) {
    const ticks: number[] = [];
    for (let e = Math.floor(a); e <= Math.ceil(b); e++) {
      for (const m of mantissas) {
        const v = Number((m * 10 ** e).toPrecision(12));
        if (v >= lo && v <= hi) ticks.push(v);
      }
    }
    if (ticks.length >= 3 || mantissas.length === 9) return { lo, hi, ticks, labels: ticks.map(compactNumber) };
  }
  throw new Error('unreachable');
}

/**
 * A short label for a number: up to 4 significant digits, trailing zeros dropped, exponent
 * outside [1e-4, 1e6).
 *
 * @example compactNumber(2.302585); // '2.303'
 */
export function compactNumber(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? '∞' : '-∞';
  if (v === 0) return '0';
  const a = Math.abs(v);
  if (a >= 1e6 || a < 1e-4) {
    const [m, e] = v.toExponential(3).split('e');
    return `${trimZeros(m)}e${e.replace('+', '')}`;
  }
  return trimZeros(v.toPrecision(4));
}

function trimZeros(s: string): string {
  return s.includes('.') ? s.replace(/0+$/, '').replace(/\.$/, '') : s;
}

/** Maps a domain value to a pixel, linear or log10. */
export type Scale = (v: number) => number;

export function linearScale(lo: number, hi: number, p0: number, p1: number): Scale {
  const k = (p1 - p0) / (hi - lo);
  return (v: number) => p0 + (v - lo) * k;
}

export function logScale(lo: number, hi: number, p0: number, p1: number): Scale {
  const l0 = Math.log10(lo);
  const k = (p1 - p0) / (Math.log10(hi) - l0);
  return (v: number) => p0 + (Math.log10(v) - l0) * k;
}
