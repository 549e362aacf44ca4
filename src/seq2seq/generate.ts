/**
 * Language-model generation through the decoding strategies: a `Stepper` over any recurrent
 * language model that can run one step from a carried state (the preset `LanguageModel` can),
 * and `generate(lm, prompts, …)`: prompt → continuation, greedy, beam or sampled.
 *
 * Legend: B samples, L·dirs recurrent layers, H hidden, V vocabulary.
 *   step: ids [B] → 1-step PackedSequence [B, 1] → lm.encode → output [B, H] → lm.head → logits [B, V]
 *   state: h, c [L, B, H] (c null without cells); null before the first step (zeros).
 * The prompt runs one step per token through the same path (forced ids), so a prompt of P ids
 * costs P steps and ragged prompts batch together.
 */
import { PackedSequence } from '../data/packed.ts';
import { Module } from '../layers/module.ts';
import { indexSelect } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import { decode, type DecodeOptions, type DecodeStrategy, type Hypothesis, type Stepper, type StepOutput } from './decoding.ts';

/** A recurrent language model's carried state: h, c [L, B, H]. */
export interface LanguageModelState {
  h: Tensor;
  c: Tensor | null;
}

/** What generation needs of a language model (the preset `LanguageModel` has it). */
export interface StepwiseLanguageModel extends Module {
  /** Token ids PackedSequence [N, 1] from `state` (zeros when omitted) → outputs [N, H] and the final state. */
  encode(x: PackedSequence, state?: LanguageModelState): { output: PackedSequence; state: LanguageModelState };
  /** Outputs [N, H] → logits [N, V]. */
  readonly head: { forward(x: Tensor): Tensor };
}

/** Steps a language model one token at a time for B rows. */
export class LanguageModelStepper extends Module implements Stepper<LanguageModelState | null> {
  readonly lm: StepwiseLanguageModel;

  constructor(lm: StepwiseLanguageModel) {
    super();
    this.lm = this.registerModule('lm', lm);
  }

  step(ids: ArrayLike<number>, state: LanguageModelState | null): StepOutput<LanguageModelState | null> {
    const x = PackedSequence.fromArrays(Array.from(ids, (id) => [[id]]));
    // All lengths are 1, so the packed rows are the caller's rows in order.
    const r = this.lm.encode(x, state ?? undefined);
    return { logits: this.lm.head.forward(r.output.data), state: r.state, attention: null };
  }

  selectState(state: LanguageModelState | null, rows: ArrayLike<number>): LanguageModelState | null {
    if (state === null) return null;
    return { h: indexSelect(state.h, 1, rows), c: state.c === null ? null : indexSelect(state.c, 1, rows) };
  }
}

export interface GenerationOptions {
  strategy: DecodeStrategy;
  /** Most new ids per prompt. */
  maxLength: number;
  /** Stop a sample at this id (kept); null or omitted: only maxLength stops. */
  eosId?: number | null;
}

/**
 * Continue each prompt (evaluation mode, no tape). Returns the new ids only.
 * @example
 * const [h] = generate(lm, [vocab.encode('ROMEO:')], { strategy: { kind: 'sample', temperature: 0.8, seed: 1 }, maxLength: 200 });
 * console.log(vocab.decode(h.ids));
 */
export function generate(lm: StepwiseLanguageModel, prompts: readonly (readonly number[])[], opts: GenerationOptions): Hypothesis[] {
  const o: DecodeOptions & { strategy: DecodeStrategy } = { strategy: opts.strategy, maxLength: opts.maxLength, eosId: opts.eosId ?? null };
  return decode(new LanguageModelStepper(lm), null, prompts, o);
}
