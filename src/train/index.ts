/** Training: fit(), evaluate(), metrics, learning-rate schedules, early stopping, progress output. */
export {
  fit, TrainingDivergedError,
  type FitOptions, type FitCallbacks, type StepInfo, type BatchSource, type CheckpointConfig,
  type Trainable, type LossHook, type LossContext, type EpochInfo,
} from './fit.ts';
export { evaluate, type Evaluation, type EvaluateOptions, type MetricValues, type TrainBatch, type BatchLoss } from './evaluate.ts';
export {
  accuracy, macroF1, mae, rmse, mape, perplexity, confusionMatrix, METRIC_NAMES, type MetricName,
} from './metrics.ts';
export { createLrSchedule, type LrScheduleConfig, type LrScheduler, type ScheduleState } from './schedules.ts';
export { EarlyStopping, type EarlyStoppingConfig, type EarlyStoppingState, type Monitor } from './early-stopping.ts';
export { ProgressReporter, formatNumber, formatDuration, type ProgressMode, type ProgressOutput } from './progress.ts';
export { splitDataset, splitLoader, SubsetDataset } from './split.ts';
export type { History, EpochRecord, EpochTotals, StopReason, TrainingState } from './state.ts';
