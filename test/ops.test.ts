/**
 * Every differentiable op: central-difference checks of its backward (tiny shapes), a few forward
 * values computed by hand, the errors raised on bad shapes, and noGrad.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { tensor, uniform, zeros } from '../src/tensor/create.ts';
import * as ops from '../src/tensor/ops.ts';
import { Rng } from '../src/tensor/rng.ts';
import { Tensor, isGradEnabled, noGrad, record, type Shape } from '../src/tensor/tensor.ts';
import { assertClose, gradCheck, gradValues } from './gradcheck.ts';

const ND = { requiresGrad: true };

/** Uniform in [lo, hi), requiring grad. */
function rnd(shape: Shape, rng: Rng, lo = -1, hi = 1): Tensor {
  return uniform(shape, lo, hi, { rng, requiresGrad: true });
}

/** |x| in [0.2, 1.5) with a random sign: at least 0.2 away from the kinks of relu, abs, sign. */
function awayFromZero(shape: Shape, rng: Rng): Tensor {
  const t = rnd(shape, rng, 0.2, 1.5);
  for (let k = 0; k < t.size; k++) if (rng.uniform() < 0.5) t.data[k] = -t.data[k];
  return t;
}

/** Distinct values 0.1 apart (shuffled), so no max/argmax tie can flip under a ±eps step. */
function distinct(shape: Shape, rng: Rng): Tensor {
  const t = zeros(shape, ND);
  const order = rng.shuffle(Array.from({ length: t.size }, (_, k) => k));
  for (let k = 0; k < t.size; k++) t.data[k] = (order[k] - t.size / 2) * 0.1 + rng.uniformRange(0, 0.02);
  return t;
}

/** A constant (no grad) tensor of 0/1 values. */
function mask01(values: number[], shape: Shape): Tensor {
  return tensor(values, shape);
}

describe('gradCheck itself', () => {
  test('passes a correct backward and reports how much it checked', () => {
    const rng = new Rng(1);
    const r = gradCheck((a) => ops.mul(a, a), [rnd([2, 3], rng)]);
    assert.equal(r.checked, 6);
    assert.ok(r.maxAbsDiff < 1e-3, `maxAbsDiff ${r.maxAbsDiff}`);
  });

  test('fails on a wrong backward, naming the element and both values', () => {
    // y = 3x with a backward that claims dy/dx = 2 at element 4 only.
    const broken = (x: Tensor): Tensor => {
      const y = new Tensor(x.data.map((v) => 3 * v), x.shape);
      record('broken', [x], [y], ([dy], [dx]) => {
        if (!dy || !dx) return;
        for (let k = 0; k < dx.length; k++) dx[k] += dy[k] * (k === 4 ? 2 : 3);
      });
      return y;
    };
    const x = rnd([2, 3], new Rng(2));
    assert.throws(() => gradCheck(broken, [x]), (e: Error) => {
      assert.match(e.message, /input 0 \(shape \[2, 3\]\) element 4 \[1, 1\]/);
      assert.match(e.message, /analytic -?[\d.e-]+, numeric -?[\d.e-]+/);
      return true;
    });
  });

  test('fails when a backward forgets an input', () => {
    const dropsB = (a: Tensor, b: Tensor): Tensor => {
      const y = new Tensor(a.data.map((v, k) => v + b.data[k]), a.shape);
      record('dropsB', [a, b], [y], ([dy], [da]) => {
        if (!dy || !da) return;
        for (let k = 0; k < da.length; k++) da[k] += dy[k];
      });
      return y;
    };
    const rng = new Rng(3);
    assert.throws(() => gradCheck(dropsB, [rnd([3], rng), rnd([3], rng)]), /input 1/);
  });

  test('assertClose reports the largest difference and where', () => {
    assertClose([1, 2, 3], [1, 2.0000001, 3], 1e-6, 0, 'ok');
    assertClose([NaN, Infinity], [NaN, Infinity], 0, 0, 'non-finite');
    assert.throws(() => assertClose([1, 2, 3], [1, 2.5, 3.1], 1e-3, 0, 'vec'), /vec: 2 of 3 values differ; max \|Δ\| 0\.5 at index 1/);
    assert.throws(() => assertClose([NaN], [0], 1, 1, 'nan'), /nan: 1 of 1/);
    assert.throws(() => assertClose([1], [1, 2], 1, 1, 'len'), /len: 1 values, expected 2/);
  });
});

