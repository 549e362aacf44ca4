/**
 * The one BPTT loop shared by every cell, as plain functions over Float32Arrays: one layer, one
 * direction, over a packed batch. This is the readable reference; a fast twin with the same
 * signatures may replace it (kernels/backend.ts picks).
 *
 * Legend: B batch, T steps, D input, H hidden, G gates, N packed rows, n = batchSizes[t].
 *
 * Forward (cuDNN-style):
 *   xg [N, G*H] = X · W_ihᵀ + b_ih                      one GEMM over every real step
 *   for each step t (t = 0..T-1, or T-1..0 when reverse):
 *     hPrev[rows of t] = hState[0..n]                    hState [B, H] in sorted order
 *     hg [n, G*H] = hPrev · W_hhᵀ + b_hh                 active rows only
 *     cell.forward → h, c for the rows of t; hState[0..n] = h
 * Samples that end early simply stop being active, so hState keeps each sample's last real
 * state; in reverse, a sample's rows are untouched (still h0) until its own last step comes up.
 *
 * Backward walks the same steps in the opposite order carrying dhNext / dcNext in [B, H]
 * buffers, collecting pre-activation gradients dGx, dGh [N, G*H]; the weight and input
 * gradients are then large GEMMs after the loop:
 *   dW_hh += dGhᵀ · hPrev,  dW_ih += dGxᵀ · X,  dX += dGx · W_ih
 *
 * Nothing is allocated here: the caller sizes every buffer per batch.
 */
import type { CellCache, CellKernel } from '../cells/cell.ts';
import { fillRows, gemmNN, gemmNT, gemmTN, sumRows, type F32, type In } from './gemm.ts';

export interface DirectionDims {
  /** [T] active rows per step. */
  batchSizes: Int32Array;
  /** [T + 1] first packed row of each step. */
  offsets: Int32Array;
  B: number;
  N: number;
  D: number;
  H: number;
  reverse: boolean;
}

export interface DirectionWeightsData {
  /** [G*H, D] */
  wIh: In;
  /** [G*H, H] */
  wHh: In;
  /** [G*H] */
  bIh: In | null;
  /** [G*H] */
  bHh: In | null;
}

export interface ForwardBuffers {
  /** [N, D] packed input. */
  x: In;
  /** [B, H] in: h0 (sorted order); out: final hidden state. */
  hState: F32;
  /** [B, H] in: c0; out: final cell state (LSTM; empty otherwise). */
  cState: F32;
  /** Everything backward needs; cache.hg is per-step scratch. */
  cache: CellCache;
}

export interface BackwardBuffers {
  /** [N, D] packed input. */
  x: In;
  cache: CellCache;
  /** [N, H] dL/d(output), or null. */
  dOut: In | null;
  /** [B, H] in: dL/dh_final (sorted); out: dL/dh0. */
  dhState: F32;
  /** [B, H] in: dL/dc_final; out: dL/dc0 (LSTM; empty otherwise). */
  dcState: F32;
  /** [B, H] scratch. */
  dhIn: F32;
  /** [N, G*H] scratch: dL/dxg. */
  dGx: F32;
  /** [N, G*H] scratch: dL/dhg (the same array as dGx unless cell.splitGrads). */
  dGh: F32;
  /** Accumulated (+=) when not null. */
  dx: F32 | null;
  dWih: F32 | null;
  dWhh: F32 | null;
  dbIh: F32 | null;
  dbHh: F32 | null;
}

function copy(dst: F32, dstOff: number, src: In, srcOff: number, len: number): void {
  for (let k = 0; k < len; k++) dst[dstOff + k] = src[srcOff + k];
}

export function directionForward(cell: CellKernel, w: DirectionWeightsData, b: ForwardBuffers, d: DirectionDims): void {
  const { batchSizes, offsets, N, D, H, reverse } = d;
  const T = batchSizes.length;
  const GH = cell.gates * H;
  const { cache, hState, cState } = b;
  const hasC = cell.hasCell;
  fillRows(cache.xg, w.bIh, N, GH);
  gemmNT(cache.xg, b.x, w.wIh, { M: N, N: GH, K: D });
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const n = batchSizes[t];
    const r0 = offsets[t];
    copy(cache.hPrev, r0 * H, hState, 0, n * H);
    if (hasC) copy(cache.cPrev, r0 * H, cState, 0, n * H);
    fillRows(cache.hg, w.bHh, n, GH);
    gemmNT(cache.hg, cache.hPrev, w.wHh, { M: n, N: GH, K: H }, 0, r0 * H, 0);
    cell.forward(cache, r0, n);
    copy(hState, 0, cache.h, r0 * H, n * H);
    if (hasC) copy(cState, 0, cache.c, r0 * H, n * H);
  }
}

export function directionBackward(cell: CellKernel, w: DirectionWeightsData, b: BackwardBuffers, d: DirectionDims): void {
  const { batchSizes, offsets, N, D, H, reverse } = d;
  const T = batchSizes.length;
  const GH = cell.gates * H;
  const { cache, dOut, dhState, dhIn, dGx, dGh } = b;
  const grads = { dh: dhIn, dc: b.dcState, dhPrev: dhState, dGx, dGh };
  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    const n = batchSizes[t];
    const r0 = offsets[t];
    const m = n * H;
    if (dOut) for (let k = 0; k < m; k++) dhIn[k] = dhState[k] + dOut[r0 * H + k];
    else for (let k = 0; k < m; k++) dhIn[k] = dhState[k];
    cell.backward(cache, grads, r0, n);
    // dh_{t-1} = (direct part written by the cell) + dGh · W_hh
    gemmNN(dhState, dGh, w.wHh, { M: n, N: H, K: GH }, 0, r0 * GH, 0);
  }
  if (b.dWhh) gemmTN(b.dWhh, dGh, cache.hPrev, { M: GH, N: H, K: N });
  if (b.dWih) gemmTN(b.dWih, dGx, b.x, { M: GH, N: D, K: N });
  if (b.dx) gemmNN(b.dx, dGx, w.wIh, { M: N, N: D, K: GH });
  if (b.dbIh) sumRows(b.dbIh, dGx, N, GH);
  if (b.dbHh) sumRows(b.dbHh, dGh, N, GH);
}
