/**
 * Elman RNN cell, as torch.nn.RNN:
 *   h_t = act(x_t W_ihᵀ + b_ih + h_{t-1} W_hhᵀ + b_hh),   act = tanh | relu
 *
 * Parameters (G = 1): weight_ih [H, D], weight_hh [H, H], bias_ih [H], bias_hh [H].
 * Backward: da = dh ⊙ act'(a), with act' read from the output h (1 − h² for tanh, h > 0 for relu).
 * Nothing extra is cached (A = 0).
 */
import type { CellCache, CellGrads, CellKernel } from './cell.ts';

function makeRnnCell(kind: 'rnn_tanh' | 'rnn_relu'): CellKernel {
  const relu = kind === 'rnn_relu';
  return {
    kind,
    gates: 1,
    hasCell: false,
    cached: 0,
    splitGrads: false,
    forward(c: CellCache, r0: number, n: number): void {
      const { H, xg, hg, h } = c;
      for (let i = 0; i < n; i++) {
        const r = (r0 + i) * H;
        const s = i * H;
        for (let k = 0; k < H; k++) {
          const a = xg[r + k] + hg[s + k];
          h[r + k] = relu ? (a > 0 ? a : 0) : Math.tanh(a);
        }
      }
    },
    backward(c: CellCache, g: CellGrads, r0: number, n: number): void {
      const { H, h } = c;
      const { dh, dhPrev, dGx } = g;
      for (let i = 0; i < n; i++) {
        const r = (r0 + i) * H;
        const s = i * H;
        for (let k = 0; k < H; k++) {
          const y = h[r + k];
          dGx[r + k] = dh[s + k] * (relu ? (y > 0 ? 1 : 0) : 1 - y * y);
          dhPrev[s + k] = 0;
        }
      }
    },
  };
}

export const rnnTanhCell: CellKernel = makeRnnCell('rnn_tanh');
export const rnnReluCell: CellKernel = makeRnnCell('rnn_relu');
