/**
 * Truncated BPTT (src/train/tbptt.ts): the series is cut into B streams as documented, chunking
 * does not change the forward when the state is carried, one chunk spanning the whole stream is
 * one ordinary training step, and — the point of it — a model learns a dependency far longer
 * than a chunk only when the state is carried across chunk edges.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PackedSequence } from '../src/data/packed.ts';
import { buildModel, lossFor, SequenceToSequence } from '../src/models/index.ts';
import { createOptimizer } from '../src/optim/config.ts';
import { tensor } from '../src/tensor/create.ts';
import { Rng } from '../src/tensor/rng.ts';
import { Tensor } from '../src/tensor/tensor.ts';
import { evaluateSeries, fitTbptt, type Series } from '../src/train/tbptt.ts';

const K = 5; // chunk length

/**
 * A flip-flop with episodes: each step toggles with probability 0.2 and starts a new episode
 * (parity back to 0) with probability 0.01. x_t = [toggle, reset], y_t = parity of the toggles
 * since the last reset. Flipping any toggle flips every later target of its episode, so y_t
 * depends on every input back to the episode's start: ~100 steps, twenty chunks of K.
 */
function flipFlop(seed: number, T: number): Series & { sinceReset: number[] } {
  const rng = new Rng(seed);
  const x: number[] = [];
  const y: number[] = [];
  const sinceReset: number[] = [];
  let parity = 0;
  let age = 0;
  for (let t = 0; t < T; t++) {
    const reset = rng.uniform() < 0.01 ? 1 : 0;
    const toggle = rng.uniform() < 0.2 ? 1 : 0;
    if (reset === 1) {
      parity = 0;
      age = 0;
    }
    parity ^= toggle;
    x.push(toggle, reset);
    y.push(parity);
    sinceReset.push(age++);
  }
  return { x: tensor(x, [T, 2]), y: tensor(y), sinceReset };
}

function majorityRate(y: Tensor): number {
  let ones = 0;
  for (const v of y.data) ones += v;
  return Math.max(ones, y.size - ones) / y.size;
}

describe('truncated BPTT learns across chunk edges', () => {
  test(`flip-flop parity over ~100-step episodes, chunkLength ${K}: carried state learns it, reset state stays at chance`, (t) => {
    const train = flipFlop(11, 6000);
    const heldOut = flipFlop(12, 4000);
    const meanAge = heldOut.sinceReset.reduce((s, a) => s + a, 0) / heldOut.sinceReset.length;
    assert.ok(meanAge > 10 * K, `targets depend on ${meanAge.toFixed(1)} steps back on average, expected far more than a chunk`);
    const chance = majorityRate(heldOut.y);

    const accuracy: Record<string, number> = {};
    for (const carryState of [true, false]) {
      const model = buildModel({ task: 'tag', cell: 'gru', inputSize: 2, hiddenSize: 32, numClasses: 2, seed: 3 });
      const history = fitTbptt(model, train, {
        chunkLength: K, batchSize: 16, epochs: 30, optimizer: { kind: 'adam', lr: 0.01 }, clipGradNorm: 1, seed: 1, carryState,
      });
      assert.equal(history.epochs.length, 30);
      assert.equal(history.chunkLosses.length, 30 * Math.ceil(Math.floor(6000 / 16) / K));
      // Deployed as a stream: one held-out stream, state carried from start to end.
      const ev = evaluateSeries(model, heldOut, { chunkLength: 200, batchSize: 1, metrics: ['accuracy'] });
      accuracy[carryState ? 'carried' : 'reset'] = ev.metrics.accuracy ?? NaN;
    }
    t.diagnostic(`held-out accuracy: carried state ${accuracy.carried.toFixed(4)}, reset per chunk ${accuracy.reset.toFixed(4)}, majority class ${chance.toFixed(4)}`);
    assert.ok(accuracy.carried >= 0.9, `carried state: accuracy ${accuracy.carried}, expected ≥ 0.9`);
    assert.ok(accuracy.reset <= chance + 0.08, `reset state: accuracy ${accuracy.reset}, expected about chance (${chance.toFixed(3)})`);
  });
});

