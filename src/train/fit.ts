/**
 * fit(): the one training loop, for the preset models and, through its `loss` option, any model.
 *
 * Per batch: zero grads → loss of the batch (the preset's forward and `lossFor(spec)`, or the
 * `loss` option's) → backward → optional clipping → optimizer step. Per epoch: validation (the same
 * loss in evaluation mode, without the tape), learning-rate schedule, early stopping, callbacks,
 * checkpoint.
 *
 * Guarantees:
 * - Reproducible: with the same seeds (spec, loaders, `seed`), two runs give identical losses.
 * - Resumable: a checkpoint holds weights, optimizer state, every generator (the default one, the
 *   model's dropout generators and the `rngs` option's), the loaders' positions, schedule, early
 *   stopping and history, so `resumeFrom` continues bit for bit like the uninterrupted run — also
 *   from the middle of an epoch (the loaders replay that epoch's order and the done batches are
 *   skipped).
 * - Safe: a NaN or infinite loss, gradient or weight stops training with a
 *   `TrainingDivergedError` naming the epoch and step; the model keeps the weights of the last
 *   good step and no checkpoint is written from the bad ones.
 * - Interruptible: when `signal` aborts (e.g. on Ctrl-C), the step in progress finishes, a
 *   checkpoint is written (when configured) and fit returns with stopReason 'aborted'. An abort
 *   during an epoch's last step lets that epoch finish first (validation, record, checkpoint). fit
 *   yields to the event loop every few tens of milliseconds so that signal handlers get to run.
 */
import { DataLoader } from '../data/loader.ts';
import { PackedSequence } from '../data/packed.ts';
import { captureRng, loadCheckpoint, restoreRng, saveCheckpoint, type Checkpoint } from '../io/checkpoint.ts';
import type { JsonValue } from '../io/json.ts';
import type { Module } from '../layers/module.ts';
import { defaultMetrics, predictionKind } from '../models/build.ts';
import { SequenceModel } from '../models/sequence-model.ts';
import { clipGradNorm } from '../optim/clip.ts';
import { createOptimizer, type OptimizerConfig } from '../optim/config.ts';
import type { Optimizer } from '../optim/optimizer.ts';
import { defaultRng, type Rng } from '../tensor/rng.ts';
import type { Tensor } from '../tensor/tensor.ts';
import {
  EarlyStopping,
  isMonitor,
  monitorHigherIsBetter,
  monitorMetric,
  type EarlyStoppingConfig,
  type Monitor,
} from './early-stopping.ts';
import {
  checkMetrics, emptyTotals, lossPass, meanLoss, metricValues, presetLoss,
  type BatchLoss, type MetricValues, type PassTotals, type TrainBatch,
} from './evaluate.ts';
import type { MetricName } from './metrics.ts';
import { ProgressReporter, type ProgressMode, type ProgressOutput, type Shown } from './progress.ts';
import { createLrSchedule, type LrScheduleConfig, type LrScheduler } from './schedules.ts';
import { splitLoader } from './split.ts';
import { emptyHistory, toJson, trainingStateFrom, type EpochRecord, type EpochTotals, type History, type TrainingState } from './state.ts';

/** A model fit trains: a Module whose plain-data spec is saved with checkpoints and compared on resume. */
export interface Trainable extends Module {
  readonly spec: object;
}

/** Where the `loss` option is called. */
export interface LossContext {
  /** true in a training step (training mode, on the tape); false in validation (evaluation mode, no tape). */
  training: boolean;
  /** 1-based epoch. */
  epoch: number;
  /** Optimizer steps done before this batch over the whole run (a training step's 0-based index). */
  step: number;
}

/** The loss of one batch of any model: forward on the tape, a mean loss. fit does the rest. */
export type LossHook<B> = (batch: B, at: LossContext) => BatchLoss;

/** What an epoch's training steps added up to, for the `record` option. */
export interface EpochInfo {
  /** Optimizer steps before the epoch's first one (its 0-based index). */
  firstStep: number;
  /** Rows the epoch's training loss averages over (Σ BatchLoss.rows). */
  rows: number;
  /** Seconds spent in the epoch's training steps (validation and pauses excluded, summed over a resume). */
  trainSeconds: number;
}

