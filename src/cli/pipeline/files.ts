/**
 * Files in and out for the CLI: reading a data file with an error that names the flag, checking
 * column names against a CSV header before the file is parsed, writing CSV output.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { readCsv } from '../../index.ts';
import { CliError } from '../errors.ts';

/** The text of a file given with `flag`, or an error naming the flag and the absolute path. */
export function readTextFile(path: string, flag: string): string {
  try {
    if (statSync(path).isDirectory()) throw new CliError(`${flag} ${path}: is a directory, expected a file`);
    return readFileSync(path, 'utf8');
  } catch (e) {
    if (e instanceof CliError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new CliError(`${flag} ${path}: no such file (looked at ${resolve(path)})`);
    if (code === 'EACCES') throw new CliError(`${flag} ${path}: permission denied`);
    throw new CliError(`${flag} ${path}: cannot read it: ${(e as Error).message}`);
  }
}

/** The column names on a CSV text's first line. */
export function csvHeader(text: string, path: string): string[] {
  const end = text.search(/\r?\n/);
  const first = end < 0 ? text : text.slice(0, end);
  if (first.trim() === '') throw new CliError(`${path}: the first line is empty, expected a header line with column names`);
  return [...readCsv(first).names];
}

/**
 * Check that every column named by `flag` is in the file; otherwise name the file's columns.
 * @example checkColumns(['temp'], ['year', 'sunactivity'], '--target', 'data.csv')
 * // throws: --target: data.csv has no column "temp"; its columns are "year", "sunactivity"
 */
export function checkColumns(names: readonly string[], header: readonly string[], flag: string, path: string): void {
  for (const n of names) {
    if (!header.includes(n)) {
      throw new CliError(`${flag}: ${path} has no column ${JSON.stringify(n)}; its columns are ${header.map((h) => JSON.stringify(h)).join(', ')}`);
    }
  }
}

/** One CSV field, quoted when it holds a comma, a quote or a line break (RFC 4180). */
function field(v: string | number): string {
  const s = typeof v === 'number' ? formatCsvNumber(v) : v;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Numbers with up to 6 significant digits after the point, no exponent for usual magnitudes. */
export function formatCsvNumber(v: number): string {
  if (!Number.isFinite(v)) return '';
  return String(Number(v.toPrecision(7)));
}

/** CSV text of a header and rows. */
export function csvText(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  return [header, ...rows].map((r) => r.map(field).join(',')).join('\n') + '\n';
}

/** Write CSV to `path`, or to stdout when `path` is null. */
export function writeCsv(path: string | null, header: readonly string[], rows: readonly (readonly (string | number)[])[]): void {
  const text = csvText(header, rows);
  if (path === null) {
    process.stdout.write(text);
    return;
  }
  writeOutputFile(path, text, '--out');
}

/** Write an output file, with an error naming the flag when the file system refuses. */
export function writeOutputFile(path: string, content: string | Uint8Array, flag: string): void {
  try {
    writeFileSync(path, content);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? `its directory does not exist (${resolve(path, '..')})` : code === 'EACCES' ? 'permission denied' : code === 'EISDIR' ? 'it is a directory' : (e as Error).message;
    throw new CliError(`${flag} ${path}: cannot write it: ${why}`);
  }
}
