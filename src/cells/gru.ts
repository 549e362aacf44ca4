/**
 * GRU cell, as torch.nn.GRU (gate order r, z, n; b_hn inside the reset product):
 *   r  = σ(W_ir x + b_ir + W_hr h + b_hr)
 *   z  = σ(W_iz x + b_iz + W_hz h + b_hz)
 *   n  = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
 *   h' = (1 − z) ⊙ n + z ⊙ h
 *
 * Parameters (G = 3): weight_ih [3H, D] = [W_ir; W_iz; W_in], weight_hh [3H, H], bias_ih [3H],
 * bias_hh [3H].
 * Cache (A = 4): r, z, n and hn = W_hn h + b_hn per row.
 * Backward:
 *   dn = dh ⊙ (1 − z),  dz = dh ⊙ (h − n),  direct dh_{t-1} = dh ⊙ z
 *   dan = dn ⊙ (1 − n²)       → dL/dxg_n = dan,  dL/dhg_n = dan ⊙ r
 *   dar = dan ⊙ hn ⊙ r(1 − r),  daz = dz ⊙ z(1 − z)   (same for xg and hg)
 * So dL/dxg ≠ dL/dhg in the n block: the loop keeps two gradient buffers (splitGrads).
 */
import { sigmoidScalar as sigmoid } from '../tensor/elementwise.ts';
import type { CellCache, CellGrads, CellKernel } from './cell.ts';

export const gruCell: CellKernel = {
  kind: 'gru',
  gates: 3,
  hasCell: false,
  cached: 4,
  splitGrads: true,
  forward(cache: CellCache, r0: number, n: number): void {
    const { H, xg, hg, hPrev, h, act } = cache;
    const G = 3 * H;
    for (let j = 0; j < n; j++) {
      const r = r0 + j;
      const xr = r * G;
      const hr = j * G;
      const ar = r * 4 * H;
      const sr = r * H;
      for (let k = 0; k < H; k++) {
        const rg = sigmoid(xg[xr + k] + hg[hr + k]);
        const z = sigmoid(xg[xr + H + k] + hg[hr + H + k]);
        const hn = hg[hr + 2 * H + k];
        const nn = Math.tanh(xg[xr + 2 * H + k] + rg * hn);
        h[sr + k] = (1 - z) * nn + z * hPrev[sr + k];
        act[ar + k] = rg;
        act[ar + H + k] = z;
        act[ar + 2 * H + k] = nn;
        act[ar + 3 * H + k] = hn;
      }
    }
  },
  backward(cache: CellCache, grads: CellGrads, r0: number, n: number): void {
    const { H, hPrev, act } = cache;
    const { dh, dhPrev, dGx, dGh } = grads;
    const G = 3 * H;
    for (let j = 0; j < n; j++) {
      const r = r0 + j;
      const gr = r * G;
      const ar = r * 4 * H;
      const sr = r * H;
      const br = j * H;
      for (let k = 0; k < H; k++) {
        const rg = act[ar + k];
        const z = act[ar + H + k];
        const nn = act[ar + 2 * H + k];
        const hn = act[ar + 3 * H + k];
        const d = dh[br + k];
        const dan = d * (1 - z) * (1 - nn * nn);
        const dar = dan * hn * rg * (1 - rg);
        const daz = d * (hPrev[sr + k] - nn) * z * (1 - z);
        dGx[gr + k] = dar;
        dGx[gr + H + k] = daz;
        dGx[gr + 2 * H + k] = dan;
        dGh[gr + k] = dar;
        dGh[gr + H + k] = daz;
        dGh[gr + 2 * H + k] = dan * rg;
        dhPrev[br + k] = d * z;
      }
    }
  },
};