describe('binary ops with broadcasting', () => {
  // [2,3]+[3], [2,1,3]∘[4,1] -> [2,4,3], tensor∘scalar, number∘tensor, 0-d tensor with grad.
  const cases: { name: string; f: (a: Tensor | number, b: Tensor | number) => Tensor; lo: number; hi: number }[] = [
    { name: 'add', f: ops.add, lo: -1, hi: 1 },
    { name: 'sub', f: ops.sub, lo: -1, hi: 1 },
    { name: 'mul', f: ops.mul, lo: -1, hi: 1 },
    { name: 'div', f: ops.div, lo: 0.5, hi: 2 }, // denominators away from 0
  ];
  for (const { name, f, lo, hi } of cases) {
    test(`${name}: [2,3]·[3], [2,1,3]·[4,1], scalar, 0-d`, () => {
      const rng = new Rng(10);
      gradCheck((a, b) => f(a, b), [rnd([2, 3], rng, lo, hi), rnd([3], rng, lo, hi)]);
      gradCheck((a, b) => f(a, b), [rnd([2, 1, 3], rng, lo, hi), rnd([4, 1], rng, lo, hi)]);
      gradCheck((a) => f(a, 1.7), [rnd([2, 3], rng, lo, hi)]);
      gradCheck((b) => f(1.7, b), [rnd([2, 3], rng, lo, hi)]);
      gradCheck((a, b) => f(a, b), [rnd([2, 3], rng, lo, hi), rnd([], rng, lo, hi)]);
      // Only one side requires grad.
      gradCheck((a, b) => f(a, b), [rnd([4, 1], rng, lo, hi), uniform([3], lo, hi, { rng })]);
    });
  }

  test('forward values and broadcast shape', () => {
    const a = tensor([[1, 2, 3], [4, 5, 6]]);
    const b = tensor([10, 20, 30]);
    assert.deepEqual(ops.add(a, b).toArray(), [[11, 22, 33], [14, 25, 36]]);
    assert.deepEqual(ops.sub(b, a).toArray(), [[9, 18, 27], [6, 15, 24]]);
    assert.deepEqual(ops.mul(a, 2).toArray(), [[2, 4, 6], [8, 10, 12]]);
    assert.deepEqual(ops.div(1, tensor([2, 4])).toArray(), [0.5, 0.25]);
    assert.deepEqual(ops.mul(zeros([2, 1, 3]), zeros([4, 1])).shape, [2, 4, 3]);
  });

  test('broadcast gradient sums over the broadcast dimensions', () => {
    const a = zeros([2, 3], ND);
    const b = zeros([3], ND);
    ops.sum(ops.add(a, b)).backward();
    assert.deepEqual(gradValues(b), [2, 2, 2]);
    assert.deepEqual(gradValues(a), [1, 1, 1, 1, 1, 1]);
  });

  test('maximum and minimum (operands at least 0.2 apart)', () => {
    const rng = new Rng(11);
    const a = rnd([2, 3], rng);
    const b = ops.add(a, awayFromZero([2, 3], rng)).detach();
    b.requiresGrad = true;
    gradCheck((x, y) => ops.maximum(x, y), [a, b]);
    gradCheck((x, y) => ops.minimum(x, y), [a, b]);
    // Broadcast against a row and a scalar.
    const c = tensor([[-1, 0.5, 2], [0.3, -0.7, 1.1]], undefined, ND);
    gradCheck((x, y) => ops.maximum(x, y), [c, tensor([0, 0, 0.8], undefined, ND)]);
    gradCheck((x) => ops.minimum(x, 0.1), [c]);
  });

  test('maximum/minimum forward, and ties split the gradient in half (as PyTorch)', () => {
    const a = tensor([1, 5, 3], undefined, ND);
    const b = tensor([4, 2, 3], undefined, ND);
    assert.deepEqual(ops.maximum(a, b).toArray(), [4, 5, 3]);
    assert.deepEqual(ops.minimum(a, b).toArray(), [1, 2, 3]);
    ops.sum(ops.maximum(a, b)).backward();
    assert.deepEqual(gradValues(a), [0, 1, 0.5]);
    assert.deepEqual(gradValues(b), [1, 0, 0.5]);
    a.grad = null;
    b.grad = null;
    ops.sum(ops.minimum(a, b)).backward();
    assert.deepEqual(gradValues(a), [1, 0, 0.5]);
    assert.deepEqual(gradValues(b), [0, 1, 0.5]);
  });
});

