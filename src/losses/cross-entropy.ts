/**
 * Cross entropy from logits and class indices, fused and stable (PyTorch's `cross_entropy` with
 * `ignore_index`, `weight` and `label_smoothing`).
 *
 * Row i with target t = y_i ≠ ignoreIndex, log-sum-exp L_i = m + log Σ_c e^(x_ic − m), smoothing ε,
 * class weights w (all 1 without `weight`), W = Σ_c w_c:
 *
 *   ℓ_i = (1 − ε) w_t (L_i − x_it) + (ε / C) Σ_c w_c (L_i − x_ic)      (0 for ignored rows)
 *   ∂ℓ_i/∂x_ic = p_ic ((1 − ε) w_t + (ε / C) W) − (1 − ε) w_t [c = t] − (ε / C) w_c,  p = softmax(x_i)
 *   mean = Σ ℓ_i / Σ_{counted i} w_{y_i}                                (the weighted mean of PyTorch)
 *
 * Legend: N rows, C classes. logits x [N, C], target y [N] class indices, weight w [C].
 * With PackedSequences, x = logits.data [N, C] and y = target.data [N, 1] (or [N]), rows in
 * packed time-major order, so the loss covers exactly the real steps.
 */
import { PackedSequence } from '../data/packed.ts';
import { alloc } from '../tensor/alloc.ts';
import { Tensor, record, shapeStr } from '../tensor/tensor.ts';
import { checkReduction, pairData, reducedOutput, upstream, type In, type ReductionOptions, type Upstream } from './reduction.ts';

/** Class indices, one per row of the logits. */
export type ClassTargets = Int32Array | readonly number[] | Tensor;

export interface CrossEntropyOptions extends ReductionOptions {
  /** Rows whose target equals this are skipped (no loss, no gradient, not counted). Default −100. */
  ignoreIndex?: number;
  /** [C] rescaling weight per class (a constant: no gradient flows to it). */
  weight?: Tensor;
  /** Mix the one-hot target with the uniform distribution: ε in [0, 1]. Default 0. */
  labelSmoothing?: number;
}

interface CEDims {
  N: number;
  C: number;
  ignoreIndex: number;
  smoothing: number;
}

/**
 * Forward: out [N] per-row losses, lse [N] log-sum-exp per row.
 * Returns the float64 sum of out and the summed weight of the counted rows (the mean's divisor).
 */
export function crossEntropyForward(out: Float32Array, lse: Float32Array, x: In, y: Int32Array, w: In | null, d: CEDims): { total: number; weightSum: number } {
  const { N, C, ignoreIndex, smoothing } = d;
  let total = 0;
  let weightSum = 0;
  for (let i = 0; i < N; i++) {
    const t = y[i];
    if (t === ignoreIndex) continue;
    const row = i * C;
    let m = -Infinity;
    for (let c = 0; c < C; c++) if (x[row + c] > m) m = x[row + c];
    let s = 0;
    for (let c = 0; c < C; c++) s += Math.exp(x[row + c] - m);
    const L = m + Math.log(s);
    lse[i] = L;
    const wt = w === null ? 1 : w[t];
    let v = (1 - smoothing) * wt * (L - x[row + t]);
    if (smoothing !== 0) {
      let smooth = 0;
      for (let c = 0; c < C; c++) smooth += (w === null ? 1 : w[c]) * (L - x[row + c]);
      v += (smoothing / C) * smooth;
    }
    out[i] = v;
    total += v;
    weightSum += wt;
  }
  return { total, weightSum };
}

/** dx [N, C] += u_i ∂ℓ_i/∂x_i·, with u_i = dOut[i * stride] * scale (see the header). */
export function crossEntropyBackward(dx: Float32Array, dOut: In, x: In, lse: In, y: Int32Array, w: In | null, d: CEDims & Upstream): void {
  const { N, C, ignoreIndex, smoothing } = d;
  let W = C;
  if (w !== null) {
    W = 0;
    for (let c = 0; c < C; c++) W += w[c];
  }
  const e = smoothing / C;
  for (let i = 0; i < N; i++) {
    const t = y[i];
    if (t === ignoreIndex) continue;
    const u = dOut[i * d.stride] * d.scale;
    const row = i * C;
    const wt = w === null ? 1 : w[t];
    const a = (1 - smoothing) * wt + e * W;
    for (let c = 0; c < C; c++) {
      const p = Math.exp(x[row + c] - lse[i]);
      dx[row + c] += u * (p * a - e * (w === null ? 1 : w[c]));
    }
    dx[row + t] -= u * (1 - smoothing) * wt;
  }
}

