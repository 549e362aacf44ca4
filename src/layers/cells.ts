/**
 * Single-step cells RNNCell, LSTMCell and GRUCell, as torch.nn.*Cell: one step for a batch.
 * Legend: x [B, D], h, c [B, H]. Parameters weight_ih [G*H, D], weight_hh [G*H, H],
 * bias_ih [G*H], bias_hh [G*H], initialised U(−1/√H, 1/√H).
 * A step is the shared BPTT loop over a packed batch of length-1 sequences, so cells and layers
 * run the very same kernels.
 */
import type { CellKernel } from '../cells/cell.ts';
import { gruCell } from '../cells/gru.ts';
import { lstmCell } from '../cells/lstm.ts';
import { rnnReluCell, rnnTanhCell } from '../cells/rnn.ts';
import { uniform } from '../tensor/create.ts';
import { defaultRng, Rng } from '../tensor/rng.ts';
import { Tensor, shapeStr } from '../tensor/tensor.ts';
import { recurrentDirection, singleStepLayout, type DirectionWeights } from './bptt.ts';
import { Module } from './module.ts';
import { checkPositiveInt } from './recurrent.ts';

export interface CellOptions {
  inputSize: number;
  hiddenSize: number;
  bias?: boolean;
  seed?: number;
}

abstract class CellModule extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  private readonly kernel: CellKernel;
  private readonly w: DirectionWeights;

  protected constructor(kernel: CellKernel, opts: CellOptions) {
    super();
    const name = new.target.name;
    this.inputSize = checkPositiveInt(opts.inputSize, 'inputSize', name);
    this.hiddenSize = checkPositiveInt(opts.hiddenSize, 'hiddenSize', name);
    this.kernel = kernel;
    const H = this.hiddenSize;
    const GH = kernel.gates * H;
    const rng = opts.seed === undefined ? defaultRng() : new Rng(opts.seed);
    const bound = 1 / Math.sqrt(H);
    const init = (shape: number[]): Tensor => uniform(shape, -bound, bound, { rng });
    this.w = {
      wIh: this.registerParameter('weight_ih', init([GH, this.inputSize])),
      wHh: this.registerParameter('weight_hh', init([GH, H])),
      bIh: opts.bias === false ? null : this.registerParameter('bias_ih', init([GH])),
      bHh: opts.bias === false ? null : this.registerParameter('bias_hh', init([GH])),
    };
  }

  protected step(x: Tensor, h?: Tensor, c?: Tensor): { h: Tensor; c: Tensor | null } {
    const name = this.constructor.name;
    if (x.ndim !== 2 || x.shape[1] !== this.inputSize) {
      throw new Error(`${name}: input has shape ${shapeStr(x.shape)}, expected [B, ${this.inputSize}] (batch, inputSize)`);
    }
    const B = x.shape[0];
    for (const [s, what] of [[h, 'h'], [c, 'c']] as const) {
      if (s && (s.ndim !== 2 || s.shape[0] !== B || s.shape[1] !== this.hiddenSize)) {
        throw new Error(`${name}: state ${what} has shape ${shapeStr(s.shape)}, expected [${B}, ${this.hiddenSize}] (batch, hiddenSize)`);
      }
    }
    const r = recurrentDirection(this.kernel, x, singleStepLayout(B), this.w, h ?? null, c ?? null, false);
    return { h: r.out, c: r.cN };
  }
}

/** @example const cell = new RNNCell({ inputSize: 3, hiddenSize: 8 }); h = cell.forward(x, h); */
export class RNNCell extends CellModule {
  constructor(opts: CellOptions & { nonlinearity?: 'tanh' | 'relu' }) {
    const nl = opts.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') throw new Error(`RNNCell: nonlinearity must be 'tanh' or 'relu', got ${String(nl)}`);
    super(nl === 'relu' ? rnnReluCell : rnnTanhCell, opts);
  }

  /** h' [B, H] from x [B, D] and h [B, H] (zeros when omitted). */
  forward(x: Tensor, h?: Tensor): Tensor {
    return this.step(x, h).h;
  }
}

/** @example const cell = new GRUCell({ inputSize: 3, hiddenSize: 8 }); h = cell.forward(x, h); */
export class GRUCell extends CellModule {
  constructor(opts: CellOptions) {
    super(gruCell, opts);
  }

  forward(x: Tensor, h?: Tensor): Tensor {
    return this.step(x, h).h;
  }
}

/** @example const cell = new LSTMCell({ inputSize: 3, hiddenSize: 8 }); ({ h, c } = cell.forward(x, { h, c })); */
export class LSTMCell extends CellModule {
  constructor(opts: CellOptions) {
    super(lstmCell, opts);
  }

  forward(x: Tensor, state?: { h: Tensor; c: Tensor }): { h: Tensor; c: Tensor } {
    const r = this.step(x, state?.h, state?.c);
    return { h: r.h, c: r.c as Tensor };
  }
}