describe('unary ops', () => {
  const unaries: { name: string; f: (x: Tensor) => Tensor; ref: (x: number) => number; gen: (rng: Rng) => Tensor }[] = [
    { name: 'neg', f: ops.neg, ref: (x) => -x, gen: (rng) => rnd([2, 3], rng) },
    { name: 'exp', f: ops.exp, ref: Math.exp, gen: (rng) => rnd([2, 3], rng, -2, 2) },
    { name: 'log', f: ops.log, ref: Math.log, gen: (rng) => rnd([2, 3], rng, 0.3, 3) },
    { name: 'tanh', f: ops.tanh, ref: Math.tanh, gen: (rng) => rnd([2, 3], rng, -2, 2) },
    { name: 'sigmoid', f: ops.sigmoid, ref: (x) => 1 / (1 + Math.exp(-x)), gen: (rng) => rnd([2, 3], rng, -3, 3) },
    { name: 'relu', f: ops.relu, ref: (x) => Math.max(x, 0), gen: (rng) => awayFromZero([2, 3], rng) },
    { name: 'sqrt', f: ops.sqrt, ref: Math.sqrt, gen: (rng) => rnd([2, 3], rng, 0.3, 3) },
    { name: 'abs', f: ops.abs, ref: Math.abs, gen: (rng) => awayFromZero([2, 3], rng) },
    { name: 'pow 3', f: (x) => ops.pow(x, 3), ref: (x) => x ** 3, gen: (rng) => rnd([2, 3], rng, -1.5, 1.5) },
    { name: 'pow -0.5', f: (x) => ops.pow(x, -0.5), ref: (x) => x ** -0.5, gen: (rng) => rnd([2, 3], rng, 0.5, 2) },
    { name: 'pow 2.5', f: (x) => ops.pow(x, 2.5), ref: (x) => x ** 2.5, gen: (rng) => rnd([2, 3], rng, 0.5, 2) },
  ];
  for (const { name, f, ref, gen } of unaries) {
    test(`${name}: forward matches Math, backward matches central differences`, () => {
      const x = gen(new Rng(20));
      assertClose(f(x).data, Array.from(x.data, ref), 1e-6, 1e-6, `${name} forward`);
      gradCheck(f, [x]);
    });
  }

  test('relu and abs have zero / sign gradients (0 at the kink, as PyTorch)', () => {
    const x = tensor([-2, 0, 3], undefined, ND);
    ops.sum(ops.relu(x)).backward();
    assert.deepEqual(gradValues(x), [0, 0, 1]);
    x.grad = null;
    ops.sum(ops.abs(x)).backward();
    assert.deepEqual(gradValues(x), [-1, 0, 1]);
  });

  test('pow with exponent 0 has gradient 0, also at x = 0', () => {
    const x = tensor([0, 2, -1], undefined, ND);
    assert.deepEqual(ops.pow(x, 0).toArray(), [1, 1, 1]);
    ops.sum(ops.pow(x, 0)).backward();
    assert.deepEqual(gradValues(x), [0, 0, 0]);
  });

  test('sigmoid is stable for large |x|', () => {
    const y = ops.sigmoid(tensor([-1000, 1000, 0]));
    assert.deepEqual([...y.data], [0, 1, 0.5]);
  });

  test('clamp: values inside and outside the bounds (bounds inclusive, as PyTorch)', () => {
    const x = tensor([-2, -0.5, 0.2, 0.7, 1.5, 3], undefined, ND);
    assertClose(ops.clamp(x, -1, 1).data, [-1, -0.5, 0.2, 0.7, 1, 1], 1e-7, 0, 'clamp forward');
    gradCheck((t) => ops.clamp(t, -1, 1), [x]);
    x.grad = null;
    const e = tensor([-1, 0, 1], undefined, ND);
    ops.sum(ops.clamp(e, -1, 1)).backward();
    assert.deepEqual(gradValues(e), [1, 1, 1]);
  });
});

