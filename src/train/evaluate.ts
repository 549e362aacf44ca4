/**
 * Loss and metrics over a whole pass of batches, accumulated batch by batch, and the loss of one
 * batch (`BatchLoss`) as fit and evaluate read it.
 *
 * The pass loss is the mean over every output row of the dataset: Σ_b loss_b · rows_b / Σ_b rows_b,
 * rows_b = B for sequence → one models and N (real steps) for per-step ones, so batches of
 * different sizes weigh what they hold. Metrics come from running statistics (metrics.ts).
 */
import { PackedSequence } from '../data/packed.ts';
import type { Module } from '../layers/module.ts';
import { lossFor, predictionKind, defaultMetrics, type ModelOutput, type PredictionKind, type Targets } from '../models/build.ts';
import type { SequenceModel } from '../models/sequence-model.ts';
import { argmax } from '../models/sampling.ts';
import { noGrad, type Tensor } from '../tensor/tensor.ts';
import {
  CLASS_METRICS,
  VALUE_METRICS,
  accuracyOf,
  addClasses,
  addValues,
  emptyClassStats,
  emptyValueStats,
  macroF1Of,
  maeOf,
  mapeOf,
  perplexity,
  rmseOf,
  type MetricName,
  type MetricStats,
} from './metrics.ts';
import type { Shown } from './progress.ts';

/** Metric values by name; null where a metric is undefined (e.g. MAPE with all-zero targets). */
export type MetricValues = Partial<Record<MetricName, number | null>>;

/** A batch as `fit` and `evaluate` read it (a DataLoader's Batch has these fields). */
export interface TrainBatch extends Targets {
  readonly x: PackedSequence;
}

/** The loss of one batch: what a preset computes, or fit's `loss` option for any model. */
export interface BatchLoss {
  /** Scalar mean loss over the batch's rows; on the tape in a training step. */
  loss: Tensor;
  /** Rows the mean is over (samples, real steps, target tokens): a pass weighs its batches by them. */
  rows: number;
  /** Adds the batch's predictions to metric statistics (the presets' metrics; perplexity needs none). */
  tally?(stats: MetricStats): void;
  /** Values shown after the loss on the progress bar during training. */
  show?: readonly Shown[];
}

/** Running totals of one pass, as plain data. */
export interface PassTotals {
  lossSum: number;
  rows: number;
  stats: MetricStats | null;
}

export function emptyTotals(kind: PredictionKind, withStats: boolean): PassTotals {
  const stats = !withStats ? null : kind.kind === 'classes' ? emptyClassStats(kind.numClasses) : emptyValueStats();
  return { lossSum: 0, rows: 0, stats };
}

/** Output rows of a batch: B for a Tensor, N real steps for a PackedSequence. */
export function outputRows(output: ModelOutput): number {
  return output instanceof PackedSequence ? output.rows : output.shape[0];
}

/** Add one batch: its mean loss and its predictions against the targets. */
export function addBatch(t: PassTotals, output: ModelOutput, targets: Targets, loss: number): void {
  const rows = outputRows(output);
  t.lossSum += loss * rows;
  t.rows += rows;
  if (t.stats !== null) addPredictions(t.stats, output, targets);
}

/** Add a batch's predictions against its targets to metric statistics. */
function addPredictions(s: MetricStats, output: ModelOutput, targets: Targets): void {
  const out = output instanceof PackedSequence ? output.data : output;
  const actual = output instanceof PackedSequence ? targets.yPerStep?.data : targets.y;
  if (actual === undefined || actual === null) return; // the loss has already said what is missing
  const rows = outputRows(output);
  if (s.kind === 'classes') {
    const C = out.shape[1];
    const predicted = new Int32Array(rows);
    for (let i = 0; i < rows; i++) predicted[i] = argmax(out.data, i * C, C);
    addClasses(s, predicted, actual.data);
  } else {
    addValues(s, out.data, actual.data);
  }
}

/** A preset's loss of a batch: its forward, its loss (`lossFor(spec)`) and its predictions for metrics. */
export function presetLoss(model: SequenceModel): (batch: TrainBatch) => BatchLoss {
  const lossFn = lossFor(model.spec);
  return (batch) => {
    const output = model.forward(batch.x);
    return { loss: lossFn(output, batch), rows: outputRows(output), tally: (stats) => addPredictions(stats, output, batch) };
  };
}

/** Add every batch's loss (and predictions) to `totals`, in evaluation mode and without the tape. */
export function lossPass<B>(model: Module, batches: Iterable<B>, lossOf: (batch: B) => BatchLoss, totals: PassTotals): void {
  const wasTraining = model.training;
  model.eval();
  try {
    noGrad(() => {
      for (const batch of batches) {
        const r = lossOf(batch);
        totals.lossSum += r.loss.item() * r.rows;
        totals.rows += r.rows;
        if (totals.stats !== null) r.tally?.(totals.stats);
      }
    });
  } finally {
    model.train(wasTraining);
  }
}

/** The pass's mean loss. */
export function meanLoss(t: PassTotals): number {
  return t.lossSum / t.rows;
}

/** Metric values of a pass (perplexity from its mean cross entropy). */
export function metricValues(t: PassTotals, names: readonly MetricName[]): MetricValues {
  const out: MetricValues = {};
  const s = t.stats;
  for (const name of names) {
    let v = NaN;
    if (name === 'perplexity') v = perplexity(meanLoss(t));
    else if (s !== null && s.kind === 'classes') v = name === 'accuracy' ? accuracyOf(s) : macroF1Of(s);
    else if (s !== null && s.kind === 'values') v = name === 'mae' ? maeOf(s) : name === 'rmse' ? rmseOf(s) : mapeOf(s);
    out[name] = Number.isFinite(v) ? v : null;
  }
  return out;
}

/** Check that every metric applies to the model's predictions. */
export function checkMetrics(names: readonly MetricName[], kind: PredictionKind, task: string): void {
  const fits = kind.kind === 'classes' ? CLASS_METRICS : VALUE_METRICS;
  for (const name of names) {
    if (!fits.includes(name)) {
      const all = [...CLASS_METRICS, ...VALUE_METRICS];
      if (!all.includes(name)) throw new Error(`metrics: unknown metric '${String(name)}' (known: ${all.join(', ')})`);
      throw new Error(`metrics: '${name}' does not apply to task '${task}' (it predicts ${kind.kind}; use ${fits.join(', ')})`);
    }
  }
}

export interface EvaluateOptions {
  /** Default: the model's default metrics. */
  metrics?: readonly MetricName[];
}

export interface Evaluation {
  loss: number;
  metrics: MetricValues;
  /** Output rows the loss averages over. */
  rows: number;
}

/**
 * Mean loss and metrics of `model` over every batch of `batches`, in evaluation mode
 * (no dropout) and without recording gradients. The model's mode is restored afterwards.
 * @example const { loss, metrics } = evaluate(model, testLoader, { metrics: ['accuracy'] });
 */
export function evaluate(model: SequenceModel, batches: Iterable<TrainBatch>, opts: EvaluateOptions = {}): Evaluation {
  const names = opts.metrics ?? defaultMetrics(model.spec);
  const kind = predictionKind(model.spec);
  checkMetrics(names, kind, model.spec.task);
  const totals = emptyTotals(kind, true);
  lossPass(model, batches, presetLoss(model), totals);
  if (totals.rows === 0) throw new Error('evaluate: the batches were empty');
  return { loss: meanLoss(totals), metrics: metricValues(totals, names), rows: totals.rows };
}
