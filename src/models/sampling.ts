/**
 * Picking the next token from logits [V]: greedy (temperature 0), or a draw from
 * softmax(logits / temperature), optionally restricted to the topK largest logits.
 */
import type { Rng } from '../tensor/rng.ts';

export interface SamplingOptions {
  /** 0 picks the largest logit; otherwise > 0 (1 samples the model's own distribution). */
  temperature: number;
  /** Keep only the k most likely tokens (ties broken by lower id); null keeps all. */
  topK: number | null;
}

/** Index of the largest value (the lowest such index on ties). */
export function argmax(v: ArrayLike<number>, start = 0, n = v.length - start): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (v[start + i] > v[start + best]) best = i;
  return best;
}

/** One token id from logits [V], drawing one uniform number from `rng` unless greedy. */
export function sampleFromLogits(logits: Readonly<Float32Array>, o: SamplingOptions, rng: Rng): number {
  const V = logits.length;
  if (o.temperature === 0) return argmax(logits);
  let ids = Array.from({ length: V }, (_, i) => i);
  if (o.topK !== null && o.topK < V) {
    ids.sort((a, b) => logits[b] - logits[a] || a - b);
    ids = ids.slice(0, o.topK);
  }
  // Softmax over the kept ids in float64, max-subtracted.
  let m = -Infinity;
  for (const i of ids) m = Math.max(m, logits[i] / o.temperature);
  const p = ids.map((i) => Math.exp(logits[i] / o.temperature - m));
  const total = p.reduce((s, x) => s + x, 0);
  const u = rng.uniform() * total;
  let acc = 0;
  for (let k = 0; k < ids.length; k++) {
    acc += p[k];
    if (u < acc) return ids[k];
  }
  return ids[ids.length - 1];
}
