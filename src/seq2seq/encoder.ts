/**
 * Encoder: source token ids → embeddings → stacked (bi)directional RNN/LSTM/GRU over a
 * PackedSequence (no work on pads) → padded outputs for attention and final states for the bridge.
 *
 * Legend: B batch, S longest source, N packed rows (Σ lengths), E embedding, He hidden,
 * Le layers, dirs 1 or 2.
 *   ids PackedSequence [N, 1] → embedding [N, E] → dropout → rnn [N, dirs·He]
 *   outputs [B, S, dirs·He] (zeros past each length), h, c [Le·dirs, B, He]
 * Parameters: embedding.weight [V, E], rnn.* as torch.nn.LSTM/GRU/RNN (weight_ih_l0, …, _reverse).
 */
import { PackedSequence } from '../data/packed.ts';
import { Dropout } from '../layers/dropout.ts';
import { Embedding, embedding as embed } from '../layers/embedding.ts';
import { Module } from '../layers/module.ts';
import { GRU, LSTM, RNN } from '../layers/recurrent.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { EncoderSpec } from './spec.ts';

/** Ragged token ids: ids[b] is sample b's sequence. */
export type TokenIds = readonly (readonly number[])[];

export interface EncoderOutput {
  /** [B, S, dirs·He] top-layer outputs, zeros past each length (what attention reads). */
  outputs: Tensor;
  /** [B] source lengths. */
  lengths: Int32Array;
  /** [Le·dirs, B, He] final hidden state, index layer·dirs + direction. */
  h: Tensor;
  /** [Le·dirs, B, He] final cell state (LSTM), else null. */
  c: Tensor | null;
}

export interface EncoderOptions {
  vocabSize: number;
  embeddingDim: number;
  spec: EncoderSpec;
  dropout: number;
  paddingIdx: number | null;
  seed: number;
}

/** One token id per step as a 1-feature PackedSequence. */
export function packIds(ids: TokenIds, what: string): PackedSequence {
  if (!Array.isArray(ids) || ids.length === 0) throw new Error(`${what}: no sequences given (expected ragged token ids, number[][])`);
  ids.forEach((s, b) => {
    if (!Array.isArray(s) || s.length === 0) throw new Error(`${what}: sequence ${b} is empty (expected at least one token id)`);
  });
  return PackedSequence.fromArrays(ids.map((s: readonly number[]) => s.map((id: number) => [id])));
}

/**
 * @example
 * const enc = new Encoder({ vocabSize: 20, embeddingDim: 8, spec: { cell: 'gru', hiddenSize: 16, numLayers: 1, bidirectional: true }, dropout: 0, paddingIdx: 0, seed: 1 });
 * const { outputs, lengths, h } = enc.forward([[5, 6, 7], [8]]); // [2, 3, 32], [3, 1], [2, 2, 16]
 */
export class Encoder extends Module {
  readonly spec: EncoderSpec;
  readonly embedding: Embedding;
  readonly rnn: RNN | LSTM | GRU;
  readonly drop: Dropout;

  constructor(opts: EncoderOptions) {
    super();
    const { spec, seed } = opts;
    this.spec = spec;
    this.embedding = this.registerModule(
      'embedding',
      new Embedding({ numEmbeddings: opts.vocabSize, embeddingDim: opts.embeddingDim, paddingIdx: opts.paddingIdx ?? undefined, seed: seed + 1 }),
    );
    const rnnOpts = {
      inputSize: opts.embeddingDim,
      hiddenSize: spec.hiddenSize,
      numLayers: spec.numLayers,
      bidirectional: spec.bidirectional,
      dropout: opts.dropout,
      seed,
    };
    this.rnn = this.registerModule('rnn', spec.cell === 'lstm' ? new LSTM(rnnOpts) : spec.cell === 'gru' ? new GRU(rnnOpts) : new RNN(rnnOpts));
    this.drop = this.registerModule('drop', new Dropout(opts.dropout, { seed: seed + 2 }));
  }

  /** dirs·He, the size of each output step (the attention's key size). */
  get outputSize(): number {
    return (this.spec.bidirectional ? 2 : 1) * this.spec.hiddenSize;
  }

  forward(src: TokenIds | PackedSequence): EncoderOutput {
    const ids = src instanceof PackedSequence ? src : packIds(src, 'Encoder');
    if (ids.features !== 1) throw new Error(`Encoder: source has ${ids.features} features per step, expected 1 (one token id per step)`);
    const e = this.embedding;
    const x = ids.withData(this.drop.forward(embed(e.weight, ids.data.data, [ids.rows], e.paddingIdx))); // [N, E]
    const rnn = this.rnn;
    let r: { output: PackedSequence; h: Tensor; c: Tensor | null };
    if (rnn instanceof LSTM) r = rnn.forward(x);
    else r = { ...rnn.forward(x), c: null };
    const { data: outputs, lengths } = r.output.toPadded();
    return { outputs, lengths, h: r.h, c: r.c };
  }
}
