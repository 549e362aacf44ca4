/**
 * Attention over padded encoder outputs, masked by source length: Luong dot and general, and
 * Bahdanau additive. The equations and the masking rule are in attention-kernels.ts.
 *
 * Legend: B batch, S source steps (padded), Hq query features, Hk key/value features,
 * A additive attention size.
 *   query [B, Hq], keys / values [B, S, Hk], lengths [B]  →  context [B, Hk], weights [B, S]
 *
 *   kind       score(q, k)                       parameters (PyTorch nn.Linear names and layouts)
 *   dot        qᵀ k              (Hq = Hk)        none
 *   general    qᵀ W k                            W.weight [Hq, Hk]
 *   additive   vᵀ tanh(W_q q + W_k k + b)        W_q.weight [A, Hq], W_k.weight [A, Hk], W_k.bias [A],
 *                                                v.weight [1, A]
 * A decoder attends once per step to the same keys, so `prepare` computes everything that does
 * not depend on the query (W k, W_k k + b) once per batch into an `AttentionMemory`, and `attend`
 * does the per-step work.
 */
import { linear, Linear } from '../layers/linear.ts';
import { Module } from '../layers/module.ts';
import { alloc } from '../tensor/alloc.ts';
import { defaultRng } from '../tensor/rng.ts';
import { indexSelect } from '../tensor/shape.ts';
import { Tensor, record, shapeStr } from '../tensor/tensor.ts';
import {
  additiveScoresBackward,
  additiveScoresForward,
  dotScoresBackward,
  dotScoresForward,
  maskedAttentionBackward,
  maskedAttentionForward,
} from './attention-kernels.ts';

/** Which score function; plain data (a spec field, saved with the model). */
export type AttentionSpec = { kind: 'dot' } | { kind: 'general' } | { kind: 'additive'; size: number };

/** What a decoder attends to, prepared once per batch of sources. */
export interface AttentionMemory {
  /** [B, S, Hk] what the context averages (the encoder outputs). */
  readonly values: Tensor;
  /** [B, S, P] keys as the score reads them: values (dot), W·values (general), W_k·values + b (additive). */
  readonly keys: Tensor;
  /** [B] real source steps of each sample; positions ≥ length are padding. */
  readonly lengths: Int32Array;
}

export interface AttentionOutput {
  /** [B, Hk] Σ_s weights[b, s] · values[b, s]. */
  context: Tensor;
  /** [B, S] softmax over the real source steps; exactly 0 on padding. */
  weights: Tensor;
}

/**
 * The memory of the samples `rows` (in that order, repeats allowed): how beam search follows its
 * hypotheses and how a shrinking batch drops finished samples. Differentiable.
 */
export function selectMemory(m: AttentionMemory, rows: ArrayLike<number>): AttentionMemory {
  const lengths = new Int32Array(rows.length);
  for (let i = 0; i < rows.length; i++) lengths[i] = m.lengths[rows[i]];
  const values = indexSelect(m.values, 0, rows);
  // Dot attention reads the values themselves: keep one tensor, so gradients meet in one place.
  const keys = m.keys === m.values ? values : indexSelect(m.keys, 0, rows);
  return { values, keys, lengths };
}

/** Lengths as Int32Array, each checked to lie in 1..S. */
function checkLengths(lengthsIn: ArrayLike<number>, B: number, S: number, what: string): Int32Array {
  if (lengthsIn.length !== B) throw new Error(`${what}: ${lengthsIn.length} lengths given for a batch of ${B} samples`);
  const lengths = new Int32Array(B);
  for (let b = 0; b < B; b++) {
    const n = lengthsIn[b];
    if (!Number.isInteger(n) || n < 1 || n > S) {
      throw new Error(`${what}: sample ${b} has length ${n}, expected an integer in 1..${S} (the padded source steps)`);
    }
    lengths[b] = n;
  }
  return lengths;
}

/** scores [B, S] = q [B, H] · k[b, s] [B, S, H] on real steps (0 on pads). Differentiable. */
export function dotScores(q: Tensor, k: Tensor, lengths: Int32Array): Tensor {
  const [B, S, H] = k.shape;
  const d = { B, S, H };
  const out = alloc(B * S);
  dotScoresForward(out, q.data, k.data, lengths, d);
  const y = new Tensor(out, [B, S]);
  record('dotScores', [q, k], [y], ([dy], [dq, dk]) => {
    if (dy) dotScoresBackward(dq, dk, dy, q.data, k.data, lengths, d);
  });
  return y;
}

