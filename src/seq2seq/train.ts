/**
 * Training a Seq2Seq on parallel token ids: epochs of seeded, length-bucketed batches (the data
 * pipeline's DataLoader), any optimizer config (Adam by default), gradient-norm clipping, a
 * teacher-forcing schedule, the validation loss after every epoch, one progress line per epoch,
 * and checkpoints that resume exactly.
 *
 * Per batch: zero grads → teacher-forced unroll with ratio r = teacherForcingRatio(schedule,
 * step) → mean cross entropy over the real target steps → backward → clip → step.
 * Per epoch: validation loss (teacher forcing 1, evaluation mode, no tape), a line of progress.
 *
 * Legend: P pairs, B batch size, L target length with <bos> and <eos> (L − 1 predicted tokens).
 *   data.src[p]  source ids                 data.tgt[p]  [<bos>, y1, …, yn, <eos>]
 *   loss         nats per predicted target token (over the real steps only)
 *
 * Guarantees, as fit()'s:
 * - Reproducible: the model's seed, `seed` (batch order, teacher-forcing draws) fix every number.
 * - Resumable: a checkpoint holds the spec, weights, optimizer state, every generator (the
 *   model's dropout streams, the default one and the teacher-forcing draws as rng.extra
 *   'teacherForcing'), the loader's position (also inside an epoch), the epoch's running totals
 *   and the history, so `resumeFrom` continues bit for bit like the uninterrupted run.
 * - Safe: a NaN or infinite loss, gradient or weight stops training with fit's
 *   `TrainingDivergedError`; the model keeps the weights of the last good step.
 * - Interruptible: when `signal` aborts, the step in progress finishes, a checkpoint is written
 *   (when configured) and training returns with stopReason 'aborted'.
 */
import type { SequenceDataset, Sample } from '../data/dataset.ts';
import { DataLoader, type LoaderState } from '../data/loader.ts';
import { captureRng, loadCheckpoint, restoreRng, saveCheckpoint, type Checkpoint } from '../io/checkpoint.ts';
import type { JsonValue } from '../io/json.ts';
import { clipGradNorm } from '../optim/clip.ts';
import { createOptimizer, type OptimizerConfig } from '../optim/config.ts';
import { Rng } from '../tensor/rng.ts';
import { noGrad, type Tensor } from '../tensor/tensor.ts';
import { TrainingDivergedError } from '../train/fit.ts';
import { ProgressReporter, formatNumber, type ProgressMode, type ProgressOutput } from '../train/progress.ts';
import type { EpochRecord, History } from '../train/state.ts';
import type { TokenIds } from './encoder.ts';
import { Seq2Seq } from './model.ts';
import { validateSeq2SeqSpec } from './spec.ts';
import { teacherForcingRatio, type TeacherForcingSchedule } from './teacher-forcing.ts';

/** Parallel token ids: src[p] translates to tgt[p] = [<bos>, …, <eos>]. */
export interface ParallelData {
  src: TokenIds;
  tgt: TokenIds;
}

export interface Seq2SeqCheckpointConfig {
  /** File to write (conventionally `*.recur`), replaced atomically each time. */
  path: string;
  /** Write after every `every` epochs (default 1); also at the end and when aborted. */
  every?: number;
  /** Data preparation to save alongside (vocabularies). */
  data?: JsonValue;
  /** Keep the replaced checkpoint as `<path>.bak` (default false). */
  backup?: boolean;
}