describe('where and maskedFill', () => {
  test('where: gradient goes to a where cond ≠ 0, to b elsewhere; broadcasting', () => {
    const rng = new Rng(30);
    const cond = mask01([1, 0, 0, 1, 1, 0], [2, 3]);
    gradCheck((a, b) => ops.where(cond, a, b), [rnd([2, 3], rng), rnd([2, 3], rng)]);
    gradCheck((a, b) => ops.where(cond, a, b), [rnd([3], rng), rnd([2, 1], rng)]);
    gradCheck((a) => ops.where(mask01([0, 1, 1], [3]), a, -5), [rnd([2, 3], rng)]);
    const a = tensor([1, 2, 3], undefined, ND);
    const b = tensor([10, 20, 30], undefined, ND);
    const y = ops.where(tensor([1, 0, 1]), a, b);
    assert.deepEqual(y.toArray(), [1, 20, 3]);
    ops.sum(y).backward();
    assert.deepEqual(gradValues(a), [1, 0, 1]);
    assert.deepEqual(gradValues(b), [0, 1, 0]);
  });

  test('maskedFill: masked entries take the value and get no gradient', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]], undefined, ND);
    const mask = tensor([[0, 1, 0], [1, 0, 0]]);
    const y = ops.maskedFill(x, mask, -Infinity);
    assert.deepEqual(y.toArray(), [[1, -Infinity, 3], [-Infinity, 5, 6]]);
    ops.sum(ops.maskedFill(x, mask, 0)).backward();
    assert.deepEqual(gradValues(x), [1, 0, 1, 0, 1, 1]);
    // Row mask broadcast over columns.
    gradCheck((t) => ops.maskedFill(t, mask01([1, 0], [2, 1]), 7), [rnd([2, 3], new Rng(31))]);
  });
});

describe('reductions', () => {
  const axesCases: { axes: number | number[] | undefined; keepDim: boolean; shape: number[] }[] = [
    { axes: undefined, keepDim: false, shape: [] },
    { axes: undefined, keepDim: true, shape: [1, 1, 1] },
    { axes: 1, keepDim: false, shape: [2, 4] },
    { axes: -1, keepDim: true, shape: [2, 3, 1] },
    { axes: [0, 2], keepDim: false, shape: [3] },
    { axes: [-3, -1], keepDim: true, shape: [1, 3, 1] },
    { axes: [1, 2], keepDim: false, shape: [2] },
  ];
  for (const name of ['sum', 'mean'] as const) {
    for (const { axes, keepDim, shape } of axesCases) {
      test(`${name} axes=${JSON.stringify(axes)} keepDim=${keepDim}`, () => {
        const x = rnd([2, 3, 4], new Rng(40));
        const y = ops[name](x, axes, keepDim);
        assert.deepEqual(y.shape, shape);
        gradCheck((t) => ops[name](t, axes, keepDim), [x]);
      });
    }
  }

  test('sum/mean forward values', () => {
    const x = tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]]);
    assert.equal(ops.sum(x).item(), 36);
    assert.equal(ops.mean(x).item(), 4.5);
    assert.deepEqual(ops.sum(x, 0).toArray(), [[6, 8], [10, 12]]);
    assert.deepEqual(ops.sum(x, [0, 2]).toArray(), [14, 22]);
    assert.deepEqual(ops.mean(x, -1, true).toArray(), [[[1.5], [3.5]], [[5.5], [7.5]]]);
    assert.deepEqual(ops.mean(x, [0, 1]).toArray(), [4, 5]);
  });

  for (const { axis, keepDim } of [
    { axis: 0, keepDim: false },
    { axis: 1, keepDim: true },
    { axis: -1, keepDim: false },
  ]) {
    test(`max axis=${axis} keepDim=${keepDim}`, () => {
      gradCheck((t) => ops.max(t, axis, keepDim), [distinct([2, 3, 4], new Rng(41))]);
    });
  }

  test('max forward and gradient to the arg-max only', () => {
    const x = tensor([[1, 7, 3], [9, 2, 9]], undefined, ND);
    const y = ops.max(x, 1);
    assert.deepEqual(y.toArray(), [7, 9]);
    assert.deepEqual(ops.max(x, 0, true).toArray(), [[9, 7, 9]]);
    ops.sum(y).backward();
    assert.deepEqual(gradValues(x), [0, 1, 0, 1, 0, 0]); // tie: first maximal element
  });

  for (const name of ['softmax', 'logSoftmax'] as const) {
    for (const axis of [-1, 0, 1]) {
      test(`${name} axis=${axis} of a 3-d tensor`, () => {
        gradCheck((t) => ops[name](t, axis), [rnd([2, 3, 4], new Rng(42), -2, 2)]);
      });
    }
  }

  test('softmax rows sum to 1, columns too along axis 0, and large inputs stay finite', () => {
    const x = uniform([3, 4, 5], -5, 5, { rng: new Rng(43) });
    assertClose(ops.sum(ops.softmax(x, -1), -1).data, new Array(12).fill(1), 1e-6, 0, 'softmax(-1) sums');
    assertClose(ops.sum(ops.softmax(x, 0), 0).data, new Array(20).fill(1), 1e-6, 0, 'softmax(0) sums');
    const big = ops.softmax(tensor([1000, 1001, 1002]));
    assertClose(big.data, [0.09003057317038046, 0.24472847105479764, 0.6652409557748219], 1e-6, 0, 'softmax of large values');
    assertClose(ops.logSoftmax(tensor([1000, 1001, 1002])).data, [-2.4076059644443806, -1.4076059644443806, -0.4076059644443806], 1e-5, 0, 'logSoftmax large');
  });

  test('logSoftmax of [1, 2, 3] and exp(logSoftmax) = softmax', () => {
    const x = tensor([[1, 2, 3]]);
    assertClose(ops.logSoftmax(x).data, [-2.4076059644443806, -1.4076059644443806, -0.4076059644443806], 1e-6, 0, 'logSoftmax');
    const z = uniform([2, 3, 4], -3, 3, { rng: new Rng(44) });
    assertClose(ops.exp(ops.logSoftmax(z, 1)).data, ops.softmax(z, 1).data, 1e-6, 1e-5, 'exp(logSoftmax)');
  });
});

