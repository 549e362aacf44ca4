/**
 * readCsv: a CSV file as a typed, column-major table.
 *
 * Parsing is csv-parse's (RFC 4180: quoted fields may hold the delimiter, quotes and newlines).
 * On top of it this file selects columns by name, types each column (number, ISO date as epoch ms,
 * or text), and finds missing values, which are either reported with their line and column or
 * filled by a policy the caller names. Lines are numbered as in the file: the header is line 1.
 *
 * Legend: R rows of the table (after any dropped rows), C selected columns.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';
import { parseIsoDate } from './dates.ts';
import { DataError, quoteList } from './errors.ts';

/** One column of a table. Dates are epoch milliseconds (UTC); text is kept verbatim. */
export type Column =
  | { readonly name: string; readonly kind: 'number'; readonly values: Float64Array }
  | { readonly name: string; readonly kind: 'date'; readonly values: Float64Array }
  | { readonly name: string; readonly kind: 'string'; readonly values: readonly string[] };

/** What to do with a missing value in a number or date column. */
export type MissingPolicy =
  /** Throw, naming every column with missing values, how many, and the first line (the default). */
  | 'error'
  /** Drop every row with a missing value in any selected number or date column. */
  | 'drop'
  /** Take the previous row's value; a leading gap takes the first value observed. */
  | 'ffill'
  /** Take the mean of the column's observed values. */
  | 'mean'
  /** Take this constant. */
  | { readonly fill: number };

/** Missing values found in one column, and how many rows `drop` removed because of them. */
export interface MissingReport {
  readonly column: string;
  /** Missing cells in this column. */
  readonly count: number;
  /** File line of the first one. */
  readonly firstLine: number;
}

export interface Table {
  /** [C] column names, in the order selected. */
  readonly names: readonly string[];
  /** [C] the columns, each with R values. */
  readonly columns: readonly Column[];
  /** R. */
  readonly rowCount: number;
  /** [R] the file line of each row (header = line 1), so later messages can point into the file. */
  readonly lines: Int32Array;
  /** Missing values found in the selected columns (empty when there were none). */
  readonly missing: readonly MissingReport[];
}

export interface ReadCsvOptions {
  /** Columns to keep, in this order (default: all, in file order). */
  readonly columns?: readonly string[];
  /** Columns holding ISO dates (`YYYY`, `YYYY-MM`, `YYYY-MM-DD`, date-times), parsed to epoch ms. */
  readonly dateColumns?: readonly string[];
  /** Columns to keep as text even if they look numeric (e.g. codes such as "007"). */
  readonly stringColumns?: readonly string[];
  /** Columns that must be numeric: any other text in them is an error. Others are inferred. */
  readonly numberColumns?: readonly string[];
  /** Missing values in number and date columns (text columns keep every value as is). Default 'error'. */
  readonly missing?: MissingPolicy;
  /** Cells read as missing (default: empty, "NA", "N/A", "NaN"), compared after trimming spaces. */
  readonly missingValues?: readonly string[];
  /** Field delimiter (default ","; "\t" for TSV). */
  readonly delimiter?: string;
  /** Whether `"` quotes fields (default true). Turn off for TSV files whose text holds stray quotes. */
  readonly quote?: boolean;
}

const DEFAULT_MISSING = ['', 'NA', 'N/A', 'NaN'];
const NUMBER = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/**
 * Read a CSV file (or CSV text) into a typed table.
 *
 * Columns are typed as dates when listed in `dateColumns`, as text when listed in `stringColumns`,
 * and otherwise inferred: a column whose observed values are all numbers is numeric; one that is
 * mostly numbers but holds some other text is an error naming the line, column and value (list it
 * in `stringColumns` to read it as text); anything else is text.
 *
 * @example
 * const t = readCsv({ path: 'data/international_football_results/results.csv' }, {
 *   columns: ['date', 'home_team', 'away_team', 'home_score', 'away_score'],
 *   dateColumns: ['date'],
 * });
 * const goals = numberColumn(t, 'home_score'); // Float64Array [49520]
 */
