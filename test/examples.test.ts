/**
 * The examples run and say what they claim: the World Cup batch holds the real 2022 tournament,
 * and the sunspot demo learns (training loss falls), is reproducible, and beats persistence.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { runDemo } from '../examples/demo.ts';
import { worldCupBatch } from '../examples/worldcup.ts';
import { LSTM, PackedSequence } from '../src/index.ts';

describe('examples/worldcup.ts', () => {
  const wc = worldCupBatch();
  const at = (team: string): number => {
    const b = wc.teams.indexOf(team);
    assert.ok(b >= 0, `${team} is in the batch`);
    return b;
  };

  test('32 teams, 64 matches, lengths 3..7 summing to 128', () => {
    assert.equal(wc.teams.length, 32);
    assert.equal(new Set(wc.teams).size, 32);
    assert.equal(wc.firstDate, '2022-11-20');
    assert.equal(Math.min(...wc.lengths), 3);
    assert.equal(Math.max(...wc.lengths), 7);
    assert.equal(wc.lengths.reduce((a, l) => a + l, 0), 128);
    // Group stage exits play 3, round-of-16 losers 4, quarter-final losers 5, semi-finalists 7.
    const count = (l: number): number => wc.lengths.filter((x) => x === l).length;
    assert.deepEqual([count(3), count(4), count(5), count(6), count(7)], [16, 8, 4, 0, 4]);
    for (const team of ['Argentina', 'France', 'Croatia', 'Morocco']) assert.equal(wc.lengths[at(team)], 7, team);
    assert.equal(wc.lengths[at('Qatar')], 3);
    wc.sequences.forEach((s, b) => {
      assert.equal(s.length, wc.lengths[b]);
      for (const step of s) assert.equal(step.length, 4);
    });
  });

  test('real match records, from each side, in date order', () => {
    const arg = at('Argentina');
    const first = wc.matches[arg][0];
    assert.deepEqual(first, { date: '2022-11-22', opponent: 'Saudi Arabia', goalsFor: 1, goalsAgainst: 2 });
    // Features: 2 days after the opening match, Saudi Arabia's code, 1–2.
    const ksa = at('Saudi Arabia');
    assert.deepEqual(wc.sequences[arg][0], [2 / 30, ksa / 32, 1, 2]);
    assert.deepEqual(wc.matches[ksa][0], { date: '2022-11-22', opponent: 'Argentina', goalsFor: 2, goalsAgainst: 1 });
    // The final, 3–3 after extra time (the shoot-out is not in the score).
    const final = wc.matches[arg][6];
    assert.deepEqual(final, { date: '2022-12-18', opponent: 'France', goalsFor: 3, goalsAgainst: 3 });
    assert.equal(wc.sequences[arg][6][0], 28 / 30);
    // The opening match.
    assert.deepEqual(wc.matches[at('Qatar')][0], { date: '2022-11-20', opponent: 'Ecuador', goalsFor: 0, goalsAgainst: 2 });
    for (const ms of wc.matches) for (let t = 1; t < ms.length; t++) assert.ok(ms[t - 1].date < ms[t].date);
  });

  test('packs to 128 rows with batchSizes [32, 32, 32, 16, 8, 4, 4], final h at each last real match', () => {
    const x = PackedSequence.fromArrays(wc.sequences);
    assert.deepEqual([...x.batchSizes], [32, 32, 32, 16, 8, 4, 4]);
    assert.deepEqual(x.data.shape, [128, 4]);
    const lstm = new LSTM({ inputSize: 4, hiddenSize: 8, seed: 2022 });
    const { output, h } = lstm.forward(x);
    const out = output.toPadded().data;
    assert.deepEqual(out.shape, [32, 7, 8]);
    assert.deepEqual(h.shape, [1, 32, 8]);
    const q = at('Qatar');
    for (let k = 0; k < 8; k++) assert.equal(h.data[q * 8 + k], out.data[(q * 7 + 2) * 8 + k]);
    for (let t = 3; t < 7; t++) for (let k = 0; k < 8; k++) assert.equal(out.data[(q * 7 + t) * 8 + k], 0);
  });
});

describe('examples/demo.ts', () => {
  test('a short run: the training loss falls by more than half, and a second run repeats it exactly', () => {
    const a = runDemo({ epochs: 6, quiet: true });
    const b = runDemo({ epochs: 6, quiet: true });
    assert.deepEqual(a, b);
    assert.equal(a.trainLoss.length, 6);
    assert.equal(a.valLoss.length, 6);
    const [first, last] = [a.trainLoss[0], a.trainLoss[5]];
    assert.ok(last < 0.5 * first, `training loss ${first.toFixed(4)} → ${last.toFixed(4)}, expected to halve`);
    assert.equal(a.testSize, 40);
    // Persistence depends on the data only: RMSE of next = last over 1969–2008.
    assert.ok(Math.abs(a.persistenceRmse - 29.889) < 1e-3, `persistence RMSE ${a.persistenceRmse}`);
  });

  test('the full demo (40 epochs) beats persistence on the last 40 years', () => {
    const r = runDemo({ quiet: true });
    assert.equal(r.trainLoss.length, 40);
    // Recorded: test RMSE 14.46 vs persistence 29.89 (best validation epoch 30).
    assert.ok(r.testRmse < 0.7 * r.persistenceRmse, `LSTM ${r.testRmse.toFixed(2)} vs persistence ${r.persistenceRmse.toFixed(2)}`);
    assert.ok(r.trainLoss[39] < 0.15 * r.trainLoss[0], `training loss ${r.trainLoss[0]} → ${r.trainLoss[39]}`);
  });
});
