/**
 * Decoder: one step for a batch, with stacked cells, optional attention (Luong) and input feeding.
 *
 * Legend: B batch, E embedding, Hd hidden, Ld layers, Hk attended key size, S source steps,
 * V vocabulary. One step, given ids y [B] and the state:
 *   x       = dropout(embedding(y))                         [B, E]
 *   x       = [x; h̃_prev]                                   [B, E + Hd]    (input feeding)
 *   h_l     = cell_l(dropout_{l>0}(h_{l−1}), h_l)           [B, Hd]        (LSTM: (h_l, c_l))
 *   ctx, w  = attention(h_top, memory)                      [B, Hk], [B, S]
 *   h̃       = tanh(W_c [ctx; h_top] + b_c)                  [B, Hd]        (Luong's attentional state)
 *   logits  = W_o dropout(h̃) + b_o                          [B, V]         (h_top in place of h̃ without attention)
 * h̃_prev starts at zeros. Without attention the decoder knows the source only through its
 * initial state (the bridge): the plain context-vector bottleneck.
 *
 * Parameters: embedding.weight [V, E]; cells.<l>.weight_ih / weight_hh / bias_ih / bias_hh as
 * torch.nn.LSTMCell / GRUCell / RNNCell; attention.*; combine.weight [Hd, Hk + Hd], combine.bias;
 * out.weight [V, Hd], out.bias [V].
 */
import { GRUCell, LSTMCell, RNNCell } from '../layers/cells.ts';
import { Dropout } from '../layers/dropout.ts';
import { Embedding } from '../layers/embedding.ts';
import { Linear } from '../layers/linear.ts';
import { Module } from '../layers/module.ts';
import { zeros } from '../tensor/create.ts';
import { tanh } from '../tensor/elementwise.ts';
import { concat, indexSelect } from '../tensor/shape.ts';
import { Tensor, shapeStr } from '../tensor/tensor.ts';
import { createAttention, selectMemory, type Attention, type AttentionMemory } from './attention.ts';
import type { LayerStates } from './bridge.ts';
import type { Stepper, StepOutput } from './decoding.ts';
import type { DecoderAttentionSpec, DecoderSpec } from './spec.ts';

/** Everything a decoder carries from one step to the next, for B rows. */
export interface DecoderState {
  /** [B, Hd] per layer. */
  readonly h: readonly Tensor[];
  /** [B, Hd] per layer (LSTM), else null. */
  readonly c: readonly Tensor[] | null;
  /** [B, Hd] the previous step's attentional state h̃ (input feeding), else null. */
  readonly feed: Tensor | null;
  /** What attention reads (encoder outputs and lengths), null without attention. */
  readonly memory: AttentionMemory | null;
}

export interface DecoderOptions {
  vocabSize: number;
  embeddingDim: number;
  spec: DecoderSpec;
  attention: DecoderAttentionSpec;
  /** Hk, the attended feature size (0 without attention). */
  memorySize: number;
  inputFeeding: boolean;
  dropout: number;
  paddingIdx: number | null;
  seed: number;
}

type Cell = RNNCell | LSTMCell | GRUCell;

/**
 * @example
 * const dec = new Decoder({ vocabSize: 12, embeddingDim: 8, spec: { cell: 'lstm', hiddenSize: 16, numLayers: 1 },
 *   attention: { kind: 'none' }, memorySize: 0, inputFeeding: false, dropout: 0, paddingIdx: 0, seed: 1 });
 * let state = dec.initialState(dec.zeroStates(2), null);
 * const { logits } = dec.step([2, 2], state); // [2, 12]
 */
export class Decoder extends Module implements Stepper<DecoderState> {
  readonly spec: DecoderSpec;
  readonly vocabSize: number;
  readonly inputFeeding: boolean;
  readonly embedding: Embedding;
  readonly cells: Cell[] = [];
  readonly attention: Attention | null;
  readonly combine: Linear | null;
  readonly out: Linear;
  readonly drop: Dropout;

  constructor(opts: DecoderOptions) {
    super();
    const { spec, seed } = opts;
    const H = spec.hiddenSize;
    this.spec = spec;
    this.vocabSize = opts.vocabSize;
    const hasAttention = opts.attention.kind !== 'none';
    if (opts.inputFeeding && !hasAttention) throw new Error('Decoder: inputFeeding needs attention (there is no attentional state to feed)');
    this.inputFeeding = opts.inputFeeding;
    this.embedding = this.registerModule(
      'embedding',
      new Embedding({ numEmbeddings: opts.vocabSize, embeddingDim: opts.embeddingDim, paddingIdx: opts.paddingIdx ?? undefined, seed: seed + 1 }),
    );
    for (let l = 0; l < spec.numLayers; l++) {
      const inputSize = l > 0 ? H : opts.embeddingDim + (opts.inputFeeding ? H : 0);
      const o = { inputSize, hiddenSize: H, seed: seed + 10 + l };
      const cell = spec.cell === 'lstm' ? new LSTMCell(o) : spec.cell === 'gru' ? new GRUCell(o) : new RNNCell(o);
      this.cells.push(this.registerModule(`cells.${l}`, cell));
    }
    if (opts.attention.kind !== 'none') {
      this.attention = this.registerModule('attention', createAttention(opts.attention, H, opts.memorySize, seed + 2));
      this.combine = this.registerModule('combine', new Linear({ inFeatures: opts.memorySize + H, outFeatures: H, seed: seed + 3 }));
    } else {
      this.attention = null;
      this.combine = null;
    }
    this.out = this.registerModule('out', new Linear({ inFeatures: H, outFeatures: opts.vocabSize, seed: seed + 4 }));
    this.drop = this.registerModule('drop', new Dropout(opts.dropout, { seed: seed + 5 }));
  }

