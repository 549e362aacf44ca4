/**
 * SGD with momentum, dampening, Nesterov and L2 weight decay: PyTorch 1.13 `torch.optim.SGD`.
 *
 *   g ← g + λ p                                   (weightDecay λ ≠ 0)
 *   b ← g                       on the first step  (momentum μ ≠ 0; no dampening on the first step)
 *   b ← μ b + (1 − τ) g         afterwards         (dampening τ)
 *   g ← g + μ b  if nesterov, else g ← b
 *   p ← p − lr g
 *
 * Legend: n elements of one parameter. Buffer: momentum [n] (only when μ ≠ 0).
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

export interface SGDOptions {
  lr: number;
  momentum?: number;
  dampening?: number;
  nesterov?: boolean;
  weightDecay?: number;
}

/** SGD options with every default filled in. */
export type SGDConfig = Required<SGDOptions>;

export interface SGDState extends BaseState {
  kind: 'sgd';
  options: SGDConfig;
  buffers: { momentum: Buffers };
}

/**
 * One SGD update of one parameter. p [n] is updated in place; buf [n] (null when momentum = 0)
 * is set from g on the first step and decayed afterwards.
 */
export function sgdUpdate(p: Float32Array, buf: Float32Array | null, g: In, o: SGDConfig, first: boolean): void {
  const { lr, momentum, dampening, nesterov, weightDecay } = o;
  const n = p.length;
  for (let k = 0; k < n; k++) {
    let d = g[k];
    if (weightDecay !== 0) d += weightDecay * p[k];
    if (buf !== null) {
      const b = first ? d : momentum * buf[k] + (1 - dampening) * d;
      buf[k] = b;
      d = nesterov ? d + momentum * b : b;
    }
    p[k] = p[k] - lr * d;
  }
}

export function resolveSGD(options: SGDOptions): SGDConfig {
  const o: SGDConfig = {
    lr: options.lr,
    momentum: options.momentum ?? 0,
    dampening: options.dampening ?? 0,
    nesterov: options.nesterov ?? false,
    weightDecay: options.weightDecay ?? 0,
  };
  checkNonNegative('SGD', 'lr', o.lr);
  checkNonNegative('SGD', 'momentum', o.momentum);
  checkNonNegative('SGD', 'dampening', o.dampening);
  checkNonNegative('SGD', 'weightDecay', o.weightDecay);
  if (o.nesterov && (o.momentum <= 0 || o.dampening !== 0)) {
    throw new Error(`SGD: nesterov needs momentum > 0 and dampening = 0 (got momentum ${o.momentum}, dampening ${o.dampening})`);
  }
  return o;
}

/**
 * Stochastic gradient descent (PyTorch's `torch.optim.SGD`).
 * @example
 * const opt = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
 * loss.backward(); opt.step(); opt.zeroGrad();
 */
export class SGD extends Optimizer {
  readonly kind = 'sgd';
  private options: SGDConfig;
  private momentum: Buffers;

  constructor(params: Iterable<Tensor>, options: SGDOptions) {
    const o = resolveSGD(options);
    super(params, o.lr, 'SGD');
    this.options = o;
    this.momentum = emptyBuffers(this.params.length);
  }

  protected update(i: number, p: Float32Array, g: In): void {
    this.options.lr = this.lr;
    let buf: Float32Array | null = null;
    let first = false;
    if (this.options.momentum !== 0) {
      buf = this.momentum[i];
      if (buf === null) {
        buf = alloc(p.length);
        this.momentum[i] = buf;
        first = true;
      }
    }
    sgdUpdate(p, buf, g, this.options, first);
  }

  stateDict(): SGDState {
    return {
      kind: 'sgd',
      options: { ...this.options, lr: this.lr },
      steps: [...this.steps],
      buffers: { momentum: copyBuffers(this.momentum) },
    };
  }

  loadStateDict(state: OptimizerState): void {
    if (state.kind !== 'sgd') throw this.wrongKind(state);
    this.checkState(state);
    const o = resolveSGD(state.options);
    const own = emptyBuffers(this.params.length);
    this.loadBuffers('momentum', own, state.buffers.momentum, (i) => o.momentum !== 0 && state.steps[i] > 0);
    this.loadSteps(state.steps);
    this.options = o;
    this.lr = o.lr;
    this.momentum = own;
  }
}
