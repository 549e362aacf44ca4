/**
 * End to end: a small encoder–decoder learns to reverse digit strings (3..8 digits), with and
 * without attention, trained for the same number of Adam steps from the same seed. Attention
 * must learn it well, and beat the context-vector bottleneck (which must read all digits out of
 * one vector).
 *
 * Recorded (Node 20, a shared 2-core machine, 300 Adam steps of batch 32, lr 0.01, clipping 1;
 * 200 held-out strings, greedy decoding):
 *   general attention: 87.5% exactly right (beam 4: 86.5%), 92.0% of tokens, 3.0 s to train
 *   no attention:      34.5% exactly right (beam 4: 36.0%), 61.9% of tokens, 0.8 s to train
 *   (additive attention, same settings, outside this test: 85% exactly right, 92.1% of tokens, about 1.5× slower)
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Adam } from '../src/optim/adam.ts';
import { clipGradNorm } from '../src/optim/clip.ts';
import { Seq2Seq } from '../src/seq2seq/model.ts';
import type { DecoderAttentionSpec } from '../src/seq2seq/spec.ts';
import { Rng } from '../src/tensor/rng.ts';

const BOS = 2;
const EOS = 3;
const DIGIT0 = 4; // ids 4..13 are the digits 0..9

function digits(rng: Rng): number[] {
  return Array.from({ length: 3 + rng.int(6) }, () => DIGIT0 + rng.int(10));
}

interface Result {
  exact: number;
  tokens: number;
  trainMs: number;
  beamExact: number;
}

function trainReverse(attention: DecoderAttentionSpec, steps: number): Result {
  const model = new Seq2Seq({
    task: 'seq2seq', srcVocabSize: 14, tgtVocabSize: 14, embeddingDim: 16,
    encoder: { cell: 'gru', hiddenSize: 32, bidirectional: true }, decoder: { cell: 'gru', hiddenSize: 32 },
    attention, seed: 1,
  });
  const opt = new Adam(model.parameters(), { lr: 0.01 });
  const rng = new Rng(1);
  const t0 = performance.now();
  for (let s = 0; s < steps; s++) {
    const src = Array.from({ length: 32 }, () => digits(rng));
    const tgt = src.map((x) => [BOS, ...[...x].reverse(), EOS]);
    model.zeroGrad();
    model.loss(src, tgt).backward();
    clipGradNorm(model.parameters(), 1);
    opt.step();
  }
  const trainMs = performance.now() - t0;
  const held = new Rng(99);
  const src = Array.from({ length: 200 }, () => digits(held));
  const score = (hyps: { ids: number[] }[]): { exact: number; tokens: number } => {
    let exact = 0;
    let right = 0;
    let total = 0;
    hyps.forEach((h, i) => {
      const want = [...[...src[i]].reverse(), EOS];
      if (h.ids.length === want.length && h.ids.every((id, j) => id === want[j])) exact++;
      want.forEach((id, j) => {
        total++;
        if (h.ids[j] === id) right++;
      });
    });
    return { exact: exact / src.length, tokens: right / total };
  };
  const greedy = score(model.translate(src, { strategy: { kind: 'greedy' }, maxLength: 12 }));
  const beam = score(model.translate(src, { strategy: { kind: 'beam', width: 4 }, maxLength: 12 }));
  return { ...greedy, trainMs, beamExact: beam.exact };
}

test('reversing digit strings: attention learns it, and beats no attention at equal steps', () => {
  const withAttention = trainReverse({ kind: 'general' }, 300);
  const without = trainReverse({ kind: 'none' }, 300);
  const fmt = (r: Result): string =>
    `exact ${(100 * r.exact).toFixed(1)}% (beam 4: ${(100 * r.beamExact).toFixed(1)}%), tokens ${(100 * r.tokens).toFixed(1)}%, trained in ${(r.trainMs / 1000).toFixed(1)} s`;
  console.log(`general attention: ${fmt(withAttention)}`);
  console.log(`no attention:      ${fmt(without)}`);
  assert.ok(withAttention.exact >= 0.8, `attention: ${fmt(withAttention)}`);
  assert.ok(withAttention.exact >= without.exact + 0.3, `attention ${withAttention.exact} vs none ${without.exact}`);
  assert.ok(withAttention.tokens > without.tokens);
});
