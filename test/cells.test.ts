/**
 * Single-step cells RNNCell (tanh, relu), LSTMCell and GRUCell: PyTorch reference values
 * (fixtures/cells), central-difference gradient checks at tiny sizes, equivalence with the
 * layers when stepped over a sequence, and shape errors.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { readSafetensors } from '../src/io/safetensors.ts';
import { GRUCell, LSTMCell, RNNCell } from '../src/layers/cells.ts';
import { linear } from '../src/layers/linear.ts';
import { GRU, LSTM, RNN, type RecurrentLayer } from '../src/layers/recurrent.ts';
import { uniform } from '../src/tensor/create.ts';
import { Rng } from '../src/tensor/rng.ts';
import { concat, reshape, slice, stack } from '../src/tensor/shape.ts';
import { Tensor, noGrad, type Shape } from '../src/tensor/tensor.ts';
import { assertClose, gradCheck } from './gradcheck.ts';

type CellKind = 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru';
const KINDS: CellKind[] = ['rnn_tanh', 'rnn_relu', 'lstm', 'gru'];
type AnyCell = RNNCell | LSTMCell | GRUCell;

function makeCell(kind: CellKind, inputSize: number, hiddenSize: number, seed: number): AnyCell {
  const opts = { inputSize, hiddenSize, seed };
  switch (kind) {
    case 'rnn_tanh':
      return new RNNCell({ ...opts, nonlinearity: 'tanh' });
    case 'rnn_relu':
      return new RNNCell({ ...opts, nonlinearity: 'relu' });
    case 'lstm':
      return new LSTMCell(opts);
    case 'gru':
      return new GRUCell(opts);
  }
}

function makeLayer(kind: CellKind, inputSize: number, hiddenSize: number, seed: number): RecurrentLayer {
  const opts = { inputSize, hiddenSize, seed };
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

/** One step: h' (and c' for LSTM). */
function step(cell: AnyCell, x: Tensor, h: Tensor, c: Tensor): { h: Tensor; c: Tensor | null } {
  if (cell instanceof LSTMCell) return cell.forward(x, { h, c });
  return { h: cell.forward(x, h), c: null };
}

function rnd(shape: Shape, rng: Rng, requiresGrad = true): Tensor {
  return uniform(shape, -1, 1, { rng, requiresGrad });
}

/** A copy of a fixture tensor that collects gradients. */
function leaf(t: Tensor): Tensor {
  return new Tensor(t.data.slice(), t.shape, true);
}

describe('cells against PyTorch (fixtures/cells)', () => {
  for (const kind of KINDS) {
    test(kind, () => {
      const { tensors: f, metadata } = readSafetensors(readFileSync(new URL(`../fixtures/cells/${kind}.safetensors`, import.meta.url)));
      assert.equal(metadata.cell, kind);
      const cell = makeCell(kind, Number(metadata.inputSize), Number(metadata.hiddenSize), 1);
      const params: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(f)) if (k.startsWith('param.')) params[k.slice('param.'.length)] = v;
      cell.loadStateDict(params);

      const x = leaf(f.x);
      const h = leaf(f.h);
      const c = kind === 'lstm' ? leaf(f.c) : new Tensor(new Float32Array(h.size), h.shape);
      const out = step(cell, x, h, c);
      assertClose(out.h.data, f.hOut.data, 1e-5, 1e-4, `${kind} hOut`);
      let loss = out.h.mul(f.gH).sum();
      if (kind === 'lstm') {
        assert.ok(out.c);
        assertClose(out.c.data, f.cOut.data, 1e-5, 1e-4, `${kind} cOut`);
        loss = loss.add(out.c.mul(f.gC).sum());
      }
      loss.backward();

      const names = cell.namedParameters().map(([n]) => n);
      assert.deepEqual(names, ['weight_ih', 'weight_hh', 'bias_ih', 'bias_hh']);
      for (const [name, p] of cell.namedParameters()) {
        assert.ok(p.grad, `${kind}: no gradient for ${name}`);
        assertClose(p.grad.data, f[`grad.${name}`].data, 1e-5, 1e-4, `${kind} grad.${name}`);
      }
      assertClose(x.grad!.data, f['grad.x'].data, 1e-5, 1e-4, `${kind} grad.x`);
      assertClose(h.grad!.data, f['grad.h'].data, 1e-5, 1e-4, `${kind} grad.h`);
      if (kind === 'lstm') assertClose(c.grad!.data, f['grad.c'].data, 1e-5, 1e-4, `${kind} grad.c`);
      if (kind === 'rnn_relu') {
        // the fixture must exercise the relu mask, or it would not tell relu from identity
        assert.ok(out.h.data.some((v) => v === 0) && out.h.data.some((v) => v > 0), 'relu fixture has both signs');
      }
    });
  }
});

