/**
 * GRUResetBefore: Keras's GRU with reset_after=false (the GRU of Cho et al. 2014; TF.js's only GRU
 * and Keras < 2.3's default), where the reset gate scales h *before* the recurrent product:
 *   r  = σ(W_ir x + b_ir + W_hr h)
 *   z  = σ(W_iz x + b_iz + W_hz h)
 *   n  = tanh(W_in x + b_in + W_hn (r ⊙ h))
 *   h' = (1 − z) ⊙ n + z ⊙ h
 * torch.nn.GRU (recur's GRU) has r ⊙ (W_hn h + b_hn) instead; W_hn (r ⊙ h) ≠ r ⊙ (W_hn h) for any
 * weights but diagonal ones, so no conversion maps one onto the other and this variant has its own
 * kernel. Inference and training both work (forward, and backward through one tape node).
 *
 * Legend: B batch, N packed rows, D input, H hidden, n rows active at a step.
 * Parameters (gate order r, z, n, as recur's GRU), `_reverse` for the backward direction:
 *   weight_ih_l0 [3H, D], weight_hh_l0 [3H, H], bias_ih_l0 [3H]  (Keras's one bias; no b_hh)
 * Initialised U(−1/√H, 1/√H) like the other recurrent layers.
 *
 * Kernels (forward, backward and their derivation): gru-reset-before-kernel.ts.
 */
import { PackedSequence } from '../../data/packed.ts';
import { checkPositiveInt, type HiddenState } from '../../layers/recurrent.ts';
import { Module } from '../../layers/module.ts';
import { alloc } from '../../tensor/alloc.ts';
import { uniform } from '../../tensor/create.ts';
import { defaultRng, Rng } from '../../tensor/rng.ts';
import { concat, reshape, slice, stack } from '../../tensor/shape.ts';
import { Tensor, record, shapeStr } from '../../tensor/tensor.ts';
import type { F32, In } from '../../kernels/gemm.ts';
import {
  resetBeforeBackward, resetBeforeForward, type ResetBeforeCache, type ResetBeforeDims, type ResetBeforeGrads, type ResetBeforeWeights,
} from './gru-reset-before-kernel.ts';

/** Rows of a [B, H] buffer reordered: dst[j] = src[order[j]] (or += with `accumulate`). */
function permuteRows(dst: F32, src: In, order: Int32Array, H: number, accumulate: boolean): void {
  for (let j = 0; j < order.length; j++) {
    for (let k = 0; k < H; k++) {
      if (accumulate) dst[j * H + k] += src[order[j] * H + k];
      else dst[j * H + k] = src[order[j] * H + k];
    }
  }
}

/** The layer's parameters for one direction. */
interface DirectionParams {
  wIh: Tensor;
  wHh: Tensor;
  bIh: Tensor | null;
}

/**
 * One direction over packed rows x [N, D] as a differentiable op → out [N, H], hN [B, H]
 * (caller's order). h0: [B, H] in the caller's order, or null for zeros.
 */
function resetBeforeDirection(x: Tensor, layout: PackedSequence, p: DirectionParams, h0: Tensor | null, reverse: boolean): { out: Tensor; hN: Tensor } {
  const B = layout.batchSize;
  const N = x.shape[0];
  const D = x.shape[1];
  const H = p.wHh.shape[1];
  const G = 3 * H;
  const dims: ResetBeforeDims = { batchSizes: layout.batchSizes, offsets: layout.offsets, B, N, D, H, reverse };
  const w: ResetBeforeWeights = { wIh: p.wIh.data, wHh: p.wHh.data, bIh: p.bIh ? p.bIh.data : null };
  const cache: ResetBeforeCache = {
    xg: alloc(N * G),
    hPrev: alloc(N * H),
    rh: alloc(N * H),
    act: alloc(N * G),
    h: alloc(N * H),
    hgRZ: alloc(B * 2 * H),
    hgN: alloc(B * H),
  };
  const hState = alloc(B * H); // [B, H] sorted order
  if (h0) permuteRows(hState, h0.data, layout.sortedIndices, H, false);
  resetBeforeForward(cache, hState, x.data, w, dims);
  const out = new Tensor(cache.h, [N, H]);
  const hNData = alloc(B * H);
  permuteRows(hNData, hState, layout.unsortedIndices, H, false);
  const hN = new Tensor(hNData, [B, H]);

  const inputs: Tensor[] = [x, p.wIh, p.wHh];
  const bSlot = p.bIh ? inputs.push(p.bIh) - 1 : -1;
  const hSlot = h0 ? inputs.push(h0) - 1 : -1;
  record(`gru_reset_before${reverse ? '_reverse' : ''}`, inputs, [out, hN], ([dOut, dhN], dIns) => {
    const dhState = alloc(B * H);
    if (dhN) permuteRows(dhState, dhN, layout.sortedIndices, H, false);
    const grads: ResetBeforeGrads = {
      dOut,
      dhState,
      dG: alloc(N * G),
      dh: alloc(B * H),
      dRZ: alloc(B * 2 * H),
      dN: alloc(B * H),
      drh: alloc(B * H),
      dx: dIns[0],
      dWih: dIns[1],
      dWhh: dIns[2],
      dbIh: bSlot >= 0 ? dIns[bSlot] : null,
    };
    resetBeforeBackward(cache, grads, x.data, w, dims);
    const dh0 = hSlot >= 0 ? dIns[hSlot] : null;
    if (dh0) permuteRows(dh0, dhState, layout.unsortedIndices, H, true);
  });
  return { out, hN };
}

