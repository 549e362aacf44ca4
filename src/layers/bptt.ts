/**
 * One layer-direction of a recurrent layer as a differentiable op: wraps the shared BPTT loop
 * (kernels/direction.ts or its WebAssembly twin, picked through kernels/backend.ts) in one tape
 * node with outputs out [N, H], hN [B, H] and (LSTM) cN [B, H].
 *
 * Legend: B batch, N packed rows, D input, H hidden, G gates, GH = G·H.
 *
 * Memory: the backend declares which buffers it needs and only those are allocated here, once
 * per call and sized by the batch (the time loop allocates nothing). The reference backend keeps
 * its whole cache in JavaScript arrays; the WebAssembly backend keeps its own in linear memory
 * (a `Saved`), reused call after call. A cache lives while a backward may still need it:
 *   - no backward can follow (no grad, or no input requires one): the forward keeps nothing;
 *   - it is released right after the backward has consumed it (a second backward through the
 *     same graph then throws, as in PyTorch without retain_graph);
 *   - a graph dropped without backward releases it when the garbage collector reclaims the graph.
 */
import type { CellCache, CellKernel } from '../cells/cell.ts';
import { backend, type Backend, type Saved } from '../kernels/backend.ts';
import type { DirectionDims } from '../kernels/direction.ts';
import { alloc } from '../tensor/alloc.ts';
import { isGradEnabled, Tensor, record } from '../tensor/tensor.ts';

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

/** Caches a dropped graph still holds, released when the collector reclaims its backward. */
const dropped = typeof FinalizationRegistry === 'function' ? new FinalizationRegistry<{ release(): void }>((s) => s.release()) : null;

/**
 * What the registry keeps for a graph: made out here, not as a closure inside
 * recurrentDirections, whose scope also holds the token (the token would never be collected).
 */
function releaser(kept: readonly Saved[]): { release(): void } {
  return { release: () => kept.forEach((s) => s.release()) };
}

/** The CellCache buffers `be` asked for, the others empty. */
function allocCache(be: Backend, cell: CellKernel, N: number, B: number, H: number): CellCache {
  const need = new Set(be.cacheBuffers(cell));
  const GH = cell.gates * H;
  const buf = (name: Exclude<keyof CellCache, 'H'>, n: number): Float32Array => (need.has(name) ? alloc(n) : EMPTY);
  return {
    H,
    xg: buf('xg', N * GH),
    hg: buf('hg', B * GH),
    hPrev: buf('hPrev', N * H),
    cPrev: buf('cPrev', N * H),
    h: alloc(N * H), // the output
    c: buf('c', N * H),
    act: buf('act', N * cell.cached * H),
  };
}

/** One direction's part of a tape node: where its tensors sit among the node's inputs. */
interface DirectionSlots {
  wIh: number;
  wHh: number;
  bIh: number;
  bHh: number;
  h0: number;
  c0: number;
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
  return recurrentDirections(cell, x, layout, [{ w, h0, c0, reverse }])[0];
}

/**
 * Both directions of a bidirectional layer over the same x [N, D], as one tape node: a backend
 * with threads runs the two side by side, forward and backward (the same numbers as two
 * recurrentDirection calls, forward then reverse).
 */
export function recurrentBidirectional(
  cell: CellKernel,
  x: Tensor,
  layout: PackedLayout,
  w: readonly [DirectionWeights, DirectionWeights],
  h0: readonly [Tensor | null, Tensor | null],
  c0: readonly [Tensor | null, Tensor | null],
): [DirectionResult, DirectionResult] {
  const [f, r] = recurrentDirections(cell, x, layout, [
    { w: w[0], h0: h0[0], c0: c0[0], reverse: false },
    { w: w[1], h0: h0[1], c0: c0[1], reverse: true },
  ]);
  return [f, r];
}

