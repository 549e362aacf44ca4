/**
 * Time series: exact windows on tiny known series (several inputs, several targets, horizon,
 * stride, target rows), the chronological split's sizes, and scalers fitted on the training rows
 * only — their numbers, round trips, and JSON saved-and-loaded as a model file would.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { numberColumn, readCsv } from '../src/data/csv.ts';
import { DataError } from '../src/data/errors.ts';
import { MinMaxScaler, StandardScaler, scalerFromJSON, type ScalerJSON } from '../src/data/scaler.ts';
import { chronologicalSplit, slidingWindows, toMatrix, windowDataset } from '../src/data/timeseries.ts';

const SUNSPOTS = new URL('../data/sunspots/sunspots_yearly_1700_2008.csv', import.meta.url).pathname;

function throwsData(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof DataError, `expected a DataError, got ${String(e)}`);
    for (const f of fragments) assert.ok(e.message.includes(f), `message ${JSON.stringify(e.message)} lacks ${JSON.stringify(f)}`);
    return true;
  });
}

/** x [W, L, I] as nested arrays. */
function windowsX(x: Float32Array, L: number, I: number): number[][][] {
  const out: number[][][] = [];
  for (let w = 0; w < x.length / (L * I); w++) {
    out.push(Array.from({ length: L }, (_, t) => Array.from(x.subarray((w * L + t) * I, (w * L + t + 1) * I))));
  }
  return out;
}

describe('slidingWindows', () => {
  // Row r holds [r, 10 r].
  const series = Array.from({ length: 8 }, (_, r) => [r, 10 * r]);

  test('one column, horizon 1, stride 1: every window', () => {
    const w = slidingWindows([[1], [2], [3], [4], [5], [6]], { inputColumns: [0], targetColumns: [0], inputLength: 3 });
    assert.equal(w.count, 3);
    assert.deepEqual(windowsX(w.x, 3, 1), [[[1], [2], [3]], [[2], [3], [4]], [[3], [4], [5]]]);
    assert.deepEqual(Array.from(w.y), [4, 5, 6]);
    assert.deepEqual(Array.from(w.targetStart), [3, 4, 5]);
  });

  test('two inputs in a chosen order, one target, horizon 2, stride 2', () => {
    const w = slidingWindows(series, { inputColumns: [1, 0], targetColumns: [0], inputLength: 3, horizon: 2, stride: 2 });
    // Starts 3 and 5; a third at 7 would need rows 7 and 8.
    assert.equal(w.count, 2);
    assert.deepEqual(windowsX(w.x, 3, 2), [
      [[0, 0], [10, 1], [20, 2]],
      [[20, 2], [30, 3], [40, 4]],
    ]);
    assert.deepEqual(Array.from(w.y), [3, 4, 5, 6]); // [W=2, horizon=2, O=1]
    assert.deepEqual(w.inputColumns, ['1', '0']);
  });

  test('named columns: one input, two targets; targetRows keeps the test part only', () => {
    const t = readCsv('a,b,c\n' + series.map(([r, ten]) => `${r},${ten},${-r}`).join('\n'));
    const w = slidingWindows(t, { inputColumns: ['a'], targetColumns: ['c', 'b'], inputLength: 2, horizon: 1, targetRows: { start: 6, end: 8 } });
    assert.equal(w.count, 2);
    assert.deepEqual(Array.from(w.targetStart), [6, 7]);
    // Inputs reach back before row 6 (observed history), targets stay inside [6, 8).
    assert.deepEqual(windowsX(w.x, 2, 1), [[[4], [5]], [[5], [6]]]);
    assert.deepEqual(Array.from(w.y), [-6, 60, -7, 70]); // [W, 1, O=2] as (c, b)
    const ds = windowDataset(w);
    assert.equal(ds.size, 2);
    assert.equal(ds.inputSize, 1);
    assert.deepEqual(ds.get(1), { x: [[5], [6]], y: [-7, 70] });
    assert.deepEqual(toMatrix(t, ['c', 'a'])[3], [-3, 3]);
  });

  test('errors name what was wrong', () => {
    const opts = { inputColumns: [0], targetColumns: [0], inputLength: 6, horizon: 3 };
    throwsData(() => slidingWindows(series, opts), 'no window fits', 'inputLength 6 and horizon 3', 'at least 9 rows');
    throwsData(() => slidingWindows(series, { ...opts, inputLength: 0 }), 'inputLength is 0');
    throwsData(() => slidingWindows(series, { ...opts, inputColumns: [2] }), 'column 2 is outside 0..1');
    throwsData(() => slidingWindows(series, { ...opts, inputColumns: ['a'] }), 'refer to columns by position');
    const t = readCsv('a,s\n1,x\n2,y\n');
    throwsData(() => slidingWindows(t, { ...opts, inputColumns: ['z'] }), 'unknown column "z"', '"a", "s"');
    throwsData(() => slidingWindows(t, { ...opts, inputColumns: ['s'] }), '"s" holds text');
    throwsData(() => slidingWindows([[1], [NaN], [3]], { ...opts, inputLength: 1, horizon: 1 }), 'row 1: NaN');
  });
});

