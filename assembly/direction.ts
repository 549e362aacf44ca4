/**
 * The BPTT loop of one layer-direction inside WebAssembly: the twin of src/kernels/direction.ts
 * (same steps, same order; read that file first). JavaScript writes a job record
 * (src/kernels/wasm/layout.ts) and calls runJob on every thread of a team; a team of one is the
 * single-threaded case. Five jobs: packing staged weight rows, the input projection of a chunk
 * of x, the forward time loop over a chunk of steps, the backward time loop over a chunk of
 * steps, and the backward's weight products (dW_hh once, dW_ih and dX per chunk of rows).
 *
 * Legend: B batch, T steps, D input, H hidden, G gates, GH = G·H, N packed rows,
 * n = batchSizes[t], r0 = offsets[t], S the row stride of act and dG (4H for LSTM and GRU, H for
 * RNN). Pointers are byte addresses; 0 means "absent".
 *
 * What the forward keeps (the cache), and nothing else:
 *   LSTM act [N, 4H] (i f g o), c [N, H], c0, h0 [B, H]   (h passes through chunk buffers; it is
 *                                                        the layer's output, copied back for dW_hh)
 *   GRU  act [N, 4H] (r z n hn), h [N, H], h0 [B, H]
 *   RNN  h [N, H], h0 [B, H]
 * The state entering step t is not stored: it is the h (c) rows of the step before (a prefix of
 * them: steps only lose rows going forward in time), or h0 (c0) rows for samples that have no
 * step before (every sample at the first step; in reverse, samples whose last real step is t).
 *
 * Forward:
 *   xg [N, GH] = b_ih (+ b_hh unless GRU) + X · W_ihᵀ     one GEMM over every real step
 *       (xg is act for LSTM, the first 3H of each act row for GRU, h for RNN)
 *   per step: recurrent product of the active rows, read from the previous step's h rows
 *     LSTM, RNN: xg rows += hPrev · W_hhᵀ  (the cell then turns xg into act / h in place)
 *     GRU:       hg [n, 3H] = b_hh + hPrev · W_hhᵀ   (kept apart: r multiplies W_hn·h + b_hn)
 *   cell step → h (c) rows of step t.   Final states: each sample's h (c) at its last step.
 * Backward, steps reversed, carrying dh, dc [B, H]:
 *   cell step (dh + dOut rows) → dG rows, written over act (LSTM, GRU); dh rows += dG · W_hh
 *   then dW_hh += dGhᵀ · hPrev,  dW_ih += dGxᵀ · X,  dX += dGx · W_ih,  db += Σ rows.
 *   GRU: dG rows are [dar | daz | dan | dan ⊙ r]; dGx = blocks 0 1 2, dGh = blocks 0 1 3.
 *
 * Threads: a thread owns blocks of 16 units (sync.ts) in every gate. The weights are packed per
 * gate, so it computes its own columns of every product whose columns are units and runs the
 * cell step on its own units: a forward step needs one barrier (before reading the previous
 * step's h rows, which every thread wrote) and a backward step one (before dG · W_hh reads every
 * thread's dG). Packing shares out panels; the weight products after the loop share out their
 * rows. The arithmetic of every element is the same whatever the team size.
 */
import { fillBias, gemmP, gemmTAslab, KC, packColsRange, packRowsRange, sumRows } from './gemm';
import { gruBackward, gruForward, lstmBackward, lstmForward, rnnBackward, rnnForward } from './cells';
import { barrier, shareStart } from './sync';
import {
  CELL_GRU, CELL_LSTM, CELL_RNN_RELU, CELL_RNN_TANH, FLAG_BIAS, FLAG_GATES, FLAG_RECURRENT, OP_BACKWARD_LOOP, OP_FORWARD, OP_PACK, OP_PROJECT, UNIT_BLOCK,
  J_ACT, J_BARRIER, J_BATCH_SIZES, J_BHH, J_BIH, J_CS, J_C0, J_CELL, J_CHUNK, J_CN, J_D, J_DBHH, J_DBIH, J_DC,
  J_DG, J_DH, J_DOUT, J_DOUT_ROW0, J_DWHH, J_DWIH, J_DX, J_FLAGS, J_H, J_HS, J_HS_PREV, J_H0, J_HG, J_HN, J_N, J_OFFSETS, J_OP,
  J_PACK, J_PACK_DST, J_PACK_HH, J_PACK_IH, J_PACK_K, J_PACK_N, J_PACK_SRC, J_PREV_ROWS, J_REVERSE, J_ROW0, J_ROWS,
  J_SLAB_BYTES, J_T, J_T0, J_T1, J_THREADS, J_X,
} from '../src/kernels/wasm/layout';

