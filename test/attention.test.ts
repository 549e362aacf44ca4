/**
 * Attention (src/seq2seq/attention.ts): PyTorch reference values and gradients
 * (fixtures/attention, made by scripts/gen_attention_fixtures.py), central differences at tiny
 * sizes, and the masking rule: padded positions get weight exactly 0, and changing them changes
 * no output and no gradient.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import { readSafetensors } from '../src/io/safetensors.ts';
import {
  AdditiveAttention, DotAttention, GeneralAttention, additiveScores, dotScores, maskedAttention, selectMemory,
  type Attention,
} from '../src/seq2seq/attention.ts';
import { randn } from '../src/tensor/create.ts';
import { Rng } from '../src/tensor/rng.ts';
import { indexSelect } from '../src/tensor/shape.ts';
import { Tensor } from '../src/tensor/tensor.ts';
import { assertClose, gradCheck } from './gradcheck.ts';

type Kind = 'dot' | 'general' | 'additive';
const KINDS: Kind[] = ['dot', 'general', 'additive'];

function make(kind: Kind, querySize: number, keySize: number, seed: number, size = 5): Attention {
  if (kind === 'dot') return new DotAttention({ querySize, keySize, seed });
  if (kind === 'general') return new GeneralAttention({ querySize, keySize, seed });
  return new AdditiveAttention({ querySize, keySize, seed, size });
}

/** Σ context ⊙ gC + Σ weights ⊙ gW as a tensor op (sum of two products). */
function weightedLoss(context: Tensor, weights: Tensor, gC: Tensor, gW: Tensor): Tensor {
  return context.mul(gC).sum().add(weights.mul(gW).sum());
}

describe('attention against PyTorch fixtures', () => {
  for (const kind of KINDS) {
    test(`${kind}: context, weights and every gradient within 1e-5`, () => {
      const { tensors: f, metadata: meta } = readSafetensors(readFileSync(new URL(`../fixtures/attention/${kind}.safetensors`, import.meta.url)));
      const attn = make(kind, Number(meta.querySize), Number(meta.keySize), 1, Number(meta.size ?? 1));
      const params: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(f)) if (k.startsWith('param.')) params[k.slice(6)] = v;
      attn.loadStateDict(params);
      const query = new Tensor(f.query.data.slice(), f.query.shape, true);
      const keys = new Tensor(f.keys.data.slice(), f.keys.shape, true);
      const lengths = Array.from(f.lengths.data);
      assert.deepEqual(lengths, JSON.parse(meta.lengths));

      const { context, weights } = attn.forward(query, keys, lengths);
      assertClose(context.data, f.context.data, 1e-5, 0, `${kind} context`);
      assertClose(weights.data, f.weights.data, 1e-5, 0, `${kind} weights`);
      weightedLoss(context, weights, f.gC, f.gW).backward();
      assertClose(query.grad!.data, f['grad.query'].data, 1e-5, 0, `${kind} grad.query`);
      assertClose(keys.grad!.data, f['grad.keys'].data, 1e-5, 0, `${kind} grad.keys`);
      const names = attn.namedParameters().map(([n]) => n);
      assert.deepEqual(names.sort(), Object.keys(params).sort(), 'parameter names as PyTorch');
      for (const [n, p] of attn.namedParameters()) assertClose(p.grad!.data, f[`grad.${n}`].data, 1e-5, 0, `${kind} grad.${n}`);
      // Exactly zero weight on padding, and no gradient into padded keys.
      const [B, S, H] = keys.shape;
      for (let b = 0; b < B; b++) {
        for (let s = lengths[b]; s < S; s++) {
          assert.equal(weights.data[b * S + s], 0);
          for (let h = 0; h < H; h++) assert.equal(keys.grad!.data[(b * S + s) * H + h], 0);
        }
      }
    });
  }
});

describe('attention gradients by central differences', () => {
  const lengths = Int32Array.of(3, 1, 2);
  test('dotScores', () => {
    const rng = new Rng(1);
    gradCheck((q, k) => dotScores(q, k, lengths), [randn([3, 2], { rng, requiresGrad: true }), randn([3, 3, 2], { rng, requiresGrad: true })]);
  });
  test('additiveScores', () => {
    const rng = new Rng(2);
    const qp = randn([3, 4], { rng, requiresGrad: true });
    const kp = randn([3, 3, 4], { rng, requiresGrad: true });
    const v = randn([1, 4], { rng, requiresGrad: true });
    gradCheck((a, b, c) => additiveScores(a, b, c, lengths), [qp, kp, v]);
  });
  test('maskedAttention: context and weights outputs', () => {
    const rng = new Rng(3);
    const scores = randn([3, 3], { rng, requiresGrad: true });
    const values = randn([3, 3, 2], { rng, requiresGrad: true });
    gradCheck((s, v) => maskedAttention(s, v, lengths).context, [scores, values]);
    gradCheck((s, v) => maskedAttention(s, v, lengths).weights, [scores, values]);
  });
  for (const kind of KINDS) {
    test(`${kind} module: query, keys and parameters`, () => {
      const rng = new Rng(4);
      const attn = make(kind, kind === 'dot' ? 3 : 2, 3, 9, 4);
      const q = randn([3, kind === 'dot' ? 3 : 2], { rng, requiresGrad: true });
      const k = randn([3, 3, 3], { rng, requiresGrad: true });
      const gW = randn([3, 3], { rng });
      const f = (...xs: Tensor[]): Tensor => {
        const { context, weights } = attn.forward(xs[0], xs[1], lengths);
        return context.sum(1).add(weights.mul(gW).sum(1));
      };
      gradCheck(f, [q, k, ...attn.parameters()]);
    });
  }
});