export interface Seq2SeqTrainOptions {
  epochs: number;
  batchSize: number;
  /** Default { kind: 'adam', lr: 1e-3 }. */
  optimizer?: OptimizerConfig;
  /** Clip the gradients' global 2-norm to this. */
  clipGradNorm?: number;
  /** Ratio of true previous tokens fed to the decoder, by optimizer step (default constant 1). */
  teacherForcing?: TeacherForcingSchedule;
  /** Pairs whose loss is measured after every epoch. */
  validation?: ParallelData;
  /** Seeds the batch order and the teacher-forcing draws (default 0). */
  seed?: number;
  /** Batches of similar source length (default true). */
  bucketByLength?: boolean;
  checkpoint?: Seq2SeqCheckpointConfig;
  /** A checkpoint path, or a loaded checkpoint, to continue from. */
  resumeFrom?: string | Checkpoint;
  /** Abort (e.g. on SIGINT): finish the step, save, return. */
  signal?: AbortSignal;
  /** Default 'auto': a live bar on a TTY, one line per epoch otherwise. */
  progress?: ProgressMode;
  /** Where progress goes (default process.stdout). */
  output?: ProgressOutput;
  /** After every optimizer step. */
  onStep?(info: Seq2SeqStepInfo): void;
  /** After every epoch (validation done). */
  onEpochEnd?(record: Seq2SeqEpochRecord, history: Seq2SeqHistory): void;
}

export interface Seq2SeqStepInfo {
  /** 1-based epoch. */
  epoch: number;
  /** 1-based batch within the epoch. */
  batch: number;
  /** 1-based optimizer step over the whole run. */
  step: number;
  /** Mean nats per target token of the batch. */
  loss: number;
  /** Gradient norm before clipping. */
  gradNorm: number;
  /** Teacher-forcing ratio of the step. */
  teacherForcing: number;
}

/** One finished epoch: fit()'s record plus the teacher-forcing ratio and the throughput. */
export interface Seq2SeqEpochRecord extends EpochRecord {
  /** Teacher-forcing ratio at the epoch's first step. */
  teacherForcing: number;
  /** Target tokens predicted during the epoch's training steps. */
  tokens: number;
  /** tokens / seconds of training (validation excluded); not reproducible. */
  tokensPerSecond: number;
}

/** fit()'s history (report helpers read it) with seq2seq epoch records. */
export interface Seq2SeqHistory extends History {
  epochs: Seq2SeqEpochRecord[];
}

/** What a checkpoint's `training` field holds for `trainSeq2Seq`. */
interface Seq2SeqTrainingState {
  format: 'recur-seq2seq';
  version: 1;
  epochsDone: number;
  /** Batches done in the unfinished epoch (0 at an epoch boundary). */
  stepInEpoch: number;
  globalStep: number;
  /** The loader's state when saved: inside an epoch, its start and the batches handed out. */
  loader: LoaderState | null;
  /** Running totals of the unfinished epoch. */
  partial: { lossSum: number; tokens: number; trainSeconds: number } | null;
  history: Seq2SeqHistory;
}

const OPTION_KEYS = [
  'epochs', 'batchSize', 'optimizer', 'clipGradNorm', 'teacherForcing', 'validation', 'seed', 'bucketByLength',
  'checkpoint', 'resumeFrom', 'signal', 'progress', 'output', 'onStep', 'onEpochEnd',
];

/** The sources as a SequenceDataset, so that the DataLoader can order and bucket them. */
class SourceDataset implements SequenceDataset {
  readonly inputSize = 1;
  constructor(private readonly src: TokenIds) {}
  get size(): number {
    return this.src.length;
  }
  get(i: number): Sample {
    return { x: this.src[i].map((id) => [id]) };
  }
  lengthOf(i: number): number {
    return this.src[i].length;
  }
}

