// Memory discipline: the time loop allocates nothing. Every Float32Array the maths allocates is
// counted (src/tensor/alloc.ts); a forward + backward at B=64, D=H=512 must allocate exactly as
// many buffers for T=2 as for T=4 — buffers are sized per batch, never per step.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { allocStats, resetAllocStats } from '../src/tensor/alloc.ts';
import { randn } from '../src/tensor/create.ts';
import { PackedSequence } from '../src/data/packed.ts';
import { GRU, LSTM } from '../src/layers/recurrent.ts';
import { Rng } from '../src/tensor/rng.ts';

const B = 64;
const D = 512;
const H = 512;

function countAllocations(layer: LSTM | GRU, T: number): { allocations: number; floats: number } {
  const rng = new Rng(T);
  const x = randn([B, T, D], { rng, requiresGrad: true });
  // Variable lengths 1..T so the packed path (not only full steps) is exercised.
  const lengths = Array.from({ length: B }, (_, b) => 1 + (b % T));
  resetAllocStats();
  const { output, h } = layer.forward(PackedSequence.fromPadded(x, lengths));
  output.toPadded().data.sum().add(h.sum()).backward();
  return allocStats();
}

test('LSTM B=64 D=H=512: forward+backward allocation count does not grow with T', () => {
  const lstm = new LSTM({ inputSize: D, hiddenSize: H, seed: 1 });
  const t2 = countAllocations(lstm, 2);
  lstm.zeroGrad();
  const t4 = countAllocations(lstm, 4);
  assert.equal(t4.allocations, t2.allocations, `T=2: ${t2.allocations} buffers, T=4: ${t4.allocations}`);
  assert.ok(t2.allocations < 80, `expected a few dozen buffers per batch, got ${t2.allocations}`);
  // Caches scale with the packed rows N (Σ lengths), not with T × B.
  assert.ok(t4.floats > t2.floats);
});

test('GRU B=64 D=H=512, 2 layers bidirectional: allocation count does not grow with T', () => {
  const gru = new GRU({ inputSize: D, hiddenSize: H, numLayers: 2, bidirectional: true, seed: 2 });
  const t2 = countAllocations(gru, 2);
  gru.zeroGrad();
  const t4 = countAllocations(gru, 4);
  assert.equal(t4.allocations, t2.allocations, `T=2: ${t2.allocations} buffers, T=4: ${t4.allocations}`);
});
