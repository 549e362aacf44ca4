/**
 * Training a decoder on target sequences: the teacher-forced unroll, scheduled sampling, the loss.
 *
 * Targets are ragged id lists [<bos>, y1, …, yn, <eos>]; step t feeds token t and predicts token
 * t + 1, so a target of length L has L − 1 steps. Samples are sorted by length (longest first,
 * stable) and step t runs the first batchSizes[t] of them only, exactly the layout of a
 * PackedSequence: the logits come out as PackedSequence [N, V] whose rows line up with the
 * shifted targets, and the loss covers the real target steps and nothing else.
 *
 * Teacher forcing with ratio r: at step t ≥ 1 each row feeds the true token with probability r,
 * else the model's own previous prediction (its argmax). One draw per row per step t ≥ 1 from the
 * caller's generator, none when r = 1. Scheduled sampling lowers r during training
 * (Bengio et al. 2015): `teacherForcingRatio(schedule, step)`.
 *
 * Legend: B samples, T longest target − 1, N = Σ (L_b − 1) packed rows, V vocabulary.
 */
import { PackedSequence } from '../data/packed.ts';
import { crossEntropy } from '../losses/cross-entropy.ts';
import type { Rng } from '../tensor/rng.ts';
import { concat } from '../tensor/shape.ts';
import type { Tensor } from '../tensor/tensor.ts';
import type { Stepper } from './decoding.ts';
import { argmaxRow } from './sampling.ts';

/** How the teacher-forcing ratio moves with the training step; plain data. */
export type TeacherForcingSchedule =
  | { kind: 'constant'; ratio: number }
  /** From `start` to `end` linearly over `steps` steps, then `end`. */
  | { kind: 'linear'; start: number; end: number; steps: number }
  /** k / (k + exp(step / k)), k ≥ 1 (Bengio et al.'s inverse sigmoid decay). */
  | { kind: 'inverse-sigmoid'; k: number };

/**
 * The ratio at a training step (0-based).
 * @example teacherForcingRatio({ kind: 'linear', start: 1, end: 0.5, steps: 1000 }, 250); // 0.875
 */
export function teacherForcingRatio(s: TeacherForcingSchedule, step: number): number {
  switch (s.kind) {
    case 'constant':
      return s.ratio;
    case 'linear':
      return step >= s.steps ? s.end : s.start + ((s.end - s.start) * step) / s.steps;
    case 'inverse-sigmoid':
      return s.k / (s.k + Math.exp(step / s.k));
  }
}

export interface UnrollOptions {
  /** Probability of feeding the true previous token, in [0, 1] (default 1). */
  teacherForcing?: number;
  /** Generator of the teacher-forcing draws; required when teacherForcing < 1. */
  rng?: Rng;
}

export interface Unrolled {
  /** [N, V] next-token logits at every real target step, packed. */
  logits: PackedSequence;
  /** [N, 1] the tokens they predict (targets shifted by one), same layout. */
  targets: PackedSequence;
}

/** Target id lists checked: each at least 2 ids ([<bos>, …]). */
function checkTargets(targets: readonly (readonly number[])[], B: number, what: string): void {
  if (!Array.isArray(targets) || targets.length !== B) {
    throw new Error(`${what}: ${Array.isArray(targets) ? targets.length : 'no'} targets given for ${B} samples`);
  }
  targets.forEach((t, b) => {
    if (!Array.isArray(t) || t.length < 2) {
      throw new Error(`${what}: target ${b} has ${Array.isArray(t) ? t.length : 'no'} ids, expected at least 2 ([<bos>, …, <eos>])`);
    }
  });
}

/**
 * Unrolls `stepper` from `state` (B rows, the samples' order) over the targets.
 * @example const { logits, targets } = unrollTeacherForced(decoder, state, [[BOS, 5, 6, EOS]], { teacherForcing: 0.9, rng });
 */
export function unrollTeacherForced<S>(
  stepper: Stepper<S>,
  state0: S,
  B: number,
  targets: readonly (readonly number[])[],
  opts: UnrollOptions = {},
): Unrolled {
  const what = 'teacher-forced unroll';
  checkTargets(targets, B, what);
  const ratio = opts.teacherForcing ?? 1;
  if (!(ratio >= 0 && ratio <= 1)) throw new Error(`${what}: teacherForcing is ${ratio}, expected a number in [0, 1]`);
  if (ratio < 1 && opts.rng === undefined) throw new Error(`${what}: teacherForcing ${ratio} < 1 needs an rng (seeded) for its draws`);

  const shifted = PackedSequence.fromArrays(targets.map((t) => t.slice(1).map((id) => [id])));
  const { batchSizes, sortedIndices } = shifted;
  let state = stepper.selectState(state0, sortedIndices); // rows in sorted order
  let rows = B;
  const steps: Tensor[] = [];
  let prev: Int32Array = new Int32Array(B); // previous step's predictions, sorted rows
  for (let t = 0; t < batchSizes.length; t++) {
    const n = batchSizes[t];
    if (n < rows) {
      state = stepper.selectState(state, Int32Array.from({ length: n }, (_, j) => j));
      rows = n;
    }
    const ids = new Int32Array(n);
    for (let j = 0; j < n; j++) {
      const gold = targets[sortedIndices[j]][t];
      ids[j] = t === 0 || ratio === 1 || (opts.rng as Rng).uniform() < ratio ? gold : prev[j];
    }
    const out = stepper.step(ids, state);
    state = out.state;
    steps.push(out.logits);
    if (ratio < 1) {
      const V = out.logits.shape[1];
      prev = new Int32Array(n);
      for (let j = 0; j < n; j++) prev[j] = argmaxRow(out.logits.data, j * V, V);
    }
  }
  return { logits: shifted.withData(concat(steps, 0)), targets: shifted };
}

/** Mean cross entropy (nats per target token) over the real steps of an unroll. */
export function sequenceLoss(u: Unrolled): Tensor {
  return crossEntropy(u.logits, u.targets);
}
