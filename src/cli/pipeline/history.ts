/**
 * The training state `fit` (format 'recur-fit') or `trainSeq2Seq` ('recur-seq2seq') stores in a
 * checkpoint, read leniently for display and for `--resume` checks (the trainer validates it
 * fully when it resumes).
 */
import type { EpochRecord, History, JsonValue } from '../../index.ts';

export interface TrainingSummary {
  epochsDone: number;
  /** Batches done in an unfinished epoch (0 at an epoch boundary). */
  stepInEpoch: number;
  globalStep: number;
  history: History;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** The training summary of a checkpoint, or null when it has none (or one not written by fit or trainSeq2Seq). */
export function trainingSummary(training: JsonValue | undefined): TrainingSummary | null {
  if (!isObject(training) || (training.format !== 'recur-fit' && training.format !== 'recur-seq2seq')) return null;
  const { epochsDone, stepInEpoch, globalStep, history } = training;
  if (typeof epochsDone !== 'number' || typeof stepInEpoch !== 'number' || typeof globalStep !== 'number') return null;
  if (!isObject(history) || !Array.isArray(history.epochs) || !Array.isArray(history.stepLosses)) return null;
  const epochs = history.epochs.filter((e): e is EpochRecord & JsonValue => isObject(e) && typeof e.epoch === 'number' && typeof e.loss === 'number');
  return {
    epochsDone, stepInEpoch, globalStep,
    history: {
      epochs,
      stepLosses: history.stepLosses.filter((v): v is number => typeof v === 'number'),
      bestEpoch: typeof history.bestEpoch === 'number' ? history.bestEpoch : null,
      stopReason: history.stopReason === 'early-stopping' || history.stopReason === 'aborted' ? history.stopReason : 'completed',
    },
  };
}