/** Check parallel data against the model: same counts, ids in range, targets [<bos>, …, <eos>]. */
function checkData(model: Seq2Seq, d: ParallelData, what: string): void {
  const { srcVocabSize: Vs, tgtVocabSize: Vt, bosId, eosId } = model.spec;
  if (!Array.isArray(d.src) || !Array.isArray(d.tgt) || d.src.length !== d.tgt.length) {
    throw new Error(`trainSeq2Seq: ${what} has ${Array.isArray(d.src) ? d.src.length : 'no'} sources and ${Array.isArray(d.tgt) ? d.tgt.length : 'no'} targets, expected as many of each`);
  }
  if (d.src.length === 0) throw new Error(`trainSeq2Seq: ${what} is empty`);
  const ids = (seq: readonly number[], V: number, p: number, side: string): void => {
    for (const id of seq) {
      if (!Number.isInteger(id) || id < 0 || id >= V) throw new Error(`trainSeq2Seq: ${what} ${side} ${p} has id ${id}, expected an id in 0..${V - 1}`);
    }
  };
  d.src.forEach((s, p) => {
    if (s.length === 0) throw new Error(`trainSeq2Seq: ${what} source ${p} is empty`);
    ids(s, Vs, p, 'source');
  });
  d.tgt.forEach((t, p) => {
    if (t.length < 2 || t[0] !== bosId || t[t.length - 1] !== eosId) {
      throw new Error(`trainSeq2Seq: ${what} target ${p} is [${t.slice(0, 4).join(', ')}${t.length > 4 ? ', …' : ''}], expected [<bos>=${bosId}, …, <eos>=${eosId}]`);
    }
    ids(t, Vt, p, 'target');
  });
}

function checkOptions(o: Seq2SeqTrainOptions): void {
  for (const key of Object.keys(o)) {
    if (!OPTION_KEYS.includes(key)) throw new Error(`trainSeq2Seq: unknown option '${key}' (allowed: ${OPTION_KEYS.join(', ')})`);
  }
  if (!Number.isInteger(o.epochs) || o.epochs < 1) throw new Error(`trainSeq2Seq: epochs is ${o.epochs}, expected a positive integer`);
  if (!Number.isInteger(o.batchSize) || o.batchSize < 1) throw new Error(`trainSeq2Seq: batchSize is ${o.batchSize}, expected a positive integer`);
  if (o.clipGradNorm !== undefined && !(o.clipGradNorm > 0)) throw new Error(`trainSeq2Seq: clipGradNorm is ${o.clipGradNorm}, expected a number > 0`);
  const every = o.checkpoint?.every;
  if (every !== undefined && (!Number.isInteger(every) || every < 1)) throw new Error(`trainSeq2Seq: checkpoint.every is ${every}, expected a positive integer`);
  const tf = o.teacherForcing;
  if (tf !== undefined) {
    for (const step of [0, 1e9]) {
      const r = teacherForcingRatio(tf, step);
      if (!(r >= 0 && r <= 1)) throw new Error(`trainSeq2Seq: teacherForcing ${JSON.stringify(tf)} gives ratio ${r} at step ${step}, expected ratios in [0, 1]`);
    }
  }
}

/** Predicted target tokens of the pairs `rows` (L − 1 each). */
function targetTokens(tgt: TokenIds, rows: ArrayLike<number>): number {
  let n = 0;
  for (let j = 0; j < rows.length; j++) n += tgt[rows[j]].length - 1;
  return n;
}

/**
 * Mean cross entropy (nats per predicted target token) of the model on `data`, teacher-forced,
 * in evaluation mode and without the tape; batches of `batchSize` pairs in data order.
 * @example const nats = seq2seqLoss(model, { src, tgt }, 64); // bits: nats / Math.LN2
 */
export function seq2seqLoss(model: Seq2Seq, data: ParallelData, batchSize = 64): number {
  checkData(model, data, 'evaluation data');
  const was = model.training;
  model.eval();
  try {
    return noGrad(() => {
      let sum = 0;
      let tokens = 0;
      for (let s = 0; s < data.src.length; s += batchSize) {
        const src = data.src.slice(s, s + batchSize);
        const tgt = data.tgt.slice(s, s + batchSize);
        const n = targetTokens(tgt, Array.from(tgt, (_, j) => j));
        sum += model.loss(src, tgt).item() * n;
        tokens += n;
      }
      return sum / tokens;
    });
  } finally {
    model.train(was);
  }
}

function allFinite(params: readonly Tensor[]): boolean {
  for (const p of params) {
    const d = p.data;
    for (let k = 0; k < d.length; k++) if (!Number.isFinite(d[k])) return false;
  }
  return true;
}

