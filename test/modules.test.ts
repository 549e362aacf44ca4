/**
 * Modules: PyTorch parameter names and shapes, seeded initialisation, state dicts, train/eval,
 * Linear, Embedding and Dropout, and the recurrent layers RNN / LSTM / GRU beyond the PyTorch
 * fixtures: central-difference gradient checks (ragged, stacked, bidirectional), inter-layer
 * dropout, what the reverse direction may see, final states, the static path and input errors.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PackedSequence } from '../src/data/packed.ts';
import { Dropout } from '../src/layers/dropout.ts';
import { Embedding } from '../src/layers/embedding.ts';
import { Linear } from '../src/layers/linear.ts';
import { Module } from '../src/layers/module.ts';
import { GRU, LSTM, RNN, type RecurrentLayer } from '../src/layers/recurrent.ts';
import { tensor, uniform } from '../src/tensor/create.ts';
import { Rng } from '../src/tensor/rng.ts';
import { concat, reshape } from '../src/tensor/shape.ts';
import { Tensor, type Shape } from '../src/tensor/tensor.ts';
import { assertClose, gradCheck } from './gradcheck.ts';

type CellKind = 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru';
const KINDS: CellKind[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'];

interface LayerOpts {
  inputSize: number;
  hiddenSize: number;
  numLayers?: number;
  bidirectional?: boolean;
  dropout?: number;
  seed?: number;
}

function makeLayer(kind: CellKind, opts: LayerOpts): RecurrentLayer {
  switch (kind) {
    case 'rnn_tanh':
      return new RNN({ ...opts, nonlinearity: 'tanh' });
    case 'rnn_relu':
      return new RNN({ ...opts, nonlinearity: 'relu' });
    case 'lstm':
      return new LSTM(opts);
    case 'gru':
      return new GRU(opts);
  }
}

interface Run<O> {
  output: O;
  h: Tensor;
  c: Tensor | null;
}

/** Forward through any recurrent layer; c0 is used (and c returned) only by an LSTM. */
function run(layer: RecurrentLayer, x: PackedSequence, h0?: Tensor, c0?: Tensor): Run<PackedSequence>;
function run(layer: RecurrentLayer, x: Tensor, h0?: Tensor, c0?: Tensor): Run<Tensor>;
function run(layer: RecurrentLayer, x: PackedSequence | Tensor, h0?: Tensor, c0?: Tensor): Run<PackedSequence | Tensor> {
  if (layer instanceof LSTM) {
    const r = x instanceof Tensor ? layer.forward(x, h0 && c0 ? { h: h0, c: c0 } : undefined) : layer.forward(x, h0 && c0 ? { h: h0, c: c0 } : undefined);
    return { output: r.output, h: r.h, c: r.c };
  }
  const l = layer as RNN | GRU;
  const r = x instanceof Tensor ? l.forward(x, h0 ? { h: h0 } : undefined) : l.forward(x, h0 ? { h: h0 } : undefined);
  return { output: r.output, h: r.h, c: null };
}

function rnd(shape: Shape, rng: Rng, requiresGrad = true): Tensor {
  return uniform(shape, -1, 1, { rng, requiresGrad });
}

function paramMap(m: Module): Record<string, Tensor> {
  return Object.fromEntries(m.namedParameters());
}

/** Asserts that `fn` throws an Error whose message matches every pattern. */
function throwsWith(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Error, 'expected an Error');
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

describe('parameter names and shapes (PyTorch)', () => {
  test('LSTM, 2 layers, bidirectional: order, names and shapes', () => {
    const D = 3;
    const H = 5;
    const lstm = new LSTM({ inputSize: D, hiddenSize: H, numLayers: 2, bidirectional: true, seed: 1 });
    const expected: [string, number[]][] = [];
    for (const l of [0, 1]) {
      for (const sfx of ['', '_reverse']) {
        expected.push(
          [`weight_ih_l${l}${sfx}`, [4 * H, l === 0 ? D : 2 * H]],
          [`weight_hh_l${l}${sfx}`, [4 * H, H]],
          [`bias_ih_l${l}${sfx}`, [4 * H]],
          [`bias_hh_l${l}${sfx}`, [4 * H]],
        );
      }
    }
    assert.deepEqual(lstm.namedParameters().map(([n, p]) => [n, p.shape]), expected);
    assert.equal(expected[8][0], 'weight_ih_l1');
    assert.deepEqual(expected[8][1], [20, 10]);
    assert.ok(lstm.parameters().every((p) => p.requiresGrad && p.isLeaf));
  });

  test('bias=false removes the biases; GRU and RNN stack 3 and 1 gate blocks', () => {
    const lstm = new LSTM({ inputSize: 3, hiddenSize: 2, numLayers: 2, bias: false, seed: 1 });
    assert.deepEqual(lstm.namedParameters().map(([n]) => n), ['weight_ih_l0', 'weight_hh_l0', 'weight_ih_l1', 'weight_hh_l1']);
    const gru = new GRU({ inputSize: 3, hiddenSize: 2, seed: 1 });
    assert.deepEqual(gru.namedParameters().map(([n, p]) => [n, p.shape]), [
      ['weight_ih_l0', [6, 3]], ['weight_hh_l0', [6, 2]], ['bias_ih_l0', [6]], ['bias_hh_l0', [6]],
    ]);
    const rnn = new RNN({ inputSize: 3, hiddenSize: 2, bidirectional: true, seed: 1 });
    assert.deepEqual(rnn.namedParameters().map(([n, p]) => [n, p.shape]), [
      ['weight_ih_l0', [2, 3]], ['weight_hh_l0', [2, 2]], ['bias_ih_l0', [2]], ['bias_hh_l0', [2]],
      ['weight_ih_l0_reverse', [2, 3]], ['weight_hh_l0_reverse', [2, 2]], ['bias_ih_l0_reverse', [2]], ['bias_hh_l0_reverse', [2]],
    ]);
  });
});

