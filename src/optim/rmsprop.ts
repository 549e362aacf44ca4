/**
 * RMSprop: PyTorch 1.13 `torch.optim.RMSprop` (single-tensor path).
 *
 *   g ← g + λ p                                   (weightDecay λ ≠ 0)
 *   s ← α s + (1 − α) g²
 *   a ← α a + (1 − α) g,  d ← √(s − a²) + ε       centered
 *   d ← √s + ε                                     otherwise
 *   b ← μ b + g / d,  p ← p − lr b                 momentum μ > 0
 *   p ← p − lr g / d                               otherwise
 *
 * Legend: n elements of one parameter. Buffers: squareAvg s [n], gradAvg a [n] (centered only),
 * momentum b [n] (μ > 0 only), all zero-initialised.
 */
import type { Tensor } from '../tensor/tensor.ts';
import { alloc } from '../tensor/alloc.ts';
import {
  Optimizer,
  checkNonNegative,
  copyBuffers,
  emptyBuffers,
  type BaseState,
  type Buffers,
  type In,
  type OptimizerState,
} from './optimizer.ts';

export interface RMSpropOptions {
  lr?: number;
  alpha?: number;
  eps?: number;
  weightDecay?: number;
  momentum?: number;
  centered?: boolean;
}

/** RMSprop options with every default filled in. */
export type RMSpropConfig = Required<RMSpropOptions>;

export interface RMSpropState extends BaseState {
  kind: 'rmsprop';
  options: RMSpropConfig;
  buffers: { squareAvg: Buffers; gradAvg: Buffers; momentum: Buffers };
}

/**
 * One RMSprop update of one parameter. p [n], s [n], a [n] (null unless centered) and
 * b [n] (null unless momentum > 0) are updated in place.
 */
export function rmspropUpdate(
  p: Float32Array,
  s: Float32Array,
  a: Float32Array | null,
  b: Float32Array | null,
  g: In,
  o: RMSpropConfig,
): void {
  const { lr, alpha, eps, weightDecay, momentum } = o;
  const n = p.length;
  for (let k = 0; k < n; k++) {
    const gk = weightDecay !== 0 ? g[k] + weightDecay * p[k] : g[k];
    const sk = alpha * s[k] + (1 - alpha) * gk * gk;
    s[k] = sk;
    let d: number;
    if (a !== null) {
      const ak = alpha * a[k] + (1 - alpha) * gk;
      a[k] = ak;
      d = Math.sqrt(sk - ak * ak) + eps;
    } else {
      d = Math.sqrt(sk) + eps;
    }
    if (b !== null) {
      const bk = momentum * b[k] + gk / d;
      b[k] = bk;
      p[k] = p[k] - lr * bk;
    } else {
      p[k] = p[k] - (lr * gk) / d;
    }
  }
}

export function resolveRMSprop(options: RMSpropOptions): RMSpropConfig {
  const o: RMSpropConfig = {
    lr: options.lr ?? 1e-2,
    alpha: options.alpha ?? 0.99,
    eps: options.eps ?? 1e-8,
    weightDecay: options.weightDecay ?? 0,
    momentum: options.momentum ?? 0,
    centered: options.centered ?? false,
  };
  checkNonNegative('RMSprop', 'lr', o.lr);
  checkNonNegative('RMSprop', 'alpha', o.alpha);
  checkNonNegative('RMSprop', 'eps', o.eps);
  checkNonNegative('RMSprop', 'weightDecay', o.weightDecay);
  checkNonNegative('RMSprop', 'momentum', o.momentum);
  return o;
}

/**
 * RMSprop (PyTorch's `torch.optim.RMSprop`).
 * Defaults: lr 1e-2, alpha 0.99, eps 1e-8, weightDecay 0, momentum 0, centered false.
 * @example const opt = new RMSprop(model.parameters(), { lr: 1e-2, centered: true });
 */
export class RMSprop extends Optimizer {
  readonly kind = 'rmsprop';
  private options: RMSpropConfig;
  private squareAvg: Buffers;
  private gradAvg: Buffers;
  private momentum: Buffers;

  constructor(params: Iterable<Tensor>, options: RMSpropOptions = {}) {
    const o = resolveRMSprop(options);
    super(params, o.lr, 'RMSprop');
    this.options = o;
    this.squareAvg = emptyBuffers(this.params.length);
    this.gradAvg = emptyBuffers(this.params.length);
    this.momentum = emptyBuffers(this.params.length);
  }

  protected update(i: number, p: Float32Array, g: In): void {
    this.options.lr = this.lr;
    let s = this.squareAvg[i];
    if (s === null) s = this.squareAvg[i] = alloc(p.length);
    let a: Float32Array | null = null;
    if (this.options.centered) {
      a = this.gradAvg[i];
      if (a === null) a = this.gradAvg[i] = alloc(p.length);
    }
    let b: Float32Array | null = null;
    if (this.options.momentum > 0) {
      b = this.momentum[i];
      if (b === null) b = this.momentum[i] = alloc(p.length);
    }
    rmspropUpdate(p, s, a, b, g, this.options);
  }

  stateDict(): RMSpropState {
    return {
      kind: 'rmsprop',
      options: { ...this.options, lr: this.lr },
      steps: [...this.steps],
      buffers: {
        squareAvg: copyBuffers(this.squareAvg),
        gradAvg: copyBuffers(this.gradAvg),
        momentum: copyBuffers(this.momentum),
      },
    };
  }

  loadStateDict(state: OptimizerState): void {
    if (state.kind !== 'rmsprop') throw this.wrongKind(state);
    this.checkState(state);
    const o = resolveRMSprop(state.options);
    const stepped = (i: number): boolean => state.steps[i] > 0;
    const squareAvg = emptyBuffers(this.params.length);
    const gradAvg = emptyBuffers(this.params.length);
    const momentum = emptyBuffers(this.params.length);
    this.loadBuffers('squareAvg', squareAvg, state.buffers.squareAvg, stepped);
    this.loadBuffers('gradAvg', gradAvg, state.buffers.gradAvg, (i) => o.centered && stepped(i));
    this.loadBuffers('momentum', momentum, state.buffers.momentum, (i) => o.momentum > 0 && stepped(i));
    this.loadSteps(state.steps);
    this.options = o;
    this.lr = o.lr;
    this.squareAvg = squareAvg;
    this.gradAvg = gradAvg;
    this.momentum = momentum;
  }
}
