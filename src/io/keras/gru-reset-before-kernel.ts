/**
 * Kernels of GRUResetBefore (Keras GRU, reset_after=false): one direction over a packed batch, as
 * plain functions over Float32Arrays, forward and backward. The layer (gru-reset-before.ts) wraps
 * them in one tape node. Nothing is allocated here; the caller sizes every buffer per batch.
 *
 * Legend: B batch, N packed rows, D input, H hidden, n rows active at a step; gate order r, z, n.
 *   r  = σ(W_ir x + b_ir + W_hr h),  z = σ(W_iz x + b_iz + W_hz h)
 *   n  = tanh(W_in x + b_in + W_hn (r ⊙ h)),  h' = (1 − z) ⊙ n + z ⊙ h
 * Forward: xg [N, 3H] = X · W_ihᵀ + b_ih in one GEMM; per step, hPrev · [W_hr; W_hz]ᵀ over the
 * active rows, then (r ⊙ hPrev) · W_hnᵀ. Samples that end early stop being active, so hState keeps
 * each sample's last real state (in reverse, a sample is untouched until its last step comes up).
 *
 * Backward, per step (dh: dL/dh' plus what flows back from later steps):
 *   dan = dh ⊙ (1 − z) ⊙ (1 − n²),   daz = dh ⊙ (h − n) ⊙ z(1 − z)
 *   d(rh) = dan · W_hn,  dar = d(rh) ⊙ h ⊙ r(1 − r)
 *   dh_prev = dh ⊙ z + d(rh) ⊙ r + [dar, daz] · [W_hr; W_hz]
 * and after the loop dW_h{r,z} += [dar, daz]ᵀ · h, dW_hn += danᵀ · (r ⊙ h),
 * dW_ih += [dar, daz, dan]ᵀ · x, dx += [dar, daz, dan] · W_ih, db_ih += Σ rows.
 */
import { fillRows, gemmNN, gemmNT, gemmTN, sumRows, type F32, type In } from '../../kernels/gemm.ts';
import { sigmoidScalar as sigmoid } from '../../tensor/elementwise.ts';