describe('initialisation', () => {
  test('every recurrent parameter in ±1/√H, spread over the range, not all equal', () => {
    for (const kind of KINDS) {
      const H = 16;
      const bound = 1 / Math.sqrt(H);
      const layer = makeLayer(kind, { inputSize: 7, hiddenSize: H, numLayers: 2, bidirectional: true, seed: 3 });
      const all: number[] = [];
      for (const [name, p] of layer.namedParameters()) {
        const lo = Math.min(...p.data);
        const hi = Math.max(...p.data);
        assert.ok(lo >= -bound && hi <= bound, `${kind} ${name}: [${lo}, ${hi}] outside ±${bound}`);
        assert.ok(new Set(p.data).size > p.size / 2, `${kind} ${name}: values repeat`);
        all.push(...p.data);
      }
      // pooled: fills the whole range, centred (uniform: mean 0, sd bound/√3)
      const mean = all.reduce((s, v) => s + v, 0) / all.length;
      const sd = Math.sqrt(all.reduce((s, v) => s + (v - mean) ** 2, 0) / all.length);
      assert.ok(Math.min(...all) < -0.95 * bound && Math.max(...all) > 0.95 * bound, `${kind}: does not fill ±${bound}`);
      assert.ok(Math.abs(mean) < 0.1 * bound, `${kind}: mean ${mean}`);
      assert.ok(Math.abs(sd - bound / Math.sqrt(3)) < 0.1 * bound, `${kind}: sd ${sd}, expected ${bound / Math.sqrt(3)}`);
      // different tensors get different draws
      const [a, b] = layer.parameters();
      assert.notDeepEqual(Array.from(a.data.subarray(0, 8)), Array.from(b.data.subarray(0, 8)));
    }
  });

  test('same seed → same weights; different seed → different weights', () => {
    const make = (seed: number): Record<string, Tensor> => paramMap(new GRU({ inputSize: 3, hiddenSize: 4, numLayers: 2, seed }));
    const a = make(7);
    const b = make(7);
    const c = make(8);
    for (const name of Object.keys(a)) {
      assert.deepEqual(Array.from(a[name].data), Array.from(b[name].data), name);
      assert.notDeepEqual(Array.from(a[name].data), Array.from(c[name].data), name);
    }
  });

  test('Linear: weight and bias in ±1/√inFeatures, seeded', () => {
    const I = 9;
    const lin = new Linear({ inFeatures: I, outFeatures: 20, seed: 2 });
    for (const p of lin.parameters()) assert.ok(p.data.every((v) => Math.abs(v) <= 1 / Math.sqrt(I)));
    assert.ok(Math.max(...lin.weight.data) > 0.8 / Math.sqrt(I));
    assert.deepEqual(Array.from(new Linear({ inFeatures: I, outFeatures: 20, seed: 2 }).weight.data), Array.from(lin.weight.data));
  });
});

