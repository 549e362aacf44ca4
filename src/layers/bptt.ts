/**
 * One layer-direction of a recurrent layer as a differentiable op: wraps the shared BPTT loop
 * (kernels/direction.ts, picked through kernels/backend.ts) in one tape node with outputs
 * out [N, H], hN [B, H] and (LSTM) cN [B, H]. Buffers are allocated once per call, sized by the
 * batch; the time loop allocates nothing.
 */
import type { CellCache, CellKernel } from '../cells/cell.ts';
import { backend } from '../kernels/backend.ts';
import type { DirectionDims } from '../kernels/direction.ts';
import { alloc } from '../tensor/alloc.ts';
import { Tensor, record } from '../tensor/tensor.ts';

/** The row layout of a packed batch (a PackedSequence satisfies it). */
export interface PackedLayout {
  readonly batchSizes: Int32Array;
  readonly offsets: Int32Array;
  readonly sortedIndices: Int32Array;
  readonly unsortedIndices: Int32Array;
}

/**
 * The layout of B sequences of length 1 in the caller's order (one time step of a batch): what
 * the cells and a layer's `stepForward` run the shared loop over.
 */
export function singleStepLayout(B: number): PackedLayout {
  const identity = Int32Array.from({ length: B }, (_, i) => i);
  return { batchSizes: Int32Array.of(B), offsets: Int32Array.of(0, B), sortedIndices: identity, unsortedIndices: identity };
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
  const B = sortedIndices.length;
  const N = x.shape[0];
  const D = x.shape[1];
  const H = w.wHh.shape[1];
  const GH = cell.gates * H;
  const hasC = cell.hasCell;
  const dims: DirectionDims = { batchSizes, offsets, B, N, D, H, reverse };
  const weights = { wIh: w.wIh.data, wHh: w.wHh.data, bIh: w.bIh ? w.bIh.data : null, bHh: w.bHh ? w.bHh.data : null };

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
  backend().directionForward(cell, weights, { x: x.data, hState, cState, cache }, dims);

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
    const dGx = alloc(N * GH);
    const at = (k: number): Float32Array | null => (k >= 0 ? dIns[k] : null);
    backend().directionBackward(
      cell,
      weights,
      {
        x: x.data,
        cache,
        dOut,
        dhState,
        dcState,
        dhIn: alloc(B * H),
        dGx,
        dGh: cell.splitGrads ? alloc(N * GH) : dGx,
        dx: dIns[0],
        dWih: dIns[1],
        dWhh: dIns[2],
        dbIh: at(slot.bIh),
        dbHh: at(slot.bHh),
      },
      dims,
    );
    const dh0 = at(slot.h0);
    const dc0 = at(slot.c0);
    if (dh0) permuteRows(dh0, dhState, unsortedIndices, H, true);
    if (dc0) permuteRows(dc0, dcState, unsortedIndices, H, true);
  });

  return { out, hN, cN };
}
