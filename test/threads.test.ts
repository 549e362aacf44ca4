// Threads (issue 3): setThreads(n) runs the WebAssembly kernels on a worker pool over a shared
// memory. Results must match one thread within 1e-6 — the split keeps every element's
// arithmetic, so they are in fact identical — for every cell, both directions, variable
// lengths, stacked and bidirectional layers (the two directions side by side), and the chunked
// staging of x / dOut / dx. An idle pool must not keep the process alive.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { gruCell } from '../src/cells/gru.ts';
import { lstmCell } from '../src/cells/lstm.ts';
import { rnnReluCell, rnnTanhCell } from '../src/cells/rnn.ts';
import type { CellKernel } from '../src/cells/cell.ts';
import { PackedSequence } from '../src/data/packed.ts';
import { getThreads, jsBackend, setBackend, setThreads, wasmBackend } from '../src/kernels/backend.ts';
import { teamSize, threadPool, tuning } from '../src/kernels/wasm/engines.ts';
import { singleEngine } from '../src/kernels/wasm/module.ts';
import { recurrentBidirectional, recurrentDirection, type DirectionWeights } from '../src/layers/bptt.ts';
import { GRU, LSTM } from '../src/layers/recurrent.ts';
import { tensor, uniform } from '../src/tensor/create.ts';
import { Rng } from '../src/tensor/rng.ts';
import type { Tensor } from '../src/tensor/tensor.ts';

const CELLS = [lstmCell, gruCell, rnnTanhCell, rnnReluCell];

/** Everything a forward + backward produces, flattened for comparison. */
type Outcome = Record<string, Float32Array>;

function weightsFor(cell: CellKernel, D: number, H: number, rng: Rng): DirectionWeights {
  const GH = cell.gates * H;
  const u = (shape: number[]): Tensor => uniform(shape, -0.4, 0.4, { rng, requiresGrad: true });
  return { wIh: u([GH, D]), wHh: u([GH, H]), bIh: u([GH]), bHh: u([GH]) };
}

/** One direction or both (bidirectional, side by side), forward and backward, through bptt.ts. */
function runBptt(cell: CellKernel, lengths: number[], D: number, H: number, bidirectional: boolean): Outcome {
  const rng = new Rng(11);
  const B = lengths.length;
  const T = Math.max(...lengths);
  const x = uniform([B, T, D], -1, 1, { rng, requiresGrad: true });
  const packed = PackedSequence.fromPadded(x, lengths);
  const w = [weightsFor(cell, D, H, rng), weightsFor(cell, D, H, rng)];
  const h0 = [uniform([B, H], -0.5, 0.5, { rng, requiresGrad: true }), uniform([B, H], -0.5, 0.5, { rng, requiresGrad: true })];
  const c0 = cell.hasCell ? [uniform([B, H], -0.5, 0.5, { rng, requiresGrad: true }), uniform([B, H], -0.5, 0.5, { rng, requiresGrad: true })] : [null, null];
  const results = bidirectional
    ? recurrentBidirectional(cell, packed.data, packed, [w[0], w[1]], [h0[0], h0[1]], [c0[0], c0[1]])
    : [recurrentDirection(cell, packed.data, packed, w[0], h0[0], c0[0], false)];
  // A loss that reaches every output with different weights.
  let loss = results[0].out.mul(results[0].out).sum();
  results.forEach((r, i) => {
    if (i > 0) loss = loss.add(r.out.mul(1.5).sum());
    loss = loss.add(r.hN.mul(r.hN).sum());
    if (r.cN) loss = loss.add(r.cN.sum().mul(0.5));
  });
  loss.backward();
  const o: Outcome = {};
  results.forEach((r, i) => {
    o[`out${i}`] = r.out.data;
    o[`hN${i}`] = r.hN.data;
    if (r.cN) o[`cN${i}`] = r.cN.data;
  });
  o.dx = x.grad!.data;
  const used = bidirectional ? 2 : 1;
  for (let i = 0; i < used; i++) {
    for (const [k, t] of Object.entries(w[i])) if (t) o[`d${k}${i}`] = t.grad!.data;
    o[`dh0${i}`] = h0[i].grad!.data;
    const c = c0[i];
    if (c) o[`dc0${i}`] = c.grad!.data;
  }
  return o;
}

function maxDiff(a: Outcome, b: Outcome): { worst: number; at: string } {
  let worst = 0;
  let at = '';
  assert.deepEqual(Object.keys(a).sort(), Object.keys(b).sort());
  for (const k of Object.keys(a)) {
    assert.equal(a[k].length, b[k].length, k);
    for (let i = 0; i < a[k].length; i++) {
      const d = Math.abs(a[k][i] - b[k][i]);
      assert.ok(Number.isFinite(a[k][i]), `${k}[${i}] = ${a[k][i]}`);
      if (d > worst) [worst, at] = [d, `${k}[${i}]`];
    }
  }
  return { worst, at };
}

/** Runs fn under a thread count, restoring one thread afterwards. */
function withThreads<T>(n: number, fn: () => T): T {
  setThreads(n);
  try {
    return fn();
  } finally {
    setThreads(1);
  }
}

/** Lowered thresholds: every product is shared out and x, dOut, dx are staged a few rows at a time. */
function withSmallThresholds<T>(fn: () => T): T {
  const saved = { ...tuning };
  Object.assign(tuning, { minFlopsPerThread: 1, pairMinFlops: 1, chunkFloats: 64 });
  try {
    return fn();
  } finally {
    Object.assign(tuning, saved);
  }
}

