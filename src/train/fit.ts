/**
 * fit(): the training loop for the preset models.
 *
 * Per batch: zero grads → forward → loss (the model's own: `lossFor(spec)`) → backward →
 * optional clipping → optimizer step. Per epoch: validation, learning-rate schedule, early
 * stopping, callbacks, checkpoint.
 *
 * Guarantees:
 * - Reproducible: with the same seeds (spec, loaders, `seed`), two runs give identical losses.
 * - Resumable: a checkpoint holds weights, optimizer state, every generator (the default one and
 *   the model's dropout generators), the loaders' positions, schedule, early stopping and history,
 *   so `resumeFrom` continues bit for bit like the uninterrupted run — also from the middle of an
 *   epoch (the loaders replay that epoch's order and the done batches are skipped).
 * - Safe: a NaN or infinite loss, gradient or weight stops training with a
 *   `TrainingDivergedError` naming the epoch and step; the model keeps the weights of the last
 *   good step and no checkpoint is written from the bad ones.
 * - Interruptible: when `signal` aborts (e.g. on Ctrl-C), the step in progress finishes, a
 *   checkpoint is written (when configured) and fit returns with stopReason 'aborted'. fit yields
 *   to the event loop every few tens of milliseconds so that signal handlers get to run.
 */
import { DataLoader } from '../data/loader.ts';
import { captureRng, loadCheckpoint, restoreRng, saveCheckpoint, type Checkpoint } from '../io/checkpoint.ts';
import type { JsonValue } from '../io/json.ts';
import { defaultMetrics, lossFor, predictionKind } from '../models/build.ts';
import type { SequenceModel } from '../models/sequence-model.ts';
import { clipGradNorm } from '../optim/clip.ts';
import { createOptimizer, type OptimizerConfig } from '../optim/config.ts';
import type { Optimizer } from '../optim/optimizer.ts';
import { defaultRng } from '../tensor/rng.ts';
import type { Tensor } from '../tensor/tensor.ts';
import {
  EarlyStopping,
  isMonitor,
  monitorHigherIsBetter,
  monitorMetric,
  type EarlyStoppingConfig,
  type Monitor,
} from './early-stopping.ts';
import { addBatch, checkMetrics, emptyTotals, evaluate, meanLoss, metricValues, type MetricValues, type PassTotals, type TrainBatch } from './evaluate.ts';
import type { MetricName } from './metrics.ts';
import { ProgressReporter, type ProgressMode, type ProgressOutput, type Shown } from './progress.ts';
import { createLrSchedule, type LrScheduleConfig, type LrScheduler } from './schedules.ts';
import { splitLoader } from './split.ts';
import { emptyHistory, toJson, trainingStateFrom, type EpochRecord, type History, type TrainingState } from './state.ts';

/**
 * Batches for one epoch per iteration (a DataLoader fits). With `getState`/`setState` its
 * position is saved in checkpoints: the state taken before an epoch must replay that epoch.
 */
