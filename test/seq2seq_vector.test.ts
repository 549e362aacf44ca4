/**
 * One vector → sequence: a decoder started from an input vector through a learned bridge learns
 * to list the set bits of an 8-bit vector ([0,1,1,0,0,0,0,1] → "1 2 7 <eos>", 0..8 ids then
 * <eos>). Recorded: 100% of 200 held-out vectors exactly right after 150 steps (GRU and LSTM),
 * under a second each; 0% before training.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Adam } from '../src/optim/adam.ts';
import { VectorToSequence } from '../src/seq2seq/vector-to-sequence.ts';
import { tensor } from '../src/tensor/create.ts';
import { Rng } from '../src/tensor/rng.ts';
import type { Tensor } from '../src/tensor/tensor.ts';

const BOS = 2;
const EOS = 3;
const F = 8;

function batch(rng: Rng, n: number): { x: Tensor; tgt: number[][] } {
  const bits = Array.from({ length: n }, () => Array.from({ length: F }, () => rng.int(2)));
  return { x: tensor(bits.flat(), [n, F]), tgt: bits.map((b) => [BOS, ...b.flatMap((v, i) => (v ? [4 + i] : [])), EOS]) };
}

for (const cell of ['gru', 'lstm'] as const) {
  test(`${cell}: learns to list the set bits of a vector`, () => {
    const model = new VectorToSequence({ task: 'vector-to-sequence', inputSize: F, vocabSize: 4 + F, embeddingDim: 8, decoder: { cell, hiddenSize: 32 }, seed: 3 });
    const held = batch(new Rng(7), 200);
    const accuracy = (): number => {
      const hyps = model.generate(held.x, { strategy: { kind: 'greedy' }, maxLength: 10 });
      return hyps.filter((h, i) => h.ids.join() === held.tgt[i].slice(1).join()).length / 200;
    };
    const before = accuracy();
    const opt = new Adam(model.parameters(), { lr: 0.01 });
    const rng = new Rng(1);
    let loss = Infinity;
    for (let s = 0; s < 150; s++) {
      const { x, tgt } = batch(rng, 32);
      model.zeroGrad();
      const l = model.loss(x, tgt);
      l.backward();
      opt.step();
      loss = l.item();
    }
    const after = accuracy();
    console.log(`${cell}: exact ${(100 * before).toFixed(1)}% → ${(100 * after).toFixed(1)}%, final loss ${loss.toFixed(4)} nats/token`);
    assert.ok(before < 0.05);
    assert.ok(after >= 0.95, `accuracy ${after}`);
  });
}