describe('matmul', () => {
  test('[3,4]·[4,5] and [3,6]·[6,2] (dA = dC·Bᵀ with K not a multiple of 4: the tail loop of gemmNT)', () => {
    const rng = new Rng(50);
    gradCheck((a, b) => ops.matmul(a, b), [rnd([3, 4], rng), rnd([4, 5], rng)]);
    gradCheck((a, b) => ops.matmul(a, b), [rnd([3, 6], rng), rnd([6, 2], rng)]);
  });
  test('[2,3,4]·[4,5] (leading dims of a flattened)', () => {
    const rng = new Rng(51);
    gradCheck((a, b) => ops.matmul(a, b), [rnd([2, 3, 4], rng), rnd([4, 5], rng)]);
  });
  test('batched [2,3,4]·[2,4,5]', () => {
    const rng = new Rng(52);
    gradCheck((a, b) => ops.matmul(a, b), [rnd([2, 3, 4], rng), rnd([2, 4, 5], rng)]);
    gradCheck((a, b) => ops.matmul(a, b), [rnd([3, 2, 5], rng), rnd([3, 5, 3], rng)]);
    // Only one operand requiring grad.
    gradCheck((a, b) => ops.matmul(a, b), [uniform([2, 3, 4], -1, 1, { rng }), rnd([2, 4, 5], rng)]);
    gradCheck((a, b) => ops.matmul(a, b), [rnd([2, 3, 4], rng), uniform([2, 4, 5], -1, 1, { rng })]);
  });

  test('known products', () => {
    const a = tensor([[1, 2], [3, 4]]);
    const b = tensor([[5, 6], [7, 8]]);
    assert.deepEqual(ops.matmul(a, b).toArray(), [[19, 22], [43, 50]]);
    const c = tensor([[1, 2, 3]]); // [1, 3]
    assert.deepEqual(ops.matmul(c, ops.transpose(c)).toArray(), [[14]]);
    assert.deepEqual(ops.matmul(ops.transpose(c), c).toArray(), [[1, 2, 3], [2, 4, 6], [3, 6, 9]]);
    // Batch 0 multiplies by the identity, batch 1 by 2·identity.
    const batched = ops.matmul(ops.stack([a, b]), tensor([[[1, 0], [0, 1]], [[2, 0], [0, 2]]]));
    assert.deepEqual(batched.toArray(), [[[1, 2], [3, 4]], [[10, 12], [14, 16]]]);
    assert.deepEqual(ops.matmul(ops.stack([a, b]), a).toArray(), [[[7, 10], [15, 22]], [[23, 34], [31, 46]]]);
  });

  test('shape errors name both shapes', () => {
    assert.throws(() => ops.matmul(zeros([2, 3]), zeros([4, 5])), { message: 'matmul: inner dimensions differ: [2, 3] · [4, 5]' });
    assert.throws(() => ops.matmul(zeros([3]), zeros([3, 2])), /matmul: both operands need at least 2 dimensions, got \[3\] and \[3, 2\]/);
    assert.throws(() => ops.matmul(zeros([2, 2, 3]), zeros([3, 3, 4])), /matmul: batch dimensions differ: \[2, 2, 3\] · \[3, 3, 4\]/);
  });
});

