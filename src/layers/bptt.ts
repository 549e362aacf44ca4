/**
 * The one BPTT loop shared by every cell: one layer, one direction, over a packed batch.
 *
 * Legend: B batch, T steps, D input, H hidden, G gates, N packed rows, n = batchSizes[t].
 *
 * Forward (cuDNN-style):
 *   xg [N, G*H] = X · W_ihᵀ + b_ih                      one GEMM over every real step
 *   for each step t (t = 0..T-1, or T-1..0 when reverse):
 *     hPrev[rows of t] = state[0..n]                     state [B, H] in sorted order
 *     hg [n, G*H] = hPrev · W_hhᵀ + b_hh                 active rows only
 *     cell.forward → h, c for the rows of t; state[0..n] = h
 * Samples that end early simply stop being active, so `state` keeps each sample's last real
 * state; in reverse, a sample's rows are untouched (still h0) until its own last step comes up.
 *
 * Backward walks the same steps in the opposite order carrying dhNext / dcNext in [B, H]
 * buffers, collecting pre-activation gradients dGx, dGh [N, G*H]; the weight and input
 * gradients are then three large GEMMs after the loop:
 *   dW_hh += dGhᵀ · hPrev,  dW_ih += dGxᵀ · X,  dX += dGx · W_ih
 *
 * All buffers are allocated once per call (sized by the batch); the time loop allocates nothing.
 */
import type { CellCache, CellGrads, CellKernel } from '../cells/cell.ts';
import { fillRows, gemmNN, gemmNT, gemmTN, sumRows } from '../kernels/gemm.ts';
import { alloc } from '../tensor/alloc.ts';
import { Tensor, record } from '../tensor/tensor.ts';

/** The row layout of a packed batch (a PackedSequence satisfies it). */
export interface PackedLayout {
  readonly batchSizes: Int32Array;
  readonly offsets: Int32Array;
  readonly sortedIndices: Int32Array;
  readonly unsortedIndices: Int32Array;
}

export interface DirectionWeights {
  /** [G*H, D] */
  wIh: Tensor;
  /** [G*H, H] */
  wHh: Tensor;
  /** [G*H] */
  bIh: Tensor | null;
  /** [G*H] */
  bHh: Tensor | null;
}

export interface DirectionResult {
  /** [N, H] hidden state at every real step, packed. */
  out: Tensor;
  /** [B, H] final state (at each sample's last real step), caller's order. */
  hN: Tensor;
  /** [B, H] final cell state (LSTM), caller's order. */
  cN: Tensor | null;
}

const EMPTY = new Float32Array(0);

function copy(dst: Float32Array, dstOff: number, src: Float32Array, srcOff: number, len: number): void {
  for (let k = 0; k < len; k++) dst[dstOff + k] = src[srcOff + k];
}

/** Rows of a caller-ordered [B, H] tensor into sorted order (or back with `toCaller`). */
function permuteRows(dst: Float32Array, src: Float32Array, order: Int32Array, H: number, accumulate: boolean): void {
  for (let j = 0; j < order.length; j++) {
    const s = order[j] * H;
    const d = j * H;
    if (accumulate) for (let k = 0; k < H; k++) dst[d + k] += src[s + k];
    else for (let k = 0; k < H; k++) dst[d + k] = src[s + k];
  }
}

/**
 * One layer-direction over packed rows x [N, D]. h0, c0: [B, H] in the caller's order, or null
 * for zeros. Differentiable w.r.t. x, the weights, h0 and c0.
 */