/** Pre-activation of an RNN cell, a = x·W_ihᵀ + b_ih + h·W_hhᵀ + b_hh (no grad). */
function rnnPreActivation(cell: RNNCell, x: Tensor, h: Tensor): Float32Array {
  const p = Object.fromEntries(cell.namedParameters());
  return noGrad(() => linear(x, p.weight_ih, p.bias_ih).add(linear(h, p.weight_hh, p.bias_hh))).data;
}

describe('cells: central-difference gradient checks (B=2, D=3, H=2)', () => {
  const B = 2;
  const D = 3;
  const H = 2;
  for (const kind of KINDS) {
    test(`${kind} w.r.t. x, h${kind === 'lstm' ? ', c' : ''} and every weight`, () => {
      let seed = 1;
      let cell: AnyCell;
      let x: Tensor;
      let h: Tensor;
      let c: Tensor;
      // relu: take the first seed whose pre-activations all sit ≥ 0.15 from the kink at 0
      // (the check steps by 1e-2), with both signs present so the mask matters.
      for (;; seed++) {
        const rng = new Rng(100 + seed);
        cell = makeCell(kind, D, H, seed);
        x = rnd([B, D], rng);
        h = rnd([B, H], rng);
        c = rnd([B, H], rng, kind === 'lstm');
        if (kind !== 'rnn_relu') break;
        const a = rnnPreActivation(cell as RNNCell, x, h);
        if (a.every((v) => Math.abs(v) >= 0.15) && a.some((v) => v < 0) && a.some((v) => v > 0)) break;
        assert.ok(seed < 200, 'no kink-free seed found');
      }
      const inputs = [x, h, ...(kind === 'lstm' ? [c] : []), ...cell.parameters()];
      assert.equal(inputs.length, kind === 'lstm' ? 7 : 6);
      const f = (): Tensor => {
        const r = step(cell, x, h, c);
        return r.c ? concat([r.h, r.c], 1) : r.h;
      };
      const res = gradCheck(f, inputs);
      const G = { rnn_tanh: 1, rnn_relu: 1, lstm: 4, gru: 3 }[kind];
      const expected = B * D + B * H + (kind === 'lstm' ? B * H : 0) + G * H * (D + H + 2);
      assert.equal(res.checked, expected);
    });
  }

  test('bias=false: only the two weight matrices, and they still check', () => {
    const cell = new GRUCell({ inputSize: D, hiddenSize: H, bias: false, seed: 3 });
    assert.deepEqual(
      cell.namedParameters().map(([n, p]) => [n, p.shape]),
      [['weight_ih', [3 * H, D]], ['weight_hh', [3 * H, H]]],
    );
    const rng = new Rng(9);
    const x = rnd([B, D], rng);
    const h = rnd([B, H], rng);
    gradCheck(() => cell.forward(x, h), [x, h, ...cell.parameters()]);
    // with zero weights and no bias, a GRU step is h' = ½ h (z = σ(0) = ½, n = tanh(0) = 0)
    for (const p of cell.parameters()) p.data.fill(0);
    assertClose(cell.forward(x, h).data, Array.from(h.data, (v) => v / 2), 1e-7, 0, 'zero GRU');
  });

  test('an omitted state is zeros', () => {
    const rng = new Rng(4);
    const x = rnd([B, D], rng, false);
    const zeros = new Tensor(new Float32Array(B * H), [B, H]);
    for (const kind of KINDS) {
      const cell = makeCell(kind, D, H, 5);
      if (cell instanceof LSTMCell) {
        const a = cell.forward(x);
        const b = cell.forward(x, { h: zeros, c: zeros });
        assert.deepEqual(Array.from(a.h.data), Array.from(b.h.data), kind);
        assert.deepEqual(Array.from(a.c.data), Array.from(b.c.data), kind);
      } else {
        assert.deepEqual(Array.from(cell.forward(x).data), Array.from(cell.forward(x, zeros).data), kind);
      }
    }
  });
});