/**
 * Batches for one epoch per iteration (a DataLoader fits). With `getState`/`setState` its
 * position is saved in checkpoints: the state taken before an epoch must replay that epoch.
 */
export interface BatchSource<B = TrainBatch> extends Iterable<B> {
  getState?(): unknown;
  setState?(state: unknown): void;
  /** Batches per epoch, when known (for the progress bar's ETA). */
  readonly numBatches?: number;
}

export interface StepInfo {
  /** 1-based epoch. */
  epoch: number;
  /** 1-based batch within the epoch. */
  batch: number;
  /** 1-based optimizer step over the whole run. */
  step: number;
  loss: number;
  /** Gradient norm before clipping. */
  gradNorm: number;
  lr: number;
}

export interface FitCallbacks<R extends EpochRecord = EpochRecord> {
  /** After every optimizer step. */
  onStep?(info: StepInfo): void;
  /** After every epoch (validation, schedule and early stopping done). */
  onEpochEnd?(record: R, history: History<R>): void;
}

export interface CheckpointConfig {
  /** File to write (conventionally `*.recur`), replaced atomically each time. */
  path: string;
  /** Write after every `every` epochs (default 1); also at the end and when aborted. */
  every?: number;
  /** Data preparation to save alongside (scalers, vocabulary). */
  data?: JsonValue;
  /** Keep the replaced checkpoint as `<path>.bak` (default false). */
  backup?: boolean;
}

export interface FitOptions<B = TrainBatch, R extends EpochRecord = EpochRecord> {
  epochs: number;
  /** Default { kind: 'adam', lr: 1e-3 }. */
  optimizer?: OptimizerConfig;
  /** A validation loader, or the last fraction of the training loader's dataset ({ split: 0.2 }). */
  validation?: BatchSource<B> | { split: number };
  /** Default: the model's default metrics (none with `loss`, which allows only 'perplexity'). */
  metrics?: MetricName[];
  earlyStopping?: EarlyStoppingConfig;
  lrSchedule?: LrScheduleConfig;
  /** Clip the gradients' global 2-norm to this (PyTorch's clip_grad_norm_). */
  clipGradNorm?: number;
  callbacks?: FitCallbacks<R>;
  /** Reseeds the default generator at the start (not when resuming: it is restored). */
  seed?: number;
  checkpoint?: CheckpointConfig;
  /** A checkpoint path, or a loaded checkpoint, to continue from. */
  resumeFrom?: string | Checkpoint;
  /** Abort (e.g. on SIGINT): finish the step, save, return. */
  signal?: AbortSignal;
  /** Default 'auto': a live bar on a TTY, one line per epoch otherwise. */
  progress?: ProgressMode;
  /** Where progress goes (default process.stdout). */
  output?: ProgressOutput;
  /**
   * The loss of a batch, for training steps and validation; needed for a model that is not a
   * preset (or batches that are not a DataLoader's). Default: the preset's forward and loss.
   */
  loss?: LossHook<B>;
  /** Generators `loss` draws from, saved in checkpoints under these names and restored on resume. */
  rngs?: Record<string, Rng>;
  /** Each epoch's record, from fit's own: fields of your own (plain data: it goes into checkpoints). */
  record?(base: EpochRecord, epoch: EpochInfo): R;
  /** The epoch's summary line in the progress output, instead of fit's. */
  summary?(record: R): string;
}

const OPTION_KEYS = [
  'epochs', 'optimizer', 'validation', 'metrics', 'earlyStopping', 'lrSchedule', 'clipGradNorm', 'callbacks',
  'seed', 'checkpoint', 'resumeFrom', 'signal', 'progress', 'output', 'loss', 'rngs', 'record', 'summary',
];