export function recurrentDirection(
  cell: CellKernel,
  x: Tensor,
  layout: PackedLayout,
  w: DirectionWeights,
  h0: Tensor | null,
  c0: Tensor | null,
  reverse: boolean,
): DirectionResult {
  const { batchSizes, offsets, sortedIndices, unsortedIndices } = layout;
  const T = batchSizes.length;
  const B = sortedIndices.length;
  const N = x.shape[0];
  const D = x.shape[1];
  const H = w.wHh.shape[1];
  const GH = cell.gates * H;
  const X = x.data;
  const Wih = w.wIh.data;
  const Whh = w.wHh.data;
  const hasC = cell.hasCell;

  const cache: CellCache = {
    H,
    xg: alloc(N * GH),
    hg: alloc(B * GH),
    hPrev: alloc(N * H),
    cPrev: hasC ? alloc(N * H) : EMPTY,
    h: alloc(N * H),
    c: hasC ? alloc(N * H) : EMPTY,
    act: alloc(N * cell.cached * H),
  };
  const hState = alloc(B * H); // [B, H] sorted
  const cState = hasC ? alloc(B * H) : EMPTY;
  if (h0) permuteRows(hState, h0.data, sortedIndices, H, false);
  if (hasC && c0) permuteRows(cState, c0.data, sortedIndices, H, false);

  fillRows(cache.xg, w.bIh ? w.bIh.data : null, N, GH);
  gemmNT(cache.xg, X, Wih, { M: N, N: GH, K: D });
  const bHh = w.bHh ? w.bHh.data : null;
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const n = batchSizes[t];
    const r0 = offsets[t];
    copy(cache.hPrev, r0 * H, hState, 0, n * H);
    if (hasC) copy(cache.cPrev, r0 * H, cState, 0, n * H);
    fillRows(cache.hg, bHh, n, GH);
    gemmNT(cache.hg, cache.hPrev, Whh, { M: n, N: GH, K: H }, 0, r0 * H, 0);
    cell.forward(cache, r0, n);
    copy(hState, 0, cache.h, r0 * H, n * H);
    if (hasC) copy(cState, 0, cache.c, r0 * H, n * H);
  }

  const out = new Tensor(cache.h, [N, H]);
  const hNData = alloc(B * H);
  permuteRows(hNData, hState, unsortedIndices, H, false);
  const hN = new Tensor(hNData, [B, H]);
  let cN: Tensor | null = null;
  if (hasC) {
    const cNData = alloc(B * H);
    permuteRows(cNData, cState, unsortedIndices, H, false);
    cN = new Tensor(cNData, [B, H]);
  }

  const inputs: Tensor[] = [x, w.wIh, w.wHh];
  const slot = { bIh: -1, bHh: -1, h0: -1, c0: -1 };
  if (w.bIh) slot.bIh = inputs.push(w.bIh) - 1;
  if (w.bHh) slot.bHh = inputs.push(w.bHh) - 1;
  if (h0) slot.h0 = inputs.push(h0) - 1;
  if (hasC && c0) slot.c0 = inputs.push(c0) - 1;
  const outputs = cN ? [out, hN, cN] : [out, hN];

  record(`${cell.kind}${reverse ? '_reverse' : ''}`, inputs, outputs, (dOuts, dIns) => {
    const [dOut, dhN, dcN] = dOuts;
    const dhState = alloc(B * H);
    const dcState = hasC ? alloc(B * H) : EMPTY;
    if (dhN) permuteRows(dhState, dhN, sortedIndices, H, false);
    if (hasC && dcN) permuteRows(dcState, dcN, sortedIndices, H, false);
    const dhIn = alloc(B * H);
    const dGx = alloc(N * GH);
    const dGh = cell.splitGrads ? alloc(N * GH) : dGx;
    const grads: CellGrads = { dh: dhIn, dc: dcState, dhPrev: dhState, dGx, dGh };

    for (let s = T - 1; s >= 0; s--) {
      const t = reverse ? T - 1 - s : s;
      const n = batchSizes[t];
      const r0 = offsets[t];
      const m = n * H;
      if (dOut) for (let k = 0; k < m; k++) dhIn[k] = dhState[k] + dOut[r0 * H + k];
      else for (let k = 0; k < m; k++) dhIn[k] = dhState[k];
      cell.backward(cache, grads, r0, n);
      // dh_{t-1} = (direct part written by the cell) + dGh · W_hh
      gemmNN(dhState, dGh, Whh, { M: n, N: H, K: GH }, 0, r0 * GH, 0);
    }

    const [dx, dWih, dWhh] = dIns;
    if (dWhh) gemmTN(dWhh, dGh, cache.hPrev, { M: GH, N: H, K: N });
    if (dWih) gemmTN(dWih, dGx, X, { M: GH, N: D, K: N });
    if (dx) gemmNN(dx, dGx, Wih, { M: N, N: D, K: GH });
    if (slot.bIh >= 0 && dIns[slot.bIh]) sumRows(dIns[slot.bIh]!, dGx, N, GH);
    if (slot.bHh >= 0 && dIns[slot.bHh]) sumRows(dIns[slot.bHh]!, dGh, N, GH);
    if (slot.h0 >= 0 && dIns[slot.h0]) permuteRows(dIns[slot.h0]!, dhState, unsortedIndices, H, true);
    if (slot.c0 >= 0 && dIns[slot.c0]) permuteRows(dIns[slot.c0]!, dcState, unsortedIndices, H, true);
  });

  return { out, hN, cN };
}
