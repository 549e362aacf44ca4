/**
 * Test helpers: a central-difference gradient checker and an element-wise closeness assertion.
 *
 * gradCheck(f, xs) compares, for every input with `requiresGrad`, the analytic gradient of
 *   L(xs) = Σ_k f(xs)[k] · R[k]
 * (R: fixed seeded random weights in [-1, 1], so that every output element matters and errors
 * cannot cancel) with the numeric one, (L(x + h·e_k) − L(x − h·e_k)) / 2h, element by element.
 *
 * Float32 caveats handled here: the perturbed value is rounded to float32 before use, so h is the
 * step actually taken, not the requested eps; and L is summed in float64 from the float32 outputs.
 * Inputs must sit further than eps from kinks (relu at 0, ties of max, clamp bounds).
 */
import assert from 'node:assert/strict';
import { Rng } from '../src/tensor/rng.ts';
import { Tensor, noGrad, shapeStr } from '../src/tensor/tensor.ts';

export interface GradCheckOptions {
  /** Half step of the central difference (default 1e-2). */
  eps?: number;
  /** Absolute tolerance (default 2e-3). */
  atol?: number;
  /** Relative tolerance, against |numeric| (default 2e-2). */
  rtol?: number;
  /** Seed of the output weights R (default 1234). */
  seed?: number;
}

export interface GradCheckResult {
  /** Number of input elements compared. */
  checked: number;
  /** Largest |analytic − numeric| over all of them. */
  maxAbsDiff: number;
}

/** Row-major coordinates of flat index k in `shape`, as "[i, j, …]". */
function coords(shape: readonly number[], k: number): string {
  const c = new Array<number>(shape.length).fill(0);
  let rest = k;
  for (let d = shape.length - 1; d >= 0; d--) {
    c[d] = rest % shape[d];
    rest = Math.floor(rest / shape[d]);
  }
  return `[${c.join(', ')}]`;
}

/** Σ_k y[k] · R[k] in float64. */
function weightedSum(y: Float32Array, R: Float32Array): number {
  let s = 0;
  for (let k = 0; k < y.length; k++) s += y[k] * R[k];
  return s;
}

/**
 * Checks the backward of `f` at `inputs` against central differences; throws an AssertionError
 * naming the worst element (input, index, analytic, numeric) when any is out of tolerance.
 * Clears `.grad` of the inputs before and after. `f` must be deterministic (seed any randomness
 * inside it).
 * @example gradCheck((a, b) => mul(a, b), [randn([2, 3], { requiresGrad: true }), randn([3])]);
 */
export function gradCheck(f: (...xs: Tensor[]) => Tensor, inputs: Tensor[], opts: GradCheckOptions = {}): GradCheckResult {
  const eps = opts.eps ?? 1e-2;
  const atol = opts.atol ?? 2e-3;
  const rtol = opts.rtol ?? 2e-2;
  const targets = inputs.map((x, i) => ({ x, i })).filter(({ x }) => x.requiresGrad);
  assert.ok(targets.length > 0, 'gradCheck: no input has requiresGrad');

  // Analytic: backprop R from the output, i.e. the gradient of Σ y ⊙ R.
  for (const x of inputs) x.grad = null;
  const y = f(...inputs);
  assert.ok(y.requiresGrad, 'gradCheck: the output does not require grad (nothing was recorded)');
  const rng = new Rng(opts.seed ?? 1234);
  const R = new Float32Array(y.size);
  for (let k = 0; k < R.length; k++) R[k] = rng.uniformRange(-1, 1);
  y.backward(new Tensor(R, y.shape));
  const analytic = targets.map(({ x }) => (x.grad ? x.grad.data.slice() : new Float32Array(x.size)));
  for (const x of inputs) x.grad = null;

  const loss = (): number => noGrad(() => weightedSum(f(...inputs).data, R));

  let checked = 0;
  let maxAbsDiff = 0;
  let worst: { excess: number; msg: string } | null = null;
  for (let t = 0; t < targets.length; t++) {
    const { x, i } = targets[t];
    for (let k = 0; k < x.size; k++) {
      const v = x.data[k];
      x.data[k] = v + eps;
      const hi = x.data[k]; // rounded to float32: the step actually taken
      const lp = loss();
      x.data[k] = v - eps;
      const lo = x.data[k];
      const lm = loss();
      x.data[k] = v;
      const numeric = (lp - lm) / (hi - lo);
      const a = analytic[t][k];
      const diff = Math.abs(a - numeric);
      const excess = diff - (atol + rtol * Math.abs(numeric));
      checked++;
      if (!(diff <= maxAbsDiff)) maxAbsDiff = diff; // also picks up NaN
      if (!(excess <= 0) && (worst === null || !(excess <= worst.excess))) {
        worst = {
          excess: Number.isNaN(excess) ? Infinity : excess,
          msg:
            `gradCheck: input ${i} (shape ${shapeStr(x.shape)}) element ${k} ${coords(x.shape, k)}: ` +
            `analytic ${a}, numeric ${numeric}, |Δ| ${diff} > atol ${atol} + rtol ${rtol}·|numeric|`,
        };
      }
    }
  }
  if (worst !== null) assert.fail(worst.msg);
  return { checked, maxAbsDiff };
}

/**
 * Asserts |actual[k] − expected[k]| ≤ atol + rtol·|expected[k]| for every k (NaN only matches NaN,
 * ±Infinity only itself); on failure reports the largest |Δ| and its index.
 * @example assertClose(y.data, [0.1, 0.2], 1e-6, 0, 'softmax row');
 */
export function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, atol: number, rtol: number, what: string): void {
  assert.equal(actual.length, expected.length, `${what}: ${actual.length} values, expected ${expected.length}`);
  let worstK = -1;
  let worstDiff = 0;
  let bad = 0;
  for (let k = 0; k < actual.length; k++) {
    const a = actual[k];
    const e = expected[k];
    if (Object.is(a, e) || (Number.isNaN(a) && Number.isNaN(e))) continue;
    const diff = Math.abs(a - e); // NaN or Infinity when only one side is non-finite
    if (diff <= atol + rtol * Math.abs(e)) continue;
    bad++;
    if (worstK < 0 || !(diff <= worstDiff)) {
      worstK = k;
      worstDiff = diff;
    }
  }
  if (bad > 0) {
    assert.fail(
      `${what}: ${bad} of ${actual.length} values differ; max |Δ| ${worstDiff} at index ${worstK} ` +
        `(actual ${actual[worstK]}, expected ${expected[worstK]}; atol ${atol}, rtol ${rtol})`,
    );
  }
}

/** The values of `t.grad` as a plain array; fails when no gradient reached `t`. */
export function gradValues(t: Tensor): number[] {
  const g = t.grad;
  assert.ok(g !== null, `no gradient reached the tensor of shape ${shapeStr(t.shape)}`);
  return Array.from(g.data);
}
