/**
 * Attention kernels over flat Float32Arrays: score functions and the masked softmax + weighted sum.
 *
 * Legend: B batch, S source steps (padded), H key/value features, A additive attention size,
 * len[b] real source steps of sample b (1 ≤ len[b] ≤ S). Positions s ≥ len[b] are padding:
 * no kernel reads them, their scores are left 0, their weights are exactly 0, and every gradient
 * into them is exactly 0 (so pads filled with anything, even NaN, change nothing).
 *
 *   dot:       score[b, s] = Σ_h q[b, h] · k[b, s, h]                      (Luong dot; also "general"
 *                                                                          with k = W·keys precomputed)
 *   additive:  e[b, s, a]  = tanh(qp[b, a] + kp[b, s, a])                  (Bahdanau; qp = W_q q,
 *              score[b, s] = Σ_a v[a] · e[b, s, a]                           kp = W_k keys + b)
 *   masked:    w[b, s]     = exp(score[b, s] − m_b) / Σ_{s' < len[b]} exp(score[b, s'] − m_b)   s < len[b]
 *              w[b, s]     = 0                                                                  s ≥ len[b]
 *              ctx[b, h]   = Σ_{s < len[b]} w[b, s] · val[b, s, h]
 *
 * Backward (accumulating, +=):
 *   dw[b, s]      = dW[b, s] + Σ_h dCtx[b, h] val[b, s, h]
 *   dScore[b, s]  = w[b, s] (dw[b, s] − Σ_{s'} w[b, s'] dw[b, s'])
 *   dVal[b, s, h] = w[b, s] dCtx[b, h]
 *   dot:      dq[b, h] = Σ_s dScore k[b, s, h],  dk[b, s, h] = dScore q[b, h]
 *   additive: de = dScore v (1 − e²);  dqp[b, a] = Σ_s de,  dkp = de,  dv[a] = Σ_{b, s} dScore e
 * Sums run in float64 where many terms add up (softmax denominators, dot products).
 */
export type F32 = Float32Array;
export type In = Readonly<Float32Array>;

export interface AttnDims {
  B: number;
  S: number;
  H: number;
}

export interface AdditiveDims {
  B: number;
  S: number;
  A: number;
}

/** scores [B, S] = q [B, H] · k [B, S, H] per sample; pads untouched. */
export function dotScoresForward(scores: F32, q: In, k: In, len: Int32Array, d: AttnDims): void {
  const { B, S, H } = d;
  for (let b = 0; b < B; b++) {
    for (let s = 0; s < len[b]; s++) {
      const kRow = (b * S + s) * H;
      let acc = 0;
      for (let h = 0; h < H; h++) acc += q[b * H + h] * k[kRow + h];
      scores[b * S + s] = acc;
    }
  }
}

/** dq [B, H] += Σ_s dScores k;  dk [B, S, H] += dScores q  (null: not needed). */
export function dotScoresBackward(dq: F32 | null, dk: F32 | null, dScores: In, q: In, k: In, len: Int32Array, d: AttnDims): void {
  const { B, S, H } = d;
  for (let b = 0; b < B; b++) {
    for (let s = 0; s < len[b]; s++) {
      const g = dScores[b * S + s];
      const kRow = (b * S + s) * H;
      if (dq) for (let h = 0; h < H; h++) dq[b * H + h] += g * k[kRow + h];
      if (dk) for (let h = 0; h < H; h++) dk[kRow + h] += g * q[b * H + h];
    }
  }
}

/** scores [B, S] = Σ_a v[a] e[b, s, a], e = tanh(qp [B, A] + kp [B, S, A]) cached in `e`. */
export function additiveScoresForward(scores: F32, e: F32, qp: In, kp: In, v: In, len: Int32Array, d: AdditiveDims): void {
  const { B, S, A } = d;
  for (let b = 0; b < B; b++) {
    for (let s = 0; s < len[b]; s++) {
      const row = (b * S + s) * A;
      let acc = 0;
      for (let a = 0; a < A; a++) {
        const t = Math.tanh(qp[b * A + a] + kp[row + a]);
        e[row + a] = t;
        acc += v[a] * t;
      }
      scores[b * S + s] = acc;
    }
  }
}

/** dqp [B, A], dkp [B, S, A], dv [A] += gradients of the additive scores (null: not needed). */
export function additiveScoresBackward(
  dqp: F32 | null,
  dkp: F32 | null,
  dv: F32 | null,
  dScores: In,
  e: In,
  v: In,
  len: Int32Array,
  d: AdditiveDims,
): void {
  const { B, S, A } = d;
  for (let b = 0; b < B; b++) {
    for (let s = 0; s < len[b]; s++) {
      const g = dScores[b * S + s];
      const row = (b * S + s) * A;
      for (let a = 0; a < A; a++) {
        const t = e[row + a];
        const de = g * v[a] * (1 - t * t);
        if (dqp) dqp[b * A + a] += de;
        if (dkp) dkp[row + a] += de;
        if (dv) dv[a] += g * t;
      }
    }
  }
}

/**
 * weights [B, S] (exactly 0 on pads) and context [B, H] from scores [B, S] and values [B, S, H].
 * Outputs are overwritten, not accumulated.
 */
export function maskedAttentionForward(weights: F32, context: F32, scores: In, values: In, len: Int32Array, d: AttnDims): void {
  const { B, S, H } = d;
  weights.fill(0, 0, B * S);
  context.fill(0, 0, B * H);
  for (let b = 0; b < B; b++) {
    const n = len[b];
    let m = -Infinity;
    for (let s = 0; s < n; s++) m = Math.max(m, scores[b * S + s]);
    let total = 0;
    for (let s = 0; s < n; s++) total += Math.exp(scores[b * S + s] - m);
    for (let s = 0; s < n; s++) {
      const w = Math.exp(scores[b * S + s] - m) / total;
      weights[b * S + s] = w;
      const vRow = (b * S + s) * H;
      for (let h = 0; h < H; h++) context[b * H + h] += w * values[vRow + h];
    }
  }
}

/**
 * dScores [B, S] and dValues [B, S, H] += gradients of the masked attention, given the upstream
 * dWeights [B, S] and dContext [B, H] (either may be null: nothing flowed into it).
 * `dw` [S] is scratch space.
 */
export function maskedAttentionBackward(
  dScores: F32 | null,
  dValues: F32 | null,
  dw: F32,
  dWeights: In | null,
  dContext: In | null,
  weights: In,
  values: In,
  len: Int32Array,
  d: AttnDims,
): void {
  const { B, S, H } = d;
  for (let b = 0; b < B; b++) {
    const n = len[b];
    let dot = 0;
    for (let s = 0; s < n; s++) {
      const vRow = (b * S + s) * H;
      let g = dWeights ? dWeights[b * S + s] : 0;
      if (dContext) for (let h = 0; h < H; h++) g += dContext[b * H + h] * values[vRow + h];
      dw[s] = g;
      dot += g * weights[b * S + s];
    }
    for (let s = 0; s < n; s++) {
      const w = weights[b * S + s];
      if (dScores) dScores[b * S + s] += w * (dw[s] - dot);
      if (dValues && dContext) {
        const vRow = (b * S + s) * H;
        for (let h = 0; h < H; h++) dValues[vRow + h] += w * dContext[b * H + h];
      }
    }
  }
}
