/**
 * Linear layer, as torch.nn.Linear: y = x · Wᵀ + b.
 * Legend: x [..., I], W [O, I] (PyTorch row layout), b [O], y [..., O].
 * Initialisation as PyTorch: W, b ~ U(−1/√I, 1/√I).
 */
import { products } from '../kernels/backend.ts';
import { fillRows, sumRows } from '../kernels/gemm.ts';
import { alloc } from '../tensor/alloc.ts';
import { uniform } from '../tensor/create.ts';
import { defaultRng, Rng } from '../tensor/rng.ts';
import { Tensor, record, shapeStr } from '../tensor/tensor.ts';
import { Module } from './module.ts';
import { checkPositiveInt } from './recurrent.ts';

/** y [..., O] = x [..., I] · W[O, I]ᵀ + b[O], as one fused op. */
export function linear(x: Tensor, W: Tensor, b: Tensor | null): Tensor {
  const [O, I] = W.shape;
  if (x.ndim < 1 || x.shape[x.ndim - 1] !== I) {
    throw new Error(`linear: input has shape ${shapeStr(x.shape)}, expected [..., ${I}] (inFeatures)`);
  }
  const M = x.size / I;
  const out = alloc(M * O);
  const { gemmNN, gemmNT, gemmTN } = products();
  fillRows(out, b ? b.data : null, M, O);
  gemmNT(out, x.data, W.data, { M, N: O, K: I });
  const y = new Tensor(out, [...x.shape.slice(0, -1), O]);
  record('linear', b ? [x, W, b] : [x, W], [y], ([dy], [dx, dW, db]) => {
    if (!dy) return;
    if (dx) gemmNN(dx, dy, W.data, { M, N: I, K: O });
    if (dW) gemmTN(dW, dy, x.data, { M: O, N: I, K: M });
    if (db) sumRows(db, dy, M, O);
  });
  return y;
}

export interface LinearOptions {
  inFeatures: number;
  outFeatures: number;
  bias?: boolean;
  seed?: number;
}

/**
 * @example const head = new Linear({ inFeatures: 64, outFeatures: 3 }); const logits = head.forward(h);
 */
export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(opts: LinearOptions) {
    super();
    const I = checkPositiveInt(opts.inFeatures, 'inFeatures', 'Linear');
    const O = checkPositiveInt(opts.outFeatures, 'outFeatures', 'Linear');
    const rng: Rng = opts.seed === undefined ? defaultRng() : new Rng(opts.seed);
    const bound = 1 / Math.sqrt(I);
    this.weight = this.registerParameter('weight', uniform([O, I], -bound, bound, { rng }));
    this.bias = opts.bias === false ? null : this.registerParameter('bias', uniform([O], -bound, bound, { rng }));
  }

  forward(x: Tensor): Tensor {
    return linear(x, this.weight, this.bias);
  }
}
