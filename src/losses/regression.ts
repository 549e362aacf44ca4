/**
 * Regression losses, fused (one tape node each), PyTorch's definitions with d = input − target:
 *
 *   mse:          d²
 *   l1:           |d|                       (slope sign(d), 0 at d = 0)
 *   huber(δ):     ½ d²            if |d| < δ
 *                 δ (|d| − ½ δ)   otherwise (slope clamp(d, −δ, δ))
 *
 * Legend: n elements; input and target have the same shape (no broadcasting), or are two
 * PackedSequences packed from the same lengths ([N, F] rows). Gradients flow to both.
 */
import type { PackedSequence } from '../data/packed.ts';
import { alloc } from '../tensor/alloc.ts';
import { Tensor, record } from '../tensor/tensor.ts';
import {
  checkReduction,
  checkSameShape,
  pairData,
  reducedOutput,
  upstream,
  type In,
  type LossInput,
  type Reduction,
  type ReductionOptions,
  type Upstream,
} from './reduction.ts';

/** A pointwise loss of d = input − target and its derivative in d. */
export interface PointLoss {
  value(d: number): number;
  slope(d: number): number;
}

const MSE: PointLoss = {
  value: (d) => d * d,
  slope: (d) => 2 * d,
};

const L1: PointLoss = {
  value: (d) => Math.abs(d),
  slope: (d) => (d > 0 ? 1 : d < 0 ? -1 : 0),
};

function huber(delta: number): PointLoss {
  return {
    value: (d) => {
      const a = Math.abs(d);
      return a < delta ? 0.5 * d * d : delta * (a - 0.5 * delta);
    },
    slope: (d) => (d <= -delta ? -delta : d >= delta ? delta : d),
  };
}

/** out [n] = f(x − t) per element; returns Σ out in float64. */
export function pointLossForward(out: Float32Array, x: In, t: In, f: PointLoss, d: { n: number }): number {
  let total = 0;
  for (let k = 0; k < d.n; k++) {
    const v = f.value(x[k] - t[k]);
    out[k] = v;
    total += v;
  }
  return total;
}

/** dx [n] += u_k f'(x − t), dt [n] −= u_k f'(x − t), with u_k = dOut[k * stride] * scale. */
export function pointLossBackward(dx: Float32Array | null, dt: Float32Array | null, dOut: In, x: In, t: In, f: PointLoss, d: { n: number } & Upstream): void {
  for (let k = 0; k < d.n; k++) {
    const g = dOut[k * d.stride] * d.scale * f.slope(x[k] - t[k]);
    if (dx) dx[k] += g;
    if (dt) dt[k] -= g;
  }
}

function pointLoss(what: string, inputIn: LossInput, targetIn: LossInput, f: PointLoss, reductionIn: Reduction | undefined): Tensor {
  const reduction = checkReduction(what, reductionIn);
  const [input, target] = pairData(what, inputIn, targetIn, 'input', 'target');
  checkSameShape(what, input, target);
  const n = input.size;
  const x = input.data;
  const t = target.data;
  const perElement = alloc(n);
  const total = pointLossForward(perElement, x, t, f, { n });
  const out = reducedOutput(perElement, input.shape, reduction, total, n);
  const up = upstream(reduction, n);
  record(what, [input, target], [out], ([dOut], [dx, dt]) => {
    if (!dOut) return;
    pointLossBackward(dx, dt, dOut, x, t, f, { n, ...up });
  });
  return out;
}

/**
 * Mean squared error, (input − target)² per element (PyTorch's `mse_loss`).
 * Also takes two PackedSequences packed from the same lengths.
 * @example const loss = mseLoss(pred, target); // 0-d tensor
 */
export function mseLoss(input: Tensor, target: Tensor, opts?: ReductionOptions): Tensor;
export function mseLoss(input: PackedSequence, target: PackedSequence, opts?: ReductionOptions): Tensor;
export function mseLoss(input: LossInput, target: LossInput, opts: ReductionOptions = {}): Tensor {
  return pointLoss('mseLoss', input, target, MSE, opts.reduction);
}

/**
 * Mean absolute error, |input − target| per element (PyTorch's `l1_loss`).
 * @example const loss = l1Loss(pred, target, { reduction: 'sum' });
 */
export function l1Loss(input: Tensor, target: Tensor, opts?: ReductionOptions): Tensor;
export function l1Loss(input: PackedSequence, target: PackedSequence, opts?: ReductionOptions): Tensor;
export function l1Loss(input: LossInput, target: LossInput, opts: ReductionOptions = {}): Tensor {
  return pointLoss('l1Loss', input, target, L1, opts.reduction);
}

export interface HuberOptions extends ReductionOptions {
  /** Where the loss turns from quadratic to linear (default 1, > 0). */
  delta?: number;
}

/**
 * Huber loss (PyTorch's `huber_loss`): ½ d² for |d| < delta, delta (|d| − ½ delta) beyond.
 * @example const loss = huberLoss(pred, target, { delta: 0.5 });
 */
export function huberLoss(input: Tensor, target: Tensor, opts?: HuberOptions): Tensor;
export function huberLoss(input: PackedSequence, target: PackedSequence, opts?: HuberOptions): Tensor;
export function huberLoss(input: LossInput, target: LossInput, opts: HuberOptions = {}): Tensor {
  const delta = opts.delta ?? 1;
  if (typeof delta !== 'number' || !(delta > 0) || !Number.isFinite(delta)) {
    throw new Error(`huberLoss: delta = ${String(delta)}, expected a finite number > 0`);
  }
  return pointLoss('huberLoss', input, target, huber(delta), opts.reduction);
}
