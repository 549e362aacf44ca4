/**
 * What `fit` keeps about a run, and its place in a checkpoint's `training` field (JSON).
 *
 * Together with the checkpoint's weights, optimizer state and generator states, a `TrainingState`
 * is everything an exact resume needs: where the run stands (finished epochs, batches done in the
 * unfinished one), the loaders' positions at the start of that epoch, the running totals of the
 * unfinished epoch, the schedule, early stopping, the best weights so far and the history.
 *
 * Older layouts still load: `trainSeq2Seq` wrote its own ('recur-seq2seq' version 1) before it
 * trained through fit; `trainingStateFrom` reads it as the equivalent fit state.
 */
import type { JsonValue } from '../io/json.ts';
import type { EarlyStoppingState } from './early-stopping.ts';
import type { MetricValues, PassTotals } from './evaluate.ts';
import type { ScheduleState } from './schedules.ts';

export type StopReason = 'completed' | 'early-stopping' | 'aborted';

/** One finished epoch (fit's `record` option may add fields of its own). */
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
  /** Seconds of the epoch's training steps and validation (pauses excluded); not reproducible. */
  seconds: number;
}

export interface History<R extends EpochRecord = EpochRecord> {
  epochs: R[];
  /** Loss of every optimizer step, in order. */
  stepLosses: number[];
  /** 1-based epoch with the best monitored value (early stopping), or null. */
  bestEpoch: number | null;
  stopReason: StopReason;
}

/** Running totals of an unfinished epoch. */
export interface EpochTotals extends PassTotals {
  /** Seconds spent in its training steps so far, across a resume (validation and pauses excluded). */
  trainSeconds: number;
}

export interface TrainingState<R extends EpochRecord = EpochRecord> {
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
  partial: EpochTotals | null;
  schedule: ScheduleState | null;
  earlyStopping: EarlyStoppingState | null;
  /** Weights of the best epoch so far (early stopping with restoreBest), by parameter name. */
  bestWeights: Record<string, number[]> | null;
  history: History<R>;
}

export function emptyHistory<R extends EpochRecord = EpochRecord>(): History<R> {
  return { epochs: [], stepLosses: [], bestEpoch: null, stopReason: 'completed' };
}

/** A JSON copy (every field of a TrainingState is JSON data; the checkpoint writer checks for NaN). */
export function toJson(value: unknown): JsonValue {
  return JSON.parse(JSON.stringify(value)) as JsonValue;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Checks shared by every layout: step counters and the history. */
function checkProgress(value: Record<string, unknown>, where: string): void {
  for (const k of ['epochsDone', 'stepInEpoch', 'globalStep'] as const) {
    const v = value[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`${where}: training.${k} is ${JSON.stringify(v)}, expected an integer ≥ 0`);
  }
  const h = value.history;
  if (!isObject(h) || !Array.isArray(h.epochs) || !Array.isArray(h.stepLosses)) throw new Error(`${where}: training.history is malformed`);
}

/**
 * The training state in a checkpoint, checked enough to fail clearly on a foreign one. The epoch
 * records are taken as the run that wrote them made them (type R: fit's `record` option).
 */
export function trainingStateFrom<R extends EpochRecord = EpochRecord>(value: JsonValue | undefined, where: string): TrainingState<R> {
  if (value === undefined || value === null) {
    throw new Error(`${where} has no training state, so the run cannot be resumed from it (it can still be loaded for prediction with model.loadStateDict)`);
  }
  if (isObject(value) && value.format === 'recur-seq2seq') return fromSeq2SeqLayout<R>(value, where);
  if (!isObject(value) || value.format !== 'recur-fit') throw new Error(`${where}: its training state was not written by fit()`);
  if (value.version !== 1) throw new Error(`${where}: training state version ${JSON.stringify(value.version)} is not supported (expected 1)`);
  checkProgress(value, where);
  if (!isObject(value.loaders)) throw new Error(`${where}: training.loaders is malformed`);
  const partial = value.partial;
  if (partial !== null && !isObject(partial)) throw new Error(`${where}: training.partial is malformed`);
  // Written before fit timed the steps of an epoch across a resume: count from 0.
  if (partial !== null && partial.trainSeconds === undefined) partial.trainSeconds = 0;
  return value as unknown as TrainingState<R>;
}

/**
 * trainSeq2Seq's layout before it trained through fit. It saved the loader's state inside the
 * epoch ({ epoch, position: batches handed out, rng: the epoch's start }) and its totals as
 * { lossSum, tokens, trainSeconds }. fit replays an unfinished epoch from its start and skips the
 * batches done, so the loader state becomes that epoch's start (position 0), and the tokens are
 * the rows the loss is averaged over.
 */
function fromSeq2SeqLayout<R extends EpochRecord>(value: Record<string, unknown>, where: string): TrainingState<R> {
  if (value.version !== 1) throw new Error(`${where}: training state version ${JSON.stringify(value.version)} is not supported (expected 1)`);
  checkProgress(value, where);
  const { loader, partial } = value;
  if (loader !== null && !isObject(loader)) throw new Error(`${where}: training.loader is malformed`);
  let totals: EpochTotals | null = null;
  if (partial !== null) {
    const ok = isObject(partial) && [partial.lossSum, partial.tokens, partial.trainSeconds].every((v) => typeof v === 'number');
    if (!ok) throw new Error(`${where}: training.partial is malformed`);
    totals = { lossSum: partial.lossSum as number, rows: partial.tokens as number, stats: null, trainSeconds: partial.trainSeconds as number };
  }
  return {
    format: 'recur-fit', version: 1,
    epochsDone: value.epochsDone as number, stepInEpoch: value.stepInEpoch as number, globalStep: value.globalStep as number,
    loaders: { train: loader === null ? null : toJson({ ...loader, position: 0 }), validation: null },
    partial: totals, schedule: null, earlyStopping: null, bestWeights: null,
    history: value.history as unknown as History<R>,
  };
}
