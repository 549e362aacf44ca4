/**
 * Sequence datasets and the DataLoader: groupBy on a table of known matches, ArrayDataset checks,
 * batches whose every field lines up with the dataset, each sample once per epoch, seeded and
 * resumable order, bucketing, and the padding waste it saves on every team's match history.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { numberColumn, readCsv } from '../src/data/csv.ts';
import { ArrayDataset, groupBy, type SequenceDataset } from '../src/data/dataset.ts';
import { DataError } from '../src/data/errors.ts';
import { DataLoader, collate, paddingWaste, type LoaderState } from '../src/data/loader.ts';

const FOOTBALL = new URL('../data/international_football_results/results.csv', import.meta.url).pathname;

describe('groupBy and ArrayDataset', () => {
  const matches = readCsv(
    ['date,home,away,hs,as', '2020-01-03,A,B,1,0', '2020-01-01,B,C,2,2', '2020-01-02,C,A,0,3', '2020-01-04,A,A,1,1'].join('\n'),
    { dateColumns: ['date'] },
  );

  test('a match joins both teams’ sequences, in date order, with its side', () => {
    const g = groupBy(matches, ['home', 'away'], 'date');
    assert.deepEqual(
      g.map((x) => [x.key, Array.from(x.rows), Array.from(x.keyColumn)]),
      [
        ['A', [2, 0, 3], [1, 0, 0]], // 01-02 away at C, 01-03 home to B, 01-04 against itself: once
        ['B', [1, 0], [0, 1]],
        ['C', [1, 2], [1, 0]],
      ],
    );
    // Without sortBy: file order; one key column: home matches only.
    assert.deepEqual(groupBy(matches, 'home').map((x) => [x.key, Array.from(x.rows)]), [['A', [0, 3]], ['B', [1]], ['C', [2]]]);
    assert.throws(() => groupBy(matches, 'team'), /unknown column "team".*"home", "away"/);
  });

  test('per-team sequences with a label per step (goal difference) and per sequence', () => {
    const hs = numberColumn(matches, 'hs');
    const as = numberColumn(matches, 'as');
    const teams = groupBy(matches, ['home', 'away'], 'date');
    const x = teams.map((g) => Array.from(g.rows, (r, k) => (g.keyColumn[k] === 0 ? [hs[r], as[r]] : [as[r], hs[r]])));
    const ds = new ArrayDataset({
      x,
      yPerStep: x.map((seq) => seq.map(([f, a]) => [f - a])),
      y: teams.map((g) => [g.rows.length]),
    });
    assert.equal(ds.size, 3);
    assert.equal(ds.inputSize, 2);
    assert.deepEqual(ds.get(0), { x: [[3, 0], [1, 0], [1, 1]], y: [3], yPerStep: [[3], [1], [0]] });
    assert.deepEqual(ds.get(2).x, [[2, 2], [0, 3]]);
  });

  test('ArrayDataset refuses ragged features and mismatched labels, naming the sample', () => {
    assert.throws(() => new ArrayDataset({ x: [[[1, 2]], [[1, 2], [3]]] }), /sample 1, step 1 has 1 features, expected 2/);
    assert.throws(() => new ArrayDataset({ x: [[[1]], []] }), /sample 1 has length 0/);
    assert.throws(() => new ArrayDataset({ x: [[[1]], [[2]]], y: [[1]] }), /1 labels \(y\) for 2 sequences/);
    assert.throws(() => new ArrayDataset({ x: [[[1]], [[2]]], y: [[1], [1, 2]] }), /y of sample 1 has 2 values, expected 1/);
    assert.throws(() => new ArrayDataset({ x: [[[1], [2]]], yPerStep: [[[0]]] }), /yPerStep of sample 0 has 1 steps, expected 2/);
    assert.throws(() => new ArrayDataset({ x: [[[NaN]]] }), DataError);
  });
});

/** 23 samples; sample i has length i % 7 + 1, steps [i, t], label [i], per-step label [10 i + t]. */
function numbered(n = 23): SequenceDataset {
  const x = Array.from({ length: n }, (_, i) => Array.from({ length: (i % 7) + 1 }, (_, t) => [i, t]));
  return new ArrayDataset({ x, y: x.map((_, i) => [i]), yPerStep: x.map((s, i) => s.map((_, t) => [10 * i + t])) });
}

/** One epoch's batches as arrays of dataset indices. */
const epoch = (loader: DataLoader): number[][] => Array.from(loader, (b) => Array.from(b.indices));

