/**
 * Per-column scaling, fitted on the training rows only and saved with the model (`toJSON`), so
 * that inputs are scaled the same way at prediction time and predictions come back in the data's
 * own units (`inverseTransform`).
 *
 *   standard:  z = (v - mean_c) / std_c                          (population std, as scikit-learn)
 *   min-max:   z = lo + (v - min_c) / (max_c - min_c) · (hi - lo)
 *
 * A column that is constant on the training rows gets std (or max - min) 1, so it maps to 0
 * (or lo) instead of dividing by zero. Both run as z = lo_c + (v - center_c) / scale_c · mult_c,
 * which keeps the formulas' exact values (min maps to exactly lo, max to exactly hi).
 *
 * Columns are found by name: a table's column names, or for a matrix the positions as text
 * ("0", "1", …).
 */
import type { Column, Table } from './csv.ts';
import { DataError, quoteList } from './errors.ts';
import { isTable, resolveColumn, type Matrix, type RowRange } from './timeseries.ts';

/** A fitted scaler as plain data. */
export type ScalerJSON =
  | { readonly kind: 'standard'; readonly columns: readonly string[]; readonly mean: readonly number[]; readonly std: readonly number[] }
  | {
      readonly kind: 'minmax';
      readonly columns: readonly string[];
      readonly min: readonly number[];
      readonly max: readonly number[];
      readonly range: readonly [number, number];
    };

export interface FitOptions {
  /** Columns to fit (default: every number column of a table, every column of a matrix). */
  readonly columns?: readonly (string | number)[];
  /** Rows to fit on — the training part (default: all rows). */
  readonly rows?: RowRange;
}

/** Per-column z = offset + (v - center) / scale · mult: what the two scalers share. */
interface Affine {
  /** [C] */
  readonly center: readonly number[];
  /** [C], never 0 */
  readonly scale: readonly number[];
  readonly mult: number;
  readonly offset: number;
}

/** What the two scalers share. */
export abstract class Scaler {
  /** Names of the fitted columns. */
  readonly columns: readonly string[];
  private readonly affine: Affine;

  protected constructor(columns: readonly string[], affine: Affine) {
    this.columns = columns;
    this.affine = affine;
  }

  abstract toJSON(): ScalerJSON;

  /** Scale the fitted columns of a table or matrix; other columns pass through unchanged. */
  transform(data: Table): Table;
  transform(data: Matrix): number[][];
  transform(data: Table | Matrix): Table | number[][] {
    return isTable(data) ? this.mapTable(data, false) : this.mapMatrix(data, false);
  }

  /** Undo `transform`: back to the data's units. */
  inverseTransform(data: Table): Table;
  inverseTransform(data: Matrix): number[][];
  inverseTransform(data: Table | Matrix): Table | number[][] {
    return isTable(data) ? this.mapTable(data, true) : this.mapMatrix(data, true);
  }

  /**
   * Scale flat row-major values whose rows hold `columns` in that order, e.g. window targets
   * [W, horizon, O] with `columns` = the O target names.
   */
  transformValues(values: ArrayLike<number>, columns: readonly string[]): Float64Array {
    return this.mapValues(values, columns, false);
  }

  /**
   * Undo `transformValues`: e.g. a forecaster's output [B, horizon · O] back in original units.
   * @example const rmse = scaler.inverseTransformValues(prediction.data, ['sunspots']);
   */
  inverseTransformValues(values: ArrayLike<number>, columns: readonly string[]): Float64Array {
    return this.mapValues(values, columns, true);
  }

  private indexOf(name: string): number {
    const k = this.columns.indexOf(name);
    if (k < 0) throw new DataError(`scaler: column ${JSON.stringify(name)} was not fitted; the scaler holds ${quoteList(this.columns)}`);
    return k;
  }

  private apply(v: number, k: number, inverse: boolean): number {
    const { center, scale, mult, offset } = this.affine;
    return inverse ? center[k] + ((v - offset) / mult) * scale[k] : offset + ((v - center[k]) / scale[k]) * mult;
  }

