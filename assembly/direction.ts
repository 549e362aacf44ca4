/**
 * The BPTT loop of one layer-direction, whole, inside WebAssembly: the twin of
 * src/kernels/direction.ts (same steps, same order; read that file first). JavaScript calls
 * directionForward once per direction forward and directionBackward once per backward, with
 * every buffer already in linear memory (src/kernels/wasm/direction.ts stages them).
 *
 * Legend: B batch, T steps, D input, H hidden, G gates, GH = G·H, N packed rows,
 * n = batchSizes[t], r0 = offsets[t]. Pointers are byte addresses; 0 means "absent".
 * Cell codes: 0 rnn_tanh, 1 rnn_relu, 2 lstm, 3 gru.
 *
 * Forward:
 *   xg [N, GH] = b_ih (+ b_hh unless GRU) + X · W_ihᵀ         one GEMM over every real step
 *   per step: hPrev rows = hState; recurrent product of the active rows
 *     LSTM, RNN: xg rows += hPrev · W_hhᵀ  (then the cell reads xg alone; LSTM turns xg into act)
 *     GRU:       hg [n, GH] = b_hh + hPrev · W_hhᵀ   (kept apart: r multiplies W_hn·h + b_hn)
 *   cell step; hState = h rows (cState = c rows).
 * Backward, steps reversed:
 *   cell step (dh = dhState + dOut) → dGx, dGh rows; dhState rows += dGh · W_hh
 *   then dW_hh += dGhᵀ · hPrev,  dW_ih += dGxᵀ · X,  dX += dGx · W_ih,  db += Σ rows.
 *
 * `pack` is one scratch region for the packed right operands, used one at a time; its size is
 * ⌈C/16⌉·16·K floats for the largest packed [K, C] operand (packedFloats in the JS stager).
 */
import { gemmPacked, gemmPackedTA, packCols, packRows, fillBias, sumRows } from './gemm';
import { gruBackward, gruForward, lstmBackward, lstmForward, rnnBackward, rnnForward } from './cells';

const LSTM = 2;
const GRU = 3;

@inline function gatesOf(cell: i32): i32 {
  return cell == LSTM ? 4 : cell == GRU ? 3 : 1;
}

@inline function at(p: usize, row: i32, width: i32): usize {
  return p + ((<usize>row * <usize>width) << 2);
}

/**
 * batchSizes, offsets: i32 [T], [T + 1]. x [N, D], wIh [GH, D], wHh [GH, H], bIh, bHh [GH] or 0.
 * hState, cState [B, H]: in h0, c0; out final states. Out: xg [N, GH] (LSTM: act, the same
 * buffer), hg [B, GH] (GRU), hPrev, cPrev, h, c [N, H], act [N, 4H] (GRU).
 */
export function directionForward(
  cell: i32, reverse: bool, T: i32, N: i32, D: i32, H: i32,
  batchSizes: usize, offsets: usize,
  x: usize, wIh: usize, wHh: usize, bIh: usize, bHh: usize,
  hState: usize, cState: usize,
  xg: usize, hg: usize, hPrev: usize, cPrev: usize, h: usize, c: usize, act: usize,
  pack: usize,
): void {
  const GH = gatesOf(cell) * H;
  const rowH = <usize>H << 2;
  fillBias(xg, bIh, cell == GRU ? 0 : bHh, N, GH);
  packCols(pack, wIh, GH, D);
  gemmPacked(xg, GH, x, D, 1, pack, N, GH, D);
  packCols(pack, wHh, GH, H);
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const n = load<i32>(batchSizes + (<usize>t << 2));
    const r0 = load<i32>(offsets + (<usize>t << 2));
    const bytes = <usize>n * rowH;
    const hp = at(hPrev, r0, H);
    memory.copy(hp, hState, bytes);
    if (cell == LSTM) memory.copy(at(cPrev, r0, H), cState, bytes);
    const g = at(xg, r0, GH);
    if (cell == GRU) {
      fillBias(hg, bHh, 0, n, GH);
      gemmPacked(hg, GH, hp, H, 1, pack, n, GH, H);
      gruForward(g, hg, hp, at(h, r0, H), at(act, r0, 4 * H), n, H);
    } else {
      gemmPacked(g, GH, hp, H, 1, pack, n, GH, H);
      if (cell == LSTM) lstmForward(g, at(cPrev, r0, H), at(c, r0, H), at(h, r0, H), n, H);
      else rnnForward(g, at(h, r0, H), cell == 1, n, H);
    }
    memory.copy(hState, at(h, r0, H), bytes);
    if (cell == LSTM) memory.copy(cState, at(c, r0, H), bytes);
  }
}

/**
 * Cache from the forward: hPrev [N, H]; LSTM cPrev, c [N, H] and act [N, 4H]; GRU act [N, 4H];
 * RNN h [N, H]. dOut [N, H] or 0. dhState, dcState [B, H]: in dL/dh_final, dL/dc_final; out
 * dL/dh0, dL/dc0. dGx, dGh [N, GH] scratch (the same buffer unless GRU). Accumulated (+=) when
 * not 0: dx [N, D], dWih [GH, D], dWhh [GH, H], dbIh, dbHh [GH]. chunk [GH, KC] scratch for the
 * transposed slabs of dG in the weight gradients.
 */
export function directionBackward(
  cell: i32, reverse: bool, T: i32, N: i32, D: i32, H: i32,
  batchSizes: usize, offsets: usize,
  x: usize, wIh: usize, wHh: usize,
  hPrev: usize, cPrev: usize, c: usize, h: usize, act: usize,
  dOut: usize, dhState: usize, dcState: usize, dGx: usize, dGh: usize,
  dx: usize, dWih: usize, dWhh: usize, dbIh: usize, dbHh: usize,
  pack: usize, chunk: usize,
): void {
  const GH = gatesOf(cell) * H;
  packRows(pack, wHh, GH, H);
  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    const n = load<i32>(batchSizes + (<usize>t << 2));
    const r0 = load<i32>(offsets + (<usize>t << 2));
    const dO = dOut ? at(dOut, r0, H) : 0;
    if (cell == LSTM) {
      lstmBackward(at(act, r0, GH), at(c, r0, H), at(cPrev, r0, H), dO, dhState, dcState, at(dGx, r0, GH), n, H);
    } else if (cell == GRU) {
      gruBackward(at(act, r0, 4 * H), at(hPrev, r0, H), dO, dhState, at(dGx, r0, GH), at(dGh, r0, GH), n, H);
    } else {
      rnnBackward(at(h, r0, H), dO, dhState, at(dGx, r0, GH), cell == 1, n, H);
    }
    // dh_{t-1} = (direct part written by the cell) + dGh · W_hh
    gemmPacked(dhState, H, at(dGh, r0, GH), GH, 1, pack, n, H, GH);
  }
  if (dWhh) {
    packRows(pack, hPrev, N, H);
    gemmPackedTA(dWhh, H, dGh, pack, GH, H, N, chunk);
  }
  if (dWih) {
    packRows(pack, x, N, D);
    gemmPackedTA(dWih, D, dGx, pack, GH, D, N, chunk);
  }
  if (dx) {
    packRows(pack, wIh, GH, D);
    gemmPacked(dx, D, dGx, GH, 1, pack, N, D, GH);
  }
  if (dbIh) sumRows(dbIh, dGx, N, GH);
  if (dbHh) sumRows(dbHh, dGh, N, GH);
}
