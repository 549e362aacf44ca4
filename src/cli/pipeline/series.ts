/**
 * A CSV time series for a forecaster: read the columns, split in time order, fit the scaler on
 * the training rows only, cut windows; and at prediction time replay the same preparation to
 * score, predict and forecast in the data's own units.
 *
 * Legend: R rows, W windows, L window length, I input columns, O target columns, h horizon,
 * N forecast steps. Window w reads rows s-L .. s-1 and predicts rows s .. s+h-1 (s = targetStart[w]).
 */
import {
  DataError, MinMaxScaler, StandardScaler, chronologicalSplit, mae, numberColumn, readCsv, rmse, slidingWindows,
  type Scaler, type SequenceModel, type Split, type Table, type Windows,
} from '../../index.ts';
import { CliError } from '../errors.ts';
import { checkColumns, csvHeader, readTextFile } from './files.ts';
import { predictWindows } from './infer.ts';
import { scalerOf, type Fractions, type MissingSetting, type SeriesPrep } from './prep.ts';
import { extendLabels } from './time.ts';

export interface SeriesOptions {
  path: string;
  targets: string[];
  /** Default: the targets. */
  inputs: string[] | null;
  time: string | null;
  window: number;
  horizon: number;
  missing: MissingSetting;
  split: Fractions;
  scaling: 'standard' | 'minmax';
}

export interface SeriesTraining {
  prep: SeriesPrep;
  /** The series in its own units. */
  table: Table;
  split: Split;
  /** Scaled windows whose targets lie in each part. */
  train: Windows;
  validation: Windows;
  test: Windows;
}

function unique(names: readonly (string | null)[]): string[] {
  return [...new Set(names.filter((n): n is string => n !== null))];
}

/** Read the columns a series model needs; `time` is kept as text (a year, a date). */
function readSeries(
  text: string,
  path: string,
  columns: { inputs: readonly string[]; targets: readonly string[]; time: string | null },
  missing: MissingSetting,
): Table {
  const header = csvHeader(text, path);
  checkColumns(columns.targets, header, '--target', path);
  checkColumns(columns.inputs, header, '--inputs', path);
  if (columns.time !== null) checkColumns([columns.time], header, '--time', path);
  return readCsv(text, {
    columns: unique([columns.time, ...columns.inputs, ...columns.targets]),
    stringColumns: columns.time === null ? [] : [columns.time],
    numberColumns: unique([...columns.inputs, ...columns.targets]),
    missing,
  });
}

/** Windows of one part, or an error saying the part is too short. */
function windowsOf(scaled: Table, prep: SeriesPrep, rows: { start: number; end: number }, part: string): Windows {
  try {
    return slidingWindows(scaled, { inputColumns: prep.inputs, targetColumns: prep.targets, inputLength: prep.window, horizon: prep.horizon, targetRows: rows });
  } catch (e) {
    if (!(e instanceof DataError) || !e.message.includes('no window fits')) throw e;
    throw new CliError(
      `the ${part} part of ${prep.source} (rows ${rows.start + 1}–${rows.end} of ${scaled.rowCount}) holds no window of ` +
        `--window ${prep.window} steps followed by --horizon ${prep.horizon}; use a smaller --window or --horizon, a different --split, or a longer series`,
    );
  }
}

/**
 * Everything `train` needs from a series file: windows of each part, scaled with a scaler fitted
 * on the training rows, and the preparation to save with the model.
 */
export function prepareSeries(o: SeriesOptions): SeriesTraining {
  const inputs = o.inputs ?? o.targets;
  if (o.time !== null && [...inputs, ...o.targets].includes(o.time)) {
    throw new CliError(`--time ${o.time} labels the rows, so it cannot also be an input or a target`);
  }
  const table = readSeries(readTextFile(o.path, '--data'), o.path, { inputs, targets: o.targets, time: o.time }, o.missing);
  const split = chronologicalSplit(table.rowCount, o.split);
  const columns = unique([...inputs, ...o.targets]);
  const fitOn = { columns, rows: split.train };
  const scaler: Scaler = o.scaling === 'minmax' ? MinMaxScaler.fit(table, fitOn) : StandardScaler.fit(table, fitOn);
  const prep: SeriesPrep = {
    kind: 'series', source: o.path, inputs: [...inputs], targets: [...o.targets], window: o.window, horizon: o.horizon,
    time: o.time, missing: o.missing, split: o.split, scaler: scaler.toJSON(),
  };
  const scaled = scaler.transform(table);
  return {
    prep, table, split,
    train: windowsOf(scaled, prep, split.train, 'training'),
    validation: windowsOf(scaled, prep, split.validation, 'validation'),
    test: windowsOf(scaled, prep, split.test, 'test'),
  };
}

