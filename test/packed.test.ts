/**
 * PackedSequence: the packed, time-major layout (rows, batchSizes, offsets, sort order), the
 * padded and length-prefixed edges and their round trips, gradients through packing, and every
 * error raised on bad input, with what its message must name.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { PackedSequence } from '../src/data/packed.ts';
import { tensor, uniform } from '../src/tensor/create.ts';
import { Rng } from '../src/tensor/rng.ts';
import { Tensor } from '../src/tensor/tensor.ts';

/** The value stored at sample b, step t, feature f in the test batches: easy to read back. */
const v = (b: number, t: number, f: number): number => 100 * b + 10 * t + f;

/** seqs[b][t][f] = v(b, t, f) for the given lengths and F features. */
function ragged(lengths: readonly number[], F: number): number[][][] {
  return lengths.map((len, b) => Array.from({ length: len }, (_, t) => Array.from({ length: F }, (_, f) => v(b, t, f))));
}

/** x [B, T, F] with v(b, t, f) on real steps and `pad` past each length. */
function padded(lengths: readonly number[], T: number, F: number, pad: number, requiresGrad = false): Tensor {
  const B = lengths.length;
  const data = new Float32Array(B * T * F);
  for (let b = 0; b < B; b++) {
    for (let t = 0; t < T; t++) for (let f = 0; f < F; f++) data[(b * T + t) * F + f] = t < lengths[b] ? v(b, t, f) : pad;
  }
  return new Tensor(data, [B, T, F], requiresGrad);
}

/** Asserts that `fn` throws an Error whose message matches every pattern. */
function throwsWith(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof Error, 'expected an Error');
    for (const p of patterns) assert.match(e.message, p);
    return true;
  });
}

// Lengths [2, 3, 1, 3]: samples 1 and 3 tie at 3 and must keep the caller's order (1 before 3).
const LENGTHS = [2, 3, 1, 3];
const F = 2;

describe('PackedSequence.fromArrays: the packed layout', () => {
  const p = PackedSequence.fromArrays(ragged(LENGTHS, F));

  test('sorts by length, longest first, ties in the caller order', () => {
    assert.deepEqual(Array.from(p.sortedIndices), [1, 3, 0, 2]);
    assert.deepEqual(Array.from(p.unsortedIndices), [2, 0, 3, 1]);
    assert.deepEqual(Array.from(p.lengths), LENGTHS);
  });

  test('batchSizes, offsets and sizes', () => {
    assert.deepEqual(Array.from(p.batchSizes), [4, 3, 2]);
    assert.deepEqual(Array.from(p.offsets), [0, 4, 7, 9]);
    assert.equal(p.batchSize, 4);
    assert.equal(p.maxLength, 3);
    assert.equal(p.features, F);
    assert.equal(p.rows, 9);
    assert.deepEqual(p.data.shape, [9, F]);
  });

  test('data is time-major, each step in sorted order, row by row', () => {
    // [sample, step] of each packed row
    const rows: [number, number][] = [
      [1, 0], [3, 0], [0, 0], [2, 0], // t = 0: all four
      [1, 1], [3, 1], [0, 1], //         t = 1: sample 2 (length 1) has ended
      [1, 2], [3, 2], //                 t = 2: only the two of length 3
    ];
    rows.forEach(([b, t], r) => {
      assert.deepEqual(Array.from(p.data.data.subarray(r * F, (r + 1) * F)), [v(b, t, 0), v(b, t, 1)], `row ${r}`);
    });
  });

  test('rowOf points at the row holding (sample, step)', () => {
    for (let b = 0; b < LENGTHS.length; b++) {
      for (let t = 0; t < LENGTHS[b]; t++) assert.equal(p.data.data[p.rowOf(b, t) * F], v(b, t, 0), `sample ${b}, step ${t}`);
    }
    assert.equal(p.rowOf(0, 1), 6);
  });

  test('toArrays gives back the ragged input in the caller order', () => {
    assert.deepEqual(p.toArrays(), ragged(LENGTHS, F));
  });

  test('a single sequence and equal lengths', () => {
    const one = PackedSequence.fromArrays([[[1], [2], [3]]]);
    assert.deepEqual(Array.from(one.batchSizes), [1, 1, 1]);
    assert.deepEqual(Array.from(one.data.data), [1, 2, 3]);
    const eq = PackedSequence.fromArrays(ragged([2, 2, 2], 1));
    assert.deepEqual(Array.from(eq.sortedIndices), [0, 1, 2]);
    assert.deepEqual(Array.from(eq.data.data), [v(0, 0, 0), v(1, 0, 0), v(2, 0, 0), v(0, 1, 0), v(1, 1, 0), v(2, 1, 0)]);
  });

  test('withData keeps the layout; sameLayout compares lengths in order', () => {
    const q = p.withData(tensor(Array.from({ length: 9 * 3 }, (_, k) => k), [9, 3]));
    assert.deepEqual(Array.from(q.batchSizes), [4, 3, 2]);
    assert.deepEqual(Array.from(q.sortedIndices), [1, 3, 0, 2]);
    assert.equal(q.features, 3);
    assert.ok(p.sameLayout(q));
    assert.ok(!p.sameLayout(PackedSequence.fromArrays(ragged([3, 2, 1, 3], F))));
    throwsWith(() => p.withData(tensor([1, 2, 3, 4], [2, 2])), /withData/, /\[2, 2\]/, /expected \[9, F\]/);
  });
});

