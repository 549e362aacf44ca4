/**
 * Time series: a chronological train/validation/test split of rows, and sliding windows that turn
 * a series into (past `inputLength` steps of the input columns → next `horizon` steps of the
 * target columns) pairs. Input and target columns are chosen independently, so a model may read
 * several series and forecast one, or the reverse.
 *
 * Legend: R rows (time steps) of the series, W windows, L inputLength, I input columns,
 * O target columns. Window w reads rows s-L .. s-1 and predicts rows s .. s+horizon-1, where
 * s = targetStart[w].
 */
import { getColumn, type Table } from './csv.ts';
import type { SequenceDataset, Sample } from './dataset.ts';
import { DataError, quoteList } from './errors.ts';

/** Rows [start, end) of a series. */
export interface RowRange {
  readonly start: number;
  readonly end: number;
}

/** A series as rows of features: [R][C]. */
export type Matrix = readonly (readonly number[])[];

/** A column by name (tables) or by position (matrices). */
export type ColumnRef = string | number;

export interface Split {
  readonly train: RowRange;
  readonly validation: RowRange;
  readonly test: RowRange;
}

/**
 * Split `n` rows in time order, without shuffling: the first part trains, the next validates,
 * the last tests. Train and validation get ⌊fraction · n⌋ rows; test gets the rest.
 * @example chronologicalSplit(100, { train: 0.7, validation: 0.15, test: 0.15 })
 * // { train: { start: 0, end: 70 }, validation: { start: 70, end: 85 }, test: { start: 85, end: 100 } }
 */
export function chronologicalSplit(n: number, fractions: { readonly train: number; readonly validation?: number; readonly test?: number }): Split {
  const { train, validation = 0, test = 0 } = fractions;
  if (!Number.isInteger(n) || n < 1) throw new DataError(`chronologicalSplit: ${n} rows, expected a positive integer`);
  for (const [name, f] of [['train', train], ['validation', validation], ['test', test]] as const) {
    if (!(f >= 0 && f <= 1)) throw new DataError(`chronologicalSplit: ${name} fraction is ${f}, expected a number in [0, 1]`);
  }
  if (Math.abs(train + validation + test - 1) > 1e-9) {
    throw new DataError(`chronologicalSplit: fractions sum to ${Number((train + validation + test).toPrecision(12))} (train ${train} + validation ${validation} + test ${test}), expected 1`);
  }
  const nTrain = Math.floor(train * n + 1e-9);
  const nVal = test === 0 ? n - nTrain : Math.floor(validation * n + 1e-9);
  const sizes = { train: nTrain, validation: nVal, test: n - nTrain - nVal };
  for (const [name, f] of [['train', train], ['validation', validation], ['test', test]] as const) {
    if (f > 0 && sizes[name] === 0) throw new DataError(`chronologicalSplit: ${n} rows are too few: the ${name} part (${f}) gets no rows`);
  }
  return {
    train: { start: 0, end: nTrain },
    validation: { start: nTrain, end: nTrain + nVal },
    test: { start: nTrain + nVal, end: n },
  };
}

export interface WindowOptions {
  /** Columns the model reads at each step (I of them). */
  readonly inputColumns: readonly ColumnRef[];
  /** Columns the model predicts (O of them). */
  readonly targetColumns: readonly ColumnRef[];
  /** Steps of history per window (L). */
  readonly inputLength: number;
  /** Steps predicted after the history (default 1). */
  readonly horizon?: number;
  /** Rows between the starts of consecutive windows (default 1). */
  readonly stride?: number;
  /**
   * Keep only windows whose targets lie in these rows (e.g. a split's test part). Their inputs may
   * reach back before `start`: that history was observed, so it leaks nothing. Default: all rows.
   */
  readonly targetRows?: RowRange;
}

export interface Windows {
  /** W. */
  readonly count: number;
  readonly inputLength: number;
  readonly horizon: number;
  /** Names of the I input columns (positions as text for a matrix). */
  readonly inputColumns: readonly string[];
  /** Names of the O target columns. */
  readonly targetColumns: readonly string[];
  /** [W, L, I] inputs. */
  readonly x: Float32Array;
  /** [W, horizon, O] targets. */
  readonly y: Float32Array;
  /** [W] row of each window's first target step. */
  readonly targetStart: Int32Array;
}

/**
 * Cut a series into windows of `inputLength` input steps followed by `horizon` target steps.
 *
 * @example
 * // series 1..6, one column: inputs [1,2,3] → target [4], [2,3,4] → [5], [3,4,5] → [6]
 * const w = slidingWindows([[1], [2], [3], [4], [5], [6]], { inputColumns: [0], targetColumns: [0], inputLength: 3 });
 */
