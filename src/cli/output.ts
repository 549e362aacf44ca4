/** Text output of the CLI: numbers, sizes and aligned tables for a terminal or a log. */

/**
 * A number for people: 4 significant digits, thousands as they are, exponent only when tiny or huge.
 * @example num(21.34567) // '21.35'
 */
export function num(v: number | null | undefined): string {
  if (v === null || v === undefined || Number.isNaN(v)) return '-';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const a = Math.abs(v);
  if (a !== 0 && (a >= 1e7 || a < 1e-4)) return v.toExponential(3);
  if (a >= 1000) return String(Math.round(v * 10) / 10);
  return String(Number(v.toPrecision(4)));
}

/** A percentage with one decimal: 0.8123 → '81.2%'. */
export function pct(v: number | null | undefined): string {
  return v === null || v === undefined || !Number.isFinite(v) ? '-' : `${(v * 100).toFixed(1)}%`;
}

/** Bytes as KB / MB (powers of 1024). */
export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

/** An integer with thousands separators: 12345 → '12,345'. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * Rows as aligned columns (numbers right-aligned), two spaces apart, with an optional indent.
 * @example table([['model', '21.3'], ['persistence', '25.1']]) // 'model        21.3\npersistence  25.1'
 */
export function table(rows: readonly (readonly string[])[], indent = ''): string {
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, [...c].length)));
  const numeric = (c: string): boolean => /^[+-]?[\d.,]+(e[+-]?\d+)?%?$|^-$/.test(c);
  return rows
    .map((r) => indent + r.map((c, i) => (i === r.length - 1 && !numeric(c) ? c : numeric(c) ? c.padStart(widths[i]) : c.padEnd(widths[i]))).join('  ').trimEnd())
    .join('\n');
}

/** Write a line to stdout. */
export function say(line = ''): void {
  process.stdout.write(`${line}\n`);
}