@inline function int(job: usize, s: i32): i32 {
  return load<i32>(job + (<usize>s << 2));
}

@inline function ptr(job: usize, s: i32): usize {
  return <usize>load<u32>(job + (<usize>s << 2));
}

/** Row `row` of a buffer with rows `width` floats wide. */
@inline function at(p: usize, row: i32, width: i32): usize {
  return p + ((<usize>row * <usize>width) << 2);
}

@inline function gatesOf(cell: i32): i32 {
  return cell == CELL_LSTM ? 4 : cell == CELL_GRU ? 3 : 1;
}

/** Row stride of act and dG. */
@inline function strideOf(cell: i32, H: i32): i32 {
  return cell == CELL_LSTM || cell == CELL_GRU ? 4 * H : H;
}

@inline function i32At(p: usize, i: i32): i32 {
  return load<i32>(p + (<usize>i << 2));
}

/** Runs this thread's part (tid of the job's team) of the job at `job`. */
export function runJob(job: usize, tid: i32): void {
  const op = int(job, J_OP);
  if (op == OP_PACK) pack(job, tid);
  else if (op == OP_PROJECT) project(job, tid);
  else if (op == OP_FORWARD) forward(job, tid);
  else if (op == OP_BACKWARD_LOOP) backwardLoop(job, tid);
  else backwardWeights(job, tid);
}

/** First unit of thread tid's share: blocks of UNIT_BLOCK (one packed panel per gate). */
@inline function unitStart(H: i32, tid: i32, nt: i32): i32 {
  return min(H, shareStart((H + UNIT_BLOCK - 1) / UNIT_BLOCK, tid, nt) * UNIT_BLOCK);
}

/**
 * Which packed rows hold the state entering step t. Returns m: rows 0 … m come from the rows of
 * the step before (starting at packed row *prevRow), rows m … n from h0 / c0.
 */
@inline function prevStep(batchSizes: usize, offsets: usize, T: i32, t: i32, reverse: bool): i64 {
  const tp = reverse ? t + 1 : t - 1;
  if (tp < 0 || tp >= T) return 0;
  const n = i32At(batchSizes, t);
  const np = i32At(batchSizes, tp);
  return (<i64>i32At(offsets, tp) << 32) | <i64>min(n, np);
}

/**
 * Panels of staged weight rows J_ROW0 … J_ROW0 + J_ROWS (at J_PACK_SRC, J_PACK_K floats each),
 * shared out among threads by panels. FLAG_GATES: rows of W [G·N, K] within one gate, packed
 * transposed per gate (gate g's panel q is panel g·⌈N/16⌉ + q). Otherwise rows k0 … of a [K, N]
 * right operand (J_PACK_K: the operand's whole K) into rows k0 … of every panel.
 */
function pack(job: usize, tid: i32): void {
  const nt = int(job, J_THREADS);
  const K = int(job, J_PACK_K);
  const N = int(job, J_PACK_N);
  const row0 = int(job, J_ROW0);
  const rows = int(job, J_ROWS);
  const dst = ptr(job, J_PACK_DST);
  const src = ptr(job, J_PACK_SRC);
  if (int(job, J_FLAGS) & FLAG_GATES) {
    const PG = (N + 15) >> 4;
    const g = row0 / N;
    const first = row0 - g * N; // a multiple of 16
    const q0 = first >> 4;
    const q1 = (first + rows + 15) >> 4;
    const a = q0 + shareStart(q1 - q0, tid, nt);
    const b = q0 + shareStart(q1 - q0, tid + 1, nt);
    // The staged chunk starts at column 16·q0 of gate g: bias the source so that column c is at c·K.
    packColsRange(dst + ((<usize>(g * PG) * <usize>K) << 6), src - ((<usize>first * <usize>K) << 2), N, K, a, b);
  } else {
    // K here is the packed rows per panel (the whole operand's), rows the staged ones.
    const panels = (N + 15) >> 4;
    packRowsRange(dst + (<usize>row0 << 6), K, src, rows, N, N, shareStart(panels, tid, nt), shareStart(panels, tid + 1, nt));
  }
}

