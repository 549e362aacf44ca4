/**
 * ISO 8601 dates as found in CSV files, parsed to epoch milliseconds (UTC).
 *
 * Accepted: `YYYY`, `YYYY-MM`, `YYYY-MM-DD`, and `YYYY-MM-DD[T ]HH:MM[:SS[.fff]]` with an optional
 * `Z` or `±HH:MM` offset. A value without an offset is read as UTC (not the machine's zone), so a
 * file parses to the same numbers everywhere. Anything else, and impossible dates such as
 * 2021-02-30, give NaN; `Date.parse` is not used because it guesses at non-ISO forms differently
 * per engine.
 */
const ISO = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})?)?)?)?$/;

/**
 * Epoch milliseconds of an ISO date, or NaN when `text` is not one.
 * @example parseIsoDate('1872-11-30') // -3063744000000
 */
export function parseIsoDate(text: string): number {
  const m = ISO.exec(text.trim());
  if (m === null) return NaN;
  const year = Number(m[1]);
  const month = m[2] === undefined ? 1 : Number(m[2]);
  const day = m[3] === undefined ? 1 : Number(m[3]);
  const hour = m[4] === undefined ? 0 : Number(m[4]);
  const minute = m[5] === undefined ? 0 : Number(m[5]);
  const second = m[6] === undefined ? 0 : Number(m[6]);
  const ms = m[7] === undefined ? 0 : Math.floor(Number(`0.${m[7]}`) * 1000);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 59) return NaN;
  // Date.UTC maps years 0..99 to 1900..1999; setUTCFullYear does not.
  const d = new Date(Date.UTC(2000, month - 1, day, hour, minute, second, ms));
  d.setUTCFullYear(year, month - 1, day);
  if (d.getUTCDate() !== day) return NaN; // 2021-02-30 rolled over into March
  let t = d.getTime();
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return t;
}
