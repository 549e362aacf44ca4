/**
 * Inverted dropout: in training each element is zeroed with probability p and the survivors are
 * scaled by 1/(1-p), so evaluation needs no rescaling. The mask comes from a seeded Rng.
 */
import { alloc } from './alloc.ts';
import { defaultRng, type Rng } from './rng.ts';
import { Tensor, record } from './tensor.ts';

export function dropout(x: Tensor, p: number, training = true, rng: Rng = defaultRng()): Tensor {
  if (!(p >= 0 && p < 1)) throw new Error(`dropout: p must be in [0, 1), got ${p}`);
  if (!training || p === 0) return x;
  const n = x.size;
  const scale = 1 / (1 - p);
  const mask = alloc(n);
  for (let k = 0; k < n; k++) mask[k] = rng.uniform() < p ? 0 : scale;
  const out = alloc(n);
  for (let k = 0; k < n; k++) out[k] = x.data[k] * mask[k];
  const y = new Tensor(out, x.shape);
  record('dropout', [x], [y], ([dy], [dx]) => {
    if (!dy || !dx) return;
    for (let k = 0; k < n; k++) dx[k] += dy[k] * mask[k];
  });
  return y;
}
