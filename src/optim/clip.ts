/**
 * Gradient clipping, in place on `param.grad`: PyTorch 1.13's `clip_grad_norm_` and
 * `clip_grad_value_`. Parameters whose grad is null are skipped.
 */
import type { Tensor } from '../tensor/tensor.ts';

/**
 * Scale all gradients together so that their joint `normType`-norm is at most `maxNorm`.
 * As PyTorch: total = ‖concat(grads)‖_p (p = Infinity: the largest |g|), and every grad is
 * multiplied by min(1, maxNorm / (total + 1e-6)). Returns the total norm before clipping
 * (0 when no parameter has a gradient; NaN or Infinity propagate into the grads, as in PyTorch).
 * @example
 * loss.backward();
 * const norm = clipGradNorm(model.parameters(), 1.0);
 * opt.step();
 */
export function clipGradNorm(params: Iterable<Tensor>, maxNorm: number, normType = 2): number {
  if (typeof maxNorm !== 'number' || !(maxNorm >= 0)) {
    throw new Error(`clipGradNorm: maxNorm = ${String(maxNorm)}, expected a number ≥ 0`);
  }
  if (typeof normType !== 'number' || !(normType > 0)) {
    throw new Error(`clipGradNorm: normType = ${String(normType)}, expected a number > 0 or Infinity`);
  }
  const grads: Float32Array[] = [];
  for (const p of params) if (p.grad !== null) grads.push(p.grad.data);
  if (grads.length === 0) return 0;

  let total: number;
  if (normType === Infinity) {
    total = 0;
    for (const g of grads) {
      for (let k = 0; k < g.length; k++) {
        const a = Math.abs(g[k]);
        if (a > total || Number.isNaN(a)) total = a;
      }
    }
  } else {
    // Accumulate Σ|g|^p in float64 across all gradients, then take the p-th root once.
    let acc = 0;
    for (const g of grads) {
      if (normType === 2) for (let k = 0; k < g.length; k++) acc += g[k] * g[k];
      else if (normType === 1) for (let k = 0; k < g.length; k++) acc += Math.abs(g[k]);
      else for (let k = 0; k < g.length; k++) acc += Math.abs(g[k]) ** normType;
    }
    total = normType === 2 ? Math.sqrt(acc) : normType === 1 ? acc : acc ** (1 / normType);
  }

  // PyTorch multiplies by the clamped coefficient unconditionally; a factor of exactly 1 is a no-op.
  const coef = Math.min(maxNorm / (total + 1e-6), 1);
  if (coef !== 1) {
    for (const g of grads) for (let k = 0; k < g.length; k++) g[k] *= coef;
  }
  return total;
}

/**
 * Clamp every gradient element to [−clipValue, clipValue] (PyTorch's `clip_grad_value_`).
 * @example loss.backward(); clipGradValue(model.parameters(), 0.5); opt.step();
 */
export function clipGradValue(params: Iterable<Tensor>, clipValue: number): void {
  if (typeof clipValue !== 'number' || !(clipValue >= 0)) {
    throw new Error(`clipGradValue: clipValue = ${String(clipValue)}, expected a number ≥ 0`);
  }
  for (const p of params) {
    if (p.grad === null) continue;
    const g = p.grad.data;
    for (let k = 0; k < g.length; k++) {
      if (g[k] > clipValue) g[k] = clipValue;
      else if (g[k] < -clipValue) g[k] = -clipValue;
    }
  }
}
