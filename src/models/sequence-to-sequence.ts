/**
 * Sequence → sequence on the same clock: a tagger (a class at every step) or a per-step regressor
 * / forecaster (a vector at every step). The head runs on every real step and on nothing else.
 *
 * Legend: N packed rows (Σ lengths), H hidden, dirs 1 or 2, O numClasses | outputSize.
 *   x PackedSequence [N, D] → rnn [N, dirs·H] → dropout → head → PackedSequence [N, O]
 */
import type { PackedSequence } from '../data/packed.ts';
import { SequenceModel } from './sequence-model.ts';
import type { RegressStepsSpec, TagSpec } from './spec.ts';

export type SequenceToSequenceSpec = TagSpec | RegressStepsSpec;

/**
 * Tagger or per-step regressor.
 * @example
 * const tagger = buildModel({ task: 'tag', cell: 'lstm', inputSize: 2, hiddenSize: 16, numClasses: 5, bidirectional: true });
 * const logits = tagger.forward(x); // PackedSequence [N, 5], same lengths as x
 */
export class SequenceToSequence extends SequenceModel {
  declare readonly spec: SequenceToSequenceSpec;

  constructor(spec: SequenceToSequenceSpec) {
    super(spec, spec.task === 'tag' ? spec.numClasses : spec.outputSize);
  }

  /** PackedSequence [N, O] with x's layout. */
  forward(x: PackedSequence): PackedSequence {
    const { output } = this.encode(x);
    return output.withData(this.head.forward(this.drop.forward(output.data)));
  }
}
