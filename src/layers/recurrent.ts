/**
 * Recurrent layers RNN, LSTM and GRU, as torch.nn.RNN / LSTM / GRU with batch-first padded
 * tensors at the edge and PackedSequence inside.
 *
 * Legend: B batch, T steps, D input, H hidden, L layers, dirs 1 or 2.
 *   forward(x: PackedSequence [B, ≤T, D], state?) → { output: PackedSequence [B, ≤T, dirs*H], h, c? }
 *   forward(x: Tensor [B, T, D], state?)          → { output: Tensor [B, T, dirs*H], h, c? }
 *   h, c: [L*dirs, B, H], index layer*dirs + direction, caller's sample order.
 *   stepForward(x: Tensor [B, D], h?, c?)          → { output: Tensor [B, H], h, c } (one step, unidirectional)
 * A padded Tensor input is the static mode: every sample runs all T steps, pads included.
 *
 * Parameters per layer l (and `_reverse` for the backward direction), PyTorch's names and shapes:
 *   weight_ih_l{l} [G*H, D or dirs*H], weight_hh_l{l} [G*H, H], bias_ih_l{l} [G*H], bias_hh_l{l} [G*H]
 * initialised U(−1/√H, 1/√H) from a seeded generator.
 */
import { gruCell } from '../cells/gru.ts';
import { lstmCell } from '../cells/lstm.ts';
import { rnnReluCell, rnnTanhCell } from '../cells/rnn.ts';
import type { CellKernel } from '../cells/cell.ts';
import { PackedSequence } from '../data/packed.ts';
import { dropout } from '../tensor/dropout.ts';
import { concat, reshape, slice, stack } from '../tensor/shape.ts';
import { defaultRng, Rng } from '../tensor/rng.ts';
import { Tensor, shapeStr } from '../tensor/tensor.ts';
import { uniform } from '../tensor/create.ts';
import { recurrentBidirectional, recurrentDirection, singleStepLayout, type DirectionWeights } from './bptt.ts';
import { Module } from './module.ts';

export interface RecurrentOptions {
  inputSize: number;
  hiddenSize: number;
  /** Stacked layers (default 1). */
  numLayers?: number;
  /** Run a second direction over each sample's real steps in reverse (default false). */
  bidirectional?: boolean;
  /** Dropout on the outputs of every layer but the last, in training mode (default 0). */
  dropout?: number;
  /** Bias vectors b_ih and b_hh (default true). */
  bias?: boolean;
  /** Seed for initialisation and dropout; the default generator when omitted. */
  seed?: number;
}

export interface RNNOptions extends RecurrentOptions {
  nonlinearity?: 'tanh' | 'relu';
}

export interface LSTMState {
  /** [L*dirs, B, H] */
  h: Tensor;
  /** [L*dirs, B, H] */
  c: Tensor;
}

export interface HiddenState {
  /** [L*dirs, B, H] */
  h: Tensor;
}

interface RunResult<O> {
  output: O;
  h: Tensor;
  c: Tensor | null;
}

export function checkPositiveInt(v: unknown, name: string, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new Error(`${what}: ${name} must be a positive integer, got ${String(v)}`);
  }
  return v;
}

