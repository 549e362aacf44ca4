/**
 * WebAssembly twins of directionForward / directionBackward (src/kernels/direction.ts): same
 * signatures, same buffers, same results to float rounding. Each call is
 *   stage   (reset the arena, place every input in linear memory: O(N·(D + G·H)) copies),
 *   run     (one call into assembly/direction.ts, which runs the whole time loop),
 *   unstage (copy the results out into the caller's Float32Arrays).
 * The copies are small next to the O(N·H·G·(D + H)) products they feed (bench/kernels.ts
 * measures both). The phases are exported separately only for that benchmark.
 *
 * Legend: B batch, T steps, D input, H hidden, G gates, GH = G·H, N packed rows.
 *
 * Where the twin differs from the reference on purpose:
 *  - cache.xg and cache.hg are scratch inside the loop and are not copied out (nothing reads
 *    them after the call); every buffer backward reads (hPrev, cPrev, h, c, act) is.
 *  - backward's dhIn, dGx and dGh are scratch and are left untouched.
 */
import type { CellKernel, CellKind } from '../../cells/cell.ts';
import type { BackwardBuffers, DirectionDims, DirectionWeightsData, ForwardBuffers } from '../direction.ts';
import type { F32, In } from '../gemm.ts';
import { arena, chunkFloats, packedFloats, wasmKernels, type KernelExports } from './module.ts';

const CELL_CODE: Record<CellKind, number> = { rnn_tanh: 0, rnn_relu: 1, lstm: 2, gru: 3 };

/** view[ptr..ptr+len) ← src[0..len). */
function put(view: Float32Array, ptr: number, src: In, len: number): void {
  view.set(src.length === len ? src : src.subarray(0, len), ptr >> 2);
}

/** dst[0..len) ← view[ptr..ptr+len). */
function get(dst: F32, view: Float32Array, ptr: number, len: number): void {
  dst.set(view.subarray(ptr >> 2, (ptr >> 2) + len));
}

/** Byte addresses of one forward call's buffers (0: absent). */
export interface StagedForward {
  args: Parameters<KernelExports['directionForward']>;
  cell: CellKernel;
  p: { hState: number; cState: number; hPrev: number; cPrev: number; h: number; c: number; act: number };
  d: DirectionDims;
}

export function stageForward(cell: CellKernel, w: DirectionWeightsData, b: ForwardBuffers, d: DirectionDims): StagedForward {
  const { batchSizes, offsets, B, N, D, H, reverse } = d;
  const T = batchSizes.length;
  const GH = cell.gates * H;
  const lstm = cell.kind === 'lstm';
  const gru = cell.kind === 'gru';
  const a = arena();
  a.reset();
  const pBatch = a.i32(T);
  const pOffsets = a.i32(T + 1);
  const pX = a.f32(N * D);
  const pWih = a.f32(GH * D);
  const pWhh = a.f32(GH * H);
  const pBih = w.bIh ? a.f32(GH) : 0;
  const pBhh = w.bHh ? a.f32(GH) : 0;
  const pXg = a.f32(N * GH); // LSTM: also act, written in place
  const p = {
    hState: a.f32(B * H),
    cState: lstm ? a.f32(B * H) : 0,
    hPrev: a.f32(N * H),
    cPrev: lstm ? a.f32(N * H) : 0,
    h: a.f32(N * H),
    c: lstm ? a.f32(N * H) : 0,
    act: lstm ? pXg : gru ? a.f32(N * 4 * H) : 0,
  };
  const pHg = gru ? a.f32(B * GH) : 0;
  const pPack = a.f32(packedFloats(Math.max(D, H), GH));

  const f = a.f32view();
  const i = a.i32view();
  i.set(batchSizes, pBatch >> 2);
  i.set(offsets, pOffsets >> 2);
  put(f, pX, b.x, N * D);
  put(f, pWih, w.wIh, GH * D);
  put(f, pWhh, w.wHh, GH * H);
  if (w.bIh) put(f, pBih, w.bIh, GH);
  if (w.bHh) put(f, pBhh, w.bHh, GH);
  put(f, p.hState, b.hState, B * H);
  if (lstm) put(f, p.cState, b.cState, B * H);
  const args: StagedForward['args'] = [
    CELL_CODE[cell.kind], reverse ? 1 : 0, T, N, D, H,
    pBatch, pOffsets, pX, pWih, pWhh, pBih, pBhh,
    p.hState, p.cState,
    pXg, pHg, p.hPrev, p.cPrev, p.h, p.c, p.act,
    pPack,
  ];
  return { args, cell, p, d };
}

export function runForward(s: StagedForward): void {
  wasmKernels().directionForward(...s.args);
}

export function unstageForward(s: StagedForward, b: ForwardBuffers): void {
  const { B, N, H } = s.d;
  const { p, cell } = s;
  const f = arena().f32view();
  const { cache } = b;
  get(b.hState, f, p.hState, B * H);
  get(cache.hPrev, f, p.hPrev, N * H);
  get(cache.h, f, p.h, N * H);
  if (cell.hasCell) {
    get(b.cState, f, p.cState, B * H);
    get(cache.cPrev, f, p.cPrev, N * H);
    get(cache.c, f, p.c, N * H);
  }
  if (cell.cached > 0) get(cache.act, f, p.act, N * cell.cached * H);
}