export function slidingWindows(series: Table | Matrix, options: WindowOptions): Windows {
  const L = options.inputLength;
  const horizon = options.horizon ?? 1;
  const stride = options.stride ?? 1;
  for (const [name, v] of [['inputLength', L], ['horizon', horizon], ['stride', stride]] as const) {
    if (!Number.isInteger(v) || v < 1) throw new DataError(`slidingWindows: ${name} is ${v}, expected a positive integer`);
  }
  if (options.inputColumns.length === 0) throw new DataError('slidingWindows: inputColumns is empty (expected at least one column)');
  if (options.targetColumns.length === 0) throw new DataError('slidingWindows: targetColumns is empty (expected at least one column)');
  const inputs = options.inputColumns.map((c) => resolveColumn(series, c));
  const targets = options.targetColumns.map((c) => resolveColumn(series, c));
  const R = isTable(series) ? series.rowCount : series.length;
  const range = options.targetRows ?? { start: 0, end: R };
  if (!(Number.isInteger(range.start) && Number.isInteger(range.end) && range.start >= 0 && range.start <= range.end && range.end <= R)) {
    throw new DataError(`slidingWindows: targetRows [${range.start}, ${range.end}) is not a range of rows within 0..${R}`);
  }
  const first = Math.max(range.start, L);
  const W = first + horizon <= range.end ? Math.floor((range.end - horizon - first) / stride) + 1 : 0;
  if (W === 0) {
    throw new DataError(
      `slidingWindows: no window fits: ${range.end - range.start} target rows [${range.start}, ${range.end}) of a ${R}-row series, ` +
        `with inputLength ${L} and horizon ${horizon} (need at least ${L + horizon} rows from the series start)`,
    );
  }
  const I = inputs.length;
  const O = targets.length;
  const x = new Float32Array(W * L * I); // [W, L, I]
  const y = new Float32Array(W * horizon * O); // [W, horizon, O]
  const targetStart = new Int32Array(W);
  for (let w = 0; w < W; w++) {
    const s = first + w * stride;
    targetStart[w] = s;
    for (let t = 0; t < L; t++) for (let i = 0; i < I; i++) x[(w * L + t) * I + i] = inputs[i].values[s - L + t];
    for (let k = 0; k < horizon; k++) for (let o = 0; o < O; o++) y[(w * horizon + k) * O + o] = targets[o].values[s + k];
  }
  return { count: W, inputLength: L, horizon, inputColumns: inputs.map((c) => c.name), targetColumns: targets.map((c) => c.name), x, y, targetStart };
}

/**
 * Windows as a dataset for a `DataLoader`: sample w has x [L][I] and y [horizon · O]
 * (targets flattened step-major, as a forecaster's head emits them).
 */
export function windowDataset(windows: Windows): SequenceDataset {
  const { count, inputLength: L, horizon } = windows;
  const I = windows.inputColumns.length;
  const O = windows.targetColumns.length;
  return {
    size: count,
    inputSize: I,
    get(w: number): Sample {
      if (!Number.isInteger(w) || w < 0 || w >= count) throw new RangeError(`windowDataset.get: index ${w} is outside 0..${count - 1}`);
      const x: number[][] = [];
      for (let t = 0; t < L; t++) x.push(Array.from(windows.x.subarray((w * L + t) * I, (w * L + t + 1) * I)));
      return { x, y: Array.from(windows.y.subarray(w * horizon * O, (w + 1) * horizon * O)) };
    },
    lengthOf: () => L,
  };
}

/**
 * Numeric columns of a table as rows: [R][C].
 * @example toMatrix(table, ['pm2.5', 'TEMP']) // [[129, -4], [148, -4], ...]
 */
export function toMatrix(table: Table, columns: readonly string[]): number[][] {
  const cols = columns.map((c) => resolveColumn(table, c).values);
  return Array.from({ length: table.rowCount }, (_, r) => cols.map((v) => v[r]));
}

export function isTable(x: Table | Matrix): x is Table {
  return !Array.isArray(x);
}

/** A column's values (checked finite) and its name. */
export function resolveColumn(series: Table | Matrix, ref: ColumnRef): { name: string; values: ArrayLike<number> } {
  if (isTable(series)) {
    const c = typeof ref === 'number' ? series.columns[ref] : getColumn(series, ref);
    if (c === undefined) throw new DataError(`column position ${ref} is outside 0..${series.columns.length - 1} (columns ${quoteList(series.names)})`);
    if (c.kind === 'string') throw new DataError(`column ${JSON.stringify(c.name)} holds text, expected numbers`);
    checkFinite(c.values, c.name);
    return { name: c.name, values: c.values };
  }
  if (typeof ref !== 'number') throw new DataError(`column ${JSON.stringify(ref)}: a matrix has no column names, refer to columns by position`);
  const C = series.length > 0 ? series[0].length : 0;
  if (!Number.isInteger(ref) || ref < 0 || ref >= C) throw new DataError(`column ${ref} is outside 0..${C - 1} (the matrix has ${C} columns)`);
  const values = series.map((row, r) => {
    if (row.length !== C) throw new DataError(`row ${r} has ${row.length} values, expected ${C} (as row 0)`);
    return row[ref];
  });
  checkFinite(values, String(ref));
  return { name: String(ref), values };
}

function checkFinite(values: ArrayLike<number>, name: string): void {
  for (let r = 0; r < values.length; r++) {
    if (!Number.isFinite(values[r])) throw new DataError(`column ${JSON.stringify(name)}, row ${r}: ${values[r]} is not a finite number`);
  }
}