describe('state dicts', () => {
  test('loadStateDict lists missing, unexpected and wrong-shaped names in one error, and loads nothing', () => {
    const gru = new GRU({ inputSize: 3, hiddenSize: 2, seed: 1 });
    const before = gru.stateDict();
    const sd = new GRU({ inputSize: 3, hiddenSize: 2, seed: 2 }).stateDict();
    delete sd.bias_hh_l0;
    sd.weight_hh_l0 = new Tensor(new Float32Array(6 * 3), [6, 3]);
    sd.weight_ih_l1 = new Tensor(new Float32Array(6), [6]);
    throwsWith(
      () => gru.loadStateDict(sd),
      /GRU/,
      /missing: bias_hh_l0/,
      /unexpected: weight_ih_l1/,
      /wrong shape: weight_hh_l0: got \[6, 3\], expected \[6, 2\]/,
    );
    for (const [name, p] of gru.namedParameters()) assert.deepEqual(Array.from(p.data), Array.from(before[name].data), `${name} unchanged`);
  });

  test('loadStateDict rejects each problem on its own', () => {
    const lin = new Linear({ inFeatures: 2, outFeatures: 3, seed: 1 });
    const good = (): Record<string, Tensor> => new Linear({ inFeatures: 2, outFeatures: 3, seed: 2 }).stateDict();
    const extra = { ...good(), 'head.weight': tensor([1]) };
    throwsWith(() => lin.loadStateDict(extra), /Linear/, /unexpected: head\.weight/);
    const wrong = { ...good(), bias: tensor([1, 2]) };
    throwsWith(() => lin.loadStateDict(wrong), /wrong shape: bias: got \[2\], expected \[3\]/);
    const transposed = { ...good(), weight: new Tensor(new Float32Array(6), [2, 3]) };
    throwsWith(() => lin.loadStateDict(transposed), /wrong shape: weight: got \[2, 3\], expected \[3, 2\]/);
    const { bias: _bias, ...noBias } = good();
    throwsWith(() => lin.loadStateDict(noBias), /missing: bias/);
    assert.doesNotThrow(() => lin.loadStateDict(good()));
  });

  test('loadStateDict copies values in; later edits of the dict do not reach the module', () => {
    const a = new LSTM({ inputSize: 2, hiddenSize: 3, seed: 1 });
    const sd = new LSTM({ inputSize: 2, hiddenSize: 3, seed: 2 }).stateDict();
    a.loadStateDict(sd);
    for (const [name, p] of a.namedParameters()) assert.deepEqual(Array.from(p.data), Array.from(sd[name].data), name);
    sd.weight_ih_l0.data[0] = 42;
    assert.notEqual(paramMap(a).weight_ih_l0.data[0], 42);
  });

  test('stateDict returns copies', () => {
    const lin = new Linear({ inFeatures: 2, outFeatures: 2, seed: 1 });
    const sd = lin.stateDict();
    assert.deepEqual(Object.keys(sd), ['weight', 'bias']);
    assert.deepEqual(sd.weight.shape, [2, 2]);
    const w0 = lin.weight.data[0];
    sd.weight.data[0] = w0 + 1;
    sd.weight.shape[0] = 99;
    assert.equal(lin.weight.data[0], w0);
    assert.deepEqual(lin.weight.shape, [2, 2]);
    assert.notEqual(sd.weight, lin.weight);
    assert.equal(sd.weight.requiresGrad, false);
  });
});

/** Embedding → LSTM → Dropout → Linear, inside an outer module: two levels of children. */
class Tagger extends Module {
  readonly emb = this.registerModule('emb', new Embedding({ numEmbeddings: 6, embeddingDim: 3, paddingIdx: 0, seed: 1 }));
  readonly lstm = this.registerModule('lstm', new LSTM({ inputSize: 3, hiddenSize: 4, seed: 2 }));
  readonly drop = this.registerModule('drop', new Dropout(0.5, { seed: 3 }));
  readonly head = this.registerModule('head', new Linear({ inFeatures: 4, outFeatures: 2, seed: 4 }));
}

class Outer extends Module {
  readonly scale = this.registerParameter('scale', tensor([1]));
  readonly enc = this.registerModule('enc', new Tagger());
}

describe('module tree', () => {
  test('dotted names, parameters first then children, as PyTorch', () => {
    const m = new Outer();
    assert.deepEqual(m.namedParameters().map(([n]) => n), [
      'scale',
      'enc.emb.weight',
      'enc.lstm.weight_ih_l0', 'enc.lstm.weight_hh_l0', 'enc.lstm.bias_ih_l0', 'enc.lstm.bias_hh_l0',
      'enc.head.weight', 'enc.head.bias',
    ]);
    assert.deepEqual(m.namedModules().map(([n]) => n), ['enc', 'enc.emb', 'enc.lstm', 'enc.drop', 'enc.head']);
    assert.deepEqual(Object.keys(m.stateDict()), m.namedParameters().map(([n]) => n));
  });

  test('train() / eval() reach every descendant', () => {
    const m = new Outer();
    const modes = (): boolean[] => [m.training, ...m.namedModules().map(([, c]) => c.training)];
    assert.deepEqual(modes(), [true, true, true, true, true, true]);
    assert.equal(m.eval(), m);
    assert.deepEqual(modes(), [false, false, false, false, false, false]);
    m.train();
    assert.deepEqual(modes(), [true, true, true, true, true, true]);
    m.train(false);
    assert.deepEqual(modes(), [false, false, false, false, false, false]);
    // eval reaches the dropout: identity now
    const x = rnd([50], new Rng(1), false);
    assert.equal(m.enc.drop.forward(x), x);
  });

  test('zeroGrad clears every gradient in the tree', () => {
    const m = new Outer();
    const ids = [[1, 2, 0]];
    const h = m.enc.lstm.forward(m.enc.emb.forward(ids)).output; // [1, 3, 4]
    m.enc.head.forward(h).sum().mul(m.scale).backward();
    assert.ok(m.parameters().every((p) => p.grad !== null));
    m.zeroGrad();
    assert.ok(m.parameters().every((p) => p.grad === null));
  });
});