test('setThreads starts a pool in Node and getThreads reports the count', () => {
  assert.equal(getThreads(), 1);
  assert.equal(setThreads(3), 3);
  assert.equal(getThreads(), 3);
  assert.ok(threadPool() !== null && threadPool()!.size >= 3);
  assert.equal(setThreads(1), 1);
  assert.throws(() => setThreads(0), /integer from 1 to 64/);
  assert.throws(() => setThreads(2.5), /integer from 1 to 64/);
});

test('small problems stay on one thread; large time steps are shared out', () => {
  withThreads(4, () => {
    const e = threadPool()!.engine;
    assert.equal(teamSize(e, 2 * 1 * 512 * 128, 8), 1); // B = 1, H = 128 LSTM step: 131 kFLOP
    assert.equal(teamSize(e, 2 * 32 * 512 * 128, 8), 4); // the small benchmark config: 4.2 MFLOP
    assert.equal(teamSize(e, 2 * 32 * 512 * 128, 2), 2); // never more threads than unit blocks
    assert.equal(teamSize(singleEngine(), 2 * 32 * 512 * 128, 8), 1); // the single-threaded build
  });
});

const SHAPES = [
  { lengths: [9, 7, 7, 4, 2, 1, 1], D: 5, H: 33 }, // three unit blocks, a partial one
  { lengths: [6, 6, 6], D: 17, H: 16 },
  { lengths: [5, 3, 1], D: 3, H: 3 }, // fewer unit blocks than threads
];

for (const cell of CELLS) {
  test(`${cell.kind}: 2 and 3 threads equal 1 thread, one direction and bidirectional, variable lengths, chunked staging`, () => {
    setBackend('wasm');
    for (const { lengths, D, H } of SHAPES) {
      for (const bidirectional of [false, true]) {
        const one = withSmallThresholds(() => runBptt(cell, lengths, D, H, bidirectional));
        for (const n of [2, 3]) {
          const many = withSmallThresholds(() => withThreads(n, () => runBptt(cell, lengths, D, H, bidirectional)));
          const { worst, at } = maxDiff(many, one);
          assert.ok(worst <= 1e-6, `${cell.kind} lengths=[${lengths}] D=${D} H=${H} bidirectional=${bidirectional} threads=${n}: ${at} differs by ${worst}`);
        }
      }
    }
  });
}

test('the wasm backend with chunked staging and threads agrees with the JS reference', () => {
  for (const cell of CELLS) {
    const { lengths, D, H } = SHAPES[0];
    setBackend('js');
    const want = runBptt(cell, lengths, D, H, true);
    setBackend('wasm');
    const got = withSmallThresholds(() => withThreads(2, () => runBptt(cell, lengths, D, H, true)));
    let scale = 1;
    for (const v of Object.values(want)) for (const y of v) scale = Math.max(scale, Math.abs(y));
    const { worst, at } = maxDiff(got, want);
    assert.ok(worst / scale < 1e-5, `${cell.kind}: ${at} differs from the reference by ${worst}`);
  }
  assert.equal(jsBackend.name, 'js');
  assert.equal(wasmBackend.name, 'wasm');
});

test('layers: a 2-layer bidirectional LSTM and GRU train the same on 2 threads as on 1 (default thresholds)', () => {
  setBackend('wasm');
  const B = 24;
  const T = 12;
  const D = 40;
  const H = 96;
  const lengths = Array.from({ length: B }, (_, b) => 1 + ((b * 7) % T));
  const rng = new Rng(3);
  const xData = new Float32Array(B * T * D).map(() => rng.uniform() * 2 - 1);
  const run = (make: () => LSTM | GRU): Outcome => {
    const layer = make();
    const x = tensor(xData.slice(), [B, T, D], { requiresGrad: true });
    const { output, h } = layer.forward(PackedSequence.fromPadded(x, lengths));
    output.data.sum().add(h.mul(h).sum()).backward();
    const o: Outcome = { out: output.data.data, h: h.data, dx: x.grad!.data };
    layer.parameters().forEach((p, i) => (o[`p${i}`] = p.grad!.data));
    return o;
  };
  for (const make of [
    () => new LSTM({ inputSize: D, hiddenSize: H, numLayers: 2, bidirectional: true, seed: 5 }),
    () => new GRU({ inputSize: D, hiddenSize: H, numLayers: 2, bidirectional: true, seed: 6 }),
  ]) {
    const one = run(make);
    const two = withThreads(2, () => run(make));
    const { worst, at } = maxDiff(two, one);
    assert.ok(worst <= 1e-6, `${at} differs by ${worst}`);
  }
});

test('an idle pool does not keep the process alive', () => {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const script = [
    "const { setThreads } = await import('../src/kernels/backend.ts');",
    "const { LSTM } = await import('../src/layers/recurrent.ts');",
    "const { randn } = await import('../src/tensor/create.ts');",
    'if (setThreads(2) !== 2) throw new Error("no threads");',
    'const lstm = new LSTM({ inputSize: 8, hiddenSize: 64, seed: 1 });',
    'lstm.forward(randn([32, 5, 8])).output.sum().backward();',
    "console.log('done');",
  ].join('\n');
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: here, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.error, undefined, `the child did not exit: ${r.error?.message}`);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /done/);
  assert.ok(Date.now() - t0 < 60_000);
});