/** One or two directions over the same x as one tape node. */
function recurrentDirections(
  cell: CellKernel,
  x: Tensor,
  layout: PackedLayout,
  dirs: readonly { w: DirectionWeights; h0: Tensor | null; c0: Tensor | null; reverse: boolean }[],
): DirectionResult[] {
  const { batchSizes, offsets, sortedIndices, unsortedIndices } = layout;
  const B = sortedIndices.length;
  const N = x.shape[0];
  const D = x.shape[1];
  const H = dirs[0].w.wHh.shape[1];
  const GH = cell.gates * H;
  const hasC = cell.hasCell;

  const inputs: Tensor[] = [x];
  const add = (t: Tensor | null): number => (t ? inputs.push(t) - 1 : -1);
  const slots: DirectionSlots[] = dirs.map(({ w, h0, c0 }) => ({
    wIh: add(w.wIh),
    wHh: add(w.wHh),
    bIh: add(w.bIh),
    bHh: add(w.bHh),
    h0: add(h0),
    c0: hasC ? add(c0) : -1,
  }));
  // The condition under which record() keeps a node: only then may a backward follow.
  const keep = isGradEnabled() && inputs.some((t) => t.requiresGrad);

  const be = backend(); // the backward runs on the backend that ran the forward
  const dims: DirectionDims[] = dirs.map(({ reverse }) => ({ batchSizes, offsets, B, N, D, H, reverse }));
  const weights = dirs.map(({ w }) => ({ wIh: w.wIh.data, wHh: w.wHh.data, bIh: w.bIh ? w.bIh.data : null, bHh: w.bHh ? w.bHh.data : null }));
  const fwd = dirs.map(({ h0, c0 }) => {
    const cache = allocCache(be, cell, N, B, H);
    const hState = alloc(B * H); // [B, H] sorted
    const cState = hasC ? alloc(B * H) : EMPTY;
    if (h0) permuteRows(hState, h0.data, sortedIndices, H, false);
    if (hasC && c0) permuteRows(cState, c0.data, sortedIndices, H, false);
    return { x: x.data, hState, cState, cache };
  });
  const saved: (Saved | null)[] =
    fwd.length === 2 && be.pairForward
      ? be.pairForward(cell, weights, fwd, dims, keep)
      : fwd.map((b, i) => be.directionForward(cell, weights[i], b, dims[i], keep));

  const results: DirectionResult[] = fwd.map(({ cache, hState, cState }) => {
    const out = new Tensor(cache.h, [N, H]);
    const hNData = alloc(B * H);
    permuteRows(hNData, hState, unsortedIndices, H, false);
    let cN: Tensor | null = null;
    if (hasC) {
      const cNData = alloc(B * H);
      permuteRows(cNData, cState, unsortedIndices, H, false);
      cN = new Tensor(cNData, [B, H]);
    }
    return { out, hN: new Tensor(hNData, [B, H]), cN };
  });
  const outputs = results.flatMap((r) => (r.cN ? [r.out, r.hN, r.cN] : [r.out, r.hN]));
  const perDir = hasC ? 3 : 2;

  // Held by the backward closure only: collected together with the graph.
  const token = {};
  const scratch = new Set(be.scratchBuffers(cell));
  const name = `${cell.kind}${dirs.length === 2 ? '_bidirectional' : dirs[0].reverse ? '_reverse' : ''}`;
  record(name, inputs, outputs, (dOuts, dIns) => {
    void token;
    if (saved.some((s) => s?.released)) {
      throw new Error(`${cell.kind}: backward through this layer a second time; its cache was released by the first (run the forward again)`);
    }
    const at = (k: number): Float32Array | null => (k >= 0 ? dIns[k] : null);
    const bwd = dirs.map((_, i) => {
      const [dOut, dhN, dcN] = dOuts.slice(i * perDir, (i + 1) * perDir);
      const dhState = alloc(B * H);
      const dcState = hasC ? alloc(B * H) : EMPTY;
      if (dhN) permuteRows(dhState, dhN, sortedIndices, H, false);
      if (hasC && dcN) permuteRows(dcState, dcN, sortedIndices, H, false);
      const dGx = scratch.has('dGx') ? alloc(N * GH) : EMPTY;
      const sl = slots[i];
      return {
        x: x.data,
        cache: fwd[i].cache,
        dOut,
        dhState,
        dcState,
        dhIn: scratch.has('dhIn') ? alloc(B * H) : EMPTY,
        dGx,
        dGh: scratch.has('dGh') ? alloc(N * GH) : dGx,
        dx: dIns[0],
        dWih: at(sl.wIh),
        dWhh: at(sl.wHh),
        dbIh: at(sl.bIh),
        dbHh: at(sl.bHh),
      };
    });
    if (bwd.length === 2 && be.pairBackward) be.pairBackward(cell, weights, bwd, dims, saved);
    else bwd.forEach((b, i) => be.directionBackward(cell, weights[i], b, dims[i], saved[i]));
    for (const s of saved) s?.release();
    dropped?.unregister(token);
    bwd.forEach((b, i) => {
      const dh0 = at(slots[i].h0);
      const dc0 = at(slots[i].c0);
      if (dh0) permuteRows(dh0, b.dhState, unsortedIndices, H, true);
      if (dc0) permuteRows(dc0, b.dcState, unsortedIndices, H, true);
    });
  });
  const kept = saved.filter((s): s is Saved => s !== null);
  if (kept.length > 0) {
    if (results[0].out.node === null) for (const s of kept) s.release(); // not recorded after all: nothing will read it
    else dropped?.register(token, releaser(kept), token);
  }
  return results;
}