/** scores [B, S] = vᵀ tanh(qp [B, A] + kp [B, S, A]) on real steps (0 on pads). v: [1, A] or [A]. */
export function additiveScores(qp: Tensor, kp: Tensor, v: Tensor, lengths: Int32Array): Tensor {
  const [B, S, A] = kp.shape;
  const d = { B, S, A };
  const out = alloc(B * S);
  const e = alloc(B * S * A); // tanh(qp + kp), cached for backward
  additiveScoresForward(out, e, qp.data, kp.data, v.data, lengths, d);
  const y = new Tensor(out, [B, S]);
  record('additiveScores', [qp, kp, v], [y], ([dy], [dqp, dkp, dv]) => {
    if (dy) additiveScoresBackward(dqp, dkp, dv, dy, e, v.data, lengths, d);
  });
  return y;
}

/**
 * Masked softmax over the real steps and the weighted sum of values, as one op with two outputs.
 * scores [B, S], values [B, S, H] → context [B, H], weights [B, S] (exactly 0 on pads).
 */
export function maskedAttention(scores: Tensor, values: Tensor, lengths: Int32Array): AttentionOutput {
  const [B, S, H] = values.shape;
  const d = { B, S, H };
  const w = alloc(B * S);
  const ctx = alloc(B * H);
  maskedAttentionForward(w, ctx, scores.data, values.data, lengths, d);
  const weights = new Tensor(w, [B, S]);
  const context = new Tensor(ctx, [B, H]);
  record('maskedAttention', [scores, values], [context, weights], ([dCtx, dW], [dScores, dValues]) => {
    maskedAttentionBackward(dScores, dValues, alloc(S), dW, dCtx, w, values.data, lengths, d);
  });
  return { context, weights };
}

/** Shared checks and the prepare/attend split; subclasses hold the score function. */
export abstract class Attention extends Module {
  readonly spec: AttentionSpec;
  /** Hq */
  readonly querySize: number;
  /** Hk */
  readonly keySize: number;

  protected constructor(spec: AttentionSpec, querySize: number, keySize: number) {
    super();
    const name = new.target.name;
    for (const [v, what] of [[querySize, 'querySize'], [keySize, 'keySize']] as const) {
      if (!Number.isInteger(v) || v < 1) throw new Error(`${name}: ${what} must be a positive integer, got ${v}`);
    }
    this.spec = spec;
    this.querySize = querySize;
    this.keySize = keySize;
  }

  /** The query-independent part of the scores, from the keys [B, S, Hk]. */
  protected abstract projectKeys(values: Tensor): Tensor;

  /** scores [B, S] (0 on pads) for query [B, Hq]. */
  protected abstract scores(query: Tensor, memory: AttentionMemory): Tensor;

  /**
   * Prepare padded encoder outputs [B, S, Hk] for attending, once per batch of sources.
   * @example const memory = attn.prepare(encoderOut, [5, 2, 3]);
   */
  prepare(values: Tensor, lengths: ArrayLike<number>): AttentionMemory {
    const name = this.constructor.name;
    if (values.ndim !== 3 || values.shape[2] !== this.keySize) {
      throw new Error(`${name}: keys have shape ${shapeStr(values.shape)}, expected [B, S, ${this.keySize}] (batch, source steps, keySize)`);
    }
    const [B, S] = values.shape;
    return { values, keys: this.projectKeys(values), lengths: checkLengths(lengths, B, S, name) };
  }

  /** context [B, Hk] and weights [B, S] for query [B, Hq]. */
  attend(query: Tensor, memory: AttentionMemory): AttentionOutput {
    const B = memory.values.shape[0];
    if (query.ndim !== 2 || query.shape[0] !== B || query.shape[1] !== this.querySize) {
      throw new Error(`${this.constructor.name}: query has shape ${shapeStr(query.shape)}, expected [${B}, ${this.querySize}] (batch, querySize)`);
    }
    return maskedAttention(this.scores(query, memory), memory.values, memory.lengths);
  }