describe('shape ops', () => {
  test('reshape (with -1) keeps values in row-major order', () => {
    const x = rnd([2, 3, 4], new Rng(60));
    const y = ops.reshape(x, [6, -1]);
    assert.deepEqual(y.shape, [6, 4]);
    assert.deepEqual([...y.data], [...x.data]);
    gradCheck((t) => ops.mul(ops.reshape(t, [4, 6]), ops.reshape(t, [4, -1])), [x]);
  });

  test('unsqueeze / squeeze', () => {
    const x = rnd([2, 3], new Rng(61));
    assert.deepEqual(ops.unsqueeze(x, 1).shape, [2, 1, 3]);
    assert.deepEqual(ops.unsqueeze(x, -1).shape, [2, 3, 1]);
    assert.deepEqual(ops.squeeze(zeros([1, 2, 1, 3])).shape, [2, 3]);
    assert.deepEqual(ops.squeeze(zeros([1, 2, 1, 3]), -2).shape, [1, 2, 3]);
    // [2,1,3] ⊙ [1,2,3,1] -> [1,2,3,3] -> squeeze(0) -> [2,3,3]
    gradCheck((t) => ops.squeeze(ops.mul(ops.unsqueeze(t, 1), ops.unsqueeze(ops.unsqueeze(t, -1), 0)), 0), [x]);
  });

  test('permute', () => {
    const x = tensor([[[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]], [[12, 13, 14, 15], [16, 17, 18, 19], [20, 21, 22, 23]]]);
    const y = ops.permute(x, [2, 0, 1]); // y[i][j][k] = x[j][k][i]
    assert.deepEqual(y.shape, [4, 2, 3]);
    assert.equal((y.toArray() as number[][][])[3][1][2], 23);
    assert.equal((y.toArray() as number[][][])[1][0][2], 9);
    gradCheck((t) => ops.permute(t, [2, 0, 1]), [rnd([2, 3, 4], new Rng(62))]);
    gradCheck((t) => ops.permute(t, [-1, 0, 1]), [rnd([2, 3, 4], new Rng(63))]);
  });

  test('transpose (default last two, and explicit dims)', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(ops.transpose(x).toArray(), [[1, 4], [2, 5], [3, 6]]);
    gradCheck((t) => ops.transpose(t), [rnd([2, 3, 4], new Rng(64))]);
    gradCheck((t) => ops.transpose(t, 0, 2), [rnd([2, 3, 4], new Rng(65))]);
  });

  test('slice with positive and negative bounds', () => {
    const x = tensor([[0, 1, 2, 3, 4], [5, 6, 7, 8, 9]]);
    assert.deepEqual(ops.slice(x, 1, 1, 3).toArray(), [[1, 2], [6, 7]]);
    assert.deepEqual(ops.slice(x, -1, -3, -1).toArray(), [[2, 3], [7, 8]]);
    assert.deepEqual(ops.slice(x, 1, -2, 100).toArray(), [[3, 4], [8, 9]]);
    assert.deepEqual(ops.slice(x, 0, 1, 2).toArray(), [[5, 6, 7, 8, 9]]);
    const rng = new Rng(66);
    gradCheck((t) => ops.slice(t, 1, -3, -1), [rnd([2, 5, 3], rng)]);
    gradCheck((t) => ops.slice(t, 0, 1, 3), [rnd([4, 2], rng)]);
    // Overlapping slices of the same tensor: gradients add up.
    gradCheck((t) => ops.mul(ops.slice(t, 0, 0, 3), ops.slice(t, 0, 1, 4)), [rnd([4, 2], rng)]);
    assert.throws(() => ops.slice(x, 1, 3, 1), /slice: range \[3, 1\) is invalid for axis 1 of length 5/);
  });

  test('concat along axis 0 and 1, three inputs', () => {
    const a = tensor([[1, 2]]);
    const b = tensor([[3, 4], [5, 6]]);
    assert.deepEqual(ops.concat([a, b, a], 0).toArray(), [[1, 2], [3, 4], [5, 6], [1, 2]]);
    assert.deepEqual(ops.concat([tensor([[1], [2]]), b, tensor([[7], [8]])], 1).toArray(), [[1, 3, 4, 7], [2, 5, 6, 8]]);
    const rng = new Rng(67);
    gradCheck((x, y, z) => ops.concat([x, y, z], 0), [rnd([1, 3], rng), rnd([2, 3], rng), rnd([3, 3], rng)]);
    gradCheck((x, y, z) => ops.concat([x, y, z], 1), [rnd([2, 2, 3], rng), rnd([2, 1, 3], rng), rnd([2, 3, 3], rng)]);
    gradCheck((x, y, z) => ops.concat([x, y, z], -1), [rnd([2, 1], rng), uniform([2, 2], -1, 1, { rng }), rnd([2, 3], rng)]);
    assert.throws(() => ops.concat([b, zeros([2, 3])], 0), /concat: tensor 1 has shape \[2, 3\], expected \[2, 2\] except on axis 0/);
    assert.throws(() => ops.concat([]), /concat: no tensors given/);
  });

  test('stack along a new axis', () => {
    const a = tensor([1, 2, 3]);
    const b = tensor([4, 5, 6]);
    assert.deepEqual(ops.stack([a, b]).toArray(), [[1, 2, 3], [4, 5, 6]]);
    assert.deepEqual(ops.stack([a, b], 1).toArray(), [[1, 4], [2, 5], [3, 6]]);
    assert.deepEqual(ops.stack([a, b], -1).shape, [3, 2]);
    const rng = new Rng(68);
    gradCheck((x, y, z) => ops.stack([x, y, z], 1), [rnd([2, 3], rng), rnd([2, 3], rng), rnd([2, 3], rng)]);
    assert.throws(() => ops.stack([a, zeros([4])]), /concat: tensor 1 has shape \[1, 4\]/);
  });

  test('indexSelect with repeated indices accumulates gradients', () => {
    const W = tensor([[1, 2], [3, 4], [5, 6]], undefined, ND);
    const y = ops.indexSelect(W, 0, [2, 0, 2, 2]);
    assert.deepEqual(y.toArray(), [[5, 6], [1, 2], [5, 6], [5, 6]]);
    ops.sum(y).backward();
    assert.deepEqual(gradValues(W), [1, 1, 0, 0, 3, 3]);
    const rng = new Rng(69);
    gradCheck((t) => ops.indexSelect(t, 0, [2, 0, 2, 2]), [rnd([3, 2], rng)]);
    gradCheck((t) => ops.indexSelect(t, 1, [1, 1, 3, 0, 1]), [rnd([2, 4, 3], rng)]);
    gradCheck((t) => ops.indexSelect(t, -1, Int32Array.from([0, 0])), [rnd([2, 3], rng)]);
    assert.throws(() => ops.indexSelect(W, 0, [3]), /indexSelect: index 3 at position 0 is out of range \[0, 3\) for axis 0/);
    assert.throws(() => ops.indexSelect(W, 0, [0.5]), /indexSelect: index 0.5/);
  });

  test('gather along axis 1 (repeated indices) and axis 0', () => {
    const x = tensor([[1, 2, 3], [4, 5, 6]], undefined, ND);
    const idx = tensor([[2, 2], [0, 1]]);
    const y = ops.gather(x, 1, idx);
    assert.deepEqual(y.toArray(), [[3, 3], [4, 5]]);
    ops.sum(y).backward();
    assert.deepEqual(gradValues(x), [0, 0, 2, 1, 1, 0]);
    const rng = new Rng(70);
    gradCheck((t) => ops.gather(t, 1, idx), [rnd([2, 3], rng)]);
    gradCheck((t) => ops.gather(t, 0, tensor([[1, 0, 1], [1, 1, 0], [0, 0, 0]])), [rnd([2, 3], rng)]);
    gradCheck((t) => ops.gather(t, -1, tensor([[[3], [0]], [[1], [1]]])), [rnd([2, 2, 4], rng)]);
    assert.throws(() => ops.gather(x, 1, tensor([[3], [0]])), /gather: index value 3 is out of range \[0, 3\) for axis 1/);
    assert.throws(() => ops.gather(x, 1, tensor([[0], [0], [0]])), /gather: index has shape \[3, 1\], expected \[2, 3\] except on axis 1/);
  });

  test('clone copies values and passes gradients through', () => {
    const x = rnd([2, 3], new Rng(71));
    const y = ops.clone(x);
    assert.notEqual(y.data, x.data);
    assert.deepEqual([...y.data], [...x.data]);
    gradCheck((t) => ops.mul(ops.clone(t), t), [x]);
    gradCheck((t) => t.clone(), [x]);
  });

  test('shape errors name what was expected and what came', () => {
    assert.throws(() => ops.reshape(zeros([2, 3]), [4, -1]), { message: 'reshape: cannot view [2, 3] (6 elements) as [4, -1]' });
    assert.throws(() => ops.reshape(zeros([2, 3]), [5]), /reshape: cannot view \[2, 3\] \(6 elements\) as \[5\]/);
    assert.throws(() => ops.squeeze(zeros([2, 3]), 0), /squeeze: axis 0 has length 2, expected 1/);
    assert.throws(() => ops.permute(zeros([2, 3]), [0, 0]), /permute: \[0, 0\] is not a permutation of 2 dimensions/);
    assert.throws(() => ops.transpose(zeros([2, 3]), 0, 2), /transpose: axis 2 is out of range for a tensor with 2 dimensions/);
    assert.throws(() => ops.sum(zeros([2, 3]), -3), /sum: axis -3 is out of range for a tensor with 2 dimensions/);
    assert.throws(() => ops.softmax(zeros([2, 3]), 2), /softmax: axis 2 is out of range/);
  });
});