/** Which file columns play the model's inputs and targets (by default the same names). */
export interface ColumnMap {
  inputs: string[] | null;
  targets: string[] | null;
}

/**
 * A file read for an existing model: its columns renamed to the model's when `map` names others,
 * with a clear error when the counts differ from what the model reads.
 */
export function readForModel(path: string, prep: SeriesPrep, map: ColumnMap, modelPath: string, needTargets: boolean): Table {
  const given = (flag: string, names: string[] | null, expected: string[]): string[] => {
    if (names === null) return expected;
    if (names.length !== expected.length) {
      throw new CliError(
        `${flag} names ${names.length} column${names.length === 1 ? '' : 's'} (${names.join(', ')}), but ${modelPath} reads ` +
          `${expected.length} per step (${expected.join(', ')}); name exactly ${expected.length}`,
      );
    }
    return names;
  };
  const inputs = given('--inputs', map.inputs, prep.inputs);
  const targets = needTargets ? given('--target', map.targets, prep.targets) : [];
  const text = readTextFile(path, '--data');
  const header = csvHeader(text, path);
  const time = prep.time !== null && header.includes(prep.time) ? prep.time : null;
  const columns = header.map((h) => JSON.stringify(h)).join(', ');
  for (const [names, mapped, role, flag] of [[inputs, map.inputs, 'reads', '--inputs'], [targets, map.targets, 'predicts', '--target']] as const) {
    const hint = mapped === null ? `; ${modelPath} ${role} ${names.join(', ')} — name the file's columns for them with ${flag}` : '';
    for (const n of names) {
      if (!header.includes(n)) throw new CliError(`${path} has no column ${JSON.stringify(n)}${hint}; the file's columns are ${columns}`);
    }
  }
  const table = readSeries(text, path, { inputs, targets, time }, prep.missing);
  // Rename the file's columns to the model's names, so the saved scaler finds them.
  const rename = new Map<string, string>();
  inputs.forEach((n, i) => rename.set(n, prep.inputs[i]));
  targets.forEach((n, i) => rename.set(n, prep.targets[i]));
  const names = table.names.map((n) => rename.get(n) ?? n);
  return { ...table, names, columns: table.columns.map((c, k) => ({ ...c, name: names[k] })) };
}

/** Row labels: the time column's values when the model has one and the file holds it, else file lines. */
export function rowLabels(table: Table, prep: SeriesPrep): { name: string; labels: string[] } {
  const k = prep.time === null ? -1 : table.names.indexOf(prep.time);
  const c = table.columns[k];
  if (c !== undefined && c.kind === 'string') return { name: c.name, labels: [...c.values] };
  return { name: 'line', labels: Array.from(table.lines, String) };
}

export interface Scores {
  mae: number;
  rmse: number;
}

export interface TargetScores {
  column: string;
  model: Scores;
  /** "The next values equal the last observed one." */
  persistence: Scores;
}

function scores(pred: ArrayLike<number>, actual: ArrayLike<number>): Scores {
  return { mae: mae(pred, actual), rmse: rmse(pred, actual) };
}

/**
 * Scores in original units, per target column, of the model and of persistence over windows
 * cut from the scaled table `scaled` (whose original is `table`).
 */
export function scoreWindows(model: SequenceModel, prep: SeriesPrep, table: Table, windows: Windows): TargetScores[] {
  const { count: W, inputLength: L, horizon: h } = windows;
  const I = prep.inputs.length;
  const O = prep.targets.length;
  const scaler = scalerOf(prep);
  const { out } = predictWindows(model, windows.x, { W, L, I }); // [W, h·O] scaled
  const pred = scaler.inverseTransformValues(out, prep.targets); // [W, h, O] original units
  const actual = scaler.inverseTransformValues(windows.y, prep.targets);
  const originals = prep.targets.map((t) => table.columns[table.names.indexOf(t)].values as Float64Array);
  return prep.targets.map((column, o) => {
    const p = new Float64Array(W * h);
    const a = new Float64Array(W * h);
    const last = new Float64Array(W * h);
    for (let w = 0; w < W; w++) {
      for (let k = 0; k < h; k++) {
        p[w * h + k] = pred[(w * h + k) * O + o];
        a[w * h + k] = actual[(w * h + k) * O + o];
        last[w * h + k] = originals[o][windows.targetStart[w] - 1];
      }
    }
    return { column, model: scores(p, a), persistence: scores(last, a) };
  });
}

/** Scores of a model over every window of a file (eval). */
export function evaluateSeries(model: SequenceModel, prep: SeriesPrep, table: Table): { scores: TargetScores[]; windows: number } {
  const scaled = scalerOf(prep).transform(table);
  const windows = windowsOf(scaled, prep, { start: 0, end: table.rowCount }, 'whole');
  return { scores: scoreWindows(model, prep, table, windows), windows: windows.count };
}