describe('masking', () => {
  for (const kind of KINDS) {
    test(`${kind}: changing padded keys changes no output and no gradient; pads get exactly 0`, () => {
      const rng = new Rng(5);
      const lengths = [4, 1, 2];
      const attn = make(kind, 6, 6, 3);
      const q = randn([3, 6], { rng });
      const k = randn([3, 4, 6], { rng });
      const gC = randn([3, 6], { rng });
      const gW = randn([3, 4], { rng });
      const run = (keys: Tensor): { out: Float32Array[]; grads: Float32Array[] } => {
        attn.zeroGrad();
        const qq = new Tensor(q.data.slice(), q.shape, true);
        const kk = new Tensor(keys.data.slice(), keys.shape, true);
        const { context, weights } = attn.forward(qq, kk, lengths);
        weightedLoss(context, weights, gC, gW).backward();
        return {
          out: [context.data, weights.data],
          grads: [qq.grad!.data, kk.grad!.data, ...attn.parameters().map((p) => p.grad!.data)],
        };
      };
      const a = run(k);
      const k2 = new Tensor(k.data.slice(), k.shape);
      for (let b = 0; b < 3; b++) for (let s = lengths[b]; s < 4; s++) for (let h = 0; h < 6; h++) k2.data[(b * 4 + s) * 6 + h] = 1e3 * (h - 2.5);
      const c = run(k2);
      a.out.forEach((x, i) => assert.deepEqual(c.out[i], x, `output ${i} changed`));
      a.grads.forEach((x, i) => assert.deepEqual(c.grads[i], x, `gradient ${i} changed`));
      for (let b = 0; b < 3; b++) {
        let total = 0;
        for (let s = 0; s < 4; s++) {
          const w = a.out[1][b * 4 + s];
          if (s >= lengths[b]) assert.equal(w, 0);
          else assert.ok(w > 0);
          total += w;
        }
        assert.ok(Math.abs(total - 1) < 1e-6, `weights of sample ${b} sum to ${total}`);
      }
    });
  }

  test('NaN and ±Infinity in padded positions give no NaN (forward)', () => {
    const attn = new AdditiveAttention({ querySize: 2, keySize: 2, size: 3, seed: 1 });
    const k = randn([2, 3, 2], { rng: new Rng(6) });
    k.data.fill(NaN, 2 * 3 * 2 - 4); // sample 1, steps 1..2
    k.data[(0 * 3 + 2) * 2] = Infinity; // sample 0, step 2
    const { context, weights } = attn.forward(randn([2, 2], { rng: new Rng(7) }), k, [2, 1]);
    assert.ok([...context.data, ...weights.data].every(Number.isFinite));
    assert.deepEqual(Array.from(weights.data.subarray(3)), [1, 0, 0]);
  });

  test('selectMemory follows rows (beam search) and keeps lengths', () => {
    const attn = new GeneralAttention({ querySize: 2, keySize: 3, seed: 2 });
    const values = randn([2, 3, 3], { rng: new Rng(8) });
    const mem = attn.prepare(values, [3, 1]);
    const sel = selectMemory(mem, [1, 1, 0]);
    assert.deepEqual(Array.from(sel.lengths), [1, 1, 3]);
    const q = randn([3, 2], { rng: new Rng(9) });
    const out = attn.attend(q, sel).context;
    const direct = attn.forward(q, indexSelect(values, 0, [1, 1, 0]), [1, 1, 3]).context;
    assertClose(out.data, direct.data, 1e-6, 0, 'selected memory');
  });

  test('errors name what was expected', () => {
    const attn = new DotAttention({ querySize: 4, keySize: 4 });
    assert.throws(() => attn.forward(randn([2, 4]), randn([2, 3, 4]), [3, 0]), /sample 1 has length 0, expected an integer in 1\.\.3/);
    assert.throws(() => attn.forward(randn([2, 3]), randn([2, 3, 4]), [3, 1]), /query has shape \[2, 3\], expected \[2, 4\]/);
    assert.throws(() => attn.forward(randn([2, 4]), randn([2, 3, 5]), [3, 1]), /keys have shape \[2, 3, 5\], expected \[B, S, 4\]/);
    assert.throws(() => new DotAttention({ querySize: 4, keySize: 5 }), /querySize 4 differs from keySize 5/);
  });
});
