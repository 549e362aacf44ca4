/**
 * Adam and AdamW: PyTorch 1.13 `torch.optim.Adam` / `torch.optim.AdamW` (single-tensor path).
 *
 *   t ← t + 1
 *   p ← p (1 − lr λ)                              AdamW only (decoupled weight decay)
 *   g ← g + λ p                                    Adam only (L2 weight decay, λ ≠ 0)
 *   m ← β1 m + (1 − β1) g
 *   v ← β2 v + (1 − β2) g²
 *   v̂ ← max(v̂, v)                                amsgrad only; v̂ replaces v below
 *   p ← p − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
 *
 * Legend: n elements of one parameter. Buffers: expAvg m [n], expAvgSq v [n], maxExpAvgSq v̂ [n]
 * (amsgrad only).
 */
import type { Tensor } from '../tensor/tensor.ts';
import { alloc } from '../tensor/alloc.ts';
import {
  Optimizer,
  checkNonNegative,
  checkUnitInterval,
  copyBuffers,
  emptyBuffers,
  type BaseState,
  type Buffers,
  type In,
  type OptimizerState,
} from './optimizer.ts';

export interface AdamOptions {
  lr?: number;
  betas?: readonly [number, number];
  eps?: number;
  weightDecay?: number;
  amsgrad?: boolean;
}

/** Adam / AdamW options with every default filled in. */
export interface AdamConfig {
  lr: number;
  betas: [number, number];
  eps: number;
  weightDecay: number;
  amsgrad: boolean;
}

export interface AdamState extends BaseState {
  kind: 'adam' | 'adamw';
  options: AdamConfig;
  buffers: { expAvg: Buffers; expAvgSq: Buffers; maxExpAvgSq: Buffers };
}

/**
 * One Adam(W) update of one parameter at step `t` (1-based). p [n] is updated in place, and so
 * are m [n], v [n] and vMax [n] (null unless amsgrad). `decoupled` selects AdamW's weight decay.
 */
export function adamUpdate(
  p: Float32Array,
  m: Float32Array,
  v: Float32Array,
  vMax: Float32Array | null,
  g: In,
  o: AdamConfig,
  t: number,
  decoupled: boolean,
): void {
  const { lr, eps, weightDecay } = o;
  const [beta1, beta2] = o.betas;
  const stepSize = lr / (1 - beta1 ** t);
  const bc2Sqrt = Math.sqrt(1 - beta2 ** t);
  const n = p.length;
  // The same float64 arithmetic in the same order as the general loop below, for the common case
  // (no decay, no amsgrad) with the loop-invariant tests lifted out: about 2× faster.
  if (vMax === null && weightDecay === 0) {
    const c1 = 1 - beta1;
    const c2 = 1 - beta2;
    for (let k = 0; k < n; k++) {
      const gk = g[k];
      const mk = beta1 * m[k] + c1 * gk;
      const vk = beta2 * v[k] + c2 * gk * gk;
      m[k] = mk;
      v[k] = vk;
      p[k] = p[k] - (stepSize * mk) / (Math.sqrt(vk) / bc2Sqrt + eps);
    }
    return;
  }
  const decay = decoupled ? 1 - lr * weightDecay : 1;
  for (let k = 0; k < n; k++) {
    const pk = p[k] * decay;
    const gk = !decoupled && weightDecay !== 0 ? g[k] + weightDecay * pk : g[k];
    const mk = beta1 * m[k] + (1 - beta1) * gk;
    const vk = beta2 * v[k] + (1 - beta2) * gk * gk;
    m[k] = mk;
    v[k] = vk;
    let vUsed = vk;
    if (vMax !== null) {
      vUsed = Math.max(vMax[k], vk);
      vMax[k] = vUsed;
    }
    p[k] = pk - (stepSize * mk) / (Math.sqrt(vUsed) / bc2Sqrt + eps);
  }
}

export function resolveAdam(options: AdamOptions, decoupled: boolean): AdamConfig {
  const what = decoupled ? 'AdamW' : 'Adam';
  const betas = options.betas ?? [0.9, 0.999];
  if (!Array.isArray(betas) || betas.length !== 2) throw new Error(`${what}: betas must be a pair [beta1, beta2]`);
  const o: AdamConfig = {
    lr: options.lr ?? 1e-3,
    betas: [betas[0], betas[1]],
    eps: options.eps ?? 1e-8,
    weightDecay: options.weightDecay ?? (decoupled ? 1e-2 : 0),
    amsgrad: options.amsgrad ?? false,
  };
  checkNonNegative(what, 'lr', o.lr);
  checkUnitInterval(what, 'betas[0]', o.betas[0]);
  checkUnitInterval(what, 'betas[1]', o.betas[1]);
  checkNonNegative(what, 'eps', o.eps);
  checkNonNegative(what, 'weightDecay', o.weightDecay);
  return o;
}