/** xg of one chunk of rows, own units of every gate: biases + X · W_ihᵀ (W_ih packed per gate). */
function project(job: usize, tid: i32): void {
  const cell = int(job, J_CELL);
  const D = int(job, J_D);
  const H = int(job, J_H);
  const nt = int(job, J_THREADS);
  const G = gatesOf(cell);
  const S = strideOf(cell, H);
  const PG = (H + 15) >> 4; // panels per gate
  const row0 = int(job, J_ROW0);
  const rows = int(job, J_ROWS);
  const bIh = ptr(job, J_BIH);
  const bHh = ptr(job, J_BHH);
  const packIh = ptr(job, J_PACK_IH);
  const u0 = unitStart(H, tid, nt);
  const u1 = unitStart(H, tid + 1, nt);
  const b0 = u0 / UNIT_BLOCK;
  const nu = u1 - u0;
  const xg = at(cell == CELL_RNN_TANH || cell == CELL_RNN_RELU ? ptr(job, J_HS) : ptr(job, J_ACT), row0, S);
  for (let g = 0; g < G; g++) {
    const col = g * H + u0;
    fillBias(xg, S, bIh, cell == CELL_GRU ? 0 : bHh, rows, col, col + nu);
    gemmP(xg + (<usize>col << 2), S, ptr(job, J_X), D, 1, packIh + ((<usize>(g * PG + b0) * <usize>D) << 6), D, rows, nu, D);
  }
}

/**
 * The time loop over steps t0 … t1 of projected rows, in the direction's order; each sample's
 * final state is written at its last step. h rows are at J_HS (biased: it may hold only this
 * chunk's rows) and, for the step before the chunk, at J_HS_PREV.
 */
function forward(job: usize, tid: i32): void {
  const cell = int(job, J_CELL);
  const reverse = int(job, J_REVERSE) != 0;
  const T = int(job, J_T);
  const H = int(job, J_H);
  const nt = int(job, J_THREADS);
  const bar = ptr(job, J_BARRIER);
  const batchSizes = ptr(job, J_BATCH_SIZES);
  const offsets = ptr(job, J_OFFSETS);
  const G = gatesOf(cell);
  const S = strideOf(cell, H);
  const PG = (H + 15) >> 4; // panels per gate
  const lstm = cell == CELL_LSTM;
  const gru = cell == CELL_GRU;
  const rnn = !lstm && !gru;
  const bHh = ptr(job, J_BHH);
  const h0 = ptr(job, J_H0);
  const c0 = ptr(job, J_C0);
  const act = ptr(job, J_ACT);
  const c = ptr(job, J_CS);
  const h = ptr(job, J_HS);
  const hBefore = ptr(job, J_HS_PREV);
  const hg = ptr(job, J_HG);
  const packHh = ptr(job, J_PACK_HH);
  const hN = ptr(job, J_HN);
  const cN = ptr(job, J_CN);
  const t0 = int(job, J_T0);
  const t1 = int(job, J_T1);
  const u0 = unitStart(H, tid, nt);
  const u1 = unitStart(H, tid + 1, nt);
  const b0 = u0 / UNIT_BLOCK;
  const nu = u1 - u0;
  const unitBytes = <usize>nu << 2;
  const unitOff = <usize>u0 << 2;

  for (let i = t0; i < t1; i++) {
    const t = reverse ? t1 - 1 - (i - t0) : i;
    const n = i32At(batchSizes, t);
    const r0 = i32At(offsets, t);
    const prev = prevStep(batchSizes, offsets, T, t, reverse);
    const m = <i32>prev;
    const rp = <i32>(prev >> 32);
    const tp = reverse ? t + 1 : t - 1;
    // Every thread's h rows of the step before are written (by this job, or by the job before).
    if (i > t0) barrier(bar, nt);
    const hpA = at(tp >= t0 && tp < t1 ? h : hBefore, rp, H); // rows 0 … m
    const hpB = at(h0, m, H); // rows m … n
    // Recurrent product into the pre-activations of own units. An RNN's xg is h itself.
    const xg = rnn ? h : act;
    const tgt = gru ? hg : at(xg, r0, S);
    const ldt = gru ? 3 * H : S;
    for (let g = 0; g < G; g++) {
      const col = g * H + u0;
      const bp = packHh + ((<usize>(g * PG + b0) * <usize>H) << 6);
      if (gru) fillBias(hg, ldt, bHh, 0, n, col, col + nu);
      gemmP(tgt + (<usize>col << 2), ldt, hpA, H, 1, bp, H, m, nu, H);
      gemmP(at(tgt, m, ldt) + (<usize>col << 2), ldt, hpB, H, 1, bp, H, n - m, nu, H);
    }
    if (lstm) {
      lstmForward(at(act, r0, S), at(c, rp, H), at(c, r0, H), at(h, r0, H), m, H, u0, u1);
      lstmForward(at(act, r0 + m, S), at(c0, m, H), at(c, r0 + m, H), at(h, r0 + m, H), n - m, H, u0, u1);
    } else if (gru) {
      gruForward(at(act, r0, S), hg, hpA, at(h, r0, H), at(act, r0, S), m, H, u0, u1);
      gruForward(at(act, r0 + m, S), at(hg, m, 3 * H), hpB, at(h, r0 + m, H), at(act, r0 + m, S), n - m, H, u0, u1);
    } else {
      rnnForward(at(h, r0, H), at(h, r0, H), cell == CELL_RNN_RELU, n, H, u0, u1);
    }
    // Final states of own units for the samples whose last step this is (every sample at t = 0 in reverse).
    const ending = reverse ? (t == 0 ? 0 : n) : t + 1 < T ? i32At(batchSizes, t + 1) : 0;
    for (let j = ending; j < n; j++) {
      memory.copy(at(hN, j, H) + unitOff, at(h, r0 + j, H) + unitOff, unitBytes);
      if (lstm) memory.copy(at(cN, j, H) + unitOff, at(c, r0 + j, H) + unitOff, unitBytes);
    }
  }
}