/** Training hit a NaN or infinite value; the model holds the weights of the last good step. */
export class TrainingDivergedError extends Error {
  override readonly name = 'TrainingDivergedError';
  constructor(
    message: string,
    /** 1-based epoch. */
    readonly epoch: number,
    /** 1-based batch within the epoch. */
    readonly batch: number,
    /** 1-based optimizer step over the run. */
    readonly step: number,
    readonly quantity: 'loss' | 'gradients' | 'weights',
    /** The history up to the last finished epoch (plus the step losses so far). */
    readonly history: History,
  ) {
    super(message);
  }
}

function checkOptions<B, R extends EpochRecord>(o: FitOptions<B, R>, who: string): void {
  for (const key of Object.keys(o)) {
    if (!OPTION_KEYS.includes(key)) throw new Error(`${who}: unknown option '${key}' (allowed: ${OPTION_KEYS.join(', ')})`);
  }
  if (!Number.isInteger(o.epochs) || o.epochs < 1) throw new Error(`${who}: epochs is ${o.epochs}, expected a positive integer`);
  if (o.clipGradNorm !== undefined && !(o.clipGradNorm > 0)) throw new Error(`${who}: clipGradNorm is ${o.clipGradNorm}, expected a number > 0`);
  const every = o.checkpoint?.every;
  if (every !== undefined && (!Number.isInteger(every) || every < 1)) throw new Error(`${who}: checkpoint.every is ${every}, expected a positive integer`);
}

function gradNorm(params: readonly Tensor[]): number {
  let acc = 0;
  for (const p of params) {
    if (p.grad === null) continue;
    const g = p.grad.data;
    for (let k = 0; k < g.length; k++) acc += g[k] * g[k];
  }
  return Math.sqrt(acc);
}

function allFinite(params: readonly Tensor[]): boolean {
  for (const p of params) {
    const d = p.data;
    for (let k = 0; k < d.length; k++) if (!Number.isFinite(d[k])) return false;
  }
  return true;
}

function shownOf(prefix: string, loss: number | null, metrics: MetricValues | null): Shown[] {
  const out: Shown[] = [[`${prefix}loss`, loss]];
  for (const [k, v] of Object.entries(metrics ?? {})) out.push([`${prefix}${k}`, v ?? null]);
  return out;
}

function isTrainBatch(batch: unknown): batch is TrainBatch {
  return typeof batch === 'object' && batch !== null && 'x' in batch && batch.x instanceof PackedSequence;
}

let lastYield = 0;
/** Let timers and signal handlers run (at most every 25 ms). */
async function maybeYield(): Promise<void> {
  const t = performance.now();
  if (t - lastYield < 25) return;
  lastYield = t;
  await new Promise<void>((resolve) => setImmediate(resolve));
}

interface Resumable<B> {
  who: string;
  model: Trainable;
  optimizer: Optimizer;
  rngs: Record<string, Rng> | undefined;
  schedule: LrScheduler | null;
  stopper: EarlyStopping | null;
  trainSrc: BatchSource<B>;
  valSrc: BatchSource<B> | null;
}

/** Load a checkpoint into the model, optimizer, generators, schedule, early stopping and loaders. */
function resume<B, R extends EpochRecord>(from: string | Checkpoint, r: Resumable<B>): TrainingState<R> {
  const where = typeof from === 'string' ? `checkpoint '${from}'` : 'resumeFrom';
  const ckpt = typeof from === 'string' ? loadCheckpoint(from) : from;
  const st = trainingStateFrom<R>(ckpt.training, where);
  const spec = JSON.stringify(r.model.spec);
  if (JSON.stringify(ckpt.spec) !== spec) {
    throw new Error(`${r.who}: ${where} was trained with spec ${JSON.stringify(ckpt.spec)}, this model has ${spec}; build the model from the checkpoint's spec`);
  }
  if (ckpt.optimizer === undefined) throw new Error(`${r.who}: ${where} has no optimizer state to resume from`);
  if (ckpt.rng === undefined) throw new Error(`${r.who}: ${where} has no generator states to resume from`);
  if ((st.schedule === null) !== (r.schedule === null)) {
    throw new Error(`${r.who}: ${where} was trained ${r.schedule ? 'without' : 'with'} an lrSchedule; pass the same options to resume`);
  }
  if ((st.earlyStopping === null) !== (r.stopper === null)) {
    throw new Error(`${r.who}: ${where} was trained ${r.stopper ? 'without' : 'with'} earlyStopping; pass the same options to resume`);
  }
  r.model.loadStateDict(ckpt.weights);
  r.optimizer.loadStateDict(ckpt.optimizer);
  restoreRng(ckpt.rng, r.model, r.rngs);
  if (r.schedule && st.schedule) r.schedule.load(st.schedule);
  if (r.stopper && st.earlyStopping) r.stopper.load(st.earlyStopping);
  if (st.loaders.train !== null) r.trainSrc.setState?.(st.loaders.train);
  if (st.loaders.validation !== null) r.valSrc?.setState?.(st.loaders.validation);
  st.history.stopReason = 'completed';
  return st;
}