describe('Linear', () => {
  test('forward against hand-computed values', () => {
    const lin = new Linear({ inFeatures: 3, outFeatures: 2, seed: 1 });
    lin.loadStateDict({ weight: tensor([[1, 2, 3], [4, 5, 6]]), bias: tensor([0.5, -1]) });
    const y = lin.forward(tensor([[1, 0, -1], [2, 1, 0]]));
    assert.deepEqual(y.shape, [2, 2]);
    // [1-3+0.5, 4-6-1], [2+2+0.5, 8+5-1]
    assert.deepEqual(Array.from(y.data), [-1.5, -3, 4.5, 12]);
    // any leading shape: [2, 1, 3] → [2, 1, 2]
    const y3 = lin.forward(tensor([[[1, 0, -1]], [[2, 1, 0]]]));
    assert.deepEqual(y3.shape, [2, 1, 2]);
    assert.deepEqual(Array.from(y3.data), [-1.5, -3, 4.5, 12]);
    const nb = new Linear({ inFeatures: 3, outFeatures: 2, bias: false, seed: 1 });
    assert.deepEqual(nb.namedParameters().map(([n]) => n), ['weight']);
    nb.loadStateDict({ weight: tensor([[1, 2, 3], [4, 5, 6]]) });
    assert.deepEqual(Array.from(nb.forward(tensor([[1, 0, -1]])).data), [-2, -2]);
  });

  test('gradients w.r.t. x, W and b (central differences)', () => {
    const rng = new Rng(5);
    const lin = new Linear({ inFeatures: 3, outFeatures: 4, seed: 6 });
    const x = rnd([2, 2, 3], rng);
    const r = gradCheck(() => lin.forward(x), [x, lin.weight, lin.bias!]);
    assert.equal(r.checked, 12 + 12 + 4);
  });

  test('wrong feature count', () => {
    const lin = new Linear({ inFeatures: 3, outFeatures: 2, seed: 1 });
    throwsWith(() => lin.forward(tensor([[1, 2]])), /linear: input has shape \[1, 2\], expected \[\.\.\., 3\]/);
    throwsWith(() => new Linear({ inFeatures: 0, outFeatures: 2 }), /Linear: inFeatures must be a positive integer, got 0/);
  });
});

describe('Embedding', () => {
  test('paddingIdx row is zero at init and gets no gradient; repeated ids accumulate', () => {
    const E = 3;
    const emb = new Embedding({ numEmbeddings: 5, embeddingDim: E, paddingIdx: 0, seed: 1 });
    const W = emb.weight.data;
    assert.deepEqual(Array.from(W.subarray(0, E)), [0, 0, 0]);
    assert.ok(W.subarray(E).every((v) => v !== 0));

    const ids = [[3, 0, 3], [1, 0, 4]];
    const y = emb.forward(ids);
    assert.deepEqual(y.shape, [2, 3, E]);
    ids.flat().forEach((id, i) => assert.deepEqual(Array.from(y.data.subarray(i * E, (i + 1) * E)), Array.from(W.subarray(id * E, (id + 1) * E))));

    const R = rnd([2, 3, E], new Rng(2), false);
    y.mul(R).sum().backward();
    const g = emb.weight.grad!.data;
    const r = (i: number, k: number): number => R.data[i * E + k];
    for (let k = 0; k < E; k++) {
      assert.equal(g[0 * E + k], 0, 'padding row: no gradient although used twice');
      assert.equal(g[1 * E + k], r(3, k));
      assert.equal(g[2 * E + k], 0, 'unused row');
      assert.equal(g[3 * E + k], Math.fround(r(0, k) + r(2, k)), 'id 3 used twice: gradients add');
      assert.equal(g[4 * E + k], r(5, k));
    }
  });

  test('ids as a Tensor, an Int32Array with a shape, or flat; errors', () => {
    const emb = new Embedding({ numEmbeddings: 4, embeddingDim: 2, seed: 1 });
    const a = emb.forward(tensor([[2, 1]])).data;
    assert.deepEqual(Array.from(emb.forward(Int32Array.of(2, 1), [1, 2]).data), Array.from(a));
    assert.deepEqual(Array.from(emb.forward([2, 1]).data), Array.from(a));
    throwsWith(() => emb.forward([1, 4]), /id 4 at position 1 is out of range \[0, 4\)/);
    throwsWith(() => emb.forward([1.5]), /id 1\.5 at position 0/);
    throwsWith(() => emb.forward([[1, 2], [3]]), /row 1 has 1 ids, expected 2/);
    throwsWith(() => new Embedding({ numEmbeddings: 4, embeddingDim: 2, paddingIdx: 4 }), /paddingIdx 4 is out of range \[0, 4\)/);
  });
});