/** The shared body of Adam and AdamW; they differ only in where weight decay enters. */
abstract class AdamBase extends Optimizer {
  abstract override readonly kind: 'adam' | 'adamw';
  private readonly decoupled: boolean;
  private options: AdamConfig;
  private expAvg: Buffers;
  private expAvgSq: Buffers;
  private maxExpAvgSq: Buffers;

  protected constructor(params: Iterable<Tensor>, options: AdamOptions, decoupled: boolean) {
    const o = resolveAdam(options, decoupled);
    super(params, o.lr, decoupled ? 'AdamW' : 'Adam');
    this.decoupled = decoupled;
    this.options = o;
    this.expAvg = emptyBuffers(this.params.length);
    this.expAvgSq = emptyBuffers(this.params.length);
    this.maxExpAvgSq = emptyBuffers(this.params.length);
  }

  protected update(i: number, p: Float32Array, g: In, step: number): void {
    this.options.lr = this.lr;
    let m = this.expAvg[i];
    let v = this.expAvgSq[i];
    if (m === null || v === null) {
      m = this.expAvg[i] = alloc(p.length);
      v = this.expAvgSq[i] = alloc(p.length);
    }
    let vMax: Float32Array | null = null;
    if (this.options.amsgrad) {
      vMax = this.maxExpAvgSq[i];
      if (vMax === null) vMax = this.maxExpAvgSq[i] = alloc(p.length);
    }
    adamUpdate(p, m, v, vMax, g, this.options, step, this.decoupled);
  }

  stateDict(): AdamState {
    return {
      kind: this.kind,
      options: { ...this.options, betas: [this.options.betas[0], this.options.betas[1]], lr: this.lr },
      steps: [...this.steps],
      buffers: {
        expAvg: copyBuffers(this.expAvg),
        expAvgSq: copyBuffers(this.expAvgSq),
        maxExpAvgSq: copyBuffers(this.maxExpAvgSq),
      },
    };
  }

  loadStateDict(state: OptimizerState): void {
    if (state.kind !== this.kind) throw this.wrongKind(state);
    if (state.kind !== 'adam' && state.kind !== 'adamw') throw this.wrongKind(state); // narrows the type
    this.checkState(state);
    const o = resolveAdam(state.options, this.decoupled);
    const stepped = (i: number): boolean => state.steps[i] > 0;
    const expAvg = emptyBuffers(this.params.length);
    const expAvgSq = emptyBuffers(this.params.length);
    const maxExpAvgSq = emptyBuffers(this.params.length);
    this.loadBuffers('expAvg', expAvg, state.buffers.expAvg, stepped);
    this.loadBuffers('expAvgSq', expAvgSq, state.buffers.expAvgSq, stepped);
    this.loadBuffers('maxExpAvgSq', maxExpAvgSq, state.buffers.maxExpAvgSq, (i) => o.amsgrad && stepped(i));
    this.loadSteps(state.steps);
    this.options = o;
    this.lr = o.lr;
    this.expAvg = expAvg;
    this.expAvgSq = expAvgSq;
    this.maxExpAvgSq = maxExpAvgSq;
  }
}

/**
 * Adam with L2 weight decay added to the gradient (PyTorch's `torch.optim.Adam`).
 * Defaults: lr 1e-3, betas [0.9, 0.999], eps 1e-8, weightDecay 0, amsgrad false.
 * @example const opt = new Adam(model.parameters(), { lr: 1e-3 });
 */
export class Adam extends AdamBase {
  readonly kind = 'adam';
  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super(params, options, false);
  }
}

/**
 * Adam with decoupled weight decay (PyTorch's `torch.optim.AdamW`): p ← p (1 − lr λ) before the
 * Adam step. Defaults as Adam, but weightDecay 1e-2.
 * @example const opt = new AdamW(model.parameters(), { lr: 1e-3, weightDecay: 0.01 });
 */
export class AdamW extends AdamBase {
  readonly kind = 'adamw';
  constructor(params: Iterable<Tensor>, options: AdamOptions = {}) {
    super(params, options, true);
  }
}