export function readCsv(source: string | { readonly path: string }, options: ReadCsvOptions = {}): Table {
  const policy = options.missing ?? 'error';
  if (!isMissingPolicy(policy)) {
    throw new DataError(`readCsv: unknown missing policy ${JSON.stringify(policy)}; expected 'error', 'drop', 'ffill', 'mean' or { fill: number }`);
  }
  const text = typeof source === 'string' ? source : readText(source.path);
  // A wrong column name is reported from the first line alone, before a large file is parsed.
  const firstLine = firstRecord(text, options);
  if (firstLine !== null) checkColumnNames(firstLine, options);
  const records = parseRecords(text, options);
  if (records.length === 0) throw new DataError('readCsv: the file is empty (expected a header line with column names)');
  const header = records[0].fields;
  checkColumnNames(header, options);
  const names = options.columns ?? header;
  const rows = records.slice(1);
  rows.forEach((r) => {
    if (r.fields.length !== header.length) {
      throw new DataError(`readCsv: line ${r.line} has ${r.fields.length} fields, expected ${header.length} (as the header)`);
    }
  });
  const lines = Int32Array.from(rows, (r) => r.line);
  const missingSet = new Set((options.missingValues ?? DEFAULT_MISSING).map((s) => s.trim()));

  const raw: RawColumn[] = names.map((name) => {
    const k = header.indexOf(name);
    const cells = rows.map((r) => r.fields[k]);
    const kind = columnKind(name, cells, lines, options, missingSet);
    return kind === 'string' ? { name, kind, cells } : parseNumeric(name, kind, cells, lines, missingSet);
  });
  return applyMissingPolicy(raw, lines, policy);
}

/** The column called `name`, or an error listing the table's columns. */
export function getColumn(table: Table, name: string): Column {
  const k = table.names.indexOf(name);
  if (k < 0) throw new DataError(`unknown column ${JSON.stringify(name)}; the table has columns ${quoteList(table.names)}`);
  return table.columns[k];
}

/**
 * The values of a number or date column (dates as epoch ms).
 * @example const years = numberColumn(readCsv(text), 'year');
 */
export function numberColumn(table: Table, name: string): Float64Array {
  const c = getColumn(table, name);
  if (c.kind === 'string') {
    throw new DataError(`column ${JSON.stringify(name)} holds text (e.g. ${JSON.stringify(c.values[0] ?? '')}), expected numbers`);
  }
  return c.values;
}

/** The values of a text column. */
export function stringColumn(table: Table, name: string): readonly string[] {
  const c = getColumn(table, name);
  if (c.kind !== 'string') throw new DataError(`column ${JSON.stringify(name)} holds ${c.kind}s, expected text`);
  return c.values;
}

/**
 * The rows at `rows` (in that order) as a new table; `lines` still point into the original file.
 * @example const recent = selectRows(t, indicesWhere(numberColumn(t, 'date'), (ms) => ms >= Date.UTC(2000, 0, 1)));
 */
export function selectRows(table: Table, rows: ArrayLike<number>): Table {
  const idx = Array.from(rows);
  idx.forEach((r, i) => {
    if (!Number.isInteger(r) || r < 0 || r >= table.rowCount) {
      throw new DataError(`selectRows: row index ${r} at position ${i} is outside 0..${table.rowCount - 1}`);
    }
  });
  const columns = table.columns.map((c): Column => {
    if (c.kind === 'string') return { name: c.name, kind: c.kind, values: idx.map((r) => c.values[r]) };
    return { name: c.name, kind: c.kind, values: Float64Array.from(idx, (r) => c.values[r]) };
  });
  return { names: table.names, columns, rowCount: idx.length, lines: Int32Array.from(idx, (r) => table.lines[r]), missing: table.missing };
}

/** Indices i (ascending) where `keep(values[i])` holds. */
export function indicesWhere<T>(values: ArrayLike<T>, keep: (v: T, i: number) => boolean): Int32Array {
  const out: number[] = [];
  for (let i = 0; i < values.length; i++) if (keep(values[i], i)) out.push(i);
  return Int32Array.from(out);
}

// ---------------------------------------------------------------------------------------------

interface RawRecord {
  fields: string[];
  /** File line where the record starts. */
  line: number;
}

/** A number or date column before the missing-value policy: NaN marks a missing cell. */
interface NumericRaw {
  name: string;
  kind: 'number' | 'date';
  values: Float64Array;
  missingCount: number;
  /** Row index (not line) of the first missing cell, -1 when none. */
  firstMissing: number;
  firstMissingText: string;
}

