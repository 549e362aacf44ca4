/**
 * Sequence datasets: ragged sequences (each sample has its own length T_i) with a label per
 * sequence, a label per step, or both; and `groupBy`, which turns a long table (one row per event)
 * into one sequence of rows per entity, such as every team's match history.
 *
 * Legend: T_i length of sample i, D features per step (inputSize), O label width per sequence,
 * P label width per step.
 */
import { getColumn, type Table } from './csv.ts';
import { DataError } from './errors.ts';

/** One sample. `x` is [T_i][D]; `y` is [O]; `yPerStep` is [T_i][P], one label row per step of `x`. */
export interface Sample {
  readonly x: readonly (readonly number[])[];
  readonly y?: readonly number[];
  readonly yPerStep?: readonly (readonly number[])[];
}

/** What a `DataLoader` iterates over. `get` may build samples lazily. */
export interface SequenceDataset {
  /** Number of samples. */
  readonly size: number;
  /** Features per step D. */
  readonly inputSize: number;
  get(i: number): Sample;
  /** T_i without building the sample (optional; the loader calls `get(i).x.length` otherwise). */
  lengthOf?(i: number): number;
}

/**
 * A dataset held in memory as nested arrays, checked once when built.
 * @example
 * const ds = new ArrayDataset({ x: [[[1], [2], [3]], [[4]]], y: [[1], [0]] }); // lengths 3 and 1
 */
export class ArrayDataset implements SequenceDataset {
  readonly size: number;
  readonly inputSize: number;
  private readonly x: readonly (readonly (readonly number[])[])[];
  private readonly y: readonly (readonly number[])[] | null;
  private readonly yPerStep: readonly (readonly (readonly number[])[])[] | null;

  constructor(data: {
    readonly x: readonly (readonly (readonly number[])[])[];
    readonly y?: readonly (readonly number[])[];
    readonly yPerStep?: readonly (readonly (readonly number[])[])[];
  }) {
    const { x } = data;
    if (x.length === 0) throw new DataError('ArrayDataset: no sequences given (expected at least one)');
    if (x[0].length === 0) throw new DataError('ArrayDataset: sample 0 has length 0, expected at least 1 step');
    const D = x[0][0].length;
    x.forEach((seq, i) => {
      if (seq.length === 0) throw new DataError(`ArrayDataset: sample ${i} has length 0, expected at least 1 step`);
      checkRows(seq, D, `sample ${i}`, 'features', 'inputSize, as sample 0');
    });
    if (data.y !== undefined) {
      if (data.y.length !== x.length) throw new DataError(`ArrayDataset: ${data.y.length} labels (y) for ${x.length} sequences`);
      checkRows(data.y, data.y[0].length, 'y of sample', 'values', 'as sample 0', true);
    }
    if (data.yPerStep !== undefined) {
      const ys = data.yPerStep;
      if (ys.length !== x.length) throw new DataError(`ArrayDataset: ${ys.length} per-step label sequences (yPerStep) for ${x.length} sequences`);
      const P = ys[0][0]?.length ?? 0;
      ys.forEach((seq, i) => {
        if (seq.length !== x[i].length) {
          throw new DataError(`ArrayDataset: yPerStep of sample ${i} has ${seq.length} steps, expected ${x[i].length} (as x)`);
        }
        checkRows(seq, P, `yPerStep of sample ${i}`, 'values', 'as sample 0');
      });
    }
    this.size = x.length;
    this.inputSize = D;
    this.x = x;
    this.y = data.y ?? null;
    this.yPerStep = data.yPerStep ?? null;
  }

  get(i: number): Sample {
    if (!Number.isInteger(i) || i < 0 || i >= this.size) throw new RangeError(`ArrayDataset.get: index ${i} is outside 0..${this.size - 1}`);
    const s: { x: readonly (readonly number[])[]; y?: readonly number[]; yPerStep?: readonly (readonly number[])[] } = { x: this.x[i] };
    if (this.y !== null) s.y = this.y[i];
    if (this.yPerStep !== null) s.yPerStep = this.yPerStep[i];
    return s;
  }