describe('broadcast errors', () => {
  test('binary ops name both shapes and the failing dimension', () => {
    assert.throws(() => ops.add(zeros([2, 3]), zeros([4])), {
      message: 'add: shapes [2, 3] and [4] cannot be broadcast (dimension 1: 3 vs 4)',
    });
    assert.throws(() => ops.mul(zeros([2, 3]), zeros([3, 3])), /mul: shapes \[2, 3\] and \[3, 3\] cannot be broadcast/);
    assert.throws(() => ops.where(zeros([2]), zeros([3]), 0), /where: shapes \[2\] and \[3\] cannot be broadcast/);
  });
});

describe('dropout', () => {
  test('mask from the seeded Rng, survivors scaled by 1/(1-p), backward uses the same mask', () => {
    const p = 0.4;
    const x = rnd([4, 25], new Rng(80), 0.5, 1.5);
    const y = ops.dropout(x, p, true, new Rng(7));
    // The same draws, replayed: element k is dropped iff the k-th uniform is < p.
    const replay = new Rng(7);
    let dropped = 0;
    for (let k = 0; k < x.size; k++) {
      const keep = replay.uniform() >= p;
      if (!keep) dropped++;
      assert.equal(y.data[k], keep ? Math.fround(x.data[k] * Math.fround(1 / (1 - p))) : 0, `element ${k}`);
    }
    assert.ok(dropped > 20 && dropped < 60, `dropped ${dropped} of 100 with p = ${p}`);
    const R = uniform(y.shape, -1, 1, { rng: new Rng(81) });
    y.backward(R);
    for (let k = 0; k < x.size; k++) {
      const expected = y.data[k] === 0 ? 0 : Math.fround(R.data[k] * Math.fround(1 / (1 - p)));
      assert.equal(x.grad?.data[k], expected, `grad element ${k}`);
    }
    gradCheck((t) => ops.dropout(t, p, true, new Rng(7)), [rnd([3, 4], new Rng(82))]);
  });

  test('same seed, same mask; evaluation and p = 0 are the identity', () => {
    const x = uniform([50], 1, 2, { rng: new Rng(83) });
    assert.deepEqual([...ops.dropout(x, 0.5, true, new Rng(9)).data], [...ops.dropout(x, 0.5, true, new Rng(9)).data]);
    assert.notDeepEqual([...ops.dropout(x, 0.5, true, new Rng(9)).data], [...ops.dropout(x, 0.5, true, new Rng(10)).data]);
    assert.equal(ops.dropout(x, 0.5, false), x);
    assert.equal(ops.dropout(x, 0, true), x);
    assert.throws(() => ops.dropout(x, 1), /dropout: p must be in \[0, 1\), got 1/);
    assert.throws(() => ops.dropout(x, -0.1), /dropout: p must be in \[0, 1\), got -0.1/);
  });
});

