/**
 * Sequence → sequence on the same clock: a tagger (a class at every step) or a per-step regressor
 * / forecaster (a vector at every step). The head runs on every real step and on nothing else.
 *
 * Legend: N packed rows (Σ lengths), H hidden, dirs 1 or 2, O numClasses | outputSize.
 *   x PackedSequence [N, D] → rnn [N, dirs·H] → dropout → head → PackedSequence [N, O]
 */
import type { PackedSequence } from '../data/packed.ts';
import { SequenceModel, type RecurrentState } from './sequence-model.ts';
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
    return this.forwardWithState(x).output;
  }

  /**
   * `forward` from a given state (zeros when omitted), also returning the final state, so that a
   * long series can be walked in chunks carrying it across (truncated BPTT, train/tbptt.ts).
   * @example
   * let state: RecurrentState | undefined;
   * for (const chunk of chunks) ({ output, state } = model.forwardWithState(chunk, state));
   */
  forwardWithState(x: PackedSequence, state?: RecurrentState): { output: PackedSequence; state: RecurrentState } {
    const enc = this.encode(x, state);
    return { output: enc.output.withData(this.head.forward(this.drop.forward(enc.output.data))), state: enc.state };
  }
}