/** Shared machinery of RNN, LSTM and GRU. */
export abstract class RecurrentLayer extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly numLayers: number;
  readonly bidirectional: boolean;
  readonly dropoutP: number;
  readonly bias: boolean;
  protected readonly cell: CellKernel;
  protected readonly rng: Rng;
  /** weights[layer][direction] */
  private readonly weights: DirectionWeights[][] = [];

  protected constructor(cell: CellKernel, opts: RecurrentOptions) {
    super();
    const name = new.target.name;
    this.inputSize = checkPositiveInt(opts.inputSize, 'inputSize', name);
    this.hiddenSize = checkPositiveInt(opts.hiddenSize, 'hiddenSize', name);
    this.numLayers = checkPositiveInt(opts.numLayers ?? 1, 'numLayers', name);
    this.bidirectional = opts.bidirectional ?? false;
    this.dropoutP = opts.dropout ?? 0;
    if (!(this.dropoutP >= 0 && this.dropoutP < 1)) throw new Error(`${name}: dropout must be in [0, 1), got ${opts.dropout}`);
    this.bias = opts.bias ?? true;
    this.cell = cell;
    this.rng = this.registerRng('rng', opts.seed === undefined ? defaultRng() : new Rng(opts.seed));

    const H = this.hiddenSize;
    const GH = cell.gates * H;
    const bound = 1 / Math.sqrt(H);
    const init = (shape: number[]): Tensor => uniform(shape, -bound, bound, { rng: this.rng });
    const dirs = this.bidirectional ? 2 : 1;
    for (let l = 0; l < this.numLayers; l++) {
      const inSize = l === 0 ? this.inputSize : dirs * H;
      const layer: DirectionWeights[] = [];
      for (let d = 0; d < dirs; d++) {
        const sfx = `_l${l}${d === 1 ? '_reverse' : ''}`;
        const wIh = this.registerParameter(`weight_ih${sfx}`, init([GH, inSize]));
        const wHh = this.registerParameter(`weight_hh${sfx}`, init([GH, H]));
        const bIh = this.bias ? this.registerParameter(`bias_ih${sfx}`, init([GH])) : null;
        const bHh = this.bias ? this.registerParameter(`bias_hh${sfx}`, init([GH])) : null;
        layer.push({ wIh, wHh, bIh, bHh });
      }
      this.weights.push(layer);
    }
  }

  get numDirections(): number {
    return this.bidirectional ? 2 : 1;
  }

  /** Validates and runs every layer and direction. */
  protected run(x: PackedSequence | Tensor, h0?: Tensor, c0?: Tensor): RunResult<PackedSequence | Tensor> {
    const name = this.constructor.name;
    const isStatic = x instanceof Tensor;
    let packed: PackedSequence;
    if (isStatic) {
      if (x.ndim !== 3) throw new Error(`${name}: input has shape ${shapeStr(x.shape)}, expected [B, T, D] or a PackedSequence`);
      packed = PackedSequence.fromPadded(x, new Array<number>(x.shape[0]).fill(x.shape[1]));
    } else packed = x;
    if (packed.features !== this.inputSize) {
      throw new Error(`${name}: input has ${packed.features} features per step, expected ${this.inputSize} (inputSize)`);
    }
    const B = packed.batchSize;
    const H = this.hiddenSize;
    const dirs = this.numDirections;
    this.checkInitialState(B, h0, c0);

    const stateAt = (s: Tensor | undefined, k: number): Tensor | null => (s ? reshape(slice(s, 0, k, k + 1), [B, H]) : null);
    let input = packed.data;
    const hs: Tensor[] = [];
    const cs: Tensor[] = [];
    for (let l = 0; l < this.numLayers; l++) {
      if (l > 0 && this.dropoutP > 0 && this.training) input = dropout(input, this.dropoutP, true, this.rng);
      const k = l * dirs;
      // Both directions of a bidirectional layer as one node: side by side when threads allow.
      const results = dirs === 1
        ? [recurrentDirection(this.cell, input, packed, this.weights[l][0], stateAt(h0, k), stateAt(c0, k), false)]
        : recurrentBidirectional(this.cell, input, packed, [this.weights[l][0], this.weights[l][1]], [stateAt(h0, k), stateAt(h0, k + 1)], [stateAt(c0, k), stateAt(c0, k + 1)]);
      for (const r of results) {
        hs.push(r.hN);
        if (r.cN) cs.push(r.cN);
      }
      input = dirs === 1 ? results[0].out : concat(results.map((r) => r.out), 1);
    }
    const outPacked = packed.withData(input);
    const h = stack(hs, 0);
    const c = cs.length > 0 ? stack(cs, 0) : null;
    return { output: isStatic ? outPacked.toPadded().data : outPacked, h, c };
  }

  /** h0, c0: [L*dirs, B, H] when given; LSTM needs both or neither. */
  private checkInitialState(B: number, h0: Tensor | undefined, c0: Tensor | undefined): void {
    const name = this.constructor.name;
    const stateShape = [this.numLayers * this.numDirections, B, this.hiddenSize];
    const checkState = (s: Tensor | undefined, what: string): void => {
      if (s && (s.ndim !== 3 || s.shape.some((d, i) => d !== stateShape[i]))) {
        throw new Error(`${name}: initial ${what} has shape ${shapeStr(s.shape)}, expected ${shapeStr(stateShape)} (layers*directions, batch, hiddenSize)`);
      }
    };
    checkState(h0, 'h');
    checkState(c0, 'c');
    if (this.cell.hasCell && (h0 === undefined) !== (c0 === undefined)) {
      throw new Error(`${name}: give both h and c as the initial state, or neither`);
    }
  }

  /**
   * One time step of every layer for a batch: the same numbers as `forward` over B sequences of
   * length 1, without packing (the shared loop over a one-step layout). Unidirectional only: a
   * reverse direction starts at each sequence's end, which a stream has not reached.
   * Differentiable like `forward`; stream under `noGrad` so that no tape builds up step by step.
   *   x [B, D], h0 (c0) [L, B, H] (zeros when omitted) → output [B, H] (top layer), h (c) [L, B, H]
   * @example
   * let h = zeros([2, B, 16]);
   * for (const x of frames) ({ h } = noGrad(() => gru.stepForward(x, h)));
   */
  stepForward(x: Tensor, h0?: Tensor, c0?: Tensor): { output: Tensor; h: Tensor; c: Tensor | null } {
    const name = this.constructor.name;
    if (this.bidirectional) {
      throw new Error(`${name}: stepForward needs a unidirectional layer; a bidirectional one reads each sequence from its end, so it cannot run step by step`);
    }
    if (x.ndim !== 2 || x.shape[1] !== this.inputSize) {
      throw new Error(`${name}: step input has shape ${shapeStr(x.shape)}, expected [B, ${this.inputSize}] (batch, inputSize)`);
    }
    const B = x.shape[0];
    const H = this.hiddenSize;
    this.checkInitialState(B, h0, c0);
    const layout = singleStepLayout(B);
    const stateAt = (s: Tensor | undefined, l: number): Tensor | null => (s ? reshape(slice(s, 0, l, l + 1), [B, H]) : null);
    let input = x; // [B, D], then [B, H]
    const hs: Tensor[] = [];
    const cs: Tensor[] = [];
    for (let l = 0; l < this.numLayers; l++) {
      if (l > 0 && this.dropoutP > 0 && this.training) input = dropout(input, this.dropoutP, true, this.rng);
      const r = recurrentDirection(this.cell, input, layout, this.weights[l][0], stateAt(h0, l), stateAt(c0, l), false);
      input = r.out; // one step: the packed output is the new state, row b = sample b
      hs.push(r.hN);
      if (r.cN) cs.push(r.cN);
    }
    return { output: input, h: stack(hs, 0), c: cs.length > 0 ? stack(cs, 0) : null };
  }
}

