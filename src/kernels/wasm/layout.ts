/**
 * The job record that JavaScript writes into linear memory and every thread of the WebAssembly
 * kernels reads (assembly/direction.ts): one i32 slot per field, byte offset 4·slot. Shared by
 * both sides, so this file is plain constants only (AssemblyScript compiles it too, and
 * assembly/build.ts hashes it with the assembly sources).
 *
 * Pointers are byte addresses in linear memory; 0 means absent. Shapes use the legend of
 * assembly/direction.ts: B batch, T steps, N packed rows, D input, H hidden, G gates, GH = G·H,
 * S the row stride of act / dG (4H for LSTM and GRU, H for RNN).
 */

/** Which job: OP_PACK, OP_PROJECT, OP_FORWARD, OP_BACKWARD_LOOP or OP_BACKWARD_WEIGHTS. */
export const J_OP = 0;
/** Cell code: CELL_RNN_TANH, CELL_RNN_RELU, CELL_LSTM, CELL_GRU. */
export const J_CELL = 1;
/** 1: the direction runs t = T−1 … 0. */
export const J_REVERSE = 2;
export const J_T = 3;
export const J_N = 4;
export const J_D = 5;
export const J_H = 6;
export const J_B = 7;
/** Threads of the team running this job (1 … ); their barrier at J_BARRIER (i32 [4]). */
export const J_THREADS = 8;
export const J_BARRIER = 9;
/** i32 [T] active rows per step, i32 [T + 1] first packed row of each step. */
export const J_BATCH_SIZES = 10;
export const J_OFFSETS = 11;
/** x rows J_ROW0 … J_ROW0 + J_ROWS of [N, D], as a chunk [J_ROWS, D] (projection; dW_ih). */
export const J_X = 12;
/** W_ih [GH, D], W_hh [GH, H], b_ih, b_hh [GH] (or 0). */
export const J_WIH = 13;
export const J_WHH = 14;
export const J_BIH = 15;
export const J_BHH = 16;
/** h0, c0 [B, H] initial states in sorted order (zeros written by JS when not given). */
export const J_H0 = 17;
export const J_C0 = 18;
/**
 * The cache: act [N, S] (LSTM i f g o; GRU r z n hn; backward overwrites it with dG), and cs, hs
 * [N, H]: c and h at every step. Pointers to [N, ·] buffers may be biased (the address of a
 * virtual row 0) when a chunk holds only some rows: J_HS in a chunked forward.
 */
export const J_ACT = 19;
export const J_CS = 20;
export const J_HS = 21;
/** GRU forward scratch: hg [B, 3H]. */
export const J_HG = 22;
/** Packed weights (OP_PACK fills them): forward W_ih and W_hh per gate; backward W_hh and W_ih by rows. */
export const J_PACK_IH = 23;
export const J_PACK_HH = 24;
/**
 * Backward: dOut rows of the job's steps as a chunk (row J_DOUT_ROW0 of [N, H] first) or 0;
 * dh, dc [B, H] (in: dL/dh_T, dL/dc_T; out: dL/dh0, dL/dc0).
 */
export const J_DOUT = 25;
export const J_DH = 26;
export const J_DC = 27;
/** dL/d(pre-activation) [N, S]: the act buffer for LSTM and GRU, a separate one for RNN. */
export const J_DG = 28;
/**
 * Accumulated (+=) when not 0: dx (rows J_ROW0 … as a chunk [J_ROWS, D]), dW_ih [GH, D],
 * dW_hh [GH, H], db_ih, db_hh [GH].
 */
export const J_DX = 29;
export const J_DWIH = 30;
export const J_DWHH = 31;
export const J_DBIH = 32;
export const J_DBHH = 33;
/** Backward weights: each thread's KC-row slab of the packed right operand, J_SLAB_BYTES apart. */
export const J_PACK = 34;
/** Backward weights: transposed slabs of dG, [GH, KC] floats (each thread uses its own rows). */
export const J_CHUNK = 35;
/** Forward out: final states hN, cN [B, H], sorted order. */
export const J_HN = 36;
export const J_CN = 37;
/** A chunk of packed rows: the first and how many (projection, dW_ih, dx). */
export const J_ROW0 = 38;
export const J_ROWS = 39;
/** FLAG_* bits. */
export const J_FLAGS = 40;
/** Time loops: the steps t0 … t1 of this job (run in the direction's order, or backward's). */
export const J_T0 = 41;
export const J_T1 = 42;
/** Bytes of each thread's slab at J_PACK. */
export const J_SLAB_BYTES = 43;
/** Packed row of the chunk's first dOut row. */
export const J_DOUT_ROW0 = 44;
/** Backward weights: u32 [J_ROWS], the byte address of the state entering each of this job's rows (an h or h0 row). */
export const J_PREV_ROWS = 45;
/**
 * Forward loop: h rows of the chunk before (biased like J_HS), for the first step of a chunk.
 * Equal to J_HS when every row is in one buffer.
 */
export const J_HS_PREV = 46;
/** OP_PACK: rows J_ROW0 … J_ROW0 + J_ROWS of a weight matrix staged at J_PACK_SRC, rows of J_PACK_K floats, into J_PACK_DST. */
export const J_PACK_K = 47;
/** OP_PACK: columns per gate (FLAG_GATES) or of the matrix. */
export const J_PACK_N = 48;
export const J_PACK_DST = 49;
export const J_PACK_SRC = 50;
/** Slots in a job record. */
export const JOB_SLOTS = 56;

/** xg rows of one chunk of x: biases + X · W_ihᵀ. */
export const OP_PROJECT = 4;
/** Packs staged rows of a weight matrix (FLAG_GATES). */
export const OP_PACK = 5;
/** The time loop after the projections, and the final states. */
export const OP_FORWARD = 1;
export const OP_BACKWARD_LOOP = 2;
export const OP_BACKWARD_WEIGHTS = 3;

/**
 * OP_PACK: the rows are of a [G·N, K] weight in PyTorch's layout, packed transposed, per gate
 * (the forward's x · Wᵀ); without it, of a [K, N] right operand packed by rows (dG · W).
 */
export const FLAG_GATES = 1;
/** Backward weights: dW_hh over this job's rows (hPrev rows through J_PREV_ROWS). */
export const FLAG_RECURRENT = 2;
/** Backward weights: the bias gradients, over every row (once). */
export const FLAG_BIAS = 4;

export const CELL_RNN_TANH = 0;
export const CELL_RNN_RELU = 1;
export const CELL_LSTM = 2;
export const CELL_GRU = 3;

/** Units (hidden indices) are shared out among threads in blocks of this many: one packed panel. */
export const UNIT_BLOCK = 16;
