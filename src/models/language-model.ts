/**
 * Language model: Embedding → RNN/LSTM/GRU → Linear over the vocabulary, predicting token t + 1
 * from tokens 0..t. Generation carries the recurrent state from step to step, so each new token
 * costs one step, not a rerun of the whole prefix.
 *
 * Legend: N packed rows (Σ lengths), E embedding, H hidden, V vocabulary, P prompt length.
 *   ids PackedSequence [N, 1] → embedding [N, E] → rnn [N, H] → dropout → head → PackedSequence [N, V]
 */
import { PackedSequence } from '../data/packed.ts';
import { Rng } from '../tensor/rng.ts';
import { slice } from '../tensor/shape.ts';
import { noGrad, type Tensor } from '../tensor/tensor.ts';
import { sampleFromLogits } from './sampling.ts';
import { SequenceModel, type RecurrentState } from './sequence-model.ts';
import type { LanguageModelSpec } from './spec.ts';

export interface GenerateOptions {
  /** Tokens to generate at most (the prompt not counted). */
  maxLength: number;
  /** 0: always the most likely token; otherwise sample softmax(logits / temperature). Default 1. */
  temperature?: number;
  /** Sample among the k most likely tokens only. Default: all. */
  topK?: number;
  /** Seed of the sampling generator. Default 0. */
  seed?: number;
  /** Stop after generating this id (e.g. `<eos>`); it is included in the result. */
  stopId?: number;
}

/**
 * Next-token language model over token ids.
 * @example
 * const lm = buildModel({ task: 'language-model', cell: 'lstm', vocabSize: 40, embeddingDim: 16, hiddenSize: 64 });
 * const ids = lm.generate([bos], { maxLength: 50, temperature: 0.8, topK: 10, seed: 1 });
 */
export class LanguageModel extends SequenceModel {
  declare readonly spec: LanguageModelSpec;

  constructor(spec: LanguageModelSpec) {
    super(spec, spec.vocabSize);
  }

  /** Next-token logits PackedSequence [N, V] with the input's layout. */
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

  /**
   * Continue `prompt` (token ids, at least one) by up to `maxLength` tokens, in evaluation mode
   * and without recording gradients. Returns the new ids only.
   */
  generate(prompt: readonly number[], opts: GenerateOptions): number[] {
    const V = this.spec.vocabSize;
    const maxLength = opts.maxLength;
    const temperature = opts.temperature ?? 1;
    const topK = opts.topK ?? null;
    if (!Number.isInteger(maxLength) || maxLength < 0) throw new Error(`generate: maxLength is ${maxLength}, expected an integer ≥ 0`);
    if (!(temperature >= 0) || !Number.isFinite(temperature)) throw new Error(`generate: temperature is ${temperature}, expected a finite number ≥ 0`);
    if (topK !== null && (!Number.isInteger(topK) || topK < 1)) throw new Error(`generate: topK is ${topK}, expected a positive integer`);
    if (prompt.length === 0) throw new Error('generate: the prompt is empty; give at least one token id (e.g. <bos>)');
    prompt.forEach((id, i) => {
      if (!Number.isInteger(id) || id < 0 || id >= V) throw new Error(`generate: prompt[${i}] = ${id} is not a token id in 0..${V - 1}`);
    });

    const rng = new Rng(opts.seed ?? 0);
    const sampling = { temperature, topK };
    const wasTraining = this.training;
    this.eval();
    try {
      return noGrad(() => {
        const P = prompt.length;
        let { output, state } = this.encode(PackedSequence.fromArrays([prompt.map((id) => [id])]));
        // One sample: packed row t is step t, so the last row holds the prompt's last step.
        let logits: Tensor = this.head.forward(slice(output.data, 0, P - 1, P)); // [1, V]
        const out: number[] = [];
        while (out.length < maxLength) {
          const id = sampleFromLogits(logits.data, sampling, rng);
          out.push(id);
          if (id === opts.stopId || out.length === maxLength) break;
          ({ output, state } = this.encode(PackedSequence.fromArrays([[[id]]]), state));
          logits = this.head.forward(output.data);
        }
        return out;
      });
    } finally {
      this.train(wasTraining);
    }
  }
}