  private mapValues(values: ArrayLike<number>, columns: readonly string[], inverse: boolean): Float64Array {
    const ks = columns.map((c) => this.indexOf(c));
    const C = ks.length;
    if (C === 0 || values.length % C !== 0) {
      throw new DataError(`scaler: ${values.length} values do not split into rows of ${C} columns (${quoteList(columns)})`);
    }
    const out = new Float64Array(values.length);
    for (let i = 0; i < values.length; i++) out[i] = this.apply(values[i], ks[i % C], inverse);
    return out;
  }

  private mapTable(table: Table, inverse: boolean): Table {
    for (const c of this.columns) {
      if (!table.names.includes(c)) throw new DataError(`scaler: the table has no column ${JSON.stringify(c)}; it has ${quoteList(table.names)}`);
    }
    const columns = table.columns.map((col): Column => {
      const k = this.columns.indexOf(col.name);
      if (k < 0) return col;
      const values = resolveColumn(table, col.name).values; // checks it is numeric and finite
      return { name: col.name, kind: 'number', values: Float64Array.from(values, (v) => this.apply(v, k, inverse)) };
    });
    return { ...table, columns };
  }

  private mapMatrix(m: Matrix, inverse: boolean): number[][] {
    const ks = this.columns.map(Number);
    const C = m.length > 0 ? m[0].length : 0;
    ks.forEach((c, k) => {
      if (!(c < C)) throw new DataError(`scaler: the matrix has ${C} columns, so none at position ${this.columns[k]}`);
    });
    const scaled = new Int32Array(C).fill(-1); // scaled[c]: the scaler column for matrix column c
    ks.forEach((c, k) => (scaled[c] = k));
    return m.map((row, r) => {
      if (row.length !== C) throw new DataError(`scaler: row ${r} has ${row.length} values, expected ${C} (as row 0)`);
      return row.map((v, c) => (scaled[c] < 0 ? v : this.apply(v, scaled[c], inverse)));
    });
  }
}

/**
 * z = (v - mean) / std per column, fitted on the training rows.
 * @example
 * const split = chronologicalSplit(t.rowCount, { train: 0.8, test: 0.2 });
 * const scaler = StandardScaler.fit(t, { columns: ['sunspots'], rows: split.train });
 * const scaled = scaler.transform(t);
 */
export class StandardScaler extends Scaler {
  readonly mean: readonly number[];
  readonly std: readonly number[];

  private constructor(columns: readonly string[], mean: readonly number[], std: readonly number[]) {
    const s = std.map((v) => (v > 0 ? v : 1));
    super(columns, { center: mean, scale: s, mult: 1, offset: 0 });
    this.mean = mean;
    this.std = s;
  }

  static fit(data: Table | Matrix, options: FitOptions = {}): StandardScaler {
    const cols = fitColumns(data, options, 'StandardScaler');
    const mean = cols.map(({ values }) => values.reduce((acc, v) => acc + v, 0) / values.length);
    const std = cols.map(({ values }, k) => Math.sqrt(values.reduce((acc, v) => acc + (v - mean[k]) ** 2, 0) / values.length));
    return new StandardScaler(cols.map((c) => c.name), mean, std);
  }

  toJSON(): ScalerJSON {
    return { kind: 'standard', columns: [...this.columns], mean: [...this.mean], std: [...this.std] };
  }

  static fromJSON(json: ScalerJSON): StandardScaler {
    if (json.kind !== 'standard') throw new DataError(`StandardScaler.fromJSON: got a '${json.kind}' scaler`);
    checkParams(json.columns, { mean: json.mean, std: json.std });
    return new StandardScaler([...json.columns], [...json.mean], [...json.std]);
  }
}

/**
 * z = lo + (v - min) / (max - min) · (hi - lo) per column, fitted on the training rows.
 * Values outside the training range map outside [lo, hi]; that is expected for a test part.
 * @example const scaler = MinMaxScaler.fit(matrix, { rows: split.train, range: [-1, 1] });
 */