type RawColumn = NumericRaw | { name: string; kind: 'string'; cells: string[] };

function isMissingPolicy(p: unknown): p is MissingPolicy {
  if (p === 'error' || p === 'drop' || p === 'ffill' || p === 'mean') return true;
  return typeof p === 'object' && p !== null && typeof (p as { fill?: unknown }).fill === 'number';
}

function readText(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new DataError(`readCsv: cannot read ${path}${code === 'ENOENT' ? ': no such file' : `: ${(e as Error).message}`}`);
  }
}

/** Header names unique; every column named in the options present. */
function checkColumnNames(header: readonly string[], options: ReadCsvOptions): void {
  const seen = new Set<string>();
  for (const h of header) {
    if (seen.has(h)) throw new DataError(`readCsv: the header names column ${JSON.stringify(h)} twice; column names must be unique`);
    seen.add(h);
  }
  const names = options.columns ?? header;
  for (const [what, list] of [
    ['columns', names],
    ['dateColumns', options.dateColumns ?? []],
    ['stringColumns', options.stringColumns ?? []],
    ['numberColumns', options.numberColumns ?? []],
  ] as const) {
    for (const n of list) {
      if (!seen.has(n)) throw new DataError(`readCsv: unknown column ${JSON.stringify(n)} in ${what}; the file has columns ${quoteList(header)}`);
      if (what !== 'columns' && !names.includes(n)) {
        throw new DataError(`readCsv: column ${JSON.stringify(n)} is in ${what} but not in columns (${quoteList(names)})`);
      }
    }
  }
}

/** The fields of the file's first line when it is a complete, non-blank record; else null. */
function firstRecord(text: string, options: ReadCsvOptions): string[] | null {
  try {
    const [first] = parse(text, { bom: true, delimiter: options.delimiter ?? ',', quote: options.quote === false ? false : '"', to_line: 1 });
    return first !== undefined && !(first.length === 1 && first[0].trim() === '') ? first : null;
  } catch {
    return null; // e.g. a quoted header name spanning lines: the full parse will check the names
  }
}

function parseRecords(text: string, options: ReadCsvOptions): RawRecord[] {
  let parsed: string[][];
  try {
    parsed = parse(text, {
      bom: true,
      delimiter: options.delimiter ?? ',',
      quote: options.quote === false ? false : '"',
      // Blank lines come through as [''] so that line numbers can be counted (csv-parse's own
      // `info` would do it, at twice the parsing time); they are skipped below.
      skip_empty_lines: false,
      relax_column_count: true, // field counts are checked below, with a message naming the line
    });
  } catch (e) {
    throw new DataError(`readCsv: malformed CSV: ${(e as Error).message}`);
  }
  const out: RawRecord[] = [];
  let line = 1;
  for (const fields of parsed) {
    // Quoted fields may span lines: the next record starts after their newlines.
    let inner = 0;
    for (const f of fields) for (let i = f.indexOf('\n'); i >= 0; i = f.indexOf('\n', i + 1)) inner++;
    if (!(fields.length === 1 && fields[0].trim() === '' && inner === 0)) out.push({ fields, line });
    line += 1 + inner;
  }
  return out;
}

function columnKind(
  name: string,
  cells: readonly string[],
  lines: Int32Array,
  options: ReadCsvOptions,
  missing: ReadonlySet<string>,
): 'number' | 'date' | 'string' {
  if (options.dateColumns?.includes(name)) return 'date';
  if (options.stringColumns?.includes(name)) return 'string';
  if (options.numberColumns?.includes(name)) return 'number';
  let observed = 0;
  let numeric = 0;
  let firstText = -1;
  cells.forEach((c, r) => {
    const s = c.trim();
    if (missing.has(s)) return;
    observed++;
    if (NUMBER.test(s)) numeric++;
    else if (firstText < 0) firstText = r;
  });
  if (numeric === observed) return 'number';
  if (numeric > observed / 2) {
    throw new DataError(
      `readCsv: column ${JSON.stringify(name)} is numeric (${numeric} of ${observed} values) but line ${lines[firstText]} holds ` +
        `${JSON.stringify(cells[firstText])}; fix the value, or list the column in stringColumns to read it as text`,
    );
  }
  return 'string';
}

