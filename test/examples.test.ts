/**
 * The examples run and say what they claim: the World Cup batch holds the real 2022 tournament,
 * and `npm run demo` (examples/demo.ts) runs the sunspots demo through `recur demo`, printing its
 * result next to both baselines and writing the report. The demos' own tests: test/demos.test.ts.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
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

describe('examples/demo.ts (npm run demo)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'recur-example-demo-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('runs `recur demo` (sunspots): one line per epoch in a pipe, the result next to both baselines, the report written', () => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'examples/demo.ts', '--quick', '--out-dir', dir], { encoding: 'utf8' });
    assert.equal(res.status, 0, res.stderr);
    assert.match(res.stdout, /^epoch 1\/12 {2}loss /m);
    assert.ok(!res.stdout.includes('\r'), 'no progress bar when stdout is not a terminal');
    assert.match(res.stdout, /^test RMSE, sunspot number, 1969–2008 \(40 years\)$/m);
    const lstm = /^ {2}LSTM +(\d+\.\d+)$/m.exec(res.stdout);
    assert.ok(lstm !== null, res.stdout);
    assert.match(res.stdout, /^ {2}persistence \(next year = this year\) +29\.89 /m);
    assert.match(res.stdout, /^ {2}seasonal naive \(year − 11, one cycle\) +33\.96 /m);
    assert.ok(Number(lstm[1]) < 0.75 * 29.89, `LSTM RMSE ${lstm[1]}`);
    const report = join(dir, 'sunspots-report.html');
    assert.ok(existsSync(report));
    assert.match(readFileSync(report, 'utf8'), /Forecasts against the observed series/);
  });

  test('an unknown demo is a usage error that lists the demos', () => {
    const res = spawnSync(process.execPath, ['--import', 'tsx', 'examples/demo.ts', 'sunspot'], { encoding: 'utf8' });
    assert.notEqual(res.status, 0);
    assert.match(res.stderr, /unknown demo 'sunspot'/);
    assert.match(res.stderr, /the demos are sunspots, worldcup, grammar, sentiment/);
  });
});