/** Backward through steps t0 … t1 (later steps first in time order; the reverse direction the other way). */
function backwardLoop(job: usize, tid: i32): void {
  const cell = int(job, J_CELL);
  const reverse = int(job, J_REVERSE) != 0;
  const T = int(job, J_T);
  const H = int(job, J_H);
  const nt = int(job, J_THREADS);
  const bar = ptr(job, J_BARRIER);
  const batchSizes = ptr(job, J_BATCH_SIZES);
  const offsets = ptr(job, J_OFFSETS);
  const G = gatesOf(cell);
  const GH = G * H;
  const S = strideOf(cell, H);
  const lstm = cell == CELL_LSTM;
  const gru = cell == CELL_GRU;
  const act = ptr(job, J_ACT);
  const c = ptr(job, J_CS);
  const h = ptr(job, J_HS);
  const h0 = ptr(job, J_H0);
  const c0 = ptr(job, J_C0);
  const dOut = ptr(job, J_DOUT);
  const dOutRow0 = int(job, J_DOUT_ROW0);
  const dh = ptr(job, J_DH);
  const dc = ptr(job, J_DC);
  const dG = ptr(job, J_DG);
  const packHh = ptr(job, J_PACK_HH);
  const t0 = int(job, J_T0);
  const t1 = int(job, J_T1);
  const u0 = unitStart(H, tid, nt);
  const u1 = unitStart(H, tid + 1, nt);
  const b0 = u0 / UNIT_BLOCK;
  const nu = u1 - u0;

  // W_hh [GH, H] packed by rows: panels over H are units.
  const bp = packHh + ((<usize>b0 * <usize>GH) << 6);
  for (let i = t0; i < t1; i++) {
    const t = reverse ? i : t1 - 1 - (i - t0);
    const n = i32At(batchSizes, t);
    const r0 = i32At(offsets, t);
    const prev = prevStep(batchSizes, offsets, T, t, reverse);
    const m = <i32>prev;
    const rp = <i32>(prev >> 32);
    const dOA = dOut ? at(dOut, r0 - dOutRow0, H) : 0;
    const dOB = dOut ? at(dOut, r0 + m - dOutRow0, H) : 0;
    if (lstm) {
      lstmBackward(at(act, r0, S), at(c, r0, H), at(c, rp, H), dOA, dh, dc, at(dG, r0, S), m, H, u0, u1);
      lstmBackward(at(act, r0 + m, S), at(c, r0 + m, H), at(c0, m, H), dOB, at(dh, m, H), at(dc, m, H), at(dG, r0 + m, S), n - m, H, u0, u1);
    } else if (gru) {
      gruBackward(at(act, r0, S), at(h, rp, H), dOA, dh, at(dG, r0, S), m, H, u0, u1);
      gruBackward(at(act, r0 + m, S), at(h0, m, H), dOB, at(dh, m, H), at(dG, r0 + m, S), n - m, H, u0, u1);
    } else {
      rnnBackward(at(h, r0, H), dOA, dh, at(dG, r0, S), cell == CELL_RNN_RELU, n, H, u0, u1);
    }
    barrier(bar, nt); // dG · W_hh reads every thread's dG columns
    // dh_{t-1} (own units) = direct part written by the cell + dGh · W_hh
    const g = at(dG, r0, S);
    const out = dh + (<usize>u0 << 2);
    if (gru) {
      gemmP(out, H, g, S, 1, bp, GH, n, nu, 2 * H);
      gemmP(out, H, g + (<usize>(3 * H) << 2), S, 1, bp + (<usize>(2 * H) << 6), GH, n, nu, H);
    } else {
      gemmP(out, H, g, S, 1, bp, GH, n, nu, GH);
    }
  }
}