  lengthOf(i: number): number {
    return this.x[i].length;
  }
}

/** Every row (`rows[k]` indexes the table) must have `width` finite values. */
function checkRows(rows: readonly (readonly number[])[], width: number, what: string, unit: string, why: string, indexed = false): void {
  rows.forEach((row, t) => {
    const where = indexed ? `${what} ${t}` : `${what}, step ${t}`;
    if (!Array.isArray(row) || row.length !== width) {
      throw new DataError(`ArrayDataset: ${where} has ${Array.isArray(row) ? row.length : 'no'} ${unit}, expected ${width} (${why})`);
    }
    row.forEach((v, f) => {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new DataError(`ArrayDataset: ${where}, value ${f} is ${String(v)}, expected a finite number`);
      }
    });
  });
}

/** The rows of one entity, in `sortBy` order. */
export interface Group {
  /** The entity (a key column's value as text). */
  readonly key: string;
  /** [T] table rows of this entity, sorted by `sortBy` (ties and no `sortBy`: file order). */
  readonly rows: Int32Array;
  /** [T] which of the key columns (0, 1, …) named the entity in each row, e.g. home (0) or away (1). */
  readonly keyColumn: Int32Array;
}

/**
 * Group a table's rows by entity. With several key columns a row belongs to every entity it
 * names, e.g. a match to both its home and its away team; `keyColumn` says which side it was.
 * Groups come sorted by key (code-point order) so the result does not depend on the file's order.
 *
 * @example
 * const teams = groupBy(matches, ['home_team', 'away_team'], 'date');
 * const x = teams.map((g) => Array.from(g.rows, (r, t) => features(r, g.keyColumn[t]))); // [team][match][D]
 */
export function groupBy(table: Table, key: string | readonly string[], sortBy?: string): Group[] {
  const keyNames = typeof key === 'string' ? [key] : key;
  if (keyNames.length === 0) throw new DataError('groupBy: no key column given');
  const keys = keyNames.map((name) => {
    const c = getColumn(table, name);
    return c.kind === 'string' ? c.values : Array.from(c.values, String);
  });
  const order = sortOrder(table, sortBy);
  const byKey = new Map<string, { rows: number[]; keyColumn: number[] }>();
  for (const r of order) {
    keys.forEach((values, k) => {
      const v = values[r];
      if (keys.slice(0, k).some((earlier) => earlier[r] === v)) return; // the same entity on both sides: once
      let g = byKey.get(v);
      if (g === undefined) byKey.set(v, (g = { rows: [], keyColumn: [] }));
      g.rows.push(r);
      g.keyColumn.push(k);
    });
  }
  return [...byKey.keys()].sort(compareCodePoints).map((k) => {
    const g = byKey.get(k) as { rows: number[]; keyColumn: number[] };
    return { key: k, rows: Int32Array.from(g.rows), keyColumn: Int32Array.from(g.keyColumn) };
  });
}

/** Row indices sorted by the `sortBy` column (stable), or 0..R-1. */
function sortOrder(table: Table, sortBy: string | undefined): number[] {
  const order = Array.from({ length: table.rowCount }, (_, r) => r);
  if (sortBy === undefined) return order;
  const c = getColumn(table, sortBy);
  if (c.kind === 'string') {
    const v = c.values;
    return order.sort((a, b) => compareCodePoints(v[a], v[b]) || a - b);
  }
  const v = c.values;
  return order.sort((a, b) => v[a] - v[b] || a - b);
}

/**
 * Compare strings by Unicode code point (JavaScript's `<` compares UTF-16 units, which puts
 * astral characters such as emoji before U+E000..U+FFFF).
 */
export function compareCodePoints(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; ) {
    const ca = a.codePointAt(i) as number;
    const cb = b.codePointAt(i) as number;
    if (ca !== cb) return ca - cb;
    i += ca > 0xffff ? 2 : 1;
  }
  return a.length - b.length;
}
