/**
 * Embedding table, as torch.nn.Embedding: row lookup by integer id.
 * Legend: W [V, E]; ids of any shape S → [...S, E].
 * Initialisation N(0, 1); the `paddingIdx` row starts at zero and never receives gradient.
 */
import { alloc } from '../tensor/alloc.ts';
import { randn } from '../tensor/create.ts';
import { defaultRng, Rng } from '../tensor/rng.ts';
import { Tensor, record } from '../tensor/tensor.ts';
import { Module } from './module.ts';
import { checkPositiveInt } from './recurrent.ts';

/** out[...S, E] = W[ids] ; gradient rows scatter-add back, skipping `paddingIdx`. */
export function embedding(W: Tensor, ids: ArrayLike<number>, shape: readonly number[] = [ids.length], paddingIdx: number | null = null): Tensor {
  const [V, E] = W.shape;
  const n = ids.length;
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const v = ids[i];
    if (!Number.isInteger(v) || v < 0 || v >= V) {
      throw new Error(`Embedding: id ${v} at position ${i} is out of range [0, ${V}) (numEmbeddings)`);
    }
    idx[i] = v;
  }
  const out = alloc(n * E);
  for (let i = 0; i < n; i++) {
    const src = idx[i] * E;
    for (let k = 0; k < E; k++) out[i * E + k] = W.data[src + k];
  }
  const y = new Tensor(out, [...shape, E]);
  record('embedding', [W], [y], ([dy], [dW]) => {
    if (!dy || !dW) return;
    for (let i = 0; i < n; i++) {
      if (idx[i] === paddingIdx) continue;
      const dst = idx[i] * E;
      for (let k = 0; k < E; k++) dW[dst + k] += dy[i * E + k];
    }
  });
  return y;
}

export interface EmbeddingOptions {
  numEmbeddings: number;
  embeddingDim: number;
  paddingIdx?: number;
  seed?: number;
}

/**
 * @example const emb = new Embedding({ numEmbeddings: 100, embeddingDim: 16, paddingIdx: 0 }); emb.forward([[3, 4, 0]]);
 */
export class Embedding extends Module {
  readonly weight: Tensor;
  readonly paddingIdx: number | null;

  constructor(opts: EmbeddingOptions) {
    super();
    const V = checkPositiveInt(opts.numEmbeddings, 'numEmbeddings', 'Embedding');
    const E = checkPositiveInt(opts.embeddingDim, 'embeddingDim', 'Embedding');
    const p = opts.paddingIdx;
    if (p !== undefined && (!Number.isInteger(p) || p < 0 || p >= V)) {
      throw new Error(`Embedding: paddingIdx ${p} is out of range [0, ${V})`);
    }
    this.paddingIdx = p ?? null;
    const rng: Rng = opts.seed === undefined ? defaultRng() : new Rng(opts.seed);
    const w = randn([V, E], { rng });
    if (this.paddingIdx !== null) w.data.fill(0, this.paddingIdx * E, (this.paddingIdx + 1) * E);
    this.weight = this.registerParameter('weight', w);
  }

  /** ids: flat ids with a shape, nested arrays, or a Tensor of integer values. */
  forward(ids: Tensor | readonly number[] | readonly (readonly number[])[] | Int32Array, shape?: readonly number[]): Tensor {
    if (ids instanceof Tensor) return embedding(this.weight, ids.data, ids.shape, this.paddingIdx);
    if (ids instanceof Int32Array) return embedding(this.weight, ids, shape ?? [ids.length], this.paddingIdx);
    if (ids.length > 0 && Array.isArray(ids[0])) {
      const rows = ids as readonly (readonly number[])[];
      const L = rows[0].length;
      rows.forEach((r, i) => {
        if (r.length !== L) throw new Error(`Embedding: row ${i} has ${r.length} ids, expected ${L} (as row 0)`);
      });
      return embedding(this.weight, rows.flat(), [rows.length, L], this.paddingIdx);
    }
    const flat = ids as readonly number[];
    return embedding(this.weight, flat, shape ?? [flat.length], this.paddingIdx);
  }
}
