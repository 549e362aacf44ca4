/**
 * Streaming inference (src/models/stream.ts): `model.step` over T steps gives the full-sequence
 * forward's numbers (per-step outputs, or sequence → one outputs for every prefix, and the final
 * state) for every cell kind, 2 layers, B = 3, feature and token inputs, from zero and from a
 * given state; each step allocates the same buffers however many came before and records no tape;
 * bidirectional models and malformed inputs are refused with errors that say why.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PackedSequence } from '../src/data/packed.ts';
import { buildModel, type CellKind, type ModelSpecInput, type RecurrentState, type SequenceModel } from '../src/models/index.ts';
import { detachState, initialState } from '../src/models/stream.ts';
import { allocStats } from '../src/tensor/alloc.ts';
import { randn, tensor } from '../src/tensor/create.ts';
import { Rng } from '../src/tensor/rng.ts';
import { reshape, slice } from '../src/tensor/shape.ts';
import { noGrad, Tensor } from '../src/tensor/tensor.ts';

const B = 3;
const T = 7;
const D = 4;
const V = 11;
const CELLS: readonly CellKind[] = ['rnn', 'lstm', 'gru'];
const TOL = 1e-6;

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>, what: string): number {
  assert.equal(a.length, b.length, `${what}: length`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

function assertClose(a: ArrayLike<number>, b: ArrayLike<number>, what: string): void {
  const d = maxAbsDiff(a, b, what);
  assert.ok(d <= TOL, `${what}: max |Δ| = ${d} > ${TOL}`);
}

/** Inputs of a whole batch, [B, T, D] features or [B, T, 1] ids, and the step t slice of them. */
interface Inputs {
  padded: Tensor;
  at(t: number): Tensor | number[];
}

function featureInputs(rng: Rng): Inputs {
  const padded = randn([B, T, D], { rng });
  return { padded, at: (t) => reshape(slice(padded, 1, t, t + 1), [B, D]) };
}

function tokenInputs(rng: Rng): Inputs {
  const ids = Array.from({ length: B * T }, () => rng.int(V));
  const padded = tensor(ids, [B, T, 1]);
  return { padded, at: (t) => Array.from({ length: B }, (_, b) => ids[b * T + t]) };
}

function randomState(model: SequenceModel, rng: Rng): RecurrentState {
  const { numLayers, hiddenSize, cell } = model.spec;
  const shape = [numLayers, B, hiddenSize];
  return { h: randn(shape, { rng }).mul(0.5), c: cell === 'lstm' ? randn(shape, { rng }).mul(0.5) : null };
}

/** Stream every step; return y_t [B, O] for each t and the final state. */
function stream(model: SequenceModel, inputs: Inputs, start: RecurrentState | null): { ys: Tensor[]; state: RecurrentState | null } {
  let state = start;
  const ys: Tensor[] = [];
  for (let t = 0; t < T; t++) {
    const r = model.step(inputs.at(t), state);
    ys.push(r.y);
    state = r.state;
  }
  return { ys, state };
}

function prefix(inputs: Inputs, len: number): PackedSequence {
  return PackedSequence.fromPadded(slice(inputs.padded, 1, 0, len), new Array<number>(B).fill(len));
}

function checkFinalState(model: SequenceModel, inputs: Inputs, start: RecurrentState | null, got: RecurrentState | null, what: string): void {
  assert.ok(got !== null);
  const full = noGrad(() => model.encode(prefix(inputs, T), start ?? undefined)).state;
  assertClose(got.h.data, full.h.data, `${what}: final h`);
  assert.deepEqual(got.h.shape, [2, B, model.spec.hiddenSize]);
  if (model.spec.cell === 'lstm') {
    assert.ok(got.c !== null && full.c !== null);
    assertClose(got.c.data, full.c.data, `${what}: final c`);
  } else {
    assert.equal(got.c, null);
  }
}

const perStepSpecs = (cell: CellKind): [string, ModelSpecInput, 'features' | 'tokens'][] => [
  ['tag', { task: 'tag', cell, inputSize: D, hiddenSize: 6, numLayers: 2, numClasses: 5, dropout: 0.3, seed: 1 }, 'features'],
  ['regress-steps (tokens)', { task: 'regress-steps', cell, vocabSize: V, embeddingDim: 3, hiddenSize: 6, numLayers: 2, outputSize: 2, seed: 2 }, 'tokens'],
  ['language-model', { task: 'language-model', cell, vocabSize: V, embeddingDim: 5, hiddenSize: 8, numLayers: 2, seed: 3 }, 'tokens'],
];

