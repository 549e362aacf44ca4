// PyTorch reference fixtures (fixtures/rnn, made by scripts/gen_fixtures.py with torch 1.13):
// every cell × {1, 2 layers} × {uni, bi} × {equal, ragged lengths} × {with, without h0}.
// Outputs, final states and the gradients of a fixed scalar loss w.r.t. every parameter, the
// padded input and the initial state must agree within 1e-5 (relative 1e-4 for large values).
import { readFileSync, readdirSync } from 'node:fs';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readSafetensors } from '../src/io/safetensors.ts';
import { PackedSequence } from '../src/data/packed.ts';
import { GRU, LSTM, RNN, type RecurrentLayer } from '../src/layers/recurrent.ts';
import { Tensor } from '../src/tensor/tensor.ts';

const dir = new URL('../fixtures/rnn/', import.meta.url);
const files = readdirSync(dir).filter((f) => f.endsWith('.safetensors')).sort();
const ATOL = 1e-5;
const RTOL = 1e-4;
let worst = 0;

export function maxDelta(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): number {
  assert.equal(actual.length, expected.length, `${what}: length`);
  let m = 0;
  for (let i = 0; i < actual.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    const tol = Math.max(ATOL, RTOL * Math.abs(expected[i]));
    assert.ok(d <= tol, `${what}[${i}]: got ${actual[i]}, expected ${expected[i]} (|Δ| ${d.toExponential(2)})`);
    m = Math.max(m, d);
  }
  return m;
}

function build(meta: Record<string, string>): RecurrentLayer {
  const opts = {
    inputSize: Number(meta.inputSize),
    hiddenSize: Number(meta.hiddenSize),
    numLayers: Number(meta.numLayers),
    bidirectional: meta.bidirectional === 'true',
    seed: 1,
  };
  switch (meta.cell) {
    case 'lstm':
      return new LSTM(opts);
    case 'gru':
      return new GRU(opts);
    case 'rnn_tanh':
      return new RNN({ ...opts, nonlinearity: 'tanh' });
    case 'rnn_relu':
      return new RNN({ ...opts, nonlinearity: 'relu' });
    default:
      throw new Error(`unknown cell ${meta.cell}`);
  }
}

function runCase(file: string, mode: 'packed' | 'static'): void {
  const { tensors: f, metadata: meta } = readSafetensors(readFileSync(new URL(file, dir)));
  const layer = build(meta);
  const params: Record<string, Tensor> = {};
  for (const [k, v] of Object.entries(f)) if (k.startsWith('param.')) params[k.slice(6)] = v;
  layer.loadStateDict(params);
  const isLstm = meta.cell === 'lstm';

  const x = new Tensor(f.input.data.slice(), f.input.shape, true);
  const h0 = f.h0 ? new Tensor(f.h0.data.slice(), f.h0.shape, true) : undefined;
  const c0 = f.c0 ? new Tensor(f.c0.data.slice(), f.c0.shape, true) : undefined;
  const state = h0 ? (isLstm ? { h: h0, c: c0 as Tensor } : { h: h0 }) : undefined;
  let output: Tensor;
  let h: Tensor;
  let c: Tensor | undefined;
  if (mode === 'packed') {
    const packed = PackedSequence.fromPadded(x, Array.from(f.lengths.data));
    const r = (layer as LSTM).forward(packed, state as { h: Tensor; c: Tensor } | undefined);
    output = r.output.toPadded().data;
    h = r.h;
    c = isLstm ? r.c : undefined;
  } else {
    const r = (layer as LSTM).forward(x, state as { h: Tensor; c: Tensor } | undefined);
    output = r.output;
    h = r.h;
    c = isLstm ? r.c : undefined;
  }
  worst = Math.max(worst, maxDelta(output.data, f.output.data, `${file} output`));
  worst = Math.max(worst, maxDelta(h.data, f.hN.data, `${file} hN`));
  if (c) worst = Math.max(worst, maxDelta(c.data, f.cN.data, `${file} cN`));

  let loss = output.mul(f.gOut).sum().add(h.mul(f.gH).sum());
  if (c) loss = loss.add(c.mul(f.gC).sum());
  loss.backward();
  for (const [name, p] of layer.namedParameters()) {
    assert.ok(p.grad, `${file}: no gradient for ${name}`);
    worst = Math.max(worst, maxDelta(p.grad.data, f[`grad.${name}`].data, `${file} grad.${name}`));
  }
  worst = Math.max(worst, maxDelta(x.grad!.data, f['grad.input'].data, `${file} grad.input`));
  if (h0) worst = Math.max(worst, maxDelta(h0.grad!.data, f['grad.h0'].data, `${file} grad.h0`));
  if (c0) worst = Math.max(worst, maxDelta(c0.grad!.data, f['grad.c0'].data, `${file} grad.c0`));
}

test('there are 64 recurrent fixtures', () => {
  assert.equal(files.length, 64);
});

for (const file of files) {
  test(`PyTorch fixture ${file.replace('.safetensors', '')}`, () => runCase(file, 'packed'));
  // Equal lengths also go through the static path (a plain [B, T, D] tensor).
  if (file.includes('_equal_')) test(`PyTorch fixture ${file.replace('.safetensors', '')} (static tensor input)`, () => runCase(file, 'static'));
}

test('worst |Δ| over all recurrent fixtures', () => {
  assert.ok(worst > 0 && worst <= ATOL * 10, `worst ${worst}`);
  console.log(`# recurrent fixtures: worst |Δ| = ${worst.toExponential(2)}`);
});
