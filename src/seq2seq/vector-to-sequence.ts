/**
 * One vector → sequence: a decoder whose initial state comes from a fixed input vector through a
 * learned bridge (image captioning's shape, or any "describe this vector" task), generating ids
 * until <eos> or a length.
 *
 * Legend: B samples, F input features, Hd decoder hidden, Ld layers, V vocabulary.
 *   x [B, F] → bridge: h_l = tanh(Wh_l x + bh_l), c_l = tanh(Wc_l x + bc_l)   [B, Hd] per layer
 *   decoder steps (no attention): ids [B] → logits [B, V]
 * Parameter names: bridge.*, decoder.* (bridge.ts, decoder.ts).
 */
import { Module } from '../layers/module.ts';
import { Tensor, shapeStr } from '../tensor/tensor.ts';
import { Bridge } from './bridge.ts';
import { decode, inference, type Hypothesis, type Stepper, type StepOutput } from './decoding.ts';
import { Decoder, type DecoderState } from './decoder.ts';
import type { TokenIds } from './encoder.ts';
import type { TranslateOptions } from './model.ts';
import { validateVectorToSequenceSpec, type VectorToSequenceSpec, type VectorToSequenceSpecInput } from './spec.ts';
import { sequenceLoss, unrollTeacherForced, type Unrolled, type UnrollOptions } from './teacher-forcing.ts';

/**
 * @example
 * const model = new VectorToSequence({ task: 'vector-to-sequence', inputSize: 8, vocabSize: 12, embeddingDim: 8,
 *   decoder: { cell: 'gru', hiddenSize: 32 } });
 * const loss = model.loss(x, [[2, 4, 9, 3]]);              // x: [1, 8]
 * const [hyp] = model.generate(x, { strategy: { kind: 'greedy' }, maxLength: 10 });
 */
export class VectorToSequence extends Module implements Stepper<DecoderState> {
  readonly spec: VectorToSequenceSpec;
  readonly bridge: Bridge;
  readonly decoder: Decoder;

  constructor(specIn: VectorToSequenceSpecInput | VectorToSequenceSpec) {
    super();
    const spec = validateVectorToSequenceSpec(specIn);
    this.spec = spec;
    const d = spec.decoder;
    this.bridge = this.registerModule(
      'bridge',
      new Bridge({ inFeatures: spec.inputSize, hiddenSize: d.hiddenSize, numLayers: d.numLayers, withCell: d.cell === 'lstm', seed: spec.seed + 100 }),
    );
    this.decoder = this.registerModule(
      'decoder',
      new Decoder({
        vocabSize: spec.vocabSize,
        embeddingDim: spec.embeddingDim,
        spec: d,
        attention: { kind: 'none' },
        memorySize: 0,
        inputFeeding: false,
        dropout: spec.dropout,
        paddingIdx: spec.padId,
        seed: spec.seed + 200,
      }),
    );
  }

  /** The decoder's state before its first step, from x [B, F]. */
  start(x: Tensor): DecoderState {
    if (x.ndim !== 2 || x.shape[1] !== this.spec.inputSize) {
      throw new Error(`VectorToSequence: input has shape ${shapeStr(x.shape)}, expected [B, ${this.spec.inputSize}] (batch, inputSize)`);
    }
    const a = this.decoder.cells.map(() => x);
    return this.decoder.initialState(this.bridge.forward(a, null), null);
  }

  step(ids: ArrayLike<number>, state: DecoderState): StepOutput<DecoderState> {
    return this.decoder.step(ids, state);
  }

  selectState(state: DecoderState, rows: ArrayLike<number>): DecoderState {
    return this.decoder.selectState(state, rows);
  }

  /** Teacher-forced logits over the real target steps; tgt[b] = [<bos>, …, <eos>]. */
  forward(x: Tensor, tgt: TokenIds, opts: UnrollOptions = {}): Unrolled {
    return unrollTeacherForced(this, this.start(x), x.shape[0], tgt, opts);
  }

  /** Mean cross entropy per target token (nats). */
  loss(x: Tensor, tgt: TokenIds, opts: UnrollOptions = {}): Tensor {
    return sequenceLoss(this.forward(x, tgt, opts));
  }

  /** Generate from each row of x [B, F] (evaluation mode, no tape). */
  generate(x: Tensor, opts: TranslateOptions): Hypothesis[] {
    const prompts = Array.from({ length: x.shape[0] }, () => [this.spec.bosId]);
    return inference(this, () => decode(this, this.start(x), prompts, { strategy: opts.strategy, maxLength: opts.maxLength, eosId: this.spec.eosId }));
  }
}