describe('DataLoader', () => {
  test('every field of a batch lines up with the dataset, in batch order', () => {
    const ds = numbered();
    const loader = new DataLoader(ds, { batchSize: 5, shuffle: true, seed: 3 });
    let batches = 0;
    for (const b of loader) {
      batches++;
      const idx = Array.from(b.indices);
      assert.deepEqual(b.x.toArrays(), idx.map((i) => ds.get(i).x));
      assert.deepEqual(b.y?.shape, [idx.length, 1]);
      assert.deepEqual(Array.from(b.y?.data ?? []), idx);
      assert.ok(b.yPerStep !== null && b.yPerStep.sameLayout(b.x));
      assert.deepEqual(b.yPerStep.toArrays(), idx.map((i) => ds.get(i).x.map((_, t) => [10 * i + t])));
    }
    assert.equal(batches, 5);
    assert.equal(loader.numBatches, 5);
    assert.equal(loader.epoch, 1);
  });

  test('each sample exactly once per epoch; same seed same order; epochs differ', () => {
    const a = new DataLoader(numbered(), { batchSize: 5, shuffle: true, seed: 11 });
    const b = new DataLoader(numbered(), { batchSize: 5, shuffle: true, seed: 11 });
    const c = new DataLoader(numbered(), { batchSize: 5, shuffle: true, seed: 12 });
    const runA = [epoch(a), epoch(a), epoch(a)];
    assert.deepEqual([epoch(b), epoch(b), epoch(b)], runA);
    for (const e of runA) {
      assert.deepEqual(e.flat().sort((p, q) => p - q), Array.from({ length: 23 }, (_, i) => i));
      assert.deepEqual(e.map((x) => x.length), [5, 5, 5, 5, 3]);
    }
    assert.notDeepEqual(runA[0], runA[1]);
    assert.notDeepEqual(runA[1], runA[2]);
    assert.notDeepEqual(epoch(c), runA[0]);
    // No shuffle: dataset order; dropLast: the short batch goes.
    assert.deepEqual(epoch(new DataLoader(numbered(), { batchSize: 10 })), [range(0, 10), range(10, 20), range(20, 23)]);
    const dropped = epoch(new DataLoader(numbered(), { batchSize: 5, shuffle: true, seed: 1, dropLast: true }));
    assert.deepEqual(dropped.map((x) => x.length), [5, 5, 5, 5]);
    assert.equal(new Set(dropped.flat()).size, 20);
  });

  test('a restored state continues the same stream, between epochs and inside one', () => {
    const ref = new DataLoader(numbered(), { batchSize: 4, shuffle: true, seed: 5, bucketByLength: true, bucketBatches: 2 });
    const e0 = epoch(ref);
    const afterE0 = ref.getState();
    const e1 = epoch(ref);
    const e2 = epoch(ref);

    const resumed = new DataLoader(numbered(), { batchSize: 4, shuffle: true, seed: 5, bucketByLength: true, bucketBatches: 2 });
    resumed.setState(JSON.parse(JSON.stringify(afterE0)) as LoaderState);
    assert.equal(resumed.epoch, 1);
    assert.deepEqual([epoch(resumed), epoch(resumed)], [e1, e2]);

    // Killed after two batches of epoch 1: the saved state replays the rest of epoch 1, then epoch 2.
    const run = new DataLoader(numbered(), { batchSize: 4, shuffle: true, seed: 5, bucketByLength: true, bucketBatches: 2 });
    epoch(run);
    let saved: LoaderState | null = null;
    let seen = 0;
    for (const _ of run) {
      if (++seen === 2) {
        saved = run.getState();
        break;
      }
    }
    assert.ok(saved !== null);
    assert.deepEqual([saved.epoch, saved.position], [1, 2]);
    const back = new DataLoader(numbered(), { batchSize: 4, shuffle: true, seed: 5, bucketByLength: true, bucketBatches: 2 });
    back.setState(JSON.parse(JSON.stringify(saved)) as LoaderState);
    assert.deepEqual(epoch(back), e1.slice(2));
    assert.deepEqual(epoch(back), e2);

    // A state saved after an epoch's last batch moves on to the next epoch.
    const end = new DataLoader(numbered(), { batchSize: 4, shuffle: true, seed: 5, bucketByLength: true, bucketBatches: 2 });
    end.setState({ epoch: 0, position: ref.numBatches, rng: new DataLoader(numbered(), { batchSize: 4, seed: 5 }).getState().rng });
    assert.equal(end.epoch, 1);
    assert.deepEqual(epoch(end), e1);
    assert.deepEqual(e0.flat().sort((p, q) => p - q), range(0, 23));
  });

  test('bucketing sorts lengths within chunks; paddingWaste is exact and does not consume the epoch', () => {
    // Lengths 1..7, 1..7, …; unshuffled chunks of 2 batches × 3 samples, sorted longest first.
    const loader = new DataLoader(numbered(12), { batchSize: 3, bucketByLength: true, bucketBatches: 2 });
    const lengths = Array.from(loader.lengths);
    assert.deepEqual(lengths, [1, 2, 3, 4, 5, 6, 7, 1, 2, 3, 4, 5]);
    assert.deepEqual(epoch(loader), [[5, 4, 3], [2, 1, 0], [6, 11, 10], [9, 8, 7]]);
    // Batches of lengths {6,5,4} {3,2,1} {7,5,4} {3,2,1}: cells 18+9+21+9 = 57, real 15+6+16+6 = 43.
    assert.equal(loader.paddingWaste(), 14 / 57);
    assert.equal(paddingWaste([Int32Array.of(0, 1)], Int32Array.of(4, 2)), 0.25);
    const shuffled = new DataLoader(numbered(), { batchSize: 4, shuffle: true, seed: 9, bucketByLength: true });
    const peek = shuffled.peekEpoch().map((b) => Array.from(b));
    assert.deepEqual(epoch(shuffled), peek);
    assert.notDeepEqual(epoch(shuffled), peek);
  });

  test('bad options and bad samples are named', () => {
    assert.throws(() => new DataLoader(numbered(), { batchSize: 0 }), /batchSize is 0/);
    assert.throws(() => new DataLoader(numbered(3), { batchSize: 4, dropLast: true }), /leaves no batch/);
    const liar: SequenceDataset = { size: 2, inputSize: 3, get: (i) => ({ x: [[i, 0]] }) };
    assert.throws(() => collate(liar, Int32Array.of(1)), /sample 1, step 0 has 2 features, expected 3/);
    const mixed: SequenceDataset = { size: 2, inputSize: 1, get: (i) => (i === 0 ? { x: [[0]], y: [1] } : { x: [[1]] }) };
    assert.throws(() => collate(mixed, Int32Array.of(0, 1)), /some samples have a label y and some do not/);
  });
});

