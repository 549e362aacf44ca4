/**
 * What `fit` keeps about a run, and its place in a checkpoint's `training` field (JSON).
 *
 * Together with the checkpoint's weights, optimizer state and generator states, a `TrainingState`
 * is everything an exact resume needs: where the run stands (finished epochs, batches done in the
 * unfinished one), the loaders' positions at the start of that epoch, the running totals of the
 * unfinished epoch, the schedule, early stopping, the best weights so far and the history.
 */
import type { JsonValue } from '../io/json.ts';
import type { EarlyStoppingState } from './early-stopping.ts';
import type { MetricValues, PassTotals } from './evaluate.ts';
import type { ScheduleState } from './schedules.ts';

export type StopReason = 'completed' | 'early-stopping' | 'aborted';

/** One finished epoch. */
export interface EpochRecord {
  /** 1-based. */
  epoch: number;
  /** Mean training loss over the epoch's output rows, as seen during the epoch. */
  loss: number;
  /** Training metrics over the epoch (with dropout on, as seen during the epoch). */
  metrics: MetricValues;
  /** Validation loss after the epoch, or null without a validation set. */
  valLoss: number | null;
  valMetrics: MetricValues | null;
  /** Learning rate used during the epoch. */
  lr: number;
  /** Optimizer steps in the epoch. */
  steps: number;
  /** Wall-clock seconds of the epoch (training and validation); not reproducible. */
  seconds: number;
}

export interface History {
  epochs: EpochRecord[];
  /** Loss of every optimizer step, in order. */
  stepLosses: number[];
  /** 1-based epoch with the best monitored value (early stopping), or null. */
  bestEpoch: number | null;
  stopReason: StopReason;
}

export interface TrainingState {
  format: 'recur-fit';
  version: 1;
  /** Finished epochs. */
  epochsDone: number;
  /** Batches done in the unfinished epoch (0 at an epoch boundary). */
  stepInEpoch: number;
  /** Optimizer steps so far. */
  globalStep: number;
  /** `getState()` of the loaders at the start of the unfinished (or next) epoch; null if they have none. */
  loaders: { train: JsonValue | null; validation: JsonValue | null };
  /** Running totals of the unfinished epoch (null at an epoch boundary). */
  partial: PassTotals | null;
  schedule: ScheduleState | null;
  earlyStopping: EarlyStoppingState | null;
  /** Weights of the best epoch so far (early stopping with restoreBest), by parameter name. */
  bestWeights: Record<string, number[]> | null;
  history: History;
}

export function emptyHistory(): History {
  return { epochs: [], stepLosses: [], bestEpoch: null, stopReason: 'completed' };
}

/** A JSON copy (every field of a TrainingState is JSON data; the checkpoint writer checks for NaN). */
export function toJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The training state in a checkpoint, checked enough to fail clearly on a foreign one. */
export function trainingStateFrom(value: JsonValue | undefined, where: string): TrainingState {
  if (value === undefined || value === null) {
    throw new Error(`${where} has no training state, so the run cannot be resumed from it (it can still be loaded for prediction with model.loadStateDict)`);
  }
  if (!isObject(value) || value.format !== 'recur-fit') throw new Error(`${where}: its training state was not written by fit()`);
  if (value.version !== 1) throw new Error(`${where}: training state version ${JSON.stringify(value.version)} is not supported (expected 1)`);
  const ints = ['epochsDone', 'stepInEpoch', 'globalStep'] as const;
  for (const k of ints) {
    const v = value[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`${where}: training.${k} is ${JSON.stringify(v)}, expected an integer ≥ 0`);
  }
  const h = value.history;
  if (!isObject(h) || !Array.isArray(h.epochs) || !Array.isArray(h.stepLosses)) throw new Error(`${where}: training.history is malformed`);
  if (!isObject(value.loaders)) throw new Error(`${where}: training.loaders is malformed`);
  return value as unknown as TrainingState;
}