describe('cells stepped over a sequence equal the layer', () => {
  const B = 3;
  const T = 4;
  const D = 3;
  const H = 4;
  for (const kind of KINDS) {
    test(kind, () => {
      const cell = makeCell(kind, D, H, 11);
      const layer = makeLayer(kind, D, H, 12); // different init, then overwritten
      const sd = cell.stateDict();
      layer.loadStateDict({ weight_ih_l0: sd.weight_ih, weight_hh_l0: sd.weight_hh, bias_ih_l0: sd.bias_ih, bias_hh_l0: sd.bias_hh });

      const rng = new Rng(13);
      const x = rnd([B, T, D], rng);
      const h0 = rnd([1, B, H], rng);
      const c0 = rnd([1, B, H], rng);
      const R = rnd([B, T, H], rng, false); // loss weights

      // layer, static [B, T, D] input
      const lr: { output: Tensor; h: Tensor; c?: Tensor } =
        layer instanceof LSTM ? layer.forward(x, { h: h0, c: c0 }) : (layer as RNN | GRU).forward(x, { h: h0 });
      assert.equal(lr.c !== undefined, kind === 'lstm');
      lr.output.mul(R).sum().backward();
      const layerGrads = layer.parameters().map((p) => p.grad!.data.slice());
      const layerDx = x.grad!.data.slice();
      const layerDh0 = h0.grad!.data.slice();
      const layerDc0 = kind === 'lstm' ? c0.grad!.data.slice() : null;
      x.grad = null;
      h0.grad = null;
      c0.grad = null;

      // cell, one step at a time
      let h = reshape(h0, [B, H]);
      let c = reshape(c0, [B, H]);
      const hs: Tensor[] = [];
      for (let t = 0; t < T; t++) {
        const r = step(cell, reshape(slice(x, 1, t, t + 1), [B, D]), h, c);
        h = r.h;
        if (r.c) c = r.c;
        hs.push(h);
      }
      const out = stack(hs, 1); // [B, T, H]
      assertClose(out.data, lr.output.data, 1e-6, 1e-6, `${kind} outputs`);
      assertClose(h.data, lr.h.data, 1e-6, 1e-6, `${kind} final h`);
      if (lr.c) assertClose(c.data, lr.c.data, 1e-6, 1e-6, `${kind} final c`);

      out.mul(R).sum().backward();
      cell.parameters().forEach((p, i) => assertClose(p.grad!.data, layerGrads[i], 1e-5, 1e-5, `${kind} grad ${cell.namedParameters()[i][0]}`));
      assertClose(x.grad!.data, layerDx, 1e-6, 1e-5, `${kind} grad x`);
      assertClose(h0.grad!.data, layerDh0, 1e-6, 1e-5, `${kind} grad h0`);
      if (layerDc0) assertClose(c0.grad!.data, layerDc0, 1e-6, 1e-5, `${kind} grad c0`);
    });
  }
});

describe('cell errors', () => {
  const x = new Tensor(new Float32Array(6), [2, 3]);
  const h = new Tensor(new Float32Array(8), [2, 4]);

  test('input of the wrong rank or feature count', () => {
    const cell = new RNNCell({ inputSize: 3, hiddenSize: 4, seed: 1 });
    assert.throws(() => cell.forward(new Tensor(new Float32Array(8), [2, 4])), /RNNCell: input has shape \[2, 4\], expected \[B, 3\]/);
    assert.throws(() => cell.forward(new Tensor(new Float32Array(6), [1, 2, 3])), /RNNCell: input has shape \[1, 2, 3\], expected \[B, 3\]/);
    assert.throws(() => cell.forward(new Tensor(new Float32Array(3), [3])), /input has shape \[3\]/);
  });

  test('state of the wrong shape', () => {
    const gru = new GRUCell({ inputSize: 3, hiddenSize: 4, seed: 1 });
    assert.throws(() => gru.forward(x, new Tensor(new Float32Array(12), [3, 4])), /GRUCell: state h has shape \[3, 4\], expected \[2, 4\]/);
    assert.throws(() => gru.forward(x, new Tensor(new Float32Array(6), [2, 3])), /state h has shape \[2, 3\], expected \[2, 4\]/);
    assert.throws(() => gru.forward(x, new Tensor(new Float32Array(8), [1, 2, 4])), /state h has shape \[1, 2, 4\]/);
    const lstm = new LSTMCell({ inputSize: 3, hiddenSize: 4, seed: 1 });
    assert.throws(() => lstm.forward(x, { h, c: new Tensor(new Float32Array(4), [1, 4]) }), /LSTMCell: state c has shape \[1, 4\], expected \[2, 4\]/);
  });

  test('bad sizes and options', () => {
    assert.throws(() => new LSTMCell({ inputSize: 0, hiddenSize: 4 }), /LSTMCell: inputSize must be a positive integer, got 0/);
    assert.throws(() => new GRUCell({ inputSize: 3, hiddenSize: 2.5 }), /GRUCell: hiddenSize must be a positive integer, got 2.5/);
    const bad = { inputSize: 3, hiddenSize: 4, nonlinearity: 'sigmoid' } as unknown as { inputSize: number; hiddenSize: number };
    assert.throws(() => new RNNCell(bad), /RNNCell: nonlinearity must be 'tanh' or 'relu', got sigmoid/);
  });
});
