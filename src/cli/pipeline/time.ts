/**
 * Labels for rows past the end of a series (forecasts), continued from the last two labels:
 * numbers by their step (1999, 2000 → 2001, 2002), ISO months by months (1983-11, 1983-12 →
 * 1984-01), ISO days by months when the day of the month repeats, else by their step in days.
 * Anything else gets "+1", "+2", ...
 */
import { parseIsoDate } from '../../index.ts';

const INTEGER = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const MONTH = /^(\d{4})-(\d{2})$/;
const DAY = /^(\d{4})-(\d{2})-(\d{2})$/;
const DAY_MS = 86_400_000;

/**
 * The `count` labels after `labels`.
 * @example extendLabels(['1999', '2000'], 2) // ['2001', '2002']
 * @example extendLabels(['1983-11', '1983-12'], 1) // ['1984-01']
 */
export function extendLabels(labels: readonly string[], count: number): string[] {
  const relative = Array.from({ length: count }, (_, k) => `+${k + 1}`);
  if (labels.length < 2) return relative;
  const a = labels[labels.length - 2].trim();
  const b = labels[labels.length - 1].trim();
  const steps = Array.from({ length: count }, (_, k) => k + 1);

  if (INTEGER.test(a) && INTEGER.test(b)) return steps.map((k) => String(Number(b) + k * (Number(b) - Number(a))));
  if (NUMBER.test(a) && NUMBER.test(b)) {
    const d = Number(b) - Number(a);
    return steps.map((k) => String(Number((Number(b) + k * d).toPrecision(12))));
  }
  const ma = MONTH.exec(a) ?? DAY.exec(a);
  const mb = MONTH.exec(b) ?? DAY.exec(b);
  if (ma === null || mb === null || ma.length !== mb.length) return relative;
  const monthIndex = (m: RegExpExecArray): number => Number(m[1]) * 12 + Number(m[2]) - 1;
  const dm = monthIndex(mb) - monthIndex(ma);
  const sameDay = mb[3] === ma[3]; // undefined for both when months
  if (dm > 0 && sameDay) {
    return steps.map((k) => {
      const mi = monthIndex(mb) + k * dm;
      const ym = `${String(Math.floor(mi / 12)).padStart(4, '0')}-${String((mi % 12) + 1).padStart(2, '0')}`;
      return mb[3] === undefined ? ym : `${ym}-${clampDay(mi, Number(mb[3]))}`;
    });
  }
  const ta = parseIsoDate(a);
  const tb = parseIsoDate(b);
  const d = tb - ta;
  if (!(d > 0) || d % DAY_MS !== 0) return relative;
  return steps.map((k) => new Date(tb + k * d).toISOString().slice(0, 10));
}

/** The day of the month, cut to the month's length (Jan 31 + 1 month → Feb 28/29). */
function clampDay(monthIndex: number, day: number): string {
  const year = Math.floor(monthIndex / 12);
  const month = monthIndex % 12;
  const last = new Date(Date.UTC(2000, month + 1, 0));
  last.setUTCFullYear(year, month + 1, 0);
  return String(Math.min(day, last.getUTCDate())).padStart(2, '0');
}