export function directionForward(cell: CellKernel, w: DirectionWeightsData, b: ForwardBuffers, d: DirectionDims): void {
  const s = stageForward(cell, w, b, d);
  runForward(s);
  unstageForward(s, b);
}

/** Byte addresses of one backward call's buffers (0: absent). */
export interface StagedBackward {
  args: Parameters<KernelExports['directionBackward']>;
  cell: CellKernel;
  p: { dhState: number; dcState: number; dx: number; dWih: number; dWhh: number; dbIh: number; dbHh: number };
  d: DirectionDims;
}

export function stageBackward(cell: CellKernel, w: DirectionWeightsData, b: BackwardBuffers, d: DirectionDims): StagedBackward {
  const { batchSizes, offsets, B, N, D, H, reverse } = d;
  const T = batchSizes.length;
  const GH = cell.gates * H;
  const lstm = cell.kind === 'lstm';
  const gru = cell.kind === 'gru';
  const rnn = !lstm && !gru;
  const { cache } = b;
  const a = arena();
  a.reset();
  const pBatch = a.i32(T);
  const pOffsets = a.i32(T + 1);
  // Inputs, each only when something reads it.
  const pX = b.dWih ? a.f32(N * D) : 0;
  const pWih = b.dx ? a.f32(GH * D) : 0;
  const pWhh = a.f32(GH * H);
  const pHPrev = b.dWhh || gru ? a.f32(N * H) : 0;
  const pCPrev = lstm ? a.f32(N * H) : 0;
  const pC = lstm ? a.f32(N * H) : 0;
  const pH = rnn ? a.f32(N * H) : 0;
  const pAct = cell.cached > 0 ? a.f32(N * cell.cached * H) : 0;
  const pDOut = b.dOut ? a.f32(N * H) : 0;
  const pDGx = a.f32(N * GH);
  const pDGh = cell.splitGrads ? a.f32(N * GH) : pDGx;
  const p = {
    dhState: a.f32(B * H),
    dcState: lstm ? a.f32(B * H) : 0,
    dx: b.dx ? a.f32(N * D) : 0,
    dWih: b.dWih ? a.f32(GH * D) : 0,
    dWhh: b.dWhh ? a.f32(GH * H) : 0,
    dbIh: b.dbIh ? a.f32(GH) : 0,
    dbHh: b.dbHh ? a.f32(GH) : 0,
  };
  const pPack = a.f32(packedFloats(Math.max(GH, N), Math.max(D, H)));
  const pChunk = b.dWih || b.dWhh ? a.f32(chunkFloats(wasmKernels(), GH)) : 0;

  const f = a.f32view();
  const i = a.i32view();
  i.set(batchSizes, pBatch >> 2);
  i.set(offsets, pOffsets >> 2);
  if (pX) put(f, pX, b.x, N * D);
  if (pWih) put(f, pWih, w.wIh, GH * D);
  put(f, pWhh, w.wHh, GH * H);
  if (pHPrev) put(f, pHPrev, cache.hPrev, N * H);
  if (lstm) {
    put(f, pCPrev, cache.cPrev, N * H);
    put(f, pC, cache.c, N * H);
  }
  if (rnn) put(f, pH, cache.h, N * H);
  if (pAct) put(f, pAct, cache.act, N * cell.cached * H);
  if (b.dOut) put(f, pDOut, b.dOut, N * H);
  put(f, p.dhState, b.dhState, B * H);
  if (lstm) put(f, p.dcState, b.dcState, B * H);
  // Gradients accumulate (+=): start from the caller's values.
  if (b.dx) put(f, p.dx, b.dx, N * D);
  if (b.dWih) put(f, p.dWih, b.dWih, GH * D);
  if (b.dWhh) put(f, p.dWhh, b.dWhh, GH * H);
  if (b.dbIh) put(f, p.dbIh, b.dbIh, GH);
  if (b.dbHh) put(f, p.dbHh, b.dbHh, GH);
  const args: StagedBackward['args'] = [
    CELL_CODE[cell.kind], reverse ? 1 : 0, T, N, D, H,
    pBatch, pOffsets, pX, pWih, pWhh,
    pHPrev, pCPrev, pC, pH, pAct,
    pDOut, p.dhState, p.dcState, pDGx, pDGh,
    p.dx, p.dWih, p.dWhh, p.dbIh, p.dbHh,
    pPack, pChunk,
  ];
  return { args, cell, p, d };
}

export function runBackward(s: StagedBackward): void {
  wasmKernels().directionBackward(...s.args);
}

export function unstageBackward(s: StagedBackward, b: BackwardBuffers): void {
  const { B, N, D, H } = s.d;
  const GH = s.cell.gates * H;
  const { p } = s;
  const f = arena().f32view();
  get(b.dhState, f, p.dhState, B * H);
  if (s.cell.hasCell) get(b.dcState, f, p.dcState, B * H);
  if (b.dx) get(b.dx, f, p.dx, N * D);
  if (b.dWih) get(b.dWih, f, p.dWih, GH * D);
  if (b.dWhh) get(b.dWhh, f, p.dWhh, GH * H);
  if (b.dbIh) get(b.dbIh, f, p.dbIh, GH);
  if (b.dbHh) get(b.dbHh, f, p.dbHh, GH);
}

export function directionBackward(cell: CellKernel, w: DirectionWeightsData, b: BackwardBuffers, d: DirectionDims): void {
  const s = stageBackward(cell, w, b, d);
  runBackward(s);
  unstageBackward(s, b);
}
