/**
 * Streaming inference: one time step of a preset model at a time, carrying the recurrent state
 * between calls, so a model serves an endless stream with O(1) work and memory per step.
 *
 * Legend: B batch (independent streams), D input features, E embedding, H hidden, L layers,
 * O head outputs.
 *   x_t [B, D] features, or ids [B] (token models) → embedding [B, E] → rnn one step [B, H]
 *   → dropout → head → y_t [B, O];   state h (c for LSTM) [L, B, H] in, the next one out.
 *
 * Every step runs the shared BPTT kernels over a one-step layout (RecurrentLayer.stepForward),
 * without recording the tape: the buffers a step allocates do not depend on how many steps came
 * before. Streaming T steps gives the numbers of `forward` over the whole sequence:
 *   - per-step models (tag, regress-steps, language-model): y_t is the forward's output at step t;
 *   - sequence → one models (classify, regress, forecast): y_t is what `forward` returns for the
 *     prefix 0..t (the head on the current state), so a classifier or forecaster can emit at any time.
 * A bidirectional model cannot stream (its reverse direction starts at the sequence's end).
 */
import { embedding as embed } from '../layers/embedding.ts';
import { zeros } from '../tensor/create.ts';
import { noGrad, shapeStr, Tensor } from '../tensor/tensor.ts';
import type { RecurrentState, SequenceModel } from './sequence-model.ts';

/** One step's input: features x_t [B, D], or token ids [B] (a plain array, Int32Array or Tensor [B] / [B, 1]). */
export type StepInput = Tensor | readonly number[] | Int32Array;

export interface StepResult {
  /** [B, O] the head's output at this step. */
  y: Tensor;
  /** The state after this step, to pass to the next one. */
  state: RecurrentState;
}

/**
 * The zero state a stream starts from: h (and c for LSTM) [L, B, H].
 * @example let state = initialState(model, 4); // four streams
 */
export function initialState(model: SequenceModel, batchSize: number): RecurrentState {
  const { numLayers, hiddenSize, cell } = model.spec;
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error(`initialState: batchSize is ${batchSize}, expected a positive integer`);
  const shape = [numLayers * model.rnn.numDirections, batchSize, hiddenSize];
  return { h: zeros(shape), c: cell === 'lstm' ? zeros(shape) : null };
}

/**
 * The same state cut from the tape (values copied): gradients stop here. Truncated BPTT carries
 * a detached state from one chunk to the next.
 * @example state = detachState(state);
 */
export function detachState(state: RecurrentState): RecurrentState {
  return { h: state.h.detach(), c: state.c === null ? null : state.c.detach() };
}

/** Embedded (token models) or checked features of one step: [B, E] or [B, D]. */
function stepFeatures(model: SequenceModel, x: StepInput, where: string): Tensor {
  const e = model.embedding;
  if (e === null) {
    if (!(x instanceof Tensor) || x.ndim !== 2) {
      const got = x instanceof Tensor ? `a tensor of shape ${shapeStr(x.shape)}` : 'token ids';
      throw new Error(`${where}: input is ${got}, expected features x_t [B, ${model.rnn.inputSize}] (batch, inputSize)`);
    }
    return x; // the layer checks D
  }
  let ids: ArrayLike<number>;
  if (x instanceof Tensor) {
    if (!(x.ndim === 1 || (x.ndim === 2 && x.shape[1] === 1))) {
      throw new Error(`${where}: token input has shape ${shapeStr(x.shape)}, expected ids [B] or [B, 1] (one token id per stream)`);
    }
    ids = x.data;
  } else {
    ids = x;
  }
  if (ids.length === 0) throw new Error(`${where}: no token ids given (expected one per stream)`);
  return embed(e.weight, ids, [ids.length], e.paddingIdx); // [B, E]
}

/**
 * Advance `model` by one step for B streams at once; `state` null or omitted starts from zeros.
 * Runs without recording gradients, in the model's current mode (call `model.eval()` to turn
 * dropout off). See the file header for what y means per task.
 * @example
 * model.eval();
 * let state = initialState(model, 1);
 * for (const frame of frames) {              // frame: Tensor [1, D]
 *   const r = streamStep(model, frame, state);
 *   state = r.state;                         // r.y: [1, O]
 * }
 */
export function streamStep(model: SequenceModel, x: StepInput, state?: RecurrentState | null): StepResult {
  const where = `${model.constructor.name}.step`;
  if (model.spec.bidirectional) {
    throw new Error(`${where}: a bidirectional model cannot stream: its reverse direction reads each sequence from its end; build it with bidirectional: false`);
  }
  return noGrad(() => {
    const input = stepFeatures(model, x, where);
    const s = state ?? null;
    if (s !== null && model.spec.cell === 'lstm' && s.c === null) {
      throw new Error(`${where}: an LSTM state needs c as well as h (got c = null)`);
    }
    const r = model.rnn.stepForward(input, s?.h, s?.c ?? undefined);
    const y = model.head.forward(model.drop.forward(r.output));
    return { y, state: { h: r.h, c: r.c } };
  });
}