let lastYield = 0;
/** Let timers and signal handlers run (at most every 25 ms). */
async function maybeYield(): Promise<void> {
  const t = performance.now();
  if (t - lastYield < 25) return;
  lastYield = t;
  await new Promise<void>((resolve) => setImmediate(resolve));
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function trainingStateFrom(value: JsonValue | undefined, where: string): Seq2SeqTrainingState {
  if (!isObject(value) || value.format !== 'recur-seq2seq') {
    throw new Error(`${where} has no trainSeq2Seq training state, so training cannot resume from it (load the model with loadSeq2Seq for translation)`);
  }
  if (value.version !== 1) throw new Error(`${where}: training state version ${JSON.stringify(value.version)} is not supported (expected 1)`);
  for (const k of ['epochsDone', 'stepInEpoch', 'globalStep'] as const) {
    const v = value[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw new Error(`${where}: training.${k} is ${JSON.stringify(v)}, expected an integer ≥ 0`);
  }
  const h = value.history;
  if (!isObject(h) || !Array.isArray(h.epochs) || !Array.isArray(h.stepLosses)) throw new Error(`${where}: training.history is malformed`);
  return value as unknown as Seq2SeqTrainingState;
}

/**
 * Train `model` on `train` (see the file header).
 * @example
 * const history = await trainSeq2Seq(model, { src, tgt }, {
 *   epochs: 20, batchSize: 32, optimizer: { kind: 'adam', lr: 2e-3 }, clipGradNorm: 1,
 *   teacherForcing: { kind: 'linear', start: 1, end: 0.8, steps: 2000 }, validation: { src: vs, tgt: vt },
 *   seed: 1, checkpoint: { path: 'translate.recur', data: { src: srcVocab.toJSON(), tgt: tgtVocab.toJSON() } },
 * });
 */
export async function trainSeq2Seq(model: Seq2Seq, train: ParallelData, options: Seq2SeqTrainOptions): Promise<Seq2SeqHistory> {
  const o = options;
  checkOptions(o);
  checkData(model, train, 'training data');
  if (o.validation !== undefined) checkData(model, o.validation, 'validation data');
  const params = model.parameters();
  const optimizer = createOptimizer(params, o.optimizer ?? { kind: 'adam', lr: 1e-3 });
  const schedule: TeacherForcingSchedule = o.teacherForcing ?? { kind: 'constant', ratio: 1 };
  const seed = o.seed ?? 0;
  const loader = new DataLoader(new SourceDataset(train.src), {
    batchSize: o.batchSize, shuffle: true, seed, bucketByLength: o.bucketByLength ?? true,
  });
  // Its own stream, so that the teacher-forcing draws do not shift the batch order.
  const tfRng = new Rng((seed ^ 0x5eed7f) >>> 0);

  let st: Seq2SeqTrainingState;
  if (o.resumeFrom !== undefined) {
    const where = typeof o.resumeFrom === 'string' ? `checkpoint '${o.resumeFrom}'` : 'resumeFrom';
    const ckpt = typeof o.resumeFrom === 'string' ? loadCheckpoint(o.resumeFrom) : o.resumeFrom;
    st = trainingStateFrom(ckpt.training, where);
    const spec = JSON.stringify(model.spec);
    if (JSON.stringify(ckpt.spec) !== spec) {
      throw new Error(`trainSeq2Seq: ${where} was trained with spec ${JSON.stringify(ckpt.spec)}, this model has ${spec}; build the model from the checkpoint's spec (loadSeq2Seq)`);
    }
    if (ckpt.optimizer === undefined || ckpt.rng === undefined) throw new Error(`trainSeq2Seq: ${where} has no optimizer or generator states to resume from`);
    model.loadStateDict(ckpt.weights);
    optimizer.loadStateDict(ckpt.optimizer);
    restoreRng(ckpt.rng, model, { teacherForcing: tfRng });
    if (st.loader !== null) loader.setState(st.loader);
    st.history.stopReason = 'completed';
  } else {
    st = {
      format: 'recur-seq2seq', version: 1, epochsDone: 0, stepInEpoch: 0, globalStep: 0, loader: null, partial: null,
      history: { epochs: [], stepLosses: [], bestEpoch: null, stopReason: 'completed' },
    };
  }
  const history = st.history;
  const reporter = new ProgressReporter(o.progress ?? 'auto', o.output ?? process.stdout);
  const lastGood = params.map((p) => p.data.slice());

  const save = (): void => {
    const c = o.checkpoint;
    if (c === undefined) return;
    st.loader = loader.getState();
    const ckpt: Checkpoint = {
      spec: JSON.parse(JSON.stringify(model.spec)) as JsonValue,
      weights: model.stateDict(),
      optimizer: optimizer.stateDict(),
      rng: captureRng(model, { teacherForcing: tfRng }),
      training: JSON.parse(JSON.stringify(st)) as JsonValue,
    };
    if (c.data !== undefined) ckpt.data = c.data;
    saveCheckpoint(c.path, ckpt, { backup: c.backup ?? false });
  };
  const abort = (): Seq2SeqHistory => {
    history.stopReason = 'aborted';
    save();
    reporter.note(`stopped at epoch ${st.epochsDone + 1}, step ${st.globalStep}${o.checkpoint ? `; checkpoint saved to ${o.checkpoint.path}` : ''}`);
    return history;
  };
  const diverge = (epochNo: number, batchNo: number, quantity: 'loss' | 'gradients' | 'weights', value: string): never => {
    params.forEach((p, i) => p.data.set(lastGood[i]));
    reporter.breakLine();
    const what = quantity === 'weights' ? 'the weights became' : quantity === 'loss' ? 'the loss is' : 'the gradient norm is';
    throw new TrainingDivergedError(
      `trainSeq2Seq: ${what} ${value} at epoch ${epochNo}, step ${batchNo} (step ${st.globalStep + 1} of the run); training stopped, ` +
        'the model keeps the weights of the last good step. Try a lower learning rate or clipGradNorm.',
      epochNo, batchNo, st.globalStep + 1, quantity, history,
    );
  };

  for (let epoch = st.epochsDone; epoch < o.epochs; epoch++) {
    if (o.signal?.aborted) return abort();
    const epochNo = epoch + 1;
    const totals = st.stepInEpoch > 0 && st.partial !== null ? st.partial : { lossSum: 0, tokens: 0, trainSeconds: 0 };
    st.partial = totals;
    const lr = optimizer.lr;
    const ratio0 = teacherForcingRatio(schedule, st.globalStep - st.stepInEpoch);
    reporter.startEpoch(epochNo, o.epochs, loader.numBatches);
    model.train();
    let batchIndex = st.stepInEpoch;
    let t0 = performance.now();
    for (const batch of loader) {
      const rows = batch.indices;
      const src = Array.from(rows, (p) => train.src[p]);
      const tgt = Array.from(rows, (p) => train.tgt[p]);
      const ratio = teacherForcingRatio(schedule, st.globalStep);
      optimizer.zeroGrad();
      const loss = model.loss(src, tgt, ratio < 1 ? { teacherForcing: ratio, rng: tfRng } : {});
      const value = loss.item();
      if (!Number.isFinite(value)) diverge(epochNo, batchIndex + 1, 'loss', String(value));
      loss.backward();
      const norm = clipGradNorm(params, o.clipGradNorm ?? Infinity);
      if (!Number.isFinite(norm)) diverge(epochNo, batchIndex + 1, 'gradients', String(norm));
      optimizer.step();
      if (!allFinite(params)) diverge(epochNo, batchIndex + 1, 'weights', 'NaN or infinite');
      params.forEach((p, i) => lastGood[i].set(p.data));

      const n = targetTokens(train.tgt, rows);
      totals.lossSum += value * n;
      totals.tokens += n;
      history.stepLosses.push(value);
      batchIndex++;
      st.stepInEpoch = batchIndex;
      st.globalStep++;
      o.onStep?.({ epoch: epochNo, batch: batchIndex, step: st.globalStep, loss: value, gradNorm: norm, teacherForcing: ratio });
      reporter.step(batchIndex, () => [['loss', totals.lossSum / totals.tokens], ['tf', ratio]]);
      if (o.signal?.aborted && batchIndex < loader.numBatches) {
        totals.trainSeconds += (performance.now() - t0) / 1000;
        // Saved before the loop ends the loader's epoch: its state says how many batches are done.
        // (After the epoch's last batch, the epoch ends first and the abort is handled there.)
        return abort();
      }
      const before = performance.now();
      await maybeYield();
      t0 += performance.now() - before; // time spent yielding is not training
    }
    totals.trainSeconds += (performance.now() - t0) / 1000;
    if (batchIndex === 0) throw new Error('trainSeq2Seq: the loader gave no batches');

    const valStart = performance.now();
    const valLoss = o.validation === undefined ? null : seq2seqLoss(model, o.validation, Math.max(o.batchSize, 64));
    const valSeconds = (performance.now() - valStart) / 1000;
    const trainLoss = totals.lossSum / totals.tokens;
    const record: Seq2SeqEpochRecord = {
      epoch: epochNo, loss: trainLoss, metrics: {}, valLoss, valMetrics: null, lr,
      steps: loader.numBatches, seconds: totals.trainSeconds + valSeconds,
      teacherForcing: ratio0, tokens: totals.tokens, tokensPerSecond: totals.tokens / Math.max(totals.trainSeconds, 1e-9),
    };
    history.epochs.push(record);
    st.epochsDone = epochNo;
    st.stepInEpoch = 0;
    st.partial = null;
    // fit()'s summary line, with the ratio and the throughput formatted for reading.
    reporter.note(
      `epoch ${epochNo}/${o.epochs}  loss ${formatNumber(trainLoss)}${valLoss === null ? '' : `  val_loss ${formatNumber(valLoss)}`}` +
        `  tf ${ratio0.toFixed(2)}  lr ${formatNumber(lr)}  ${Math.round(record.tokensPerSecond)} tok/s  ${record.seconds.toFixed(1)}s`,
    );
    o.onEpochEnd?.(record, history);
    const last = epochNo === o.epochs;
    if (!last && epochNo % (o.checkpoint?.every ?? 1) === 0) save();
    if (o.signal?.aborted && !last) return abort();
  }
  save();
  return history;
}

/**
 * Write a Seq2Seq (spec and weights, plus `data` such as vocabularies) as a `.recur` checkpoint
 * for translation; `trainSeq2Seq`'s own checkpoints also carry what resuming needs.
 * @example saveSeq2Seq('enko.recur', model, { src: srcVocab.toJSON(), tgt: tgtVocab.toJSON() });
 */
export function saveSeq2Seq(path: string, model: Seq2Seq, data?: JsonValue): void {
  const ckpt: Checkpoint = { spec: JSON.parse(JSON.stringify(model.spec)) as JsonValue, weights: model.stateDict() };
  if (data !== undefined) ckpt.data = data;
  saveCheckpoint(path, ckpt);
}

/**
 * Rebuild a Seq2Seq from a checkpoint written by `saveSeq2Seq` or `trainSeq2Seq`: the spec is
 * validated, the weights loaded; `checkpoint.data` holds what was saved with it.
 * @example const { model, checkpoint } = loadSeq2Seq('enko.recur');
 */
export function loadSeq2Seq(path: string): { model: Seq2Seq; checkpoint: Checkpoint } {
  const checkpoint = loadCheckpoint(path);
  const spec = isObject(checkpoint.spec) ? checkpoint.spec : null;
  if (spec === null || spec.task !== 'seq2seq') {
    throw new Error(`loadSeq2Seq: checkpoint '${path}' holds a model of task ${JSON.stringify(spec?.task ?? null)}, expected 'seq2seq'`);
  }
  const model = new Seq2Seq(validateSeq2SeqSpec(spec));
  model.loadStateDict(checkpoint.weights);
  return { model, checkpoint };
}