describe('PackedSequence.fromPadded and toPadded', () => {
  const T = 4;

  test('packs the same rows as fromArrays', () => {
    const a = PackedSequence.fromPadded(padded(LENGTHS, T, F, 0), LENGTHS);
    const b = PackedSequence.fromArrays(ragged(LENGTHS, F));
    assert.deepEqual(Array.from(a.data.data), Array.from(b.data.data));
    assert.deepEqual(Array.from(a.batchSizes), Array.from(b.batchSizes));
    assert.deepEqual(Array.from(a.sortedIndices), Array.from(b.sortedIndices));
  });

  test('round trip in the caller order, zeros past each length (input padded with 7)', () => {
    const p = PackedSequence.fromPadded(padded(LENGTHS, T, F, 7), LENGTHS);
    const { data, lengths } = p.toPadded();
    assert.deepEqual(Array.from(lengths), LENGTHS);
    // default length: the longest sequence (3), not the input's 4 steps
    assert.deepEqual(data.shape, [4, 3, F]);
    assert.deepEqual(Array.from(data.data), Array.from(padded(LENGTHS, 3, F, 0).data));
  });

  test('custom padValue and totalLength', () => {
    const p = PackedSequence.fromPadded(padded(LENGTHS, T, F, 0), LENGTHS);
    const { data } = p.toPadded(-1, 5);
    assert.deepEqual(data.shape, [4, 5, F]);
    assert.deepEqual(Array.from(data.data), Array.from(padded(LENGTHS, 5, F, -1).data));
    const nan = p.toPadded(Number.NaN).data;
    assert.ok(Number.isNaN(nan.data[(2 * 3 + 1) * F]), 'sample 2, step 1 is padding');
    assert.equal(nan.data[(2 * 3 + 0) * F], v(2, 0, 0));
    throwsWith(() => p.toPadded(0, 2), /totalLength 2/, /longest sequence \(3\)/);
  });

  test('toPadded returns a copy of the lengths', () => {
    const p = PackedSequence.fromPadded(padded(LENGTHS, T, F, 0), LENGTHS);
    p.toPadded().lengths[0] = 99;
    assert.equal(p.lengths[0], 2);
  });

  test('gradients flow back into the padded tensor, zero past each length', () => {
    const x = padded(LENGTHS, T, F, 0, true);
    const p = PackedSequence.fromPadded(x, LENGTHS);
    const y = p.toPadded(0, T).data; // [B, T, F]
    // loss = Σ y ⊙ w with w[k] = k + 1, so dloss/dx[k] = k + 1 on real steps and 0 on pads
    const w = tensor(Array.from({ length: y.size }, (_, k) => k + 1), y.shape);
    y.mul(w).sum().backward();
    const expected = Array.from(padded(LENGTHS, T, F, 0).data, (_, k) => {
      const b = Math.floor(k / (T * F));
      const t = Math.floor(k / F) % T;
      return t < LENGTHS[b] ? k + 1 : 0;
    });
    assert.deepEqual(Array.from(x.grad!.data), expected);
  });

  test('gradients accumulate: packing the same tensor twice doubles them', () => {
    const x = padded(LENGTHS, T, F, 0, true);
    const a = PackedSequence.fromPadded(x, LENGTHS).data;
    const b = PackedSequence.fromPadded(x, LENGTHS).data;
    a.add(b).sum().backward();
    const expected = Array.from(x.data, (_, k) => (Math.floor(k / F) % T < LENGTHS[Math.floor(k / (T * F))] ? 2 : 0));
    assert.deepEqual(Array.from(x.grad!.data), expected);
  });

  test('gradients through a packed-space op land on the right padded elements', () => {
    // loss = Σ packed.data ⊙ w: packed row r of (sample b, step t) sends w[r] back to x[b, t]
    const x = padded(LENGTHS, T, F, 0, true);
    const p = PackedSequence.fromPadded(x, LENGTHS);
    const w = tensor(Array.from({ length: p.data.size }, (_, k) => 1000 + k), p.data.shape);
    p.data.mul(w).sum().backward();
    const g = x.grad!.data;
    for (let b = 0; b < LENGTHS.length; b++) {
      for (let t = 0; t < T; t++) {
        for (let f = 0; f < F; f++) {
          const want = t < LENGTHS[b] ? 1000 + p.rowOf(b, t) * F + f : 0;
          assert.equal(g[(b * T + t) * F + f], want, `x.grad[${b}, ${t}, ${f}]`);
        }
      }
    }
  });

  test('NaN and Infinity in the padding are accepted (never read)', () => {
    const x = padded(LENGTHS, T, F, Number.NaN);
    x.data[(0 * T + 3) * F + 1] = Number.POSITIVE_INFINITY;
    const p = PackedSequence.fromPadded(x, LENGTHS);
    assert.ok(p.data.data.every(Number.isFinite));
    assert.deepEqual(p.toArrays(), ragged(LENGTHS, F));
  });

  test('lengths may be any ArrayLike (Float32Array of integers)', () => {
    const p = PackedSequence.fromPadded(padded(LENGTHS, T, F, 0), Float32Array.from(LENGTHS));
    assert.deepEqual(Array.from(p.lengths), LENGTHS);
  });
});