describe('Dropout module', () => {
  const n = 10_000;
  const x = uniform([n], 0.5, 1.5, { rng: new Rng(1), requiresGrad: true });

  test('eval mode is the identity', () => {
    const d = new Dropout(0.3, { seed: 1 }).eval();
    assert.equal(d.forward(x), x);
    assert.equal(new Dropout(0, { seed: 1 }).forward(x), x, 'p = 0 is the identity in training too');
  });

  test('train mode: ≈ p zeroed, survivors scaled by 1/(1−p), gradient through the same mask', () => {
    const p = 0.3;
    const d = new Dropout(p, { seed: 2 });
    const y = d.forward(x);
    let zeroed = 0;
    for (let k = 0; k < n; k++) {
      if (y.data[k] === 0) zeroed++;
      else assertClose([y.data[k]], [x.data[k] / (1 - p)], 0, 1e-6, `survivor ${k}`);
    }
    // binomial(10000, 0.3): sd ≈ 46, allow ±4.3 sd
    assert.ok(Math.abs(zeroed - p * n) < 200, `${zeroed} of ${n} zeroed, expected ≈ ${p * n}`);
    x.grad = null;
    y.sum().backward();
    for (let k = 0; k < n; k++) assert.equal(x.grad!.data[k], y.data[k] === 0 ? 0 : Math.fround(1 / (1 - p)));
    x.grad = null;
  });

  test('seeded: same seed → same mask, other seed → other mask, next call → next mask', () => {
    const mask = (d: Dropout): boolean[] => Array.from(d.forward(x).data, (v) => v === 0);
    const a = new Dropout(0.5, { seed: 9 });
    const b = new Dropout(0.5, { seed: 9 });
    const c = new Dropout(0.5, { seed: 10 });
    const ma = mask(a);
    assert.deepEqual(mask(b), ma);
    assert.notDeepEqual(mask(c), ma);
    const ma2 = mask(a);
    assert.notDeepEqual(ma2, ma);
    assert.deepEqual(mask(b), ma2);
  });

  test('p outside [0, 1)', () => {
    throwsWith(() => new Dropout(1), /Dropout: p must be in \[0, 1\), got 1/);
    throwsWith(() => new Dropout(-0.1), /got -0\.1/);
    throwsWith(() => new Dropout(Number.NaN), /got NaN/);
  });
});

// ---------------------------------------------------------------------------------------------
// Recurrent layers

const B = 3;
const T = 3;
const D = 2;
const H = 2;
const LENGTHS = [3, 1, 2];

/**
 * Plain-number reference of a relu RNN over each sample's real steps (no packing, no GEMMs), and
 * the smallest |pre-activation| met anywhere: how far the inputs sit from relu's kink.
 */
function reluReference(layer: RNN, x: Tensor, lengths: readonly number[], h0: Tensor): { out: number[][][]; minAbs: number; negatives: number } {
  const p = paramMap(layer);
  const dirs = layer.numDirections;
  const Tx = x.shape[1];
  const Dx = x.shape[2];
  let minAbs = Infinity;
  let negatives = 0;
  // seq[b][t]: the current layer's input at step t of sample b
  let seq: number[][][] = lengths.map((len, b) => Array.from({ length: len }, (_, t) => Array.from(x.data.subarray((b * Tx + t) * Dx, (b * Tx + t + 1) * Dx))));
  for (let l = 0; l < layer.numLayers; l++) {
    const next: number[][][] = seq.map((s) => s.map(() => new Array<number>(dirs * H).fill(0)));
    for (let d = 0; d < dirs; d++) {
      const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
      const [wi, wh, bi, bh] = ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh'].map((n) => p[n + sfx]);
      const In = wi.shape[1];
      seq.forEach((s, b) => {
        let h = Array.from(h0.data.subarray(((l * dirs + d) * B + b) * H, ((l * dirs + d) * B + b + 1) * H));
        for (let k = 0; k < s.length; k++) {
          const t = d === 1 ? s.length - 1 - k : k;
          const a = new Array<number>(H).fill(0).map((_, i) => {
            let v = bi.data[i] + bh.data[i];
            for (let j = 0; j < In; j++) v += wi.data[i * In + j] * s[t][j];
            for (let j = 0; j < H; j++) v += wh.data[i * H + j] * h[j];
            return v;
          });
          for (const v of a) {
            minAbs = Math.min(minAbs, Math.abs(v));
            if (v < 0) negatives++;
          }
          h = a.map((v) => Math.max(v, 0));
          for (let i = 0; i < H; i++) next[b][t][d * H + i] = h[i];
        }
      });
    }
    seq = next;
  }
  return { out: seq, minAbs, negatives };
}

interface GradCase {
  layer: RecurrentLayer;
  x: Tensor;
  h0: Tensor;
  c0: Tensor;
}

/** Layer and inputs for a gradient check; for relu the first seed that keeps ≥ 0.05 from the kink. */
function gradCase(kind: CellKind, bidirectional: boolean): GradCase {
  const dirs = bidirectional ? 2 : 1;
  for (let seed = 1; seed < 500; seed++) {
    const layer = makeLayer(kind, { inputSize: D, hiddenSize: H, numLayers: 2, bidirectional, seed });
    const rng = new Rng(1000 + seed);
    const x = rnd([B, T, D], rng);
    const h0 = rnd([2 * dirs, B, H], rng);
    const c0 = rnd([2 * dirs, B, H], rng, kind === 'lstm');
    if (kind !== 'rnn_relu') return { layer, x, h0, c0 };
    const ref = reluReference(layer as RNN, x, LENGTHS, h0);
    if (ref.minAbs >= 0.05 && ref.negatives >= 4) return { layer, x, h0, c0 };
  }
  throw new Error('no kink-free seed');
}