function parseNumeric(
  name: string,
  kind: 'number' | 'date',
  cells: readonly string[],
  lines: Int32Array,
  missing: ReadonlySet<string>,
): NumericRaw {
  const values = new Float64Array(cells.length);
  let missingCount = 0;
  let firstMissing = -1;
  cells.forEach((c, r) => {
    const s = c.trim();
    if (missing.has(s)) {
      values[r] = NaN;
      if (missingCount++ === 0) firstMissing = r;
      return;
    }
    const v = kind === 'date' ? parseIsoDate(s) : NUMBER.test(s) ? Number(s) : NaN;
    if (Number.isNaN(v)) {
      const expected = kind === 'date' ? 'an ISO date such as 2014-06-12' : 'a number';
      throw new DataError(`readCsv: line ${lines[r]}, column ${JSON.stringify(name)}: ${JSON.stringify(c)} is not ${expected}`);
    }
    values[r] = v;
  });
  return { name, kind, values, missingCount, firstMissing, firstMissingText: firstMissing >= 0 ? cells[firstMissing] : '' };
}

function applyMissingPolicy(raw: readonly RawColumn[], lines: Int32Array, policy: MissingPolicy): Table {
  const numeric = raw.filter((c): c is NumericRaw => c.kind !== 'string');
  const withGaps = numeric.filter((c) => c.missingCount > 0);
  const missing: MissingReport[] = withGaps.map((c) => ({ column: c.name, count: c.missingCount, firstLine: lines[c.firstMissing] }));
  const names = raw.map((c) => c.name);
  if (withGaps.length === 0 || policy === 'drop') {
    // keep[r]: row r has a value in every number/date column.
    const keep = indicesWhere(lines, (_, r) => withGaps.every((c) => !Number.isNaN(c.values[r])));
    const columns = raw.map((c): Column => {
      if (c.kind === 'string') return { name: c.name, kind: 'string', values: Array.from(keep, (r) => c.cells[r]) };
      return { name: c.name, kind: c.kind, values: keep.length === lines.length ? c.values : Float64Array.from(keep, (r) => c.values[r]) };
    });
    return { names, columns, rowCount: keep.length, lines: Int32Array.from(keep, (r) => lines[r]), missing };
  }
  if (policy === 'error') {
    const detail = withGaps
      .map((c) => `column ${JSON.stringify(c.name)} has ${c.missingCount}, the first at line ${lines[c.firstMissing]} (${JSON.stringify(c.firstMissingText)})`)
      .join('; ');
    throw new DataError(
      `readCsv: missing values: ${detail}. Pass missing: 'drop' | 'ffill' | 'mean' | { fill: number } to handle them, ` +
        'or leave the column out of columns',
    );
  }
  for (const c of withGaps) {
    const observed = c.values.length - c.missingCount;
    if (observed === 0 && typeof policy === 'string') {
      throw new DataError(`readCsv: column ${JSON.stringify(c.name)} has no values at all, so missing: '${policy}' cannot fill it`);
    }
    fillColumn(c.values, policy, c.firstMissing);
  }
  const columns = raw.map((c): Column => (c.kind === 'string' ? { name: c.name, kind: 'string', values: c.cells } : { name: c.name, kind: c.kind, values: c.values }));
  return { names, columns, rowCount: lines.length, lines, missing };
}

/** Fill the NaN cells of `values` in place. */
function fillColumn(values: Float64Array, policy: 'ffill' | 'mean' | { readonly fill: number }, firstMissing: number): void {
  if (policy === 'ffill') {
    let prev = NaN;
    for (const v of values) {
      if (!Number.isNaN(v)) {
        prev = v; // the first observed value, for a leading gap
        break;
      }
    }
    for (let r = 0; r < values.length; r++) {
      if (Number.isNaN(values[r])) values[r] = prev;
      else prev = values[r];
    }
    return;
  }
  let fill: number;
  if (policy === 'mean') {
    let sum = 0;
    let n = 0;
    for (const v of values) {
      if (!Number.isNaN(v)) {
        sum += v;
        n++;
      }
    }
    fill = sum / n;
  } else {
    fill = policy.fill;
    if (!Number.isFinite(fill)) throw new DataError(`readCsv: missing: { fill: ${fill} } must be a finite number`);
  }
  for (let r = firstMissing; r < values.length; r++) if (Number.isNaN(values[r])) values[r] = fill;
}