describe('mechanics', () => {
  const build = (): SequenceToSequence => buildModel({ task: 'regress-steps', cell: 'lstm', inputSize: 2, hiddenSize: 6, numLayers: 2, outputSize: 3, seed: 5 });

  function randomSeries(seed: number, T: number): Series {
    const rng = new Rng(seed);
    return {
      x: tensor(Array.from({ length: T * 2 }, () => rng.uniformRange(-1, 1)), [T, 2]),
      y: tensor(Array.from({ length: T * 3 }, () => rng.uniformRange(-1, 1)), [T, 3]),
    };
  }

  test('carrying the state, the chunk length does not change the result; B streams are the series cut in B', () => {
    const model = build();
    const s = randomSeries(1, 4 * 25 + 3); // 3 leftover rows, unused
    const whole = evaluateSeries(model, s, { chunkLength: 1000, batchSize: 4 });
    const chunked = evaluateSeries(model, s, { chunkLength: 3, batchSize: 4 });
    assert.ok(Math.abs(whole.loss - chunked.loss) <= 1e-6, `loss ${whole.loss} whole vs ${chunked.loss} in chunks of 3`);
    assert.equal(whole.rows, 100);
    // Stream b = rows 25b .. 25b + 24, evaluated on its own.
    let sum = 0;
    for (let b = 0; b < 4; b++) {
      const rows = (t: Tensor, F: number): Tensor => new Tensor(t.data.slice(25 * b * F, 25 * (b + 1) * F), [25, F]);
      sum += evaluateSeries(model, { x: rows(s.x, 2), y: rows(s.y, 3) }, { chunkLength: 7, batchSize: 1 }).loss;
    }
    assert.ok(Math.abs(sum / 4 - whole.loss) <= 1e-6, `mean of the streams ${sum / 4} vs ${whole.loss}`);
  });

  test('one chunk spanning every stream is one ordinary training step on the B streams as a batch', () => {
    const s = randomSeries(2, 3 * 8);
    const a = build();
    fitTbptt(a, s, { chunkLength: 8, batchSize: 3, epochs: 1, optimizer: { kind: 'sgd', lr: 0.1 } });

    const b = build();
    const opt = createOptimizer(b.parameters(), { kind: 'sgd', lr: 0.1 });
    const padded = (t: Tensor, F: number): PackedSequence => PackedSequence.fromPadded(new Tensor(t.data, [3, 8, F]), [8, 8, 8]);
    opt.zeroGrad();
    lossFor(b.spec)(b.forward(padded(s.x, 2)), { y: null, yPerStep: padded(s.y, 3) }).backward();
    opt.step();
    const pa = a.parameters();
    const pb = b.parameters();
    let worst = 0;
    pa.forEach((p, i) => p.data.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - pb[i].data[k])))));
    assert.ok(worst <= 1e-7, `max |Δ| between the weights: ${worst}`);
    assert.ok(pa[0].data.some((v, k) => v !== build().parameters()[0].data[k]), 'training changed the weights');
  });

  test('carryState false differs from true only by the state at chunk edges (chunks of the whole stream agree)', () => {
    const s = randomSeries(3, 2 * 6);
    const run = (carryState: boolean, chunkLength: number): number[] =>
      fitTbptt(build(), s, { chunkLength, batchSize: 2, epochs: 2, optimizer: { kind: 'adam', lr: 0.01 }, carryState }).chunkLosses;
    assert.deepEqual(run(true, 6), run(false, 6));
    const carried = run(true, 2);
    const reset = run(false, 2);
    assert.equal(carried[0], reset[0], 'the first chunk starts from zeros either way');
    assert.notEqual(carried[1], reset[1]);
  });

  test('validation series and callbacks', () => {
    const records: number[] = [];
    const h = fitTbptt(build(), randomSeries(4, 40), {
      chunkLength: 4, batchSize: 2, epochs: 2, validation: randomSeries(5, 20), onEpochEnd: (r) => records.push(r.epoch),
    });
    assert.deepEqual(records, [1, 2]);
    assert.ok(h.epochs.every((e) => e.valLoss !== null && e.valMetrics !== null && typeof e.valMetrics.rmse === 'number'));
    assert.ok(h.epochs.every((e) => e.chunks === 5 && typeof e.metrics.mae === 'number'));
  });
});

describe('errors', () => {
  const lm = buildModel({ task: 'language-model', cell: 'gru', vocabSize: 5, embeddingDim: 2, hiddenSize: 4 });
  const ids = (n: number): Tensor => tensor(Array.from({ length: n }, (_, i) => i % 5));

  test('sequence → one and bidirectional models are refused', () => {
    const classify = buildModel({ task: 'classify', cell: 'gru', inputSize: 1, hiddenSize: 4, numClasses: 2 });
    // @ts-expect-error a sequence → one model is not a per-step model
    assert.throws(() => fitTbptt(classify, { x: tensor([1, 2]), y: tensor([0, 1]) }, { chunkLength: 1, batchSize: 1, epochs: 1 }), /task 'classify' has one output per sequence/);
    const bi = buildModel({ task: 'tag', cell: 'gru', inputSize: 1, hiddenSize: 4, numClasses: 2, bidirectional: true });
    assert.throws(() => fitTbptt(bi, { x: tensor([1, 2]), y: tensor([0, 1]) }, { chunkLength: 1, batchSize: 1, epochs: 1 }), /a bidirectional model cannot walk a series/);
  });

  test('shapes, sizes and options are checked with errors that name them', () => {
    const opts = { chunkLength: 2, batchSize: 2, epochs: 1 };
    assert.throws(() => fitTbptt(lm, { x: tensor([0, 1, 2], [1, 3]), y: ids(1) }, opts), /series\.x has 3 features per step, expected 1 \(one token id per step\)/);
    assert.throws(() => fitTbptt(lm, { x: ids(6), y: ids(5) }, opts), /series\.x has 6 steps but series\.y has 5/);
    assert.throws(() => fitTbptt(lm, { x: ids(1), y: ids(1) }, opts), /series has 1 steps, too few for 2 streams/);
    assert.throws(() => fitTbptt(lm, { x: ids(6), y: ids(6) }, { ...opts, chunkLength: 0 }), /chunkLength is 0, expected a positive integer/);
    // @ts-expect-error a typo'd option
    assert.throws(() => fitTbptt(lm, { x: ids(6), y: ids(6) }, { ...opts, chunklength: 3 }), /unknown option 'chunklength'/);
    assert.throws(() => fitTbptt(lm, { x: ids(6), y: ids(6) }, { ...opts, metrics: ['mae'] }), /'mae' does not apply to task 'language-model'/);
  });
});