  /** Zero h (and c) for B rows: the 'zeros' bridge. */
  zeroStates(B: number): LayerStates {
    const H = this.spec.hiddenSize;
    const layers = (): Tensor[] => this.cells.map(() => zeros([B, H]));
    return { h: layers(), c: this.spec.cell === 'lstm' ? layers() : null };
  }

  /** The state before the first step: layer states (from a bridge) and the attention memory. */
  initialState(states: LayerStates, memory: AttentionMemory | null): DecoderState {
    const L = this.cells.length;
    const H = this.spec.hiddenSize;
    const B = states.h[0]?.shape[0] ?? 0;
    const check = (t: Tensor, what: string): void => {
      if (t.ndim !== 2 || t.shape[0] !== B || t.shape[1] !== H) {
        throw new Error(`Decoder: initial ${what} has shape ${shapeStr(t.shape)}, expected [${B}, ${H}] (batch, hiddenSize)`);
      }
    };
    if (states.h.length !== L) throw new Error(`Decoder: ${states.h.length} initial h given, expected one per layer (${L})`);
    states.h.forEach((t, l) => check(t, `h of layer ${l}`));
    if ((this.spec.cell === 'lstm') !== (states.c !== null)) {
      throw new Error(`Decoder: an ${this.spec.cell.toUpperCase()} decoder ${this.spec.cell === 'lstm' ? 'needs' : 'takes no'} initial c`);
    }
    states.c?.forEach((t, l) => check(t, `c of layer ${l}`));
    if ((this.attention !== null) !== (memory !== null)) {
      throw new Error(`Decoder: ${this.attention ? 'attention needs the encoder memory' : 'no attention, so no memory is taken'}`);
    }
    if (memory && memory.values.shape[0] !== B) {
      throw new Error(`Decoder: memory has ${memory.values.shape[0]} samples, the initial state ${B}`);
    }
    return { h: states.h, c: states.c, feed: this.inputFeeding ? zeros([B, H]) : null, memory };
  }

  /**
   * One step for B rows: ids [B] (each row's previous token) → logits [B, V] and the next state.
   * `attention` is the step's weights [B, S] (null without attention).
   */
  step(ids: ArrayLike<number>, state: DecoderState): StepOutput<DecoderState> {
    const B = state.h[0].shape[0];
    if (ids.length !== B) throw new Error(`Decoder.step: ${ids.length} ids given for a state of ${B} rows`);
    let x = this.drop.forward(this.embedding.forward(Array.from(ids), [B])); // [B, E]
    if (state.feed !== null) x = concat([x, state.feed], 1); // [B, E + Hd]
    const h: Tensor[] = [];
    const c: Tensor[] = [];
    this.cells.forEach((cell, l) => {
      const input = l > 0 ? this.drop.forward(x) : x;
      if (cell instanceof LSTMCell) {
        const r = cell.forward(input, { h: state.h[l], c: (state.c as readonly Tensor[])[l] });
        h.push(r.h);
        c.push(r.c);
      } else h.push(cell.forward(input, state.h[l]));
      x = h[l];
    });
    let o = x; // h_top [B, Hd]
    let weights: Tensor | null = null;
    let feed: Tensor | null = null;
    if (this.attention !== null && this.combine !== null && state.memory !== null) {
      const a = this.attention.attend(x, state.memory);
      weights = a.weights;
      o = tanh(this.combine.forward(concat([a.context, x], 1))); // h̃ [B, Hd]
      if (this.inputFeeding) feed = o;
    }
    const logits = this.out.forward(this.drop.forward(o)); // [B, V]
    return { logits, attention: weights, state: { h, c: state.c === null ? null : c, feed, memory: state.memory } };
  }

  /** The state of rows `rows` (in that order, repeats allowed). Differentiable. */
  selectState(state: DecoderState, rows: ArrayLike<number>): DecoderState {
    const pick = (t: Tensor): Tensor => indexSelect(t, 0, rows);
    return {
      h: state.h.map(pick),
      c: state.c === null ? null : state.c.map(pick),
      feed: state.feed === null ? null : pick(state.feed),
      memory: state.memory === null ? null : selectMemory(state.memory, rows),
    };
  }
}