/** The scaled input rows [R, I] of a table, flat (the file need not hold the target columns). */
function scaledInputs(prep: SeriesPrep, table: Table): Float32Array {
  const scaler = scalerOf(prep);
  const I = prep.inputs.length;
  const R = table.rowCount;
  const cols = prep.inputs.map((n) => scaler.transformValues(numberColumn(table, n), [n])); // [I][R]
  const x = new Float32Array(R * I); // [R, I]
  for (let r = 0; r < R; r++) for (let i = 0; i < I; i++) x[r * I + i] = cols[i][r];
  return x;
}

export interface SeriesPredictions {
  /** Label of each window's first predicted row (the row after its inputs). */
  labels: string[];
  labelName: string;
  /** [W, h, O] original units. */
  values: Float64Array;
  horizon: number;
}

/**
 * One prediction per window of the file, including the window that ends at the last row (its
 * prediction lies past the end of the data).
 */
export function predictSeries(model: SequenceModel, prep: SeriesPrep, table: Table): SeriesPredictions {
  const L = prep.window;
  const I = prep.inputs.length;
  const R = table.rowCount;
  if (R < L) throw new CliError(`the data has ${R} rows, fewer than the model's window of ${L}; give at least ${L} rows`);
  const rows = scaledInputs(prep, table);
  const W = R - L + 1;
  const x = new Float32Array(W * L * I); // [W, L, I]: window w reads rows w .. w+L-1
  for (let w = 0; w < W; w++) x.set(rows.subarray(w * I, (w + L) * I), w * L * I);
  const { out } = predictWindows(model, x, { W, L, I });
  const { name, labels } = rowLabels(table, prep);
  const next = extendLabels(labels, 1)[0];
  return { labels: [...labels.slice(L), next], labelName: name, values: scalerOf(prep).inverseTransformValues(out, prep.targets), horizon: prep.horizon };
}

/**
 * The next `steps` values after the end of the data: directly from the head when steps ≤ horizon,
 * else by feeding predictions back as inputs (every input must then be a target).
 */
export function forecastSeries(model: SequenceModel, prep: SeriesPrep, table: Table, steps: number, modelPath: string): { labels: string[]; labelName: string; values: Float64Array } {
  const L = prep.window;
  const I = prep.inputs.length;
  const O = prep.targets.length;
  const h = prep.horizon;
  if (table.rowCount < L) throw new CliError(`the data has ${table.rowCount} rows, fewer than the model's window of ${L}; give at least ${L} rows`);
  const fedBack = prep.inputs.map((n) => prep.targets.indexOf(n)); // [I] target index of each input, -1 if none
  if (steps > h && fedBack.includes(-1)) {
    const extra = prep.inputs.filter((_, i) => fedBack[i] < 0);
    throw new CliError(
      `${modelPath} forecasts ${h} step${h === 1 ? '' : 's'} at once and reads ${extra.join(', ')}, which it does not predict, ` +
        `so it cannot feed its forecasts back for more; use --steps ${h} or less`,
    );
  }
  const history = Array.from(scaledInputs(prep, table).subarray((table.rowCount - L) * I)); // [L, I], grows by h rows a round
  const out = new Float64Array(steps * O); // [N, O] scaled
  for (let done = 0; done < steps; ) {
    const x = Float32Array.from(history.slice(history.length - L * I)); // [1, L, I]
    const { out: y } = predictWindows(model, x, { W: 1, L, I }); // [1, h·O]
    const take = Math.min(h, steps - done);
    out.set(y.subarray(0, take * O), done * O);
    done += take;
    if (done < steps) for (let k = 0; k < h; k++) for (let i = 0; i < I; i++) history.push(y[k * O + fedBack[i]]);
  }
  const { name, labels } = rowLabels(table, prep);
  return { labels: extendLabels(labels, steps), labelName: name, values: scalerOf(prep).inverseTransformValues(out, prep.targets) };
}

/**
 * Each target's one-step-ahead prediction for every row that has a full window before it (NaN
 * for the first L rows), in original units: [O][R]. For drawing predictions against the series.
 */
export function oneStepPredictions(model: SequenceModel, prep: SeriesPrep, table: Table): Float64Array[] {
  const { values, horizon: h } = predictSeries(model, prep, table);
  const O = prep.targets.length;
  const L = prep.window;
  const R = table.rowCount;
  return prep.targets.map((_, o) => {
    const out = new Float64Array(R).fill(NaN);
    for (let row = L; row < R; row++) out[row] = values[((row - L) * h) * O + o];
    return out;
  });
}