  /**
   * One-shot attention: `prepare` then `attend`.
   * @example
   * const attn = new AdditiveAttention({ querySize: 8, keySize: 16, size: 10, seed: 1 });
   * const { context, weights } = attn.forward(h, encoderOut, lengths); // [B, 16], [B, S]
   */
  forward(query: Tensor, values: Tensor, lengths: ArrayLike<number>): AttentionOutput {
    return this.attend(query, this.prepare(values, lengths));
  }
}

export interface AttentionOptions {
  querySize: number;
  keySize: number;
  /** Seed of the parameters' initialisation (the default generator when omitted). */
  seed?: number;
}

/** Luong dot: score = qᵀ k (needs querySize = keySize; no parameters). */
export class DotAttention extends Attention {
  constructor(opts: AttentionOptions) {
    super({ kind: 'dot' }, opts.querySize, opts.keySize);
    if (opts.querySize !== opts.keySize) {
      throw new Error(`DotAttention: querySize ${opts.querySize} differs from keySize ${opts.keySize}; use 'general' or 'additive' attention`);
    }
  }

  protected projectKeys(values: Tensor): Tensor {
    return values;
  }

  protected scores(query: Tensor, memory: AttentionMemory): Tensor {
    return dotScores(query, memory.keys, memory.lengths);
  }
}

/** Luong general: score = qᵀ W k, W.weight [Hq, Hk] (nn.Linear(Hk, Hq, bias=False)). */
export class GeneralAttention extends Attention {
  readonly W: Linear;

  constructor(opts: AttentionOptions) {
    super({ kind: 'general' }, opts.querySize, opts.keySize);
    this.W = this.registerModule('W', new Linear({ inFeatures: opts.keySize, outFeatures: opts.querySize, bias: false, seed: opts.seed }));
  }

  protected projectKeys(values: Tensor): Tensor {
    return linear(values, this.W.weight, null); // [B, S, Hq]
  }

  protected scores(query: Tensor, memory: AttentionMemory): Tensor {
    return dotScores(query, memory.keys, memory.lengths);
  }
}

/**
 * Bahdanau additive: score = vᵀ tanh(W_q q + W_k k + b), with
 * W_q = nn.Linear(Hq, A, bias=False), W_k = nn.Linear(Hk, A), v = nn.Linear(A, 1, bias=False).
 */
export class AdditiveAttention extends Attention {
  readonly W_q: Linear;
  readonly W_k: Linear;
  readonly v: Linear;

  constructor(opts: AttentionOptions & { size: number }) {
    super({ kind: 'additive', size: opts.size }, opts.querySize, opts.keySize);
    if (!Number.isInteger(opts.size) || opts.size < 1) throw new Error(`AdditiveAttention: size must be a positive integer, got ${opts.size}`);
    const A = opts.size;
    // One seed → three different streams, so W_q, W_k and v do not start equal.
    const seed = opts.seed ?? defaultRng().nextU32();
    this.W_q = this.registerModule('W_q', new Linear({ inFeatures: opts.querySize, outFeatures: A, bias: false, seed }));
    this.W_k = this.registerModule('W_k', new Linear({ inFeatures: opts.keySize, outFeatures: A, seed: seed + 1 }));
    this.v = this.registerModule('v', new Linear({ inFeatures: A, outFeatures: 1, bias: false, seed: seed + 2 }));
  }

  protected projectKeys(values: Tensor): Tensor {
    return linear(values, this.W_k.weight, this.W_k.bias); // [B, S, A]
  }

  protected scores(query: Tensor, memory: AttentionMemory): Tensor {
    const qp = linear(query, this.W_q.weight, null); // [B, A]
    return additiveScores(qp, memory.keys, this.v.weight, memory.lengths);
  }
}

/**
 * The attention module of a spec.
 * @example const attn = createAttention({ kind: 'general' }, 32, 64, 7);
 */
export function createAttention(spec: AttentionSpec, querySize: number, keySize: number, seed?: number): Attention {
  switch (spec.kind) {
    case 'dot':
      return new DotAttention({ querySize, keySize, seed });
    case 'general':
      return new GeneralAttention({ querySize, keySize, seed });
    case 'additive':
      return new AdditiveAttention({ querySize, keySize, seed, size: spec.size });
  }
}