test('bucketing cuts the padding waste of every team’s match history', (t) => {
  const m = readCsv({ path: FOOTBALL }, { columns: ['date', 'home_team', 'away_team', 'home_score', 'away_score'], dateColumns: ['date'] });
  const hs = numberColumn(m, 'home_score');
  const as = numberColumn(m, 'away_score');
  const teams = groupBy(m, ['home_team', 'away_team'], 'date');
  // Step: goals for, goals against, at home; label per step: won (1), drew (0.5), lost (0).
  const x = teams.map((g) => Array.from(g.rows, (r, k) => (g.keyColumn[k] === 0 ? [hs[r], as[r], 1] : [as[r], hs[r], 0])));
  const ds = new ArrayDataset({ x, yPerStep: x.map((s) => s.map(([f, a]) => [f > a ? 1 : f === a ? 0.5 : 0])) });
  assert.equal(ds.size, 337);
  // Every match appears in two histories (no team plays itself in this file).
  assert.equal(x.reduce((n, s) => n + s.length, 0), 2 * 49520);
  const plain = new DataLoader(ds, { batchSize: 16, shuffle: true, seed: 1 });
  const bucketed = new DataLoader(ds, { batchSize: 16, shuffle: true, seed: 1, bucketByLength: true });
  const wastePlain = plain.paddingWaste();
  const wasteBucketed = bucketed.paddingWaste();
  t.diagnostic(`padding waste, 337 team histories, batch 16: shuffled ${wastePlain.toFixed(4)}, bucketed ${wasteBucketed.toFixed(4)}`);
  assert.ok(wastePlain > 0.5, `shuffled waste ${wastePlain}`);
  assert.ok(wasteBucketed < 0.15, `bucketed waste ${wasteBucketed}`);
  let rows = 0;
  const seen = new Set<number>();
  for (const b of bucketed) {
    rows += b.x.rows;
    b.indices.forEach((i) => seen.add(i));
    assert.ok(b.yPerStep?.sameLayout(b.x));
  }
  assert.equal(rows, 2 * 49520);
  assert.equal(seen.size, 337);
});

function range(a: number, b: number): number[] {
  return Array.from({ length: b - a }, (_, i) => a + i);
}