describe('recurrent layers: central-difference gradient checks (2 layers, ragged lengths [3, 1, 2])', () => {
  for (const kind of KINDS) {
    for (const bidirectional of [false, true]) {
      test(`${kind} ${bidirectional ? 'bi' : 'uni'} w.r.t. padded input, h0${kind === 'lstm' ? ', c0' : ''} and weights`, () => {
        const { layer, x, h0, c0 } = gradCase(kind, bidirectional);
        const isLstm = kind === 'lstm';
        const f = (): Tensor => {
          const r = run(layer, PackedSequence.fromPadded(x, LENGTHS), h0, c0);
          const parts = [reshape(r.output.toPadded().data, [-1]), reshape(r.h, [-1])];
          if (r.c) parts.push(reshape(r.c, [-1]));
          return concat(parts, 0);
        };
        const inputs = [x, h0, ...(isLstm ? [c0] : []), ...layer.parameters()];
        // relu is piecewise linear: a small step, safely inside the 0.05 margin
        const res = gradCheck(f, inputs, kind === 'rnn_relu' ? { eps: 2e-3 } : {});
        const nParams = layer.parameters().reduce((s, p) => s + p.size, 0);
        assert.equal(res.checked, x.size + h0.size * (isLstm ? 2 : 1) + nParams);
        if (kind === 'rnn_relu') {
          // the reference agrees with the layer on every real step, so its margin is the layer's
          const ref = reluReference(layer as RNN, x, LENGTHS, h0);
          const out = (layer as RNN).forward(PackedSequence.fromPadded(x, LENGTHS), { h: h0 }).output.toArrays();
          assertClose(out.flat(2), ref.out.flat(2), 1e-6, 1e-6, 'relu reference');
        }
      });
    }
  }
});

describe('recurrent layers: inter-layer dropout', () => {
  const rng = new Rng(31);
  const x = rnd([B, T, 3], rng, false);
  const make = (dropout: number, numLayers = 2): GRU => new GRU({ inputSize: 3, hiddenSize: 4, numLayers, bidirectional: true, dropout, seed: 21 });

  test('active in train mode only, deterministic with a seed', () => {
    const a = make(0.5);
    const b = make(0.5);
    const ref = make(0); // same seed: same weights
    const ya = a.forward(x).output.data;
    assert.deepEqual(Array.from(b.forward(x).output.data), Array.from(ya), 'same seed, same masks');
    const yRef = ref.forward(x).output.data;
    assert.notDeepEqual(Array.from(ya), Array.from(yRef), 'train mode drops');
    const ya2 = a.forward(x).output.data;
    assert.notDeepEqual(Array.from(ya2), Array.from(ya), 'a fresh mask per call');
    assert.deepEqual(Array.from(b.forward(x).output.data), Array.from(ya2));
    a.eval();
    assert.deepEqual(Array.from(a.forward(x).output.data), Array.from(yRef), 'eval: no dropout');
    assert.deepEqual(Array.from(a.forward(x).output.data), Array.from(yRef), 'eval: repeatable');
  });

  test('only between layers: a single layer never drops, layer 0 states are untouched', () => {
    const one = make(0.5, 1);
    assert.deepEqual(Array.from(one.forward(x).output.data), Array.from(make(0, 1).forward(x).output.data));
    // p ≈ 1 drops every layer-0 output (this seed keeps none): layer 1 then sees zeros, which
    // is the eval-mode net with weight_ih_l1 zeroed; layer 0's final states are unchanged.
    const drop = make(0.9999);
    const r = drop.forward(x);
    const ref = make(0).eval();
    for (const [n, p] of ref.namedParameters()) if (n.startsWith('weight_ih_l1')) p.data.fill(0);
    const e = ref.forward(x);
    assert.deepEqual(Array.from(r.output.data), Array.from(e.output.data));
    assert.deepEqual(Array.from(r.h.data), Array.from(e.h.data));
  });
});

