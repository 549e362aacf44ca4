/**
 * Picking one token from a row of logits: greedy, or a draw with temperature, top-k and top-p.
 *
 * Legend: V vocabulary, x the logits row [V], T temperature.
 *   p_i ∝ exp(x_i / T)                     (T = 0: argmax, the lowest id on ties)
 *   top-k: keep the k largest x_i          (ties broken by the lower id)
 *   top-p: of what is left, keep the smallest most-likely prefix whose mass reaches p
 *   draw one u ~ U[0, 1) from the generator and take the token where the cumulative mass passes u·total
 * Probabilities are computed in float64, max-subtracted. A sampled token costs exactly one draw.
 */
import type { Rng } from '../tensor/rng.ts';

export type In = Readonly<Float32Array>;

export interface TokenSamplingOptions {
  /** T ≥ 0; 0 is greedy, 1 samples the model's own distribution. */
  temperature: number;
  /** Keep only the k most likely tokens; null keeps all. */
  topK: number | null;
  /** Nucleus: keep the most likely tokens until their mass reaches topP, in (0, 1]; 1 keeps all. */
  topP: number;
}

/** Index of the largest of x[off .. off + V) relative to off (the lowest on ties; NaN never wins). */
export function argmaxRow(x: ArrayLike<number>, off: number, V: number): number {
  let best = 0;
  for (let i = 1; i < V; i++) if (x[off + i] > x[off + best] || Number.isNaN(x[off + best])) best = i;
  return best;
}

/** out [V] = log softmax of x[off .. off + V), in float64. */
export function logSoftmaxRow(out: Float64Array, x: In, off: number, V: number): void {
  let m = -Infinity;
  for (let i = 0; i < V; i++) m = Math.max(m, x[off + i]);
  let s = 0;
  for (let i = 0; i < V; i++) s += Math.exp(x[off + i] - m);
  const lse = m + Math.log(s);
  for (let i = 0; i < V; i++) out[i] = x[off + i] - lse;
}

/** Checks sampling options at the public boundary. */
export function checkSampling(o: TokenSamplingOptions, what: string): void {
  if (!(o.temperature >= 0) || !Number.isFinite(o.temperature)) throw new Error(`${what}: temperature is ${o.temperature}, expected a finite number ≥ 0`);
  if (o.topK !== null && (!Number.isInteger(o.topK) || o.topK < 1)) throw new Error(`${what}: topK is ${o.topK}, expected a positive integer or null`);
  if (!(o.topP > 0 && o.topP <= 1)) throw new Error(`${what}: topP is ${o.topP}, expected a number in (0, 1]`);
}

/**
 * One token id from logits x[off .. off + V).
 * @example const id = sampleToken(logits.data, 0, V, { temperature: 0.8, topK: 40, topP: 0.95 }, rng);
 */
export function sampleToken(x: In, off: number, V: number, o: TokenSamplingOptions, rng: Rng): number {
  if (o.temperature === 0) return argmaxRow(x, off, V);
  const T = o.temperature;
  const restrict = (o.topK !== null && o.topK < V) || o.topP < 1;
  // Candidate ids, most likely first when restricted (sorting is needed only then).
  let ids: number[];
  if (restrict) {
    ids = Array.from({ length: V }, (_, i) => i);
    ids.sort((a, b) => x[off + b] - x[off + a] || a - b);
    if (o.topK !== null && o.topK < V) ids = ids.slice(0, o.topK);
  } else ids = Array.from({ length: V }, (_, i) => i);
  let m = -Infinity;
  for (const i of ids) m = Math.max(m, x[off + i] / T);
  const p = ids.map((i) => Math.exp(x[off + i] / T - m));
  let n = p.length;
  if (o.topP < 1) {
    let total = 0;
    for (const q of p) total += q;
    let acc = 0;
    n = 0;
    while (n < p.length) {
      acc += p[n++];
      if (acc >= o.topP * total) break;
    }
  }
  let total = 0;
  for (let k = 0; k < n; k++) total += p[k];
  const u = rng.uniform() * total;
  let acc = 0;
  for (let k = 0; k < n; k++) {
    acc += p[k];
    if (u < acc) return ids[k];
  }
  return ids[n - 1];
}
