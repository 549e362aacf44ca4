/**
 * Tensor basics: construction, item/toArray, the autograd tape (accumulation, reuse, deep chains,
 * errors) and the seeded Rng.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { full, ones, randn, tensor, uniform, zeros } from '../src/tensor/create.ts';
import * as ops from '../src/tensor/ops.ts';
import { Rng, defaultRng, manualSeed, type RngState } from '../src/tensor/rng.ts';
import { Tensor } from '../src/tensor/tensor.ts';
import { gradValues } from './gradcheck.ts';

describe('construction', () => {
  test('tensor() from nested arrays infers the shape', () => {
    const x = tensor([[[1, 2, 3], [4, 5, 6]]]);
    assert.deepEqual(x.shape, [1, 2, 3]);
    assert.deepEqual([...x.data], [1, 2, 3, 4, 5, 6]);
    assert.equal(x.ndim, 3);
    assert.equal(x.size, 6);
    assert.ok(x.data instanceof Float32Array);
    assert.equal(x.requiresGrad, false);
    assert.equal(x.isLeaf, true);
    const s = tensor(2.5);
    assert.deepEqual(s.shape, []);
    assert.equal(s.item(), 2.5);
  });

  test('tensor() from flat values plus a shape, and from a Float32Array', () => {
    const x = tensor([1, 2, 3, 4, 5, 6], [3, 2], { requiresGrad: true });
    assert.deepEqual(x.toArray(), [[1, 2], [3, 4], [5, 6]]);
    assert.equal(x.requiresGrad, true);
    const f = new Float32Array([7, 8, 9, 10]);
    assert.deepEqual(tensor(f, [2, 2]).toArray(), [[7, 8], [9, 10]]);
    assert.deepEqual(tensor(f).shape, [4]);
    assert.deepEqual(tensor([[1, 2], [3, 4]], [4]).toArray(), [1, 2, 3, 4]);
    assert.throws(() => tensor([1, 2, 3], [2, 2]), { message: 'tensor: 3 values given, shape [2, 2] needs 4' });
  });

  test('ragged nested arrays are rejected', () => {
    assert.throws(() => tensor([[1, 2], [3]]), /tensor: nested arrays are ragged at depth 1 \(expected length 2\)/);
    assert.throws(() => tensor([[1], [2, 3]]), /ragged/);
    assert.throws(() => tensor([[1, 2], 3]), /ragged at depth 1/);
    assert.throws(() => tensor([1, [2]]), /ragged/);
    assert.throws(() => tensor([[[1]], [[2], [3]]]), /ragged/);
  });

  test('the Tensor constructor checks data length against the shape', () => {
    assert.throws(() => new Tensor(new Float32Array(5), [2, 3]), { message: 'Tensor: data has 5 elements, shape [2, 3] needs 6' });
  });

  test('zeros, ones, full', () => {
    assert.deepEqual(zeros([2, 2]).toArray(), [[0, 0], [0, 0]]);
    assert.deepEqual(ones([3]).toArray(), [1, 1, 1]);
    assert.deepEqual(full([1, 2], -3.5).toArray(), [[-3.5, -3.5]]);
    assert.equal(zeros([2], { requiresGrad: true }).requiresGrad, true);
  });

  test('item() needs exactly one element; toArray() nests by shape', () => {
    assert.equal(tensor([[4]]).item(), 4);
    assert.throws(() => tensor([1, 2]).item(), { message: 'item(): tensor has 2 elements, expected 1' });
    assert.equal(tensor(3).toArray(), 3);
    assert.deepEqual(tensor([1, 2, 3, 4, 5, 6], [2, 1, 3]).toArray(), [[[1, 2, 3]], [[4, 5, 6]]]);
    assert.deepEqual(zeros([2, 0]).toArray(), [[], []]);
  });

  test('detach copies values and drops the tape', () => {
    const x = tensor([1, 2], undefined, { requiresGrad: true });
    const y = x.mul(3);
    const d = y.detach();
    assert.deepEqual([...d.data], [3, 6]);
    assert.notEqual(d.data, y.data);
    assert.equal(d.requiresGrad, false);
    assert.equal(d.node, null);
  });

  test('randn and uniform are reproducible from an Rng', () => {
    assert.deepEqual([...randn([5], { rng: new Rng(3) }).data], [...randn([5], { rng: new Rng(3) }).data]);
    const u = uniform([1000], -2, 3, { rng: new Rng(4) });
    assert.ok(u.data.every((v) => v >= -2 && v < 3));
    assert.ok(Math.min(...u.data) < -1.9 && Math.max(...u.data) > 2.9);
  });
});

describe('autograd', () => {
  test('gradients accumulate across two backward calls (PyTorch semantics), zeroGrad clears', () => {
    const x = tensor([1, 2, 3], undefined, { requiresGrad: true });
    x.mul(x).sum().backward(); // d/dx Σx² = 2x
    assert.deepEqual(gradValues(x), [2, 4, 6]);
    x.mul(3).sum().backward(); // + 3
    assert.deepEqual(gradValues(x), [5, 7, 9]);
    x.zeroGrad();
    assert.equal(x.grad, null);
    x.sum().backward();
    assert.deepEqual(gradValues(x), [1, 1, 1]);
  });

  test('a tensor used twice in one graph gets both contributions', () => {
    const x = tensor([1.5, -2], undefined, { requiresGrad: true });
    x.mul(x).sum().backward();
    assert.deepEqual(gradValues(x), [3, -4]);
    // Diamond: y = 2x used by two branches, z = y·y + y  ->  dz/dx = (2y + 1)·2.
    const w = tensor([0.5, 3], undefined, { requiresGrad: true });
    const y = w.mul(2);
    y.mul(y).add(y).sum().backward();
    assert.deepEqual(gradValues(w), [6, 26]);
  });

  test('only leaves keep .grad; inputs without requiresGrad get none', () => {
    const a = tensor([1, 2], undefined, { requiresGrad: true });
    const b = tensor([3, 4]);
    const h = a.mul(b);
    h.sum().backward();
    assert.deepEqual(gradValues(a), [3, 4]);
    assert.equal(b.grad, null);
    assert.equal(h.grad, null);
    assert.equal(h.isLeaf, false);
  });

  test('a deep chain of 5000 sequential adds does not overflow the stack', () => {
    const x = tensor([0.5], undefined, { requiresGrad: true });
    let y = x;
    for (let i = 0; i < 5000; i++) y = y.add(0.001).mul(1);
    y.sum().backward();
    assert.equal(x.grad?.item(), 1);
    assert.ok(Math.abs(y.item() - 5.5) < 1e-3, `value ${y.item()}`);
  });

  test('backward on a non-scalar needs an explicit gradient of the same size', () => {
    const x = tensor([1, 2, 3], undefined, { requiresGrad: true });
    const y = x.mul(2);
    assert.throws(() => y.backward(), {
      message: 'backward(): tensor has shape [3]; pass a gradient or reduce it to one value first',
    });
    assert.throws(() => y.backward(tensor([1, 1])), /backward\(\): gradient has shape \[2\], expected \[3\]/);
    y.backward(tensor([1, 10, 100]));
    assert.deepEqual(gradValues(x), [2, 20, 200]);
  });

  test('backward on a tensor that does not require grad errors', () => {
    assert.throws(() => tensor([1]).backward(), /backward\(\): tensor does not require grad/);
  });

  test('backward from a leaf seeds its own gradient', () => {
    const x = tensor(2, undefined, { requiresGrad: true });
    x.backward();
    assert.equal(x.grad?.item(), 1);
  });

  test('a branch that does not reach the loss contributes nothing', () => {
    const x = tensor([1, 2], undefined, { requiresGrad: true });
    const unused = x.exp();
    const loss = x.mul(4).sum();
    loss.backward();
    assert.deepEqual(gradValues(x), [4, 4]);
    assert.equal(unused.grad, null);
  });
});

describe('Rng', () => {
  const draw = (rng: Rng, n: number): number[] => Array.from({ length: n }, () => rng.nextU32());

  test('same seed, same sequence; different seeds differ', () => {
    assert.deepEqual(draw(new Rng(42), 20), draw(new Rng(42), 20));
    assert.notDeepEqual(draw(new Rng(42), 20), draw(new Rng(43), 20));
    const r = new Rng(5);
    const first = draw(r, 10);
    r.reseed(5);
    assert.deepEqual(draw(r, 10), first);
    assert.ok(draw(new Rng(0), 100).every((v) => Number.isInteger(v) && v >= 0 && v < 2 ** 32));
  });

  test('getState/setState resumes exactly, also through JSON', () => {
    const r = new Rng(7);
    draw(r, 13);
    r.normal();
    const state = r.getState();
    const expected = [...draw(r, 50), r.normal(), r.uniform(), r.int(1000)];
    const s = new Rng(999);
    s.setState(JSON.parse(JSON.stringify(state)) as RngState);
    assert.deepEqual([...draw(s, 50), s.normal(), s.uniform(), s.int(1000)], expected);
    // getState is a snapshot, not a live view; clone is independent.
    const c = new Rng(8);
    const snap = c.getState();
    c.nextU32();
    assert.notDeepEqual(c.getState(), snap);
    const d = c.clone();
    assert.deepEqual(draw(d, 5), draw(c, 5));
  });

  test('uniform is in [0, 1) with mean ≈ ½; int(n) covers [0, n)', () => {
    const r = new Rng(11);
    let s = 0;
    const counts = [0, 0, 0, 0, 0];
    for (let i = 0; i < 20000; i++) {
      const u = r.uniform();
      assert.ok(u >= 0 && u < 1);
      s += u;
      counts[r.int(5)]++;
    }
    assert.ok(Math.abs(s / 20000 - 0.5) < 0.01, `mean ${s / 20000}`);
    for (const c of counts) assert.ok(Math.abs(c - 4000) < 300, `int(5) counts ${counts.join(', ')}`);
  });

  test('normal() has mean ≈ 0 and variance ≈ 1 over 20000 samples', () => {
    const r = new Rng(12);
    const n = 20000;
    let s = 0;
    let s2 = 0;
    let beyond2 = 0;
    for (let i = 0; i < n; i++) {
      const v = r.normal();
      s += v;
      s2 += v * v;
      if (Math.abs(v) > 2) beyond2++;
    }
    const mean = s / n;
    const variance = s2 / n - mean * mean;
    // Standard errors: mean 0.007, variance 0.01.
    assert.ok(Math.abs(mean) < 0.03, `mean ${mean}`);
    assert.ok(Math.abs(variance - 1) < 0.05, `variance ${variance}`);
    // Tail mass P(|z| > 2) = 0.0455.
    assert.ok(Math.abs(beyond2 / n - 0.0455) < 0.008, `P(|z| > 2) ≈ ${beyond2 / n}`);
  });

  test('shuffle is a seeded permutation', () => {
    const a = new Rng(13).shuffle(Array.from({ length: 20 }, (_, i) => i));
    const b = new Rng(13).shuffle(Array.from({ length: 20 }, (_, i) => i));
    assert.deepEqual(a, b);
    assert.deepEqual([...a].sort((p, q) => p - q), Array.from({ length: 20 }, (_, i) => i));
    assert.notDeepEqual(a, Array.from({ length: 20 }, (_, i) => i));
  });

  test('manualSeed resets the default generator', () => {
    manualSeed(21);
    const a = draw(defaultRng(), 5);
    manualSeed(21);
    assert.deepEqual(draw(defaultRng(), 5), a);
    assert.deepEqual(a, draw(new Rng(21), 5));
  });
});