describe('recurrent layers: ragged batches', () => {
  // [1, 3, 2]: sorted order [1, 2, 0] is a 3-cycle, so mixing up sortedIndices and
  // unsortedIndices anywhere puts a sample's result in another sample's place.
  const LENGTHS = [1, 3, 2];
  const Tpad = 4; // one more step than the longest sample
  const rng = new Rng(41);
  const x0 = rnd([B, Tpad, 3], rng, false);
  for (let b = 0; b < B; b++) for (let t = LENGTHS[b]; t < Tpad; t++) for (let f = 0; f < 3; f++) x0.data[(b * Tpad + t) * 3 + f] = 0;

  for (const kind of ['lstm', 'gru'] as const) {
    test(`${kind}: padded values change nothing (outputs, states, gradients)`, () => {
      const layer = makeLayer(kind, { inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, seed: 5 });
      const h0 = rnd([4, B, 4], new Rng(6));
      const c0 = rnd([4, B, 4], new Rng(7));
      const once = (x: Tensor): Float32Array[] => {
        layer.zeroGrad();
        h0.grad = null;
        c0.grad = null;
        const xg = new Tensor(x.data.slice(), x.shape, true);
        const r = run(layer, PackedSequence.fromPadded(xg, LENGTHS), h0, c0);
        const out = r.output.toPadded(0, Tpad).data;
        const R = uniform(out.shape, -1, 1, { rng: new Rng(8) });
        let loss = out.mul(R).sum().add(r.h.sum());
        if (r.c) loss = loss.add(r.c.mul(r.c).sum());
        loss.backward();
        return [out.data, r.h.data, ...(r.c ? [r.c.data] : []), xg.grad!.data, h0.grad!.data, ...layer.parameters().map((p) => p.grad!.data.slice())];
      };
      const clean = once(x0);
      const noisy = x0.clone();
      for (let b = 0; b < B; b++) for (let t = LENGTHS[b]; t < Tpad; t++) noisy.data[(b * Tpad + t) * 3 + 1] = 1e3 * (b + t);
      const dirty = once(noisy);
      clean.forEach((v, i) => assert.deepEqual(Array.from(dirty[i]), Array.from(v), `result ${i}`));
    });

    test(`${kind}: each sample in a ragged bidirectional batch equals that sample run alone`, () => {
      // The reverse direction must start at each sample's own last step, not at the padded end;
      // h0 / c0 rows must follow their sample through the sort.
      const layer = makeLayer(kind, { inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, seed: 5 });
      const h0 = rnd([4, B, 4], new Rng(6), false);
      const c0 = rnd([4, B, 4], new Rng(7), false);
      const batch = run(layer, PackedSequence.fromPadded(x0, LENGTHS), h0, c0);
      const outs = batch.output.toArrays();
      for (let b = 0; b < B; b++) {
        const xb = x0.slice(0, b, b + 1).slice(1, 0, LENGTHS[b]);
        const alone = run(layer, PackedSequence.fromPadded(xb, [LENGTHS[b]]), h0.slice(1, b, b + 1), c0.slice(1, b, b + 1));
        assertClose(alone.output.toArrays()[0].flat(), outs[b].flat(), 1e-6, 1e-5, `${kind} sample ${b} output`);
        const pick = (s: Tensor): number[] => Array.from({ length: 4 }, (_, k) => Array.from(s.data.subarray((k * B + b) * 4, (k * B + b + 1) * 4))).flat();
        assertClose(alone.h.data, pick(batch.h), 1e-6, 1e-5, `${kind} sample ${b} h`);
        if (batch.c && alone.c) assertClose(alone.c.data, pick(batch.c), 1e-6, 1e-5, `${kind} sample ${b} c`);
      }
    });
  }

  test('lstm: gradient check w.r.t. input, h0 and c0 with a 3-cycle sort order', () => {
    const layer = new LSTM({ inputSize: 3, hiddenSize: 2, bidirectional: true, seed: 14 });
    const rng = new Rng(15);
    const x = rnd([B, 3, 3], rng);
    const h0 = rnd([2, B, 2], rng);
    const c0 = rnd([2, B, 2], rng);
    const f = (): Tensor => {
      const r = layer.forward(PackedSequence.fromPadded(x, LENGTHS), { h: h0, c: c0 });
      return concat([reshape(r.output.toPadded().data, [-1]), reshape(r.h, [-1]), reshape(r.c, [-1])], 0);
    };
    gradCheck(f, [x, h0, c0]);
  });

  test('final h: forward direction = output at the last real step, reverse = output at step 0', () => {
    for (const kind of KINDS) {
      const L = 2;
      const layer = makeLayer(kind, { inputSize: 3, hiddenSize: 4, numLayers: L, bidirectional: true, seed: 9 });
      const r = run(layer, PackedSequence.fromPadded(x0, LENGTHS), rnd([2 * L, B, 4], new Rng(3), false), rnd([2 * L, B, 4], new Rng(4), false));
      const outs = r.output.toArrays(); // [b][t][2H]
      for (let b = 0; b < B; b++) {
        const fwd = Array.from(r.h.data.subarray(((L - 1) * 2 * B + b) * 4, ((L - 1) * 2 * B + b + 1) * 4));
        const rev = Array.from(r.h.data.subarray((((L - 1) * 2 + 1) * B + b) * 4, (((L - 1) * 2 + 1) * B + b + 1) * 4));
        assert.deepEqual(fwd, outs[b][LENGTHS[b] - 1].slice(0, 4), `${kind} sample ${b} forward`);
        assert.deepEqual(rev, outs[b][0].slice(4, 8), `${kind} sample ${b} reverse`);
      }
    }
  });
});