describe('noGrad', () => {
  test('records no tape: outputs do not require grad', () => {
    const x = tensor([1, 2, 3], undefined, ND);
    const y = noGrad(() => ops.sum(ops.mul(ops.exp(x), 2)));
    assert.equal(y.requiresGrad, false);
    assert.equal(y.node, null);
    assert.throws(() => y.backward(), /backward\(\): tensor does not require grad/);
    assert.equal(x.grad, null);
    // With the tape on, the same expression records.
    const z = ops.sum(ops.mul(ops.exp(x), 2));
    assert.equal(z.requiresGrad, true);
    assert.equal(z.node?.name, 'sum');
  });

  test('restores the previous mode, also when the body throws, and nests', () => {
    assert.equal(isGradEnabled(), true);
    assert.throws(() =>
      noGrad(() => {
        throw new Error('boom');
      }),
    /boom/);
    assert.equal(isGradEnabled(), true);
    noGrad(() => {
      noGrad(() => assert.equal(isGradEnabled(), false));
      assert.equal(isGradEnabled(), false);
    });
    assert.equal(isGradEnabled(), true);
  });

  test('ops on inputs without requiresGrad record nothing either', () => {
    const y = ops.matmul(tensor([[1, 2]]), tensor([[3], [4]]));
    assert.equal(y.requiresGrad, false);
    assert.equal(y.node, null);
  });
});