describe('PackedSequence.fromLengthPrefixed', () => {
  const T = 4;
  /** [B, T + 1, F]: row 0 holds the length in feature 0, rows 1..T the steps. */
  function prefixed(lengths: readonly number[], pad: number): number[][][] {
    return lengths.map((len, b) => [
      Array.from({ length: F }, (_, f) => (f === 0 ? len : 0)),
      ...Array.from({ length: T }, (_, t) => Array.from({ length: F }, (_, f) => (t < len ? v(b, t, f) : pad))),
    ]);
  }

  test('nested arrays give the same as fromPadded', () => {
    const a = PackedSequence.fromLengthPrefixed(prefixed(LENGTHS, 5));
    const b = PackedSequence.fromPadded(padded(LENGTHS, T, F, 0), LENGTHS);
    assert.deepEqual(Array.from(a.lengths), LENGTHS);
    assert.deepEqual(Array.from(a.data.data), Array.from(b.data.data));
    assert.deepEqual(Array.from(a.batchSizes), Array.from(b.batchSizes));
    assert.deepEqual(Array.from(a.sortedIndices), Array.from(b.sortedIndices));
    assert.equal(a.maxLength, 3);
  });

  test('a Tensor gives the same, and gradients reach the step rows only', () => {
    const x = tensor(prefixed(LENGTHS, 5), undefined, { requiresGrad: true });
    assert.deepEqual(x.shape, [4, T + 1, F]);
    const a = PackedSequence.fromLengthPrefixed(x);
    assert.deepEqual(a.toArrays(), ragged(LENGTHS, F));
    a.data.sum().backward();
    const g = x.grad!.data;
    for (let b = 0; b < LENGTHS.length; b++) {
      for (let row = 0; row <= T; row++) {
        const want = row >= 1 && row <= LENGTHS[b] ? 1 : 0; // row 0 (the length) gets nothing
        for (let f = 0; f < F; f++) assert.equal(g[(b * (T + 1) + row) * F + f], want, `grad[${b}, ${row}, ${f}]`);
      }
    }
  });

  test('errors: length out of range or not an integer, ragged rows, wrong rank', () => {
    const bad = (len: number): number[][][] => {
      const x = prefixed(LENGTHS, 0);
      x[2][0][0] = len;
      return x;
    };
    throwsWith(() => PackedSequence.fromLengthPrefixed(bad(0)), /sample 2 has length 0/, /x\[2\]\[0\]\[0\]/, /1\.\.4/);
    throwsWith(() => PackedSequence.fromLengthPrefixed(bad(5)), /sample 2 has length 5/, /1\.\.4/);
    throwsWith(() => PackedSequence.fromLengthPrefixed(bad(1.5)), /sample 2 has length 1\.5/, /integer/);
    throwsWith(() => PackedSequence.fromLengthPrefixed(bad(Number.NaN)), /sample 2 has length NaN/);
    const shortSample = prefixed(LENGTHS, 0);
    shortSample[1].pop();
    throwsWith(() => PackedSequence.fromLengthPrefixed(shortSample), /sample 1 has 4 rows, expected 5/);
    const shortRow = prefixed(LENGTHS, 0);
    shortRow[3][2] = [1];
    throwsWith(() => PackedSequence.fromLengthPrefixed(shortRow), /sample 3, row 2 has 1 features, expected 2/);
    throwsWith(() => PackedSequence.fromLengthPrefixed(tensor([1, 2, 3, 4], [2, 2])), /shape \[2, 2\]/, /\[B, T \+ 1, D\]/);
    throwsWith(() => PackedSequence.fromLengthPrefixed(tensor([1, 2], [2, 1, 1])), /shape \[2, 1, 1\]/, /T ≥ 1/);
  });

  test('NaN in a real step is reported with its step index (rows counted from 1 → steps from 0)', () => {
    const x = prefixed(LENGTHS, Number.NaN); // NaN padding is fine
    assert.doesNotThrow(() => PackedSequence.fromLengthPrefixed(x));
    x[1][3][1] = Number.NaN; // sample 1, row 3 = step 2
    throwsWith(() => PackedSequence.fromLengthPrefixed(x), /sample 1, step 2, feature 1 is NaN/);
  });
});