/**
 * Train a preset model on batches from `train`; with the `loss` option, any model on any batches.
 * @example
 * const model = buildModel({ task: 'classify', cell: 'lstm', inputSize: 4, hiddenSize: 32, numClasses: 3, seed: 1 });
 * const history = await fit(model, new DataLoader(trainSet, { batchSize: 32, shuffle: true, seed: 1 }), {
 *   epochs: 20, optimizer: { kind: 'adam', lr: 1e-3 }, validation: { split: 0.2 },
 *   earlyStopping: { patience: 3 }, lrSchedule: { kind: 'cosine', tMax: 20 }, clipGradNorm: 1,
 *   checkpoint: { path: 'run.recur' },
 * });
 * @example
 * // Any Module with a plain-data `spec`: the loss option computes a batch's mean loss.
 * await fit(seq2seq, pairBatches, {
 *   epochs: 10, rngs: { sampling: rng },
 *   loss: (b, at) => ({ loss: seq2seq.loss(b.src, b.tgt), rows: tokensOf(b.tgt) }),
 * });
 */
export function fit<R extends EpochRecord = EpochRecord>(model: SequenceModel, train: BatchSource, options: FitOptions<TrainBatch, R>): Promise<History<R>>;
export function fit<B, R extends EpochRecord = EpochRecord>(
  model: Trainable, train: BatchSource<B>, options: FitOptions<B, R> & { loss: LossHook<B> },
): Promise<History<R>>;
export function fit<B, R extends EpochRecord>(model: Trainable, train: BatchSource<B>, options: FitOptions<B, R>): Promise<History<R>> {
  return runFit('fit', model, train, options);
}

/**
 * fit(), naming `who` in its errors: for functions that train through it (trainSeq2Seq), so that
 * their users read the name they called.
 */