test('chronologicalSplit: contiguous parts in time order', () => {
  assert.deepEqual(chronologicalSplit(10, { train: 0.7, validation: 0.15, test: 0.15 }), {
    train: { start: 0, end: 7 },
    validation: { start: 7, end: 8 },
    test: { start: 8, end: 10 },
  });
  const s = chronologicalSplit(309, { train: 0.7, validation: 0.15, test: 0.15 });
  assert.deepEqual([s.train.end, s.validation.end - s.validation.start, s.test.end - s.test.start], [216, 46, 47]);
  assert.deepEqual(chronologicalSplit(5, { train: 0.8, validation: 0.2 }).validation, { start: 4, end: 5 });
  throwsData(() => chronologicalSplit(10, { train: 0.7, test: 0.2 }), 'sum to 0.9');
  throwsData(() => chronologicalSplit(3, { train: 0.8, validation: 0.1, test: 0.1 }), 'the validation part (0.1) gets no rows');
});

describe('scalers', () => {
  test('StandardScaler fits on the training rows only', () => {
    // The last row is a test-time outlier: fitting on all rows would give mean 22.
    const m = [[1, 10], [2, 10], [3, 10], [4, 10], [100, 5]];
    const split = chronologicalSplit(m.length, { train: 0.8, test: 0.2 });
    const s = StandardScaler.fit(m, { rows: split.train });
    assert.deepEqual(s.columns, ['0', '1']);
    assert.deepEqual(s.mean, [2.5, 10]);
    assert.equal(s.std[0], Math.sqrt(1.25)); // population std of 1..4
    assert.equal(s.std[1], 1); // constant on train: std 1, not a division by zero
    const z = s.transform(m);
    assert.ok(Math.abs(z[0][0] - -1.5 / Math.sqrt(1.25)) < 1e-12);
    assert.ok(Math.abs(z[4][0] - 97.5 / Math.sqrt(1.25)) < 1e-12);
    assert.deepEqual(z.map((r) => r[1]), [0, 0, 0, 0, -5]);
    const back = s.inverseTransform(z);
    back.forEach((row, r) => row.forEach((v, c) => assert.ok(Math.abs(v - m[r][c]) < 1e-12)));
  });

  test('on a table: only the fitted columns change, and JSON brings back the same numbers', () => {
    const t = readCsv({ path: SUNSPOTS });
    const split = chronologicalSplit(t.rowCount, { train: 0.7, validation: 0.15, test: 0.15 });
    const s = StandardScaler.fit(t, { columns: ['sunactivity'], rows: split.train });
    // 1700..1915: mean and population std computed with awk from the file.
    assert.ok(Math.abs(s.mean[0] - 42.9) < 1e-9, String(s.mean[0]));
    assert.ok(Math.abs(s.std[0] - 34.197341243847) < 1e-9, String(s.std[0]));
    const scaled = s.transform(t);
    assert.deepEqual(numberColumn(scaled, 'year'), numberColumn(t, 'year'));
    assert.ok(Math.abs(numberColumn(scaled, 'sunactivity')[0] - (5 - 42.9) / 34.197341243847) < 1e-9);

    const json: ScalerJSON = JSON.parse(JSON.stringify(s.toJSON()));
    assert.equal(json.kind, 'standard');
    const loaded = scalerFromJSON(json);
    assert.deepEqual(numberColumn(loaded.transform(t), 'sunactivity'), numberColumn(scaled, 'sunactivity'));

    // A forecaster's scaled output [B = 2, horizon = 2] back in sunspot units.
    const pred = Float32Array.from([0, 1, -1, 2]);
    const units = loaded.inverseTransformValues(pred, ['sunactivity']);
    assert.ok(Math.abs(units[1] - (42.9 + 34.197341243847)) < 1e-6);
    assert.ok(Math.abs(units[2] - (42.9 - 34.197341243847)) < 1e-6);
    throwsData(() => loaded.inverseTransformValues(pred, ['year']), '"year" was not fitted', '"sunactivity"');
  });

  test('MinMaxScaler maps the training range onto [lo, hi]', () => {
    const m = [[2], [4], [6], [8], [10]];
    const s = MinMaxScaler.fit(m, { rows: { start: 0, end: 4 }, range: [-1, 1] });
    assert.deepEqual([s.min, s.max], [[2], [8]]);
    const z = s.transform(m).map((r) => r[0]);
    [-1, -1 / 3, 1 / 3, 1, 5 / 3].forEach((want, i) => assert.ok(Math.abs(z[i] - want) < 1e-12, `${z[i]} vs ${want}`));
    const loaded = MinMaxScaler.fromJSON(JSON.parse(JSON.stringify(s)));
    assert.deepEqual(loaded.inverseTransform([[1], [5 / 3]]), [[8], [10]]);
    assert.deepEqual(Array.from(loaded.transformValues([2, 8], ['0'])), [-1, 1]);
    throwsData(() => MinMaxScaler.fit(m, { range: [1, 1] }), 'range [1, 1] is empty');
    throwsData(() => StandardScaler.fit(m, { rows: { start: 3, end: 3 } }), 'not a non-empty range');
    throwsData(() => scalerFromJSON({ kind: 'minmax', columns: ['0'], min: [2], max: [], range: [0, 1] }), 'max must hold 1 finite numbers');
  });
});