export interface GRUResetBeforeOptions {
  inputSize: number;
  hiddenSize: number;
  /** A second direction over each sample's real steps in reverse (default false). */
  bidirectional?: boolean;
  /** The bias vector b_ih (default true). */
  bias?: boolean;
  /** Seed of the initialisation; the default generator when omitted. */
  seed?: number;
}

/**
 * One GRU layer with the reset gate before the recurrent product (Keras reset_after=false).
 * Same calling convention as recur's GRU: padded [B, T, D] (every step runs) or a PackedSequence.
 * @example
 * const gru = new GRUResetBefore({ inputSize: 3, hiddenSize: 8 });
 * const { output, h } = gru.forward(PackedSequence.fromPadded(x, lengths)); // h: [1, B, 8]
 */
export class GRUResetBefore extends Module {
  readonly inputSize: number;
  readonly hiddenSize: number;
  readonly bidirectional: boolean;
  readonly bias: boolean;
  private readonly dirs: DirectionParams[] = [];

  constructor(opts: GRUResetBeforeOptions) {
    super();
    this.inputSize = checkPositiveInt(opts.inputSize, 'inputSize', 'GRUResetBefore');
    this.hiddenSize = checkPositiveInt(opts.hiddenSize, 'hiddenSize', 'GRUResetBefore');
    this.bidirectional = opts.bidirectional ?? false;
    this.bias = opts.bias ?? true;
    const rng = opts.seed === undefined ? defaultRng() : new Rng(opts.seed);
    const H = this.hiddenSize;
    const bound = 1 / Math.sqrt(H);
    const init = (shape: number[]): Tensor => uniform(shape, -bound, bound, { rng });
    for (let d = 0; d < (this.bidirectional ? 2 : 1); d++) {
      const sfx = `_l0${d === 1 ? '_reverse' : ''}`;
      const wIh = this.registerParameter(`weight_ih${sfx}`, init([3 * H, this.inputSize]));
      const wHh = this.registerParameter(`weight_hh${sfx}`, init([3 * H, H]));
      const bIh = this.bias ? this.registerParameter(`bias_ih${sfx}`, init([3 * H])) : null;
      this.dirs.push({ wIh, wHh, bIh });
    }
  }

  get numDirections(): number {
    return this.dirs.length;
  }

  forward(x: PackedSequence, state?: HiddenState): { output: PackedSequence; h: Tensor };
  forward(x: Tensor, state?: HiddenState): { output: Tensor; h: Tensor };
  forward(x: PackedSequence | Tensor, state?: HiddenState): { output: PackedSequence | Tensor; h: Tensor } {
    const isStatic = x instanceof Tensor;
    if (isStatic && x.ndim !== 3) throw new Error(`GRUResetBefore: input has shape ${shapeStr(x.shape)}, expected [B, T, D] or a PackedSequence`);
    const packed = isStatic ? PackedSequence.fromPadded(x, new Array<number>(x.shape[0]).fill(x.shape[1])) : x;
    if (packed.features !== this.inputSize) {
      throw new Error(`GRUResetBefore: input has ${packed.features} features per step, expected ${this.inputSize} (inputSize)`);
    }
    const B = packed.batchSize;
    const H = this.hiddenSize;
    const h0 = state?.h;
    const stateShape = [this.dirs.length, B, H];
    if (h0 && (h0.ndim !== 3 || h0.shape.some((d, i) => d !== stateShape[i]))) {
      throw new Error(`GRUResetBefore: initial h has shape ${shapeStr(h0.shape)}, expected ${shapeStr(stateShape)} (directions, batch, hiddenSize)`);
    }
    const outs: Tensor[] = [];
    const hs: Tensor[] = [];
    this.dirs.forEach((p, d) => {
      const h0d = h0 ? reshape(slice(h0, 0, d, d + 1), [B, H]) : null;
      const r = resetBeforeDirection(packed.data, packed, p, h0d, d === 1);
      outs.push(r.out);
      hs.push(r.hN);
    });
    const output = packed.withData(outs.length === 1 ? outs[0] : concat(outs, 1));
    return { output: isStatic ? output.toPadded().data : output, h: stack(hs, 0) };
  }
}
