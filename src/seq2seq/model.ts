/**
 * Seq2Seq: encoder → bridge → decoder (with or without attention), built from a plain spec.
 *
 * Legend: B samples, S longest source, He encoder hidden, dirs 1 or 2, Hd decoder hidden,
 * Ld decoder layers, V target vocabulary.
 *   src ids (ragged) → Encoder → outputs [B, S, dirs·He], final h, c [Le·dirs, B, He]
 *   bridge → decoder h, c [B, Hd] per layer;  attention memory ← outputs (when attending)
 *   decoder steps: ids [B] → logits [B, V]
 * Parameter names: encoder.*, bridge.*, decoder.* (see encoder.ts, bridge.ts, decoder.ts).
 * Sub-module seeds derive from spec.seed so each draws its own stream.
 */
import { Module } from '../layers/module.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { Bridge, finalStatesPerLayer, type LayerStates } from './bridge.ts';
import { beamSearch, decode, inference, type DecodeStrategy, type Hypothesis, type Stepper, type StepOutput } from './decoding.ts';
import { Decoder, type DecoderState } from './decoder.ts';
import { Encoder, type EncoderOutput, type TokenIds } from './encoder.ts';
import { validateSeq2SeqSpec, type Seq2SeqSpec, type Seq2SeqSpecInput } from './spec.ts';
import { sequenceLoss, unrollTeacherForced, type Unrolled, type UnrollOptions } from './teacher-forcing.ts';

const SEED_OFFSET = { encoder: 0, bridge: 100, decoder: 200 } as const;

/** Decoding settings of a model's `translate`; special ids come from the spec. */
export interface TranslateOptions {
  strategy: DecodeStrategy;
  /** Most target tokens per sample, <eos> included. */
  maxLength: number;
}

/**
 * @example
 * const model = new Seq2Seq({ task: 'seq2seq', srcVocabSize: 14, tgtVocabSize: 14, embeddingDim: 16,
 *   encoder: { cell: 'gru', hiddenSize: 32, bidirectional: true }, decoder: { hiddenSize: 32 },
 *   attention: { kind: 'general' } });
 * const loss = model.loss([[5, 6, 7]], [[2, 7, 6, 5, 3]]);
 * const [hyp] = model.translate([[5, 6, 7]], { strategy: { kind: 'beam', width: 4 }, maxLength: 10 });
 */
export class Seq2Seq extends Module implements Stepper<DecoderState> {
  readonly spec: Seq2SeqSpec;
  readonly encoder: Encoder;
  readonly bridge: Bridge | null;
  readonly decoder: Decoder;

  /** `spec` is validated and its defaults filled in (`this.spec` is the full spec). */
  constructor(specIn: Seq2SeqSpecInput | Seq2SeqSpec) {
    super();
    const spec = validateSeq2SeqSpec(specIn);
    this.spec = spec;
    const seed = spec.seed;
    this.encoder = this.registerModule(
      'encoder',
      new Encoder({
        vocabSize: spec.srcVocabSize,
        embeddingDim: spec.embeddingDim,
        spec: spec.encoder,
        dropout: spec.dropout,
        paddingIdx: spec.padId,
        seed: seed + SEED_OFFSET.encoder,
      }),
    );
    const dec = spec.decoder;
    this.bridge =
      spec.bridge === 'linear'
        ? this.registerModule(
            'bridge',
            new Bridge({
              inFeatures: this.encoder.outputSize,
              hiddenSize: dec.hiddenSize,
              numLayers: dec.numLayers,
              withCell: dec.cell === 'lstm',
              seed: seed + SEED_OFFSET.bridge,
            }),
          )
        : null;
    this.decoder = this.registerModule(
      'decoder',
      new Decoder({
        vocabSize: spec.tgtVocabSize,
        embeddingDim: spec.embeddingDim,
        spec: dec,
        attention: spec.attention,
        memorySize: this.encoder.outputSize,
        inputFeeding: spec.inputFeeding,
        dropout: spec.dropout,
        paddingIdx: spec.padId,
        seed: seed + SEED_OFFSET.decoder,
      }),
    );
  }

  /** Runs the encoder over ragged source ids. */
  encode(src: TokenIds): EncoderOutput {
    return this.encoder.forward(src);
  }

  /** The decoder's state before its first step, for the sources (ids, or their encoding). */
  start(src: TokenIds | EncoderOutput): DecoderState {
    const enc = Array.isArray(src) ? this.encode(src as TokenIds) : (src as EncoderOutput);
    const { encoder: e, decoder: d } = this.spec;
    const dirs = e.bidirectional ? 2 : 1;
    const B = enc.lengths.length;
    let states: LayerStates;
    if (this.spec.bridge === 'zeros') states = this.decoder.zeroStates(B);
    else {
      const h = finalStatesPerLayer(enc.h, e.numLayers, dirs, d.numLayers);
      const c = enc.c === null ? null : finalStatesPerLayer(enc.c, e.numLayers, dirs, d.numLayers);
      // 'copy' (validated: same sizes, unidirectional) passes the states through.
      states = this.bridge === null ? { h, c: d.cell === 'lstm' ? c : null } : this.bridge.forward(h, c);
    }
    const memory = this.decoder.attention === null ? null : this.decoder.attention.prepare(enc.outputs, enc.lengths);
    return this.decoder.initialState(states, memory);
  }

  step(ids: ArrayLike<number>, state: DecoderState): StepOutput<DecoderState> {
    return this.decoder.step(ids, state);
  }

  selectState(state: DecoderState, rows: ArrayLike<number>): DecoderState {
    return this.decoder.selectState(state, rows);
  }

  /**
   * Teacher-forced logits over the real target steps. tgt[b] = [<bos>, …, <eos>].
   * @example const { logits, targets } = model.forward(src, tgt, { teacherForcing: 0.8, rng });
   */
  forward(src: TokenIds, tgt: TokenIds, opts: UnrollOptions = {}): Unrolled {
    return unrollTeacherForced(this, this.start(src), src.length, tgt, opts);
  }

  /** Mean cross entropy per target token (nats), over real target steps only. */
  loss(src: TokenIds, tgt: TokenIds, opts: UnrollOptions = {}): Tensor {
    return sequenceLoss(this.forward(src, tgt, opts));
  }

  /**
   * Decode each source (evaluation mode, no tape): the best hypothesis per source, ids ending in
   * <eos> when it was generated.
   */
  translate(src: TokenIds, opts: TranslateOptions): Hypothesis[] {
    const prompts = src.map(() => [this.spec.bosId]);
    return inference(this, () => decode(this, this.start(src), prompts, { strategy: opts.strategy, maxLength: opts.maxLength, eosId: this.spec.eosId }));
  }

  /** Beam search returning all `width` finished hypotheses per source, best first. */
  translateBeam(src: TokenIds, opts: { width: number; lengthPenalty?: number; maxLength: number }): Hypothesis[][] {
    const prompts = src.map(() => [this.spec.bosId]);
    return inference(this, () => beamSearch(this, this.start(src), prompts, { ...opts, eosId: this.spec.eosId }));
  }
}