export async function runFit<B, R extends EpochRecord>(who: string, model: Trainable, train: BatchSource<B>, options: FitOptions<B, R>): Promise<History<R>> {
  checkOptions(options, who);
  const o = options;
  const params = model.parameters();
  const optimizer = createOptimizer(params, o.optimizer ?? { kind: 'adam', lr: 1e-3 });

  // ---- The loss of a batch: the option's, or the preset's (which also feeds the metrics).
  let lossOf: LossHook<B>;
  let newTotals: () => PassTotals;
  let metrics: MetricName[];
  if (o.loss !== undefined) {
    lossOf = o.loss;
    metrics = [...(o.metrics ?? [])];
    newTotals = () => ({ lossSum: 0, rows: 0, stats: null });
  } else {
    if (!(model instanceof SequenceModel)) throw new Error(`${who}: the model is not a preset (buildModel); pass the option loss to say how a batch's loss is computed`);
    const preset = presetLoss(model);
    lossOf = (batch) => {
      if (!isTrainBatch(batch)) throw new Error(`${who}: a batch has no PackedSequence x (a DataLoader's batches do); other batches need the option loss`);
      return preset(batch);
    };
    const kind = predictionKind(model.spec);
    metrics = [...(o.metrics ?? defaultMetrics(model.spec))];
    newTotals = () => emptyTotals(kind, metrics.length > 0);
  }

  let trainSrc: BatchSource<B> = train;
  let valSrc: BatchSource<B> | null = null;
  if (o.validation !== undefined && 'split' in o.validation) {
    if (!(train instanceof DataLoader)) throw new Error(`${who}: validation { split } needs a DataLoader as the training source; otherwise pass a validation loader`);
    // The split's batches index the two parts, not the dataset: a loss option could misread them.
    if (o.loss !== undefined) throw new Error(`${who}: validation { split } goes with the presets' loss; with the option loss pass a validation source`);
    const parts = splitLoader(train, o.validation.split);
    // `train` is a DataLoader, so B is its Batch, as the parts' batches are.
    trainSrc = parts.train as BatchSource<unknown> as BatchSource<B>;
    valSrc = parts.validation as BatchSource<unknown> as BatchSource<B>;
  } else if (o.validation !== undefined) {
    valSrc = o.validation;
  }

  const defaultMonitor: Monitor = valSrc !== null ? 'val_loss' : 'loss';
  const esMonitor = o.earlyStopping ? o.earlyStopping.monitor ?? defaultMonitor : null;
  const lrMonitor = o.lrSchedule?.kind === 'reduce-on-plateau' ? o.lrSchedule.monitor ?? defaultMonitor : null;
  for (const [what, m] of [['earlyStopping.monitor', esMonitor], ['lrSchedule.monitor', lrMonitor]] as const) {
    if (m === null) continue;
    if (!isMonitor(m)) throw new Error(`${who}: ${what} '${m}' is not a loss or metric (e.g. 'val_loss', 'loss', 'val_accuracy')`);
    if (m.startsWith('val_') && valSrc === null) throw new Error(`${who}: ${what} '${m}' needs a validation set (option validation)`);
    const metric = monitorMetric(m);
    if (metric !== null && !metrics.includes(metric)) metrics.push(metric);
  }
  if (o.loss !== undefined) {
    const needPredictions = metrics.filter((m) => m !== 'perplexity');
    if (needPredictions.length > 0) throw new Error(`${who}: metric '${needPredictions[0]}' needs a preset's predictions; with the option loss only 'perplexity' is available`);
  } else if (model instanceof SequenceModel) {
    checkMetrics(metrics, predictionKind(model.spec), model.spec.task);
  }

  const schedule = o.lrSchedule ? createLrSchedule(o.lrSchedule, optimizer.lr, lrMonitor !== null && monitorHigherIsBetter(lrMonitor)) : null;
  const stopper = o.earlyStopping && esMonitor !== null
    ? new EarlyStopping(o.earlyStopping.patience, o.earlyStopping.minDelta ?? 0, monitorHigherIsBetter(esMonitor))
    : null;
  const restoreBest = stopper !== null && (o.earlyStopping?.restoreBest ?? true);

  // ---- Starting point: fresh, or a checkpoint.
  let st: TrainingState<R>;
  let bestWeights: Float32Array[] | null = null;
  if (o.resumeFrom !== undefined) {
    st = resume<B, R>(o.resumeFrom, { who, model, optimizer, rngs: o.rngs, schedule, stopper, trainSrc, valSrc });
    if (st.bestWeights !== null) {
      const saved = st.bestWeights;
      bestWeights = model.namedParameters().map(([name]) => Float32Array.from(saved[name]));
    }
  } else {
    if (o.seed !== undefined) defaultRng().reseed(o.seed);
    st = {
      format: 'recur-fit', version: 1, epochsDone: 0, stepInEpoch: 0, globalStep: 0,
      loaders: { train: null, validation: null }, partial: null,
      schedule: schedule?.state() ?? null, earlyStopping: stopper?.state() ?? null, bestWeights: null, history: emptyHistory<R>(),
    };
  }
  const history = st.history;

  const lastGood = params.map((p) => p.data.slice());
  const reporter = new ProgressReporter(o.progress ?? 'auto', o.output ?? process.stdout);
  const signal = o.signal;

  const loaderState = (src: BatchSource<B> | null): JsonValue | null => {
    const s = src?.getState?.();
    return s === undefined ? null : toJson(s);
  };
  const save = (): void => {
    const c = o.checkpoint;
    if (c === undefined) return;
    st.schedule = schedule?.state() ?? null;
    st.earlyStopping = stopper?.state() ?? null;
    const names = model.namedParameters().map(([n]) => n);
    st.bestWeights = bestWeights === null ? null : Object.fromEntries(names.map((n, i) => [n, Array.from((bestWeights as Float32Array[])[i])]));
    const ckpt: Checkpoint = {
      spec: toJson(model.spec),
      weights: model.stateDict(),
      optimizer: optimizer.stateDict(),
      rng: captureRng(model, o.rngs),
      training: toJson(st),
    };
    if (c.data !== undefined) ckpt.data = c.data;
    saveCheckpoint(c.path, ckpt, { backup: c.backup ?? false });
  };
  const abort = (): History<R> => {
    history.stopReason = 'aborted';
    save();
    reporter.note(`stopped at epoch ${st.epochsDone + 1}, step ${st.globalStep}${o.checkpoint ? `; checkpoint saved to ${o.checkpoint.path}` : ''}`);
    return history;
  };

  /** Put the last good weights back and throw, naming where it happened. */
  const diverge = (epochNo: number, batchNo: number, quantity: 'loss' | 'gradients' | 'weights', value: string): never => {
    params.forEach((p, i) => p.data.set(lastGood[i]));
    reporter.breakLine();
    const what = quantity === 'weights' ? 'the weights became' : quantity === 'loss' ? 'the loss is' : 'the gradient norm is';
    const msg =
      `${who}: ${what} ${value} at epoch ${epochNo}, step ${batchNo} (step ${st.globalStep + 1} of the run); training stopped, ` +
      'the model keeps the weights of the last good step and no checkpoint is written from the bad ones. ' +
      'Try a lower learning rate or clipGradNorm.';
    throw new TrainingDivergedError(msg, epochNo, batchNo, st.globalStep + 1, quantity, history);
  };

  let stop = false;
  for (let epoch = st.epochsDone; epoch < o.epochs && !stop; epoch++) {
    if (signal?.aborted) return abort();
    const resumingInside = st.stepInEpoch > 0;
    if (!resumingInside) {
      st.loaders.train = loaderState(trainSrc);
      st.loaders.validation = loaderState(valSrc);
    }
    const totals: EpochTotals = resumingInside && st.partial ? st.partial : { ...newTotals(), trainSeconds: 0 };
    st.partial = totals;
    const skip = st.stepInEpoch;
    const lr = optimizer.lr;
    const epochNo = epoch + 1;
    const known = trainSrc.numBatches ?? history.epochs.at(-1)?.steps ?? null;
    reporter.startEpoch(epochNo, o.epochs, known);
    model.train();

    let batchIndex = 0;
    let t0 = performance.now(); // start of the training time not yet added to totals.trainSeconds
    for (const batch of trainSrc) {
      if (batchIndex < skip) {
        batchIndex++;
        t0 = performance.now(); // replaying done batches is not training
        continue;
      }
      // Checked before a step rather than after, so that an abort in an epoch's last step lets the epoch finish.
      if (signal?.aborted) {
        totals.trainSeconds += (performance.now() - t0) / 1000;
        return abort();
      }
      optimizer.zeroGrad();
      const r = lossOf(batch, { training: true, epoch: epochNo, step: st.globalStep });
      const value = r.loss.item();
      if (!Number.isFinite(value)) diverge(epochNo, batchIndex + 1, 'loss', String(value));
      r.loss.backward();
      const norm = o.clipGradNorm !== undefined ? clipGradNorm(params, o.clipGradNorm) : gradNorm(params);
      if (!Number.isFinite(norm)) diverge(epochNo, batchIndex + 1, 'gradients', String(norm));
      optimizer.step();
      if (!allFinite(params)) diverge(epochNo, batchIndex + 1, 'weights', 'NaN or infinite');
      params.forEach((p, i) => lastGood[i].set(p.data));

      totals.lossSum += value * r.rows;
      totals.rows += r.rows;
      if (totals.stats !== null) r.tally?.(totals.stats);
      history.stepLosses.push(value);
      batchIndex++;
      st.stepInEpoch = batchIndex;
      st.globalStep++;
      o.callbacks?.onStep?.({ epoch: epochNo, batch: batchIndex, step: st.globalStep, loss: value, gradNorm: norm, lr: optimizer.lr });
      reporter.step(batchIndex, () => [...shownOf('', meanLoss(totals), metricValues(totals, metrics)), ...(r.show ?? [])]);
      const before = performance.now();
      await maybeYield();
      t0 += performance.now() - before; // time spent yielding is not training
    }
    totals.trainSeconds += (performance.now() - t0) / 1000;
    if (batchIndex === 0) throw new Error(`${who}: the training source gave no batches`);

    // ---- End of epoch.
    const trainLoss = meanLoss(totals);
    const trainMetrics = metricValues(totals, metrics);
    let valLoss: number | null = null;
    let valMetrics: MetricValues | null = null;
    const valStart = performance.now();
    if (valSrc !== null) {
      const v = newTotals();
      lossPass(model, valSrc, (batch) => lossOf(batch, { training: false, epoch: epochNo, step: st.globalStep }), v);
      if (v.rows === 0) throw new Error(`${who}: the validation source gave no batches`);
      valLoss = meanLoss(v);
      valMetrics = metricValues(v, metrics);
    }
    const base: EpochRecord = {
      epoch: epochNo, loss: trainLoss, metrics: trainMetrics, valLoss, valMetrics, lr,
      steps: batchIndex, seconds: totals.trainSeconds + (performance.now() - valStart) / 1000,
    };
    const info: EpochInfo = { firstStep: st.globalStep - batchIndex, rows: totals.rows, trainSeconds: totals.trainSeconds };
    // Without the record option R is EpochRecord (the overloads tie them).
    const record = o.record ? o.record(base, info) : (base as R);
    history.epochs.push(record);
    st.epochsDone = epochNo;
    st.stepInEpoch = 0;
    st.partial = null;

    const monitored = (m: Monitor): number => {
      const metric = monitorMetric(m);
      const val = m.startsWith('val_');
      const v = metric === null ? (val ? record.valLoss : record.loss) : (val ? record.valMetrics?.[metric] : record.metrics[metric]);
      return v ?? NaN;
    };
    if (schedule !== null) optimizer.lr = schedule.step(lrMonitor !== null ? monitored(lrMonitor) : NaN);
    if (stopper !== null && esMonitor !== null) {
      const verdict = stopper.update(monitored(esMonitor), epochNo);
      history.bestEpoch = stopper.bestEpochSoFar;
      if (verdict === 'improved' && restoreBest) bestWeights = params.map((p) => p.data.slice());
      if (verdict === 'stop') {
        stop = true;
        history.stopReason = 'early-stopping';
      }
    }

    if (o.summary) reporter.note(o.summary(record));
    else reporter.endEpoch([...shownOf('', record.loss, record.metrics), ...(valSrc !== null ? shownOf('val_', record.valLoss, record.valMetrics) : []), ['lr', lr]]);
    o.callbacks?.onEpochEnd?.(record, history);
    st.loaders.train = loaderState(trainSrc);
    st.loaders.validation = loaderState(valSrc);
    const every = o.checkpoint?.every ?? 1;
    const last = stop || epochNo === o.epochs;
    if (!last && epochNo % every === 0) save();
    if (signal?.aborted && !last) return abort();
  }

  if (stop) reporter.note(`early stopping: no improvement in ${esMonitor} for ${o.earlyStopping?.patience} epochs; best epoch ${history.bestEpoch}`);
  if (restoreBest && bestWeights !== null) {
    const best = bestWeights;
    params.forEach((p, i) => p.data.set(best[i]));
  }
  save();
  return history;
}
