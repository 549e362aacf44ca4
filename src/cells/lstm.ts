/**
 * LSTM cell, as torch.nn.LSTM (gate order i, f, g, o):
 *   i = σ(W_ii x + b_ii + W_hi h + b_hi)
 *   f = σ(W_if x + b_if + W_hf h + b_hf)
 *   g = tanh(W_ig x + b_ig + W_hg h + b_hg)
 *   o = σ(W_io x + b_io + W_ho h + b_ho)
 *   c' = f ⊙ c + i ⊙ g
 *   h' = o ⊙ tanh(c')
 *
 * Parameters (G = 4): weight_ih [4H, D] = [W_ii; W_if; W_ig; W_io], weight_hh [4H, H],
 * bias_ih [4H], bias_hh [4H].
 * Cache (A = 4): the activated gates i, f, g, o per row; c and c_prev live in the shared cache.
 * Backward (dc carries dL/dc from step t+1):
 *   dc_t = dc + dh ⊙ o ⊙ (1 − tanh²(c'))
 *   di = dc_t ⊙ g,  df = dc_t ⊙ c,  dg = dc_t ⊙ i,  do = dh ⊙ tanh(c'),  dc_{t-1} = dc_t ⊙ f
 *   pre-activation grads: di·i(1−i), df·f(1−f), dg·(1−g²), do·o(1−o)
 */
import { sigmoidScalar as sigmoid } from '../tensor/elementwise.ts';
import type { CellCache, CellGrads, CellKernel } from './cell.ts';

export const lstmCell: CellKernel = {
  kind: 'lstm',
  gates: 4,
  hasCell: true,
  cached: 4,
  splitGrads: false,
  forward(cache: CellCache, r0: number, n: number): void {
    const { H, xg, hg, cPrev, h, c, act } = cache;
    const G = 4 * H;
    for (let j = 0; j < n; j++) {
      const r = r0 + j;
      const xr = r * G; // row in xg / act
      const hr = j * G; // row in hg
      const sr = r * H; // row in h / c / cPrev
      for (let k = 0; k < H; k++) {
        const i = sigmoid(xg[xr + k] + hg[hr + k]);
        const f = sigmoid(xg[xr + H + k] + hg[hr + H + k]);
        const g = Math.tanh(xg[xr + 2 * H + k] + hg[hr + 2 * H + k]);
        const o = sigmoid(xg[xr + 3 * H + k] + hg[hr + 3 * H + k]);
        const cNew = f * cPrev[sr + k] + i * g;
        c[sr + k] = cNew;
        h[sr + k] = o * Math.tanh(cNew);
        act[xr + k] = i;
        act[xr + H + k] = f;
        act[xr + 2 * H + k] = g;
        act[xr + 3 * H + k] = o;
      }
    }
  },
  backward(cache: CellCache, grads: CellGrads, r0: number, n: number): void {
    const { H, cPrev, c, act } = cache;
    const { dh, dc, dhPrev, dGx } = grads;
    const G = 4 * H;
    for (let j = 0; j < n; j++) {
      const r = r0 + j;
      const ar = r * G;
      const sr = r * H;
      const br = j * H;
      for (let k = 0; k < H; k++) {
        const i = act[ar + k];
        const f = act[ar + H + k];
        const g = act[ar + 2 * H + k];
        const o = act[ar + 3 * H + k];
        const tc = Math.tanh(c[sr + k]);
        const dhk = dh[br + k];
        const dct = dc[br + k] + dhk * o * (1 - tc * tc);
        dGx[ar + k] = dct * g * i * (1 - i);
        dGx[ar + H + k] = dct * cPrev[sr + k] * f * (1 - f);
        dGx[ar + 2 * H + k] = dct * i * (1 - g * g);
        dGx[ar + 3 * H + k] = dhk * tc * o * (1 - o);
        dc[br + k] = dct * f;
        dhPrev[br + k] = 0;
      }
    }
  },
};