export class MinMaxScaler extends Scaler {
  readonly min: readonly number[];
  readonly max: readonly number[];
  readonly range: readonly [number, number];

  private constructor(columns: readonly string[], min: readonly number[], max: readonly number[], range: readonly [number, number]) {
    const [lo, hi] = range;
    const span = min.map((m, k) => (max[k] > m ? max[k] - m : 1));
    super(columns, { center: min, scale: span, mult: hi - lo, offset: lo });
    this.min = min;
    this.max = max;
    this.range = range;
  }

  static fit(data: Table | Matrix, options: FitOptions & { readonly range?: readonly [number, number] } = {}): MinMaxScaler {
    const range = options.range ?? [0, 1];
    if (!(range[0] < range[1])) throw new DataError(`MinMaxScaler: range [${range[0]}, ${range[1]}] is empty, expected lo < hi`);
    const cols = fitColumns(data, options, 'MinMaxScaler');
    const min = cols.map(({ values }) => values.reduce((acc, v) => Math.min(acc, v), Infinity));
    const max = cols.map(({ values }) => values.reduce((acc, v) => Math.max(acc, v), -Infinity));
    return new MinMaxScaler(cols.map((c) => c.name), min, max, [range[0], range[1]]);
  }

  toJSON(): ScalerJSON {
    return { kind: 'minmax', columns: [...this.columns], min: [...this.min], max: [...this.max], range: [this.range[0], this.range[1]] };
  }

  static fromJSON(json: ScalerJSON): MinMaxScaler {
    if (json.kind !== 'minmax') throw new DataError(`MinMaxScaler.fromJSON: got a '${json.kind}' scaler`);
    checkParams(json.columns, { min: json.min, max: json.max, range: json.range });
    return new MinMaxScaler([...json.columns], [...json.min], [...json.max], [json.range[0], json.range[1]]);
  }
}

/**
 * Rebuild whichever scaler `json` describes (as saved in a model file).
 * @example const scaler = scalerFromJSON(JSON.parse(text).scaler);
 */
export function scalerFromJSON(json: ScalerJSON): Scaler {
  switch (json.kind) {
    case 'standard':
      return StandardScaler.fromJSON(json);
    case 'minmax':
      return MinMaxScaler.fromJSON(json);
    default:
      throw new DataError(`scalerFromJSON: unknown scaler kind ${JSON.stringify((json as { kind: unknown }).kind)}, expected 'standard' or 'minmax'`);
  }
}

/** The training values of each column to fit. */
function fitColumns(data: Table | Matrix, options: FitOptions, who: string): { name: string; values: number[] }[] {
  const R = isTable(data) ? data.rowCount : data.length;
  const { start, end } = options.rows ?? { start: 0, end: R };
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start < end && end <= R)) {
    throw new DataError(`${who}.fit: rows [${start}, ${end}) is not a non-empty range of rows within 0..${R}`);
  }
  let refs: readonly (string | number)[];
  if (options.columns !== undefined) refs = options.columns;
  else if (isTable(data)) refs = data.columns.filter((c) => c.kind === 'number').map((c) => c.name);
  else refs = Array.from({ length: R > 0 ? data[0].length : 0 }, (_, c) => c);
  if (refs.length === 0) throw new DataError(`${who}.fit: no numeric columns to fit`);
  return refs.map((ref) => {
    const { name, values } = resolveColumn(data, ref);
    return { name, values: Array.prototype.slice.call(values, start, end) as number[] };
  });
}

function checkParams(columns: readonly string[], params: Record<string, readonly number[]>): void {
  for (const [name, v] of Object.entries(params)) {
    const n = name === 'range' ? 2 : columns.length;
    if (!Array.isArray(v) || v.length !== n || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new DataError(`scaler JSON: ${name} must hold ${n} finite numbers`);
    }
  }
}