/**
 * Elman RNN (tanh or relu), as torch.nn.RNN.
 * @example
 * const rnn = new RNN({ inputSize: 4, hiddenSize: 8, nonlinearity: 'relu' });
 * const { output, h } = rnn.forward(PackedSequence.fromArrays(seqs));
 */
export class RNN extends RecurrentLayer {
  readonly nonlinearity: 'tanh' | 'relu';

  constructor(opts: RNNOptions) {
    const nl = opts.nonlinearity ?? 'tanh';
    if (nl !== 'tanh' && nl !== 'relu') throw new Error(`RNN: nonlinearity must be 'tanh' or 'relu', got ${String(nl)}`);
    super(nl === 'tanh' ? rnnTanhCell : rnnReluCell, opts);
    this.nonlinearity = nl;
  }

  forward(x: PackedSequence, state?: HiddenState): { output: PackedSequence; h: Tensor };
  forward(x: Tensor, state?: HiddenState): { output: Tensor; h: Tensor };
  forward(x: PackedSequence | Tensor, state?: HiddenState): { output: PackedSequence | Tensor; h: Tensor } {
    const r = this.run(x, state?.h);
    return { output: r.output, h: r.h };
  }
}

/**
 * Long short-term memory, as torch.nn.LSTM (gate order i, f, g, o).
 * @example
 * const lstm = new LSTM({ inputSize: 4, hiddenSize: 32, numLayers: 2, bidirectional: true });
 * const { output, h, c } = lstm.forward(PackedSequence.fromPadded(x, lengths));
 */
export class LSTM extends RecurrentLayer {
  constructor(opts: RecurrentOptions) {
    super(lstmCell, opts);
  }

  forward(x: PackedSequence, state?: LSTMState): { output: PackedSequence; h: Tensor; c: Tensor };
  forward(x: Tensor, state?: LSTMState): { output: Tensor; h: Tensor; c: Tensor };
  forward(x: PackedSequence | Tensor, state?: LSTMState): { output: PackedSequence | Tensor; h: Tensor; c: Tensor } {
    const r = this.run(x, state?.h, state?.c);
    return { output: r.output, h: r.h, c: r.c as Tensor };
  }
}

/**
 * Gated recurrent unit, as torch.nn.GRU (gate order r, z, n; b_hn inside r ⊙ (…)).
 * @example
 * const gru = new GRU({ inputSize: 4, hiddenSize: 32 });
 * const { output, h } = gru.forward(PackedSequence.fromArrays(seqs));
 */
export class GRU extends RecurrentLayer {
  constructor(opts: RecurrentOptions) {
    super(gruCell, opts);
  }

  forward(x: PackedSequence, state?: HiddenState): { output: PackedSequence; h: Tensor };
  forward(x: Tensor, state?: HiddenState): { output: Tensor; h: Tensor };
  forward(x: PackedSequence | Tensor, state?: HiddenState): { output: PackedSequence | Tensor; h: Tensor } {
    const r = this.run(x, state?.h);
    return { output: r.output, h: r.h };
  }
}