export interface ResetBeforeDims {
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

export interface ResetBeforeWeights {
  /** [3H, D] */
  wIh: In;
  /** [3H, H] */
  wHh: In;
  /** [3H] or null */
  bIh: In | null;
}

/** Buffers of one direction's forward pass, kept for backward. */
export interface ResetBeforeCache {
  /** [N, 3H] x · W_ihᵀ + b_ih */
  xg: F32;
  /** [N, H] hidden state entering each step */
  hPrev: F32;
  /** [N, H] r ⊙ hPrev */
  rh: F32;
  /** [N, 3H] r, z, n */
  act: F32;
  /** [N, H] hidden state leaving each step (the output) */
  h: F32;
  /** [B, 2H] scratch: hPrev · [W_hr; W_hz]ᵀ */
  hgRZ: F32;
  /** [B, H] scratch: (r ⊙ hPrev) · W_hnᵀ */
  hgN: F32;
}

export interface ResetBeforeGrads {
  /** [N, H] dL/d(output), or null */
  dOut: In | null;
  /** [B, H] in: dL/dh_final (sorted); out: dL/dh0 */
  dhState: F32;
  /** [N, 3H] scratch: dar, daz, dan per row */
  dG: F32;
  /** [B, H], [B, 2H], [B, H], [B, H] scratch */
  dh: F32;
  dRZ: F32;
  dN: F32;
  drh: F32;
  /** Accumulated (+=) when not null. */
  dx: F32 | null;
  dWih: F32 | null;
  dWhh: F32 | null;
  dbIh: F32 | null;
}

/** Forward over packed rows x [N, D]; hState [B, H] (sorted order) holds h0 in, final h out. */
export function resetBeforeForward(c: ResetBeforeCache, hState: F32, x: In, w: ResetBeforeWeights, d: ResetBeforeDims): void {
  const { batchSizes, offsets, N, D, H, reverse } = d;
  const T = batchSizes.length;
  const G = 3 * H;
  fillRows(c.xg, w.bIh, N, G);
  gemmNT(c.xg, x, w.wIh, { M: N, N: G, K: D });
  for (let s = 0; s < T; s++) {
    const t = reverse ? T - 1 - s : s;
    const n = batchSizes[t];
    const r0 = offsets[t];
    for (let k = 0; k < n * H; k++) c.hPrev[r0 * H + k] = hState[k];
    c.hgRZ.fill(0, 0, n * 2 * H);
    gemmNT(c.hgRZ, c.hPrev, w.wHh, { M: n, N: 2 * H, K: H }, 0, r0 * H, 0);
    for (let j = 0; j < n; j++) {
      const row = r0 + j;
      for (let k = 0; k < H; k++) {
        const r = sigmoid(c.xg[row * G + k] + c.hgRZ[j * 2 * H + k]);
        const z = sigmoid(c.xg[row * G + H + k] + c.hgRZ[j * 2 * H + H + k]);
        c.act[row * G + k] = r;
        c.act[row * G + H + k] = z;
        c.rh[row * H + k] = r * c.hPrev[row * H + k];
      }
    }
    c.hgN.fill(0, 0, n * H);
    gemmNT(c.hgN, c.rh, w.wHh, { M: n, N: H, K: H }, 0, r0 * H, 2 * H * H);
    for (let j = 0; j < n; j++) {
      const row = r0 + j;
      for (let k = 0; k < H; k++) {
        const z = c.act[row * G + H + k];
        const nn = Math.tanh(c.xg[row * G + 2 * H + k] + c.hgN[j * H + k]);
        c.act[row * G + 2 * H + k] = nn;
        const h = (1 - z) * nn + z * c.hPrev[row * H + k];
        c.h[row * H + k] = h;
        hState[j * H + k] = h;
      }
    }
  }
}

/** Backward of `resetBeforeForward`, walking the steps in the opposite order. */
export function resetBeforeBackward(c: ResetBeforeCache, g: ResetBeforeGrads, x: In, w: ResetBeforeWeights, d: ResetBeforeDims): void {
  const { batchSizes, offsets, N, D, H, reverse } = d;
  const T = batchSizes.length;
  const G = 3 * H;
  for (let s = T - 1; s >= 0; s--) {
    const t = reverse ? T - 1 - s : s;
    const n = batchSizes[t];
    const r0 = offsets[t];
    for (let k = 0; k < n * H; k++) g.dh[k] = g.dhState[k] + (g.dOut ? g.dOut[r0 * H + k] : 0);
    for (let j = 0; j < n; j++) {
      const row = r0 + j;
      for (let k = 0; k < H; k++) {
        const z = c.act[row * G + H + k];
        const nn = c.act[row * G + 2 * H + k];
        const dh = g.dh[j * H + k];
        const dan = dh * (1 - z) * (1 - nn * nn);
        const daz = dh * (c.hPrev[row * H + k] - nn) * z * (1 - z);
        g.dN[j * H + k] = dan;
        g.dRZ[j * 2 * H + H + k] = daz;
        g.dG[row * G + H + k] = daz;
        g.dG[row * G + 2 * H + k] = dan;
      }
    }
    g.drh.fill(0, 0, n * H);
    gemmNN(g.drh, g.dN, w.wHh, { M: n, N: H, K: H }, 0, 0, 2 * H * H);
    for (let j = 0; j < n; j++) {
      const row = r0 + j;
      for (let k = 0; k < H; k++) {
        const r = c.act[row * G + k];
        const z = c.act[row * G + H + k];
        const drh = g.drh[j * H + k];
        const dar = drh * c.hPrev[row * H + k] * r * (1 - r);
        g.dRZ[j * 2 * H + k] = dar;
        g.dG[row * G + k] = dar;
        g.dhState[j * H + k] = g.dh[j * H + k] * z + drh * r;
      }
    }
    gemmNN(g.dhState, g.dRZ, w.wHh, { M: n, N: H, K: 2 * H });
  }
  if (g.dWhh) {
    for (let row = 0; row < N; row++) {
      for (let o = 0; o < G; o++) {
        const dv = g.dG[row * G + o];
        // r and z rows multiply hPrev, n rows multiply r ⊙ hPrev.
        const src = o < 2 * H ? c.hPrev : c.rh;
        for (let i = 0; i < H; i++) g.dWhh[o * H + i] += dv * src[row * H + i];
      }
    }
  }
  if (g.dWih) gemmTN(g.dWih, g.dG, x, { M: G, N: D, K: N });
  if (g.dx) gemmNN(g.dx, g.dG, w.wIh, { M: N, N: D, K: G });
  if (g.dbIh) sumRows(g.dbIh, g.dG, N, G);
}
