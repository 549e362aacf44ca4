/**
 * From a spec to a model, its loss and its default metrics.
 *
 *   task             model            loss                                      targets
 *   classify         SequenceToOne    cross entropy on logits [B, C]            y [B] class ids
 *   regress          SequenceToOne    MSE on [B, O]                             y [B, O]
 *   forecast         SequenceToOne    MSE on [B, horizon·O]                     y [B, horizon·O]
 *   tag              SequenceToSeq.   cross entropy over every real step        yPerStep [N, 1] class ids
 *   regress-steps    SequenceToSeq.   MSE over every real step                  yPerStep [N, O]
 *   language-model   LanguageModel    cross entropy over every real step        yPerStep [N, 1] next ids
 */
import { PackedSequence } from '../data/packed.ts';
import { crossEntropy } from '../losses/cross-entropy.ts';
import { mseLoss } from '../losses/regression.ts';
import { reshape } from '../tensor/shape.ts';
import { Tensor, shapeStr } from '../tensor/tensor.ts';
import type { MetricName } from '../train/metrics.ts';
import { LanguageModel } from './language-model.ts';
import type { SequenceModel } from './sequence-model.ts';
import { SequenceToOne, headOutputs } from './sequence-to-one.ts';
import { SequenceToSequence } from './sequence-to-sequence.ts';
import {
  validateSpec,
  type ClassifySpec,
  type ForecastSpec,
  type LanguageModelSpec,
  type ModelSpec,
  type ModelSpecInput,
  type RegressSpec,
  type RegressStepsSpec,
  type TagSpec,
} from './spec.ts';

/** What a batch carries as targets (a loader's Batch has these fields). */
export interface Targets {
  /** [B, O] per-sequence targets, or [B] class ids (as floats), in batch order. */
  y: Tensor | null;
  /** Per-step targets with the input's layout: [N, O] values or [N, 1] class ids. */
  yPerStep: PackedSequence | null;
}

export type ModelOutput = Tensor | PackedSequence;

/** Mean loss of one batch, differentiable w.r.t. the output. */
export type LossFn = (output: ModelOutput, targets: Targets) => Tensor;

type In<S extends ModelSpec> = Extract<ModelSpecInput, { task: S['task'] }>;

/**
 * Build the preset a spec describes (validating it first; see `validateSpec`).
 * @example
 * const model = buildModel({ task: 'regress', cell: 'lstm', inputSize: 1, hiddenSize: 32, outputSize: 1, seed: 7 });
 * model.namedParameters().map(([n]) => n); // ['rnn.weight_ih_l0', ..., 'head.weight', 'head.bias']
 */
export function buildModel(spec: In<ClassifySpec> | In<RegressSpec> | In<ForecastSpec>): SequenceToOne;
export function buildModel(spec: In<TagSpec> | In<RegressStepsSpec>): SequenceToSequence;
export function buildModel(spec: In<LanguageModelSpec>): LanguageModel;
export function buildModel(spec: unknown): SequenceModel;
export function buildModel(input: unknown): SequenceModel {
  const spec = validateSpec(input);
  switch (spec.task) {
    case 'classify':
    case 'regress':
    case 'forecast':
      return new SequenceToOne(spec);
    case 'tag':
    case 'regress-steps':
      return new SequenceToSequence(spec);
    case 'language-model':
      return new LanguageModel(spec);
  }
}

/** What the metrics compare: class ids (argmax of logits) or real values. */
export type PredictionKind = { kind: 'classes'; numClasses: number } | { kind: 'values' };

export function predictionKind(spec: ModelSpec): PredictionKind {
  switch (spec.task) {
    case 'classify':
    case 'tag':
      return { kind: 'classes', numClasses: spec.numClasses };
    case 'language-model':
      return { kind: 'classes', numClasses: spec.vocabSize };
    default:
      return { kind: 'values' };
  }
}

/** Metrics `fit` reports when none are asked for. */
export function defaultMetrics(spec: ModelSpec): MetricName[] {
  switch (spec.task) {
    case 'classify':
    case 'tag':
      return ['accuracy', 'macroF1'];
    case 'language-model':
      return ['perplexity'];
    default:
      return ['mae', 'rmse'];
  }
}

function needPacked(task: string, output: ModelOutput): PackedSequence {
  if (!(output instanceof PackedSequence)) throw new Error(`loss (${task}): the model output is a Tensor, expected a PackedSequence (one row per step)`);
  return output;
}

function needTensor(task: string, output: ModelOutput): Tensor {
  if (!(output instanceof Tensor)) throw new Error(`loss (${task}): the model output is a PackedSequence, expected a Tensor (one row per sequence)`);
  return output;
}

function needY(task: string, t: Targets, what: string): Tensor {
  if (t.y === null) throw new Error(`loss (${task}): the batch has no per-sequence targets y (expected ${what})`);
  return t.y;
}

function needYPerStep(task: string, t: Targets, what: string): PackedSequence {
  if (t.yPerStep === null) throw new Error(`loss (${task}): the batch has no per-step targets yPerStep (expected ${what})`);
  return t.yPerStep;
}

/** y as [B, O]; a [B] vector is accepted when O = 1. */
function valueTargets(task: string, y: Tensor, B: number, O: number): Tensor {
  if (y.ndim === 1 && O === 1 && y.shape[0] === B) return reshape(y, [B, 1]);
  if (y.ndim !== 2 || y.shape[0] !== B || y.shape[1] !== O) {
    throw new Error(`loss (${task}): targets y have shape ${shapeStr(y.shape)}, expected [${B}, ${O}]`);
  }
  return y;
}

/**
 * The loss a spec's model trains with: cross entropy for classes, MSE for values.
 * @example
 * const loss = lossFor(model.spec)(model.forward(batch.x), batch); loss.backward();
 */
export function lossFor(spec: ModelSpec): LossFn {
  const task = spec.task;
  switch (task) {
    case 'classify':
      return (output, t) => crossEntropy(needTensor(task, output), needY(task, t, '[B] class ids'));
    case 'regress':
    case 'forecast': {
      const O = headOutputs(spec);
      return (output, t) => {
        const out = needTensor(task, output);
        return mseLoss(out, valueTargets(task, needY(task, t, `[B, ${O}]`), out.shape[0], O));
      };
    }
    case 'tag':
    case 'language-model':
      return (output, t) => crossEntropy(needPacked(task, output), needYPerStep(task, t, '[N, 1] class ids'));
    case 'regress-steps':
      return (output, t) => mseLoss(needPacked(task, output), needYPerStep(task, t, `[N, ${spec.outputSize}]`));
  }
}
