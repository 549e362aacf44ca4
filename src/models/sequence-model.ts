/**
 * What every preset shares: optional embedding → stacked (bi)directional RNN/LSTM/GRU → dropout →
 * linear head. Parameter names follow PyTorch's state_dict of the same nn.Module tree:
 *   embedding.weight [V, E]              (token inputs only)
 *   rnn.weight_ih_l0, rnn.weight_hh_l0, rnn.bias_ih_l0, rnn.bias_hh_l0, … (_reverse when bidirectional)
 *   head.weight [O, dirs·H], head.bias [O]
 *
 * Legend: B batch, N packed rows (Σ lengths), D input features, E embedding, H hidden,
 * L layers, dirs 1 or 2, O head outputs.
 * `step` runs one time step at a time for streaming (models/stream.ts).
 */
import type { PackedSequence } from '../data/packed.ts';
import { Dropout } from '../layers/dropout.ts';
import { Embedding, embedding as embed } from '../layers/embedding.ts';
import { Linear } from '../layers/linear.ts';
import { Module } from '../layers/module.ts';
import { GRU, LSTM, RNN } from '../layers/recurrent.ts';
import { concat, reshape, slice } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { hasTokenInput, type ModelSpec } from './spec.ts';
import { streamStep, type StepInput, type StepResult } from './stream.ts';

/** Recurrent state carried between calls: h [L*dirs, B, H], c [L*dirs, B, H] for LSTM only. */
export interface RecurrentState {
  h: Tensor;
  c: Tensor | null;
}

export interface Encoded {
  /** [N, dirs·H] top-layer outputs at every real step. */
  output: PackedSequence;
  /** Final state of every layer and direction. */
  state: RecurrentState;
}

/** Seeds of the sub-modules, derived from the spec's seed so each draws its own stream. */
const SEED_OFFSET = { rnn: 0, embedding: 1, head: 2, dropout: 3 } as const;

export abstract class SequenceModel extends Module {
  /** The validated spec this model was built from (saved with checkpoints). */
  readonly spec: ModelSpec;
  readonly embedding: Embedding | null;
  readonly rnn: RNN | LSTM | GRU;
  readonly drop: Dropout;
  readonly head: Linear;

  protected constructor(spec: ModelSpec, headOutputs: number) {
    super();
    this.spec = spec;
    const { cell, hiddenSize, numLayers, bidirectional, dropout, seed } = spec;
    let inputSize: number;
    if (hasTokenInput(spec)) {
      this.embedding = this.registerModule(
        'embedding',
        new Embedding({
          numEmbeddings: spec.vocabSize,
          embeddingDim: spec.embeddingDim,
          paddingIdx: spec.paddingIdx ?? undefined,
          seed: seed + SEED_OFFSET.embedding,
        }),
      );
      inputSize = spec.embeddingDim;
    } else {
      this.embedding = null;
      inputSize = spec.inputSize;
    }
    const opts = { inputSize, hiddenSize, numLayers, bidirectional, dropout, seed: seed + SEED_OFFSET.rnn };
    this.rnn = this.registerModule('rnn', cell === 'lstm' ? new LSTM(opts) : cell === 'gru' ? new GRU(opts) : new RNN(opts));
    this.drop = this.registerModule('drop', new Dropout(dropout, { seed: seed + SEED_OFFSET.dropout }));
    const features = (bidirectional ? 2 : 1) * hiddenSize;
    this.head = this.registerModule('head', new Linear({ inFeatures: features, outFeatures: headOutputs, seed: seed + SEED_OFFSET.head }));
  }

  /** The model's output for a batch: a Tensor for sequence → one, a PackedSequence per step. */
  abstract forward(x: PackedSequence): Tensor | PackedSequence;

  /**
   * Embedding (token inputs) and the recurrent layers, from `state` (zeros when omitted).
   * x: [N, D] features, or [N, 1] token ids.
   */
  encode(x: PackedSequence, state?: RecurrentState): Encoded {
    let input = x;
    if (this.embedding !== null) {
      if (x.features !== 1) {
        throw new Error(`${this.constructor.name}: token input has ${x.features} features per step, expected 1 (one token id per step)`);
      }
      const e = this.embedding;
      input = x.withData(embed(e.weight, x.data.data, [x.rows], e.paddingIdx)); // [N, E]
    }
    const rnn = this.rnn;
    if (rnn instanceof LSTM) {
      const r = rnn.forward(input, state && state.c ? { h: state.h, c: state.c } : undefined);
      return { output: r.output, state: { h: r.h, c: r.c } };
    }
    const r = rnn.forward(input, state ? { h: state.h } : undefined);
    return { output: r.output, state: { h: r.h, c: null } };
  }

  /**
   * One step of B streams, carrying the state (zeros when omitted), without recording gradients:
   * x_t [B, D] (or ids [B] for token models) → y_t [B, O] and the next state. Streaming T steps
   * gives `forward`'s numbers over the whole sequence: the per-step output at t, or (sequence →
   * one) the output for the prefix 0..t. O(1) work and memory per step; unidirectional models only.
   * @example
   * model.eval();
   * let state: RecurrentState | null = null;
   * for (const x of frames) ({ y, state } = model.step(x, state)); // x: [B, D], y: [B, O]
   */
  step(x: StepInput, state?: RecurrentState | null): StepResult {
    return streamStep(this, x, state);
  }

  /**
   * [B, dirs·H] each sample's final top-layer state; with two directions the forward direction's
   * state after the last real step next to the reverse direction's state after step 0.
   */
  protected finalFeatures(state: RecurrentState): Tensor {
    const { h } = state;
    const dirs = this.rnn.numDirections;
    const [, B, H] = h.shape;
    const top = (this.spec.numLayers - 1) * dirs;
    const parts: Tensor[] = [];
    for (let d = 0; d < dirs; d++) parts.push(reshape(slice(h, 0, top + d, top + d + 1), [B, H]));
    return parts.length === 1 ? parts[0] : concat(parts, 1);
  }
}