/** Column of dG that holds row j of dGh (GRU's n block of dGh is block 3). */
@inline function dGhCol(gru: bool, H: i32, j: i32): i32 {
  return gru && j >= 2 * H ? j + H : j;
}

/**
 * out rows m0 … m1 of a gradient [GH, W] += (dG rows 0 … K, columns)ᵀ · B [K, W] (rows through
 * `table` or at b, ldb): one gemmTAslab per run of rows whose dG columns are contiguous (GRU's
 * dGh jumps over block 2). chunk: [GH, KC] scratch shared by row; slab: this thread's own.
 */
function gradRows(out: usize, W: i32, dG: usize, S: i32, table: usize, b: usize, ldb: i32, K: i32, m0: i32, m1: i32, hGap: bool, H: i32, chunk: usize, slab: usize): void {
  let a = m0;
  while (a < m1) {
    const e = hGap && a < 2 * H ? min(m1, 2 * H) : m1;
    const col = dGhCol(hGap, H, a);
    gemmTAslab(at(out, a, W), W, dG + (<usize>col << 2), S, table, b, ldb, e - a, W, K, chunk + ((<usize>a * <usize>KC) << 2), slab);
    a = e;
  }
}

/** Rows of GH shared out in blocks of 16 (transposeChunk works in 4-row blocks). */
@inline function rowShare(rows: i32, tid: i32, nt: i32): i32 {
  return min(rows, shareStart((rows + 15) >> 4, tid, nt) << 4);
}

/**
 * The weight products after the loop, over the chunk of rows J_ROW0 … J_ROW0 + J_ROWS:
 * FLAG_RECURRENT: dW_hh += dGhᵀ · hPrev (hPrev rows through the J_PREV_ROWS table);
 * J_DWIH: dW_ih += dGxᵀ · X (x as a chunk); J_DX: dX = dGx · W_ih (dx as a chunk, W_ih packed
 * by rows). FLAG_BIAS: the bias gradients, over every row.
 */
function backwardWeights(job: usize, tid: i32): void {
  const cell = int(job, J_CELL);
  const N = int(job, J_N);
  const D = int(job, J_D);
  const H = int(job, J_H);
  const nt = int(job, J_THREADS);
  const flags = int(job, J_FLAGS);
  const G = gatesOf(cell);
  const GH = G * H;
  const S = strideOf(cell, H);
  const gru = cell == CELL_GRU;
  const dG = ptr(job, J_DG);
  const slab = ptr(job, J_PACK) + <usize>tid * <usize>int(job, J_SLAB_BYTES);
  const chunk = ptr(job, J_CHUNK);
  const dWhh = ptr(job, J_DWHH);
  const dWih = ptr(job, J_DWIH);
  const dx = ptr(job, J_DX);
  const row0 = int(job, J_ROW0);
  const rows = int(job, J_ROWS);
  const m0 = rowShare(GH, tid, nt);
  const m1 = rowShare(GH, tid + 1, nt);

  // dW_hh [GH, H] += dGhᵀ · hPrev over this chunk's rows
  if (flags & FLAG_RECURRENT) gradRows(dWhh, H, at(dG, row0, S), S, ptr(job, J_PREV_ROWS), 0, H, rows, m0, m1, gru, H, chunk, slab);
  if (flags & FLAG_BIAS) {
    // Bias gradients: sums over every row, columns shared out as the rows of dW are.
    const dbIh = ptr(job, J_DBIH);
    const dbHh = ptr(job, J_DBHH);
    if (dbIh) sumRows(dbIh + (<usize>m0 << 2), dG + (<usize>m0 << 2), S, N, m1 - m0);
    if (dbHh) {
      let a = m0;
      while (a < m1) {
        const e = gru && a < 2 * H ? min(m1, 2 * H) : m1;
        sumRows(dbHh + (<usize>a << 2), dG + (<usize>dGhCol(gru, H, a) << 2), S, N, e - a);
        a = e;
      }
    }
  }
  // dW_ih [GH, D] += dGxᵀ · X over this chunk's rows
  if (dWih) gradRows(dWih, D, at(dG, row0, S), S, 0, ptr(job, J_X), D, rows, m0, m1, false, H, chunk, slab);
  if (dx) {
    // dX [rows, D] += dGx · W_ih, rows shared out.
    const packIh = ptr(job, J_PACK_IH);
    const i0 = shareStart(rows, tid, nt);
    const i1 = shareStart(rows, tid + 1, nt);
    gemmP(at(dx, i0, D), D, at(dG, row0 + i0, S), S, 1, packIh, GH, i1 - i0, D, GH);
  }
}
