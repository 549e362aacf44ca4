/**
 * Binary cross entropy on logits, fused and stable (PyTorch's `binary_cross_entropy_with_logits`).
 *
 *   ℓ = −(w⁺ y log σ(x) + (1 − y) log(1 − σ(x)))
 *     = (1 − y) x + (1 + (w⁺ − 1) y) softplus(−x),   softplus(−x) = max(−x, 0) + log1p(e^−|x|)
 *   ∂ℓ/∂x  = (1 + (w⁺ − 1) y) σ(x) − w⁺ y
 *   ∂ℓ/∂y  = (w⁺ − 1) softplus(−x) − x
 *   ∂ℓ/∂w⁺ = y softplus(−x)
 *
 * Legend: n elements, F = size of the last dimension; posWeight w⁺ [F] broadcasts over the rows
 * (w⁺ = 1 without it). Targets are probabilities in [0, 1] (not checked, as in PyTorch).
 */
import type { PackedSequence } from '../data/packed.ts';
import { alloc } from '../tensor/alloc.ts';
import { sigmoidScalar } from '../tensor/elementwise.ts';
import { Tensor, record, shapeStr } from '../tensor/tensor.ts';
import {
  checkReduction,
  checkSameShape,
  pairData,
  reducedOutput,
  upstream,
  type In,
  type LossInput,
  type ReductionOptions,
  type Upstream,
} from './reduction.ts';

export interface BceWithLogitsOptions extends ReductionOptions {
  /** [F] weight of the positive term per column of the last dimension (class imbalance). */
  posWeight?: Tensor;
}

/** softplus(−x) = log(1 + e^−x), without overflow. */
function softplusNeg(x: number): number {
  return Math.max(-x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
}

/** out [n] = ℓ(x, y) per element; pw [F] or null. Returns Σ out in float64. */
export function bceWithLogitsForward(out: Float32Array, x: In, y: In, pw: In | null, d: { n: number; F: number }): number {
  let total = 0;
  for (let k = 0; k < d.n; k++) {
    const w = pw === null ? 1 : pw[k % d.F];
    const v = (1 - y[k]) * x[k] + (1 + (w - 1) * y[k]) * softplusNeg(x[k]);
    out[k] = v;
    total += v;
  }
  return total;
}

/** dx [n], dy [n], dpw [F] += u_k ∂ℓ/∂·, with u_k = dOut[k * stride] * scale; any may be null. */
export function bceWithLogitsBackward(
  dx: Float32Array | null,
  dy: Float32Array | null,
  dpw: Float32Array | null,
  dOut: In,
  x: In,
  y: In,
  pw: In | null,
  d: { n: number; F: number } & Upstream,
): void {
  for (let k = 0; k < d.n; k++) {
    const u = dOut[k * d.stride] * d.scale;
    const w = pw === null ? 1 : pw[k % d.F];
    if (dx) dx[k] += u * ((1 + (w - 1) * y[k]) * sigmoidScalar(x[k]) - w * y[k]);
    if (dy) dy[k] += u * ((w - 1) * softplusNeg(x[k]) - x[k]);
    if (dpw) dpw[k % d.F] += u * y[k] * softplusNeg(x[k]);
  }
}

/**
 * Binary cross entropy on logits, stable for any x. Also takes two PackedSequences packed from
 * the same lengths. Gradients flow to the logits, the target and posWeight.
 * @example const loss = bceWithLogits(logits, labels, { posWeight: tensor([3, 1]) });
 */
export function bceWithLogits(logits: Tensor, target: Tensor, opts?: BceWithLogitsOptions): Tensor;
export function bceWithLogits(logits: PackedSequence, target: PackedSequence, opts?: BceWithLogitsOptions): Tensor;
export function bceWithLogits(logitsIn: LossInput, targetIn: LossInput, opts: BceWithLogitsOptions = {}): Tensor {
  const what = 'bceWithLogits';
  const reduction = checkReduction(what, opts.reduction);
  const [logits, target] = pairData(what, logitsIn, targetIn, 'logits', 'target');
  checkSameShape(what, logits, target, 'logits');
  const F = logits.ndim === 0 ? 1 : logits.shape[logits.ndim - 1];
  const posWeight = opts.posWeight;
  if (posWeight !== undefined && (posWeight.ndim !== 1 || posWeight.shape[0] !== F)) {
    throw new Error(`${what}: posWeight has shape ${shapeStr(posWeight.shape)}, expected [${F}] (one per column of the last dimension of logits ${shapeStr(logits.shape)})`);
  }
  const n = logits.size;
  const x = logits.data;
  const y = target.data;
  const pw = posWeight === undefined ? null : posWeight.data;
  const perElement = alloc(n);
  const total = bceWithLogitsForward(perElement, x, y, pw, { n, F });
  const out = reducedOutput(perElement, logits.shape, reduction, total, n);
  const up = upstream(reduction, n);
  const inputs = posWeight === undefined ? [logits, target] : [logits, target, posWeight];
  record(what, inputs, [out], ([dOut], [dx, dy, dpw]) => {
    if (!dOut) return;
    bceWithLogitsBackward(dx, dy, dpw ?? null, dOut, x, y, pw, { n, F, ...up });
  });
  return out;
}