/** Validated class indices as Int32Array [N]. */
function classIndices(what: string, target: ClassTargets, N: number, C: number, ignoreIndex: number): Int32Array {
  let values: ArrayLike<number>;
  if (target instanceof Tensor) {
    const okShape = target.ndim === 1 || (target.ndim === 2 && target.shape[1] === 1);
    if (!okShape) throw new Error(`${what}: target has shape ${shapeStr(target.shape)}, expected [${N}] class indices`);
    values = target.data;
  } else if (target instanceof Int32Array || Array.isArray(target)) {
    values = target;
  } else {
    throw new Error(`${what}: target must be an Int32Array, a number[] or a Tensor of class indices`);
  }
  if (values.length !== N) throw new Error(`${what}: target has ${values.length} entries, logits have ${N} rows`);
  const y = new Int32Array(N);
  for (let i = 0; i < N; i++) {
    const v = values[i];
    if (!Number.isInteger(v)) throw new Error(`${what}: target[${i}] = ${String(v)} is not an integer class index`);
    if (v !== ignoreIndex && (v < 0 || v >= C)) {
      throw new Error(`${what}: target[${i}] = ${v} is out of range for ${C} classes (expected 0..${C - 1}, or ignoreIndex ${ignoreIndex})`);
    }
    y[i] = v;
  }
  return y;
}

/**
 * Cross entropy between logits [N, C] and class indices [N] (PyTorch's `cross_entropy`).
 * With two PackedSequences (logits data [N, C], target data [N, 1] of class ids, packed from the
 * same lengths), the loss covers exactly the real steps; 'none' then gives one loss per packed
 * row, in packed order.
 * @example
 * const loss = crossEntropy(logits, [3, 0, -100, 4], { labelSmoothing: 0.1 });
 * const seqLoss = crossEntropy(model.forward(packedInputs), packedTargets);
 */
export function crossEntropy(logits: Tensor, target: ClassTargets, opts?: CrossEntropyOptions): Tensor;
export function crossEntropy(logits: PackedSequence, target: PackedSequence, opts?: CrossEntropyOptions): Tensor;
export function crossEntropy(logitsIn: Tensor | PackedSequence, targetIn: ClassTargets | PackedSequence, opts: CrossEntropyOptions = {}): Tensor {
  const what = 'crossEntropy';
  const reduction = checkReduction(what, opts.reduction);
  const ignoreIndex = opts.ignoreIndex ?? -100;
  const smoothing = opts.labelSmoothing ?? 0;
  if (!Number.isInteger(ignoreIndex)) throw new Error(`${what}: ignoreIndex = ${String(ignoreIndex)}, expected an integer`);
  if (typeof smoothing !== 'number' || !(smoothing >= 0 && smoothing <= 1)) {
    throw new Error(`${what}: labelSmoothing = ${String(smoothing)}, expected a number in [0, 1]`);
  }

  let logits: Tensor;
  let target: ClassTargets;
  if (logitsIn instanceof PackedSequence || targetIn instanceof PackedSequence) {
    if (!(targetIn instanceof PackedSequence || targetIn instanceof Tensor)) {
      throw new Error(`${what}: logits is a PackedSequence but target is an array; pass target as a PackedSequence too`);
    }
    [logits, target] = pairData(what, logitsIn, targetIn, 'logits', 'target');
  } else {
    logits = logitsIn;
    target = targetIn;
  }
  if (logits.ndim !== 2) throw new Error(`${what}: logits have shape ${shapeStr(logits.shape)}, expected [N, C]`);
  const [N, C] = logits.shape;
  const y = classIndices(what, target, N, C, ignoreIndex);
  const weight = opts.weight;
  if (weight !== undefined && (weight.ndim !== 1 || weight.shape[0] !== C)) {
    throw new Error(`${what}: weight has shape ${shapeStr(weight.shape)}, expected [${C}] (one per class)`);
  }
  const w = weight === undefined ? null : weight.data;

  const x = logits.data;
  const perRow = alloc(N);
  const lse = alloc(N);
  const d: CEDims = { N, C, ignoreIndex, smoothing };
  const { total, weightSum } = crossEntropyForward(perRow, lse, x, y, w, d);
  const out = reducedOutput(perRow, [N], reduction, total, weightSum);
  const up = upstream(reduction, weightSum);
  record(what, [logits], [out], ([dOut], [dx]) => {
    if (!dOut || !dx) return;
    crossEntropyBackward(dx, dOut, x, lse, y, w, { ...d, ...up });
  });
  return out;
}