describe('PackedSequence errors', () => {
  const T = 3;

  test('length 0', () => {
    throwsWith(() => PackedSequence.fromPadded(padded([2, 0], T, F, 0), [2, 0]), /fromPadded/, /sample 1 has length 0/, /at least 1/);
    throwsWith(() => PackedSequence.fromArrays([[[1]], []]), /fromArrays/, /sample 1 has length 0/, /at least 1/);
    // the first sample empty: still reported as a length, not as a malformed batch
    throwsWith(() => PackedSequence.fromArrays([[], [[1]]]), /fromArrays/, /sample 0 has length 0/, /at least 1/);
  });

  test('length above T', () => {
    throwsWith(() => PackedSequence.fromPadded(padded([2, 3], T, F, 0), [2, 4]), /sample 1 has length 4/, /3 padded steps/);
  });

  test('non-integer, NaN and negative lengths', () => {
    const x = padded([2, 3], T, F, 0);
    throwsWith(() => PackedSequence.fromPadded(x, [2.5, 3]), /sample 0 has length 2\.5/, /integer in 1\.\.3/);
    throwsWith(() => PackedSequence.fromPadded(x, [2, Number.NaN]), /sample 1 has length NaN/, /integer in 1\.\.3/);
    throwsWith(() => PackedSequence.fromPadded(x, [-1, 3]), /sample 0 has length -1/);
    throwsWith(() => PackedSequence.fromPadded(x, [2 ** 32 + 1, 3]), /sample 0 has length 4294967297/);
  });

  test('wrong number of lengths', () => {
    throwsWith(() => PackedSequence.fromPadded(padded([2, 3], T, F, 0), [2]), /1 lengths given for a batch of 2 samples/);
    throwsWith(() => PackedSequence.fromPadded(padded([2, 3], T, F, 0), [2, 3, 1]), /3 lengths given for a batch of 2 samples/);
  });

  test('a feature count that disagrees names the sample and step', () => {
    const seqs = ragged([2, 3, 1], F);
    seqs[1][2] = [1, 2, 3];
    throwsWith(() => PackedSequence.fromArrays(seqs), /sample 1, step 2 has 3 features, expected 2/);
    const notArray = ragged([2, 3, 1], F) as unknown as unknown[][];
    notArray[2][0] = 4;
    throwsWith(() => PackedSequence.fromArrays(notArray as number[][][]), /sample 2, step 0 has no features/);
  });

  test('NaN and Infinity in real steps name sample, step and feature', () => {
    const seqs = ragged([2, 3], F);
    seqs[1][2][1] = Number.NaN;
    throwsWith(() => PackedSequence.fromArrays(seqs), /fromArrays/, /sample 1, step 2, feature 1 is NaN/);
    seqs[1][2][1] = 0;
    seqs[0][1][0] = Number.NEGATIVE_INFINITY;
    throwsWith(() => PackedSequence.fromArrays(seqs), /sample 0, step 1, feature 0 is -Infinity/);

    const x = padded([2, 3], T, F, Number.NaN);
    x.data[(1 * T + 2) * F + 0] = Number.POSITIVE_INFINITY;
    throwsWith(() => PackedSequence.fromPadded(x, [2, 3]), /fromPadded/, /sample 1, step 2, feature 0 is Infinity/);
    x.data[(1 * T + 2) * F + 0] = 0;
    x.data[(0 * T + 1) * F + 1] = Number.NaN;
    throwsWith(() => PackedSequence.fromPadded(x, [2, 3]), /sample 0, step 1, feature 1 is NaN/);
    assert.doesNotThrow(() => PackedSequence.fromPadded(x, [1, 3]), 'the NaN is padding when sample 0 has length 1');
  });

  test('empty batch', () => {
    throwsWith(() => PackedSequence.fromArrays([]), /fromArrays/, /no sequences/);
    throwsWith(() => PackedSequence.fromPadded(new Tensor(new Float32Array(0), [0, 3, 2]), []), /fromPadded/, /empty batch/);
  });

  test('wrong rank', () => {
    throwsWith(() => PackedSequence.fromPadded(tensor([1, 2, 3, 4, 5, 6], [2, 3]), [3, 3]), /shape \[2, 3\]/, /expected \[B, T, D\]/);
    throwsWith(
      () => PackedSequence.fromPadded(uniform([1, 2, 2, 1], 0, 1, { rng: new Rng(1) }), [2]),
      /shape \[1, 2, 2, 1\]/,
      /expected \[B, T, D\]/,
    );
    throwsWith(() => PackedSequence.fromArrays([[1, 2]] as unknown as number[][][]), /expected number\[\]\[\]\[\]/);
    throwsWith(() => PackedSequence.fromArrays([[[1]], 5] as unknown as number[][][]), /sample 1 is not an array of steps/);
  });
});