const toOneSpecs = (cell: CellKind): [string, ModelSpecInput, 'features' | 'tokens'][] => [
  ['classify', { task: 'classify', cell, inputSize: D, hiddenSize: 6, numLayers: 2, numClasses: 3, dropout: 0.3, seed: 4 }, 'features'],
  ['forecast', { task: 'forecast', cell, inputSize: D, hiddenSize: 5, numLayers: 2, outputSize: 2, horizon: 3, seed: 5 }, 'features'],
  ['regress (tokens)', { task: 'regress', cell, vocabSize: V, embeddingDim: 4, hiddenSize: 6, numLayers: 2, outputSize: 1, seed: 6 }, 'tokens'],
];

describe('step equals the full-sequence forward', () => {
  for (const cell of CELLS) {
    for (const [name, spec, input] of perStepSpecs(cell)) {
      for (const fromState of [false, true]) {
        test(`${cell} ${name}, 2 layers, B=${B}: y_t = forward's output at t${fromState ? ', from a given state' : ''}`, () => {
          const model = buildModel(spec);
          model.eval(); // dropout off in both paths
          const rng = new Rng(17);
          const inputs = input === 'features' ? featureInputs(rng) : tokenInputs(rng);
          const start = fromState ? randomState(model, rng) : null;
          const { ys, state } = stream(model, inputs, start);

          const seq = noGrad(() => {
            const x = prefix(inputs, T);
            if (start === null) return model.forward(x);
            const enc = model.encode(x, start);
            return enc.output.withData(model.head.forward(enc.output.data));
          });
          assert.ok(seq instanceof PackedSequence);
          const full = seq.toPadded().data; // [B, T, O]
          const O = full.shape[2];
          let worst = 0;
          for (let t = 0; t < T; t++) {
            assert.deepEqual(ys[t].shape, [B, O]);
            const want = reshape(slice(full, 1, t, t + 1), [B, O]);
            worst = Math.max(worst, maxAbsDiff(ys[t].data, want.data, `step ${t}`));
          }
          assert.ok(worst <= TOL, `max |Δ| over ${T} steps = ${worst}`);
          checkFinalState(model, inputs, start, state, `${cell} ${name}`);
        });
      }
    }
    for (const [name, spec, input] of toOneSpecs(cell)) {
      test(`${cell} ${name}, 2 layers, B=${B}: y_t = forward on the prefix 0..t, for every t`, () => {
        const model = buildModel(spec);
        model.eval();
        const rng = new Rng(23);
        const inputs = input === 'features' ? featureInputs(rng) : tokenInputs(rng);
        const { ys, state } = stream(model, inputs, null);
        for (let t = 0; t < T; t++) {
          const want = noGrad(() => model.forward(prefix(inputs, t + 1)));
          assert.ok(want instanceof Tensor);
          assert.deepEqual(ys[t].shape, want.shape);
          assertClose(ys[t].data, want.data, `${cell} ${name} step ${t}`);
        }
        checkFinalState(model, inputs, null, state, `${cell} ${name}`);
      });
    }
  }

  test('the outputs change from step to step (the comparison is not between constants)', () => {
    const model = buildModel({ task: 'tag', cell: 'gru', inputSize: D, hiddenSize: 6, numLayers: 2, numClasses: 5, seed: 1 });
    const { ys } = stream(model, featureInputs(new Rng(3)), null);
    assert.ok(maxAbsDiff(ys[0].data, ys[1].data, 'y0 vs y1') > 1e-3);
  });
});

