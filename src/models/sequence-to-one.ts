/**
 * Sequence → one: classifier logits, a regressor's vector, or a forecaster's next `horizon` values,
 * all from each sample's final state (both directions' final top-layer states when bidirectional).
 *
 * Legend: B batch, H hidden, dirs 1 or 2, O head outputs
 * (numClasses | outputSize | horizon·outputSize, the forecast laid out step-major: [h·outputSize + o]).
 *   x PackedSequence [B, ≤T, D] → final features [B, dirs·H] → dropout → head → [B, O]
 */
import type { PackedSequence } from '../data/packed.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { SequenceModel } from './sequence-model.ts';
import type { ClassifySpec, ForecastSpec, RegressSpec } from './spec.ts';

export type SequenceToOneSpec = ClassifySpec | RegressSpec | ForecastSpec;

/** Head outputs of a sequence → one spec. */
export function headOutputs(spec: SequenceToOneSpec): number {
  switch (spec.task) {
    case 'classify':
      return spec.numClasses;
    case 'regress':
      return spec.outputSize;
    case 'forecast':
      return spec.horizon * spec.outputSize;
  }
}

/**
 * Classifier, regressor or multi-step forecaster over variable-length sequences.
 * @example
 * const model = buildModel({ task: 'classify', cell: 'gru', inputSize: 3, hiddenSize: 16, numClasses: 2 });
 * const logits = model.forward(PackedSequence.fromArrays(seqs)); // [B, 2]
 */
export class SequenceToOne extends SequenceModel {
  declare readonly spec: SequenceToOneSpec;

  constructor(spec: SequenceToOneSpec) {
    super(spec, headOutputs(spec));
  }

  /** [B, O] in the caller's sample order. */
  forward(x: PackedSequence): Tensor {
    const { state } = this.encode(x);
    return this.head.forward(this.drop.forward(this.finalFeatures(state)));
  }
}