describe('toPadded backward without pads (in place)', () => {
  // Every sample has T steps: the padded gradient becomes the packed one by a row permutation
  // done in its own buffer. Checked against the packed gradient computed by index, alone and
  // when another op has already sent a gradient into the packed data (the accumulating path).
  const B = 5;
  const T = 4;
  const F = 3;
  const rng = new Rng(8);
  const base = uniform([B, T, F], -1, 1, { rng });
  const w = uniform([B, T, F], -1, 1, { rng });
  const v = uniform([B * T, F], -1, 1, { rng });
  const expected = (withV: boolean): number[] => {
    const p = PackedSequence.fromPadded(base, new Array<number>(B).fill(T));
    const out: number[] = [];
    for (let r = 0; r < B * T; r++) {
      // packed row r is step t of sample b: its gradient is w[b, t] (+ v[r])
      let b = 0;
      let t = 0;
      for (let bb = 0; bb < B; bb++) for (let tt = 0; tt < T; tt++) if (p.rowOf(bb, tt) === r) [b, t] = [bb, tt];
      for (let f = 0; f < F; f++) out.push(w.data[(b * T + t) * F + f] + (withV ? v.data[r * F + f] : 0));
    }
    return out;
  };
  for (const withV of [false, true]) {
    test(withV ? 'with a gradient already in the packed data' : 'alone', () => {
      const leaf = tensor(new Float32Array(B * T * F), [B * T, F], { requiresGrad: true });
      const p = PackedSequence.fromPadded(base, new Array<number>(B).fill(T));
      const data = p.data.add(leaf); // non-leaf packed data, gradient = its own
      const y = p.withData(data).toPadded().data;
      let loss = y.mul(w).sum();
      if (withV) loss = loss.add(data.mul(v).sum());
      loss.backward();
      const got = Array.from(leaf.grad!.data);
      const want = expected(withV);
      got.forEach((g, i) => assert.ok(Math.abs(g - want[i]) < 1e-6, `row ${Math.floor(i / F)}: ${g} vs ${want[i]}`));
    });
  }
});