describe('recurrent layers: static Tensor input', () => {
  for (const kind of KINDS) {
    test(`${kind}: equals the packed path with every length = T (values and gradients)`, () => {
      const layer = makeLayer(kind, { inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, seed: 12 });
      const rng = new Rng(13);
      const x = rnd([B, T, 3], rng);
      const h0 = rnd([4, B, 4], rng);
      const c0 = rnd([4, B, 4], rng);
      const R = rnd([B, T, 8], rng, false);
      const collect = (out: Tensor, h: Tensor, c: Tensor | null): Float32Array[] => {
        let loss = out.mul(R).sum().add(h.mul(h).sum());
        if (c) loss = loss.add(c.sum());
        loss.backward();
        const g = [out.data, h.data, ...(c ? [c.data] : []), x.grad!.data.slice(), h0.grad!.data.slice(), ...layer.parameters().map((p) => p.grad!.data.slice())];
        layer.zeroGrad();
        x.grad = null;
        h0.grad = null;
        c0.grad = null;
        return g;
      };
      const s = run(layer, x, h0, c0);
      assert.deepEqual(s.output.shape, [B, T, 8]);
      const a = collect(s.output, s.h, s.c);
      const p = run(layer, PackedSequence.fromPadded(x, [T, T, T]), h0, c0);
      const b = collect(p.output.toPadded().data, p.h, p.c);
      assert.equal(a.length, b.length);
      a.forEach((v, i) => assert.deepEqual(Array.from(v), Array.from(b[i]), `result ${i}`));
    });
  }
});

describe('recurrent layers: errors', () => {
  const lstm = new LSTM({ inputSize: 3, hiddenSize: 4, numLayers: 2, bidirectional: true, seed: 1 });
  const x = rnd([2, 3, 3], new Rng(1), false);
  const h = new Tensor(new Float32Array(4 * 2 * 4), [4, 2, 4]);

  test('wrong inputSize names the feature count and inputSize (packed and static)', () => {
    const bad = rnd([2, 3, 5], new Rng(2), false);
    throwsWith(() => lstm.forward(bad), /LSTM: input has 5 features per step, expected 3 \(inputSize\)/);
    throwsWith(() => lstm.forward(PackedSequence.fromPadded(bad, [3, 1])), /LSTM: input has 5 features per step, expected 3 \(inputSize\)/);
    const gru = new GRU({ inputSize: 2, hiddenSize: 4, seed: 1 });
    throwsWith(() => gru.forward(PackedSequence.fromArrays([[[1]]])), /GRU: input has 1 features per step, expected 2 \(inputSize\)/);
    throwsWith(() => gru.forward(tensor([[1, 2]])), /GRU: input has shape \[1, 2\], expected \[B, T, D\] or a PackedSequence/);
  });

  test('wrong initial state shape', () => {
    const h2 = new Tensor(new Float32Array(2 * 2 * 4), [2, 2, 4]);
    throwsWith(() => lstm.forward(x, { h: h2, c: h }), /LSTM: initial h has shape \[2, 2, 4\], expected \[4, 2, 4\]/);
    throwsWith(() => lstm.forward(x, { h, c: new Tensor(new Float32Array(4 * 3 * 4), [4, 3, 4]) }), /initial c has shape \[4, 3, 4\], expected \[4, 2, 4\]/);
    throwsWith(() => lstm.forward(x, { h: new Tensor(new Float32Array(8), [2, 4]), c: h }), /initial h has shape \[2, 4\]/);
    const rnn = new RNN({ inputSize: 3, hiddenSize: 4, seed: 1 });
    throwsWith(() => rnn.forward(x, { h: new Tensor(new Float32Array(2 * 2 * 4), [2, 2, 4]) }), /RNN: initial h has shape \[2, 2, 4\], expected \[1, 2, 4\]/);
    assert.doesNotThrow(() => rnn.forward(x, { h: new Tensor(new Float32Array(2 * 4), [1, 2, 4]) }));
  });

  test('LSTM given h without c (or c without h)', () => {
    type S = { h: Tensor; c: Tensor };
    throwsWith(() => lstm.forward(x, { h } as unknown as S), /LSTM: give both h and c as the initial state, or neither/);
    throwsWith(() => lstm.forward(x, { c: h } as unknown as S), /give both h and c/);
  });

  test('bad options', () => {
    throwsWith(() => new LSTM({ inputSize: 3, hiddenSize: 0 }), /LSTM: hiddenSize must be a positive integer, got 0/);
    throwsWith(() => new GRU({ inputSize: 3, hiddenSize: 2, numLayers: 1.5 }), /GRU: numLayers must be a positive integer, got 1\.5/);
    throwsWith(() => new RNN({ inputSize: 3, hiddenSize: 2, dropout: 1 }), /RNN: dropout must be in \[0, 1\), got 1/);
    const badNl = { inputSize: 3, hiddenSize: 2, nonlinearity: 'gelu' } as unknown as { inputSize: number; hiddenSize: number };
    throwsWith(() => new RNN(badNl), /RNN: nonlinearity must be 'tanh' or 'relu', got gelu/);
  });
});