export interface BatchSource extends Iterable<TrainBatch> {
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

export interface FitCallbacks {
  /** After every optimizer step. */
  onStep?(info: StepInfo): void;
  /** After every epoch (validation, schedule and early stopping done). */
  onEpochEnd?(record: EpochRecord, history: History): void;
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

export interface FitOptions {
  epochs: number;
  /** Default { kind: 'adam', lr: 1e-3 }. */
  optimizer?: OptimizerConfig;
  /** A validation loader, or the last fraction of the training loader's dataset ({ split: 0.2 }). */
  validation?: BatchSource | { split: number };
  /** Default: the model's default metrics. */
  metrics?: MetricName[];
  earlyStopping?: EarlyStoppingConfig;
  lrSchedule?: LrScheduleConfig;
  /** Clip the gradients' global 2-norm to this (PyTorch's clip_grad_norm_). */
  clipGradNorm?: number;
  callbacks?: FitCallbacks;
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
}

const OPTION_KEYS = [
  'epochs', 'optimizer', 'validation', 'metrics', 'earlyStopping', 'lrSchedule', 'clipGradNorm', 'callbacks',
  'seed', 'checkpoint', 'resumeFrom', 'signal', 'progress', 'output',
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

function checkOptions(o: FitOptions): void {
  for (const key of Object.keys(o)) {
    if (!OPTION_KEYS.includes(key)) throw new Error(`fit: unknown option '${key}' (allowed: ${OPTION_KEYS.join(', ')})`);
  }
  if (!Number.isInteger(o.epochs) || o.epochs < 1) throw new Error(`fit: epochs is ${o.epochs}, expected a positive integer`);
  if (o.clipGradNorm !== undefined && !(o.clipGradNorm > 0)) throw new Error(`fit: clipGradNorm is ${o.clipGradNorm}, expected a number > 0`);
  const every = o.checkpoint?.every;
  if (every !== undefined && (!Number.isInteger(every) || every < 1)) throw new Error(`fit: checkpoint.every is ${every}, expected a positive integer`);
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

let lastYield = 0;
/** Let timers and signal handlers run (at most every 25 ms). */
async function maybeYield(): Promise<void> {
  const t = performance.now();
  if (t - lastYield < 25) return;
  lastYield = t;
  await new Promise<void>((resolve) => setImmediate(resolve));
}

interface Resumable {
  model: SequenceModel;
  optimizer: Optimizer;
  schedule: LrScheduler | null;
  stopper: EarlyStopping | null;
  trainSrc: BatchSource;
  valSrc: BatchSource | null;
}

/** Load a checkpoint into the model, optimizer, generators, schedule, early stopping and loaders. */
function resume(from: string | Checkpoint, r: Resumable): TrainingState {
  const where = typeof from === 'string' ? `checkpoint '${from}'` : 'resumeFrom';
  const ckpt = typeof from === 'string' ? loadCheckpoint(from) : from;
  const st = trainingStateFrom(ckpt.training, where);
  const spec = JSON.stringify(r.model.spec);
  if (JSON.stringify(ckpt.spec) !== spec) {
    throw new Error(`fit: ${where} was trained with spec ${JSON.stringify(ckpt.spec)}, this model has ${spec}; build the model from the checkpoint's spec`);
  }
  if (ckpt.optimizer === undefined) throw new Error(`fit: ${where} has no optimizer state to resume from`);
  if (ckpt.rng === undefined) throw new Error(`fit: ${where} has no generator states to resume from`);
  if ((st.schedule === null) !== (r.schedule === null)) {
    throw new Error(`fit: ${where} was trained ${r.schedule ? 'without' : 'with'} an lrSchedule; pass the same options to resume`);
  }
  if ((st.earlyStopping === null) !== (r.stopper === null)) {
    throw new Error(`fit: ${where} was trained ${r.stopper ? 'without' : 'with'} earlyStopping; pass the same options to resume`);
  }
  r.model.loadStateDict(ckpt.weights);
  r.optimizer.loadStateDict(ckpt.optimizer);
  restoreRng(ckpt.rng, r.model);
  if (r.schedule && st.schedule) r.schedule.load(st.schedule);
  if (r.stopper && st.earlyStopping) r.stopper.load(st.earlyStopping);
  if (st.loaders.train !== null) r.trainSrc.setState?.(st.loaders.train);
  if (st.loaders.validation !== null) r.valSrc?.setState?.(st.loaders.validation);
  st.history.stopReason = 'completed';
  return st;
}

/**
 * Train a preset model on batches from `train`.
 * @example
 * const model = buildModel({ task: 'classify', cell: 'lstm', inputSize: 4, hiddenSize: 32, numClasses: 3, seed: 1 });
 * const history = await fit(model, new DataLoader(trainSet, { batchSize: 32, shuffle: true, seed: 1 }), {
 *   epochs: 20, optimizer: { kind: 'adam', lr: 1e-3 }, validation: { split: 0.2 },
 *   earlyStopping: { patience: 3 }, lrSchedule: { kind: 'cosine', tMax: 20 }, clipGradNorm: 1,
 *   checkpoint: { path: 'run.recur' },
 * });
 */
export async function fit(model: SequenceModel, train: BatchSource, options: FitOptions): Promise<History> {
  checkOptions(options);
  const o = options;
  const spec = model.spec;
  const params = model.parameters();
  const optimizer = createOptimizer(params, o.optimizer ?? { kind: 'adam', lr: 1e-3 });
  const lossFn = lossFor(spec);
  const kind = predictionKind(spec);

  let trainSrc: BatchSource = train;
  let valSrc: BatchSource | null = null;
  if (o.validation !== undefined && 'split' in o.validation) {
    if (!(train instanceof DataLoader)) throw new Error('fit: validation { split } needs a DataLoader as the training source; otherwise pass a validation loader');
    const parts = splitLoader(train, o.validation.split);
    trainSrc = parts.train;
    valSrc = parts.validation;
  } else if (o.validation !== undefined) {
    valSrc = o.validation;
  }

  const metrics = [...(o.metrics ?? defaultMetrics(spec))];
  const defaultMonitor: Monitor = valSrc !== null ? 'val_loss' : 'loss';
  const esMonitor = o.earlyStopping ? o.earlyStopping.monitor ?? defaultMonitor : null;
  const lrMonitor = o.lrSchedule?.kind === 'reduce-on-plateau' ? o.lrSchedule.monitor ?? defaultMonitor : null;
  for (const [what, m] of [['earlyStopping.monitor', esMonitor], ['lrSchedule.monitor', lrMonitor]] as const) {
    if (m === null) continue;
    if (!isMonitor(m)) throw new Error(`fit: ${what} '${m}' is not a loss or metric (e.g. 'val_loss', 'loss', 'val_accuracy')`);
    if (m.startsWith('val_') && valSrc === null) throw new Error(`fit: ${what} '${m}' needs a validation set (option validation)`);
    const metric = monitorMetric(m);
    if (metric !== null && !metrics.includes(metric)) metrics.push(metric);
  }
  checkMetrics(metrics, kind, spec.task);

  const schedule = o.lrSchedule ? createLrSchedule(o.lrSchedule, optimizer.lr, lrMonitor !== null && monitorHigherIsBetter(lrMonitor)) : null;
  const stopper = o.earlyStopping && esMonitor !== null
    ? new EarlyStopping(o.earlyStopping.patience, o.earlyStopping.minDelta ?? 0, monitorHigherIsBetter(esMonitor))
    : null;
  const restoreBest = stopper !== null && (o.earlyStopping?.restoreBest ?? true);

  // ---- Starting point: fresh, or a checkpoint.
  let st: TrainingState;
  let bestWeights: Float32Array[] | null = null;
  if (o.resumeFrom !== undefined) {
    st = resume(o.resumeFrom, { model, optimizer, schedule, stopper, trainSrc, valSrc });
    if (st.bestWeights !== null) {
      const saved = st.bestWeights;
      bestWeights = model.namedParameters().map(([name]) => Float32Array.from(saved[name]));
    }
  } else {
    if (o.seed !== undefined) defaultRng().reseed(o.seed);
    st = {
      format: 'recur-fit', version: 1, epochsDone: 0, stepInEpoch: 0, globalStep: 0,
      loaders: { train: null, validation: null }, partial: null,
      schedule: schedule?.state() ?? null, earlyStopping: stopper?.state() ?? null, bestWeights: null, history: emptyHistory(),
    };
  }
  const history = st.history;

  const lastGood = params.map((p) => p.data.slice());
  const reporter = new ProgressReporter(o.progress ?? 'auto', o.output ?? process.stdout);
  const signal = o.signal;

  const loaderState = (src: BatchSource | null): JsonValue | null => {
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
      spec: toJson(spec),
      weights: model.stateDict(),
      optimizer: optimizer.stateDict(),
      rng: captureRng(model),
      training: toJson(st),
    };
    if (c.data !== undefined) ckpt.data = c.data;
    saveCheckpoint(c.path, ckpt, { backup: c.backup ?? false });
  };
  const abort = (): History => {
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
      `fit: ${what} ${value} at epoch ${epochNo}, step ${batchNo} (step ${st.globalStep + 1} of the run); training stopped, ` +
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
    const totals: PassTotals = resumingInside && st.partial ? st.partial : emptyTotals(kind, metrics.length > 0);
    st.partial = totals;
    const skip = st.stepInEpoch;
    const lr = optimizer.lr;
    const started = performance.now();
    const epochNo = epoch + 1;
    const known = trainSrc.numBatches ?? history.epochs.at(-1)?.steps ?? null;
    reporter.startEpoch(epochNo, o.epochs, known);
    model.train();

    let batchIndex = 0;
    for (const batch of trainSrc) {
      if (batchIndex < skip) {
        batchIndex++;
        continue;
      }
      optimizer.zeroGrad();
      const output = model.forward(batch.x);
      const loss = lossFn(output, batch);
      const value = loss.item();
      if (!Number.isFinite(value)) diverge(epochNo, batchIndex + 1, 'loss', String(value));
      loss.backward();
      const norm = o.clipGradNorm !== undefined ? clipGradNorm(params, o.clipGradNorm) : gradNorm(params);
      if (!Number.isFinite(norm)) diverge(epochNo, batchIndex + 1, 'gradients', String(norm));
      optimizer.step();
      if (!allFinite(params)) diverge(epochNo, batchIndex + 1, 'weights', 'NaN or infinite');
      params.forEach((p, i) => lastGood[i].set(p.data));

      addBatch(totals, output, batch, value);
      history.stepLosses.push(value);
      batchIndex++;
      st.stepInEpoch = batchIndex;
      st.globalStep++;
      o.callbacks?.onStep?.({ epoch: epochNo, batch: batchIndex, step: st.globalStep, loss: value, gradNorm: norm, lr: optimizer.lr });
      reporter.step(batchIndex, () => [...shownOf('', meanLoss(totals), metricValues(totals, metrics))]);
      if (signal?.aborted) return abort();
      await maybeYield();
    }
    if (batchIndex === 0) throw new Error('fit: the training source gave no batches');

    // ---- End of epoch.
    const trainLoss = meanLoss(totals);
    const trainMetrics = metricValues(totals, metrics);
    let valLoss: number | null = null;
    let valMetrics: MetricValues | null = null;
    if (valSrc !== null) {
      const v = evaluate(model, valSrc, { metrics });
      valLoss = v.loss;
      valMetrics = v.metrics;
    }
    const record: EpochRecord = {
      epoch: epochNo, loss: trainLoss, metrics: trainMetrics, valLoss, valMetrics, lr,
      steps: batchIndex, seconds: (performance.now() - started) / 1000,
    };
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

    const shown = [...shownOf('', record.loss, record.metrics), ...(valSrc !== null ? shownOf('val_', record.valLoss, record.valMetrics) : []), ['lr', lr] as Shown];
    reporter.endEpoch(shown);
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
