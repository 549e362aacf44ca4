/**
 * What every recurrent cell provides to the shared BPTT loop (layers/recurrent.ts).
 *
 * Legend: B batch, N packed rows, H hidden, G gates (RNN 1, GRU 3, LSTM 4), A cached gate
 * blocks per row. Gate blocks are laid out gate-major inside a row: gate k is [k*H, (k+1)*H),
 * the same order as the row blocks of PyTorch's weight_ih / weight_hh.
 *
 * The loop computes, per layer and direction:
 *   xg = X · W_ihᵀ + b_ih            for all N rows at once (one GEMM)
 *   hg = h_{t-1} · W_hhᵀ + b_hh       per step, over the active rows only
 * and calls the cell's pointwise `forward` / `backward` on the rows of one step:
 * packed rows r0 .. r0+n of the [N, ·] buffers, rows 0 .. n of the [B, ·] per-step buffers.
 */
export type F32 = Float32Array;

/** Buffers of one layer-direction's forward pass, kept for backward. */
export interface CellCache {
  H: number;
  /** [N, G*H] input projection x·W_ihᵀ + b_ih. */
  xg: F32;
  /** [B, G*H] per-step recurrent projection h_{t-1}·W_hhᵀ + b_hh (rows 0..n). */
  hg: F32;
  /** [N, H] hidden state entering each step. */
  hPrev: F32;
  /** [N, H] cell state entering each step (LSTM; empty otherwise). */
  cPrev: F32;
  /** [N, H] hidden state leaving each step (the layer's output). */
  h: F32;
  /** [N, H] cell state leaving each step (LSTM; empty otherwise). */
  c: F32;
  /** [N, A*H] activations kept for backward. */
  act: F32;
}

/** Per-step gradient buffers. */
export interface CellGrads {
  /** [B, H] in: dL/dh_t for rows 0..n (output gradient plus what flowed back from t+1). */
  dh: F32;
  /** [B, H] in: dL/dc_t; out: dL/dc_{t-1} (LSTM only), rows 0..n. */
  dc: F32;
  /** [B, H] out: the part of dL/dh_{t-1} that does not pass through W_hh, rows 0..n. */
  dhPrev: F32;
  /** [N, G*H] out: dL/dxg, rows r0..r0+n. */
  dGx: F32;
  /** [N, G*H] out: dL/dhg, rows r0..r0+n (the same buffer as dGx unless `splitGrads`). */
  dGh: F32;
}

export type CellKind = 'rnn_tanh' | 'rnn_relu' | 'lstm' | 'gru';

export interface CellKernel {
  readonly kind: CellKind;
  /** Gate blocks per row of the projections (G). */
  readonly gates: number;
  /** Carries a cell state c (LSTM). */
  readonly hasCell: boolean;
  /** Gate blocks cached per row for backward (A). */
  readonly cached: number;
  /** dL/dxg and dL/dhg differ (GRU: the reset gate multiplies W_hn·h + b_hn). */
  readonly splitGrads: boolean;
  forward(c: CellCache, r0: number, n: number): void;
  backward(c: CellCache, g: CellGrads, r0: number, n: number): void;
}