describe('memory and tape', () => {
  for (const cell of CELLS) {
    test(`${cell}, 2 layers, B=${B}: every step allocates the same buffers, however many came before`, () => {
      const model = buildModel({ task: 'tag', cell, inputSize: D, hiddenSize: 16, numLayers: 2, numClasses: 4, seed: 9 });
      model.eval();
      const rng = new Rng(5);
      const frames = Array.from({ length: 60 }, () => randn([B, D], { rng }));
      let state = initialState(model, B); // from a state, as every later step (step 0 without one skips the state slices)
      const perStep: { allocations: number; floats: number }[] = [];
      for (const x of frames) {
        const before = allocStats();
        const r = model.step(x, state);
        const after = allocStats();
        perStep.push({ allocations: after.allocations - before.allocations, floats: after.floats - before.floats });
        state = r.state;
      }
      const first = perStep[0];
      perStep.forEach((s, t) => assert.deepEqual(s, first, `step ${t} allocated ${JSON.stringify(s)}, step 0 ${JSON.stringify(first)}`));
      // A step's buffers are sized by B·H, not by the steps seen: a few dozen buffers, ≈ 60·B·G·H floats at most.
      const G = cell === 'lstm' ? 4 : cell === 'gru' ? 3 : 1;
      assert.ok(first.allocations < 60, `${first.allocations} buffers per step`);
      assert.ok(first.floats < 60 * B * G * 16, `${first.floats} floats per step`);
    });
  }

  test('step records no tape, even with parameters that require gradients', () => {
    const model = buildModel({ task: 'language-model', cell: 'lstm', vocabSize: V, embeddingDim: 4, hiddenSize: 6, numLayers: 2, seed: 1 });
    assert.ok(model.parameters().every((p) => p.requiresGrad));
    const r1 = model.step([1, 2, 3]);
    const r2 = model.step([4, 5, 6], r1.state);
    for (const t of [r2.y, r2.state.h, r2.state.c as Tensor]) {
      assert.equal(t.requiresGrad, false);
      assert.equal(t.node, null);
    }
  });

  test('initialState is zeros of [L, B, H] (c for LSTM only); detachState copies values and cuts the tape', () => {
    const lstm = buildModel({ task: 'tag', cell: 'lstm', inputSize: 2, hiddenSize: 5, numLayers: 3, numClasses: 2 });
    const s = initialState(lstm, 4);
    assert.deepEqual(s.h.shape, [3, 4, 5]);
    assert.ok(s.c !== null && s.c.data.every((v) => v === 0));
    assert.equal(initialState(buildModel({ task: 'tag', cell: 'gru', inputSize: 2, hiddenSize: 5, numClasses: 2 }), 2).c, null);
    // Zeros and "no state" are the same start.
    const x = randn([4, 2], { rng: new Rng(1) });
    assert.deepEqual(Array.from(lstm.step(x, s).y.data), Array.from(lstm.step(x).y.data));

    const enc = lstm.encode(PackedSequence.fromPadded(randn([4, 3, 2], { rng: new Rng(2) }), [3, 2, 3, 1]));
    assert.ok(enc.state.h.requiresGrad && enc.state.h.node !== null);
    const d = detachState(enc.state);
    assert.equal(d.h.node, null);
    assert.equal(d.h.requiresGrad, false);
    assert.deepEqual(Array.from(d.h.data), Array.from(enc.state.h.data));
    assert.notEqual(d.h.data, enc.state.h.data, 'a copy, not a view');
    assert.ok(d.c !== null && enc.state.c !== null);
    assert.deepEqual(Array.from(d.c.data), Array.from(enc.state.c.data));
  });
});

describe('errors', () => {
  test('a bidirectional model cannot stream', () => {
    const model = buildModel({ task: 'tag', cell: 'gru', inputSize: 2, hiddenSize: 4, numClasses: 2, bidirectional: true });
    assert.throws(() => model.step(randn([1, 2])), /SequenceToSequence\.step: a bidirectional model cannot stream/);
    const toOne = buildModel({ task: 'classify', cell: 'lstm', inputSize: 2, hiddenSize: 4, numClasses: 2, bidirectional: true });
    assert.throws(() => toOne.step(randn([1, 2])), /cannot stream/);
  });

  test('inputs and states of the wrong shape or kind are named', () => {
    const model = buildModel({ task: 'tag', cell: 'lstm', inputSize: 3, hiddenSize: 4, numLayers: 2, numClasses: 2 });
    assert.throws(() => model.step(randn([2, 5])), /LSTM: step input has shape \[2, 5\], expected \[B, 3\]/);
    assert.throws(() => model.step([1, 2]), /input is token ids, expected features x_t \[B, 3\]/);
    const s = initialState(model, 2);
    assert.throws(() => model.step(randn([3, 3]), s), /initial h has shape \[2, 2, 4\], expected \[2, 3, 4\]/);
    assert.throws(() => model.step(randn([2, 3]), { h: s.h, c: null }), /an LSTM state needs c as well as h/);

    const lm = buildModel({ task: 'language-model', cell: 'gru', vocabSize: 5, embeddingDim: 2, hiddenSize: 4 });
    assert.throws(() => lm.step(randn([2, 3])), /token input has shape \[2, 3\], expected ids \[B\] or \[B, 1\]/);
    assert.throws(() => lm.step([1, 7]), /id 7 at position 1 is out of range \[0, 5\)/);
    assert.throws(() => lm.step([]), /no token ids given/);
  });
});
