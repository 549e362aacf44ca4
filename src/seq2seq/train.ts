/**
 * Training a Seq2Seq on parallel token ids, through fit(): epochs of seeded, length-bucketed batches
 * (the data pipeline's DataLoader), any optimizer config (Adam by default), gradient-norm clipping,
 * a teacher-forcing schedule, the validation loss after every epoch, one progress line per epoch,
 * and checkpoints that resume exactly. This file only says what a batch is and what its loss is;
 * the loop, checkpoints, resume, abort and the NaN stop are fit's.
 *
 * Per batch: teacher-forced unroll with ratio r = teacherForcingRatio(schedule, step) → mean cross
 * entropy over the real target steps (fit's `loss` option; fit does backward, clip, step).
 * Per epoch: validation loss (teacher forcing 1, evaluation mode, no tape), a line of progress.
 *
 * Legend: P pairs, B batch size, L target length with <bos> and <eos> (L − 1 predicted tokens).
 *   data.src[p]  source ids                 data.tgt[p]  [<bos>, y1, …, yn, <eos>]
 *   loss         nats per predicted target token (over the real steps only)
 *
 * Guarantees, fit's:
 * - Reproducible: the model's seed, `seed` (batch order, teacher-forcing draws) fix every number.
 * - Resumable: a checkpoint holds what fit saves, the teacher-forcing draws among the generators
 *   (rng.extra 'teacherForcing'), so `resumeFrom` continues bit for bit like the uninterrupted run,
 *   also from inside an epoch. Checkpoints written before trainSeq2Seq ran on fit still resume.
 * - Safe: a NaN or infinite loss, gradient or weight stops training with fit's
 *   `TrainingDivergedError`; the model keeps the weights of the last good step.
 * - Interruptible: when `signal` aborts, the step in progress finishes, a checkpoint is written
 *   (when configured) and training returns with stopReason 'aborted'.
 */
import type { SequenceDataset, Sample } from '../data/dataset.ts';
import { DataLoader, type LoaderState } from '../data/loader.ts';
import { loadCheckpoint, saveCheckpoint, type Checkpoint } from '../io/checkpoint.ts';
import type { JsonValue } from '../io/json.ts';
import type { OptimizerConfig } from '../optim/config.ts';
import { Rng } from '../tensor/rng.ts';
import { noGrad } from '../tensor/tensor.ts';
import { runFit, type BatchSource, type FitOptions } from '../train/fit.ts';
import { formatNumber, type ProgressMode, type ProgressOutput } from '../train/progress.ts';
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
export interface Seq2SeqHistory extends History<Seq2SeqEpochRecord> {
  epochs: Seq2SeqEpochRecord[];
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

/** The pairs of one batch. */
interface PairBatch {
  src: TokenIds;
  tgt: TokenIds;
}

/** Batches of pairs, in the order (and with the saved state) of a DataLoader over the sources. */
class PairBatches implements BatchSource<PairBatch> {
  private readonly loader: DataLoader;
  constructor(
    private readonly data: ParallelData,
    options: { batchSize: number; shuffle?: boolean; seed?: number; bucketByLength?: boolean },
  ) {
    this.loader = new DataLoader(new SourceDataset(data.src), options);
  }
  get numBatches(): number {
    return this.loader.numBatches;
  }
  *[Symbol.iterator](): Iterator<PairBatch> {
    for (const { indices } of this.loader) {
      yield { src: Array.from(indices, (p) => this.data.src[p]), tgt: Array.from(indices, (p) => this.data.tgt[p]) };
    }
  }
  getState(): LoaderState {
    return this.loader.getState();
  }
  setState(state: unknown): void {
    this.loader.setState(state as LoaderState);
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

/** Predicted target tokens of the targets (L − 1 each). */
function targetTokens(tgt: TokenIds): number {
  let n = 0;
  for (const t of tgt) n += t.length - 1;
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
        const n = targetTokens(tgt);
        sum += model.loss(src, tgt).item() * n;
        tokens += n;
      }
      return sum / tokens;
    });
  } finally {
    model.train(was);
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
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
  const schedule: TeacherForcingSchedule = o.teacherForcing ?? { kind: 'constant', ratio: 1 };
  const seed = o.seed ?? 0;
  const batches = new PairBatches(train, { batchSize: o.batchSize, shuffle: true, seed, bucketByLength: o.bucketByLength ?? true });
  // Its own stream, so that the teacher-forcing draws do not shift the batch order.
  const tfRng = new Rng((seed ^ 0x5eed7f) >>> 0);
  const { onStep, onEpochEnd } = o;

  const fitOptions: FitOptions<PairBatch, Seq2SeqEpochRecord> = {
    epochs: o.epochs,
    optimizer: o.optimizer,
    clipGradNorm: o.clipGradNorm,
    // Evaluation batches in data order, of at least 64 pairs (as seq2seqLoss).
    validation: o.validation === undefined ? undefined : new PairBatches(o.validation, { batchSize: Math.max(o.batchSize, 64) }),
    checkpoint: o.checkpoint,
    resumeFrom: o.resumeFrom,
    signal: o.signal,
    progress: o.progress,
    output: o.output,
    loss: (b, at) => {
      const ratio = at.training ? teacherForcingRatio(schedule, at.step) : 1;
      const loss = model.loss(b.src, b.tgt, ratio < 1 ? { teacherForcing: ratio, rng: tfRng } : {});
      return { loss, rows: targetTokens(b.tgt), show: [['tf', ratio]] };
    },
    rngs: { teacherForcing: tfRng },
    record: (base, e) => ({
      ...base,
      valMetrics: null, // no metrics besides the loss
      teacherForcing: teacherForcingRatio(schedule, e.firstStep),
      tokens: e.rows,
      tokensPerSecond: e.rows / Math.max(e.trainSeconds, 1e-9),
    }),
    // fit's summary line, with the ratio and the throughput formatted for reading.
    summary: (r) =>
      `epoch ${r.epoch}/${o.epochs}  loss ${formatNumber(r.loss)}${r.valLoss === null ? '' : `  val_loss ${formatNumber(r.valLoss)}`}` +
      `  tf ${r.teacherForcing.toFixed(2)}  lr ${formatNumber(r.lr)}  ${Math.round(r.tokensPerSecond)} tok/s  ${r.seconds.toFixed(1)}s`,
    callbacks: {
      onStep: onStep && ((s) => onStep({ epoch: s.epoch, batch: s.batch, step: s.step, loss: s.loss, gradNorm: s.gradNorm, teacherForcing: teacherForcingRatio(schedule, s.step - 1) })),
      onEpochEnd,
    },
  };
  return runFit('trainSeq2Seq', model, batches, fitOptions);
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
