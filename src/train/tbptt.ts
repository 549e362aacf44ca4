/**
 * Truncated backpropagation through time on one long series (PyTorch's word_language_model:
 * `batchify` into parallel streams, `repackage_hidden` between chunks).
 *
 * Legend: T series length, B parallel streams, S = ⌊T / B⌋ steps per stream, k chunk length,
 * F input features per step (D, or 1 token id), O targets per step (outputSize, or 1 class id).
 *
 *   series x [T, F], y [T, O] → B streams; stream b is rows b·S .. b·S + S − 1 (the last T − B·S rows unused)
 *   each epoch: state ← zeros, then for each chunk c (steps c·k .. min(c·k + k, S) − 1 of every stream):
 *     output, state' ← model from `state` over the chunk [B, ≤k, F]   (one packed batch, B·≤k rows)
 *     loss over the chunk's steps → backward → clip → optimizer step
 *     state ← detach(state')   values carry on to the next chunk; gradients stop at its edge
 *
 * So training costs O(k) memory however long the series, and the model still sees (in its state)
 * everything before the chunk: it can learn to use information older than k steps, though the
 * gradient never reaches back further than k. With `carryState: false` every chunk starts from
 * zeros instead; then nothing older than the chunk is ever visible (the baseline to compare with).
 */
import { PackedSequence } from '../data/packed.ts';
import { defaultMetrics, lossFor, predictionKind } from '../models/build.ts';
import { LanguageModel } from '../models/language-model.ts';
import type { RecurrentState } from '../models/sequence-model.ts';
import { SequenceToSequence } from '../models/sequence-to-sequence.ts';
import { detachState } from '../models/stream.ts';
import { clipGradNorm } from '../optim/clip.ts';
import { createOptimizer, type OptimizerConfig } from '../optim/config.ts';
import { alloc } from '../tensor/alloc.ts';
import { defaultRng } from '../tensor/rng.ts';
import { noGrad, shapeStr, Tensor } from '../tensor/tensor.ts';
import { addBatch, checkMetrics, emptyTotals, meanLoss, metricValues, type Evaluation, type MetricValues, type PassTotals } from './evaluate.ts';
import type { MetricName } from './metrics.ts';

/** A model with an output at every step, which is what a long series trains. */
export type PerStepModel = SequenceToSequence | LanguageModel;

/** One long series with a target at every step. */
export interface Series {
  /** [T, D] features, or [T] (or [T, 1]) token ids as numbers. */
  x: Tensor;
  /** [T, O] values, or [T] (or [T, 1]) class / next-token ids as numbers. */
  y: Tensor;
}

export interface StreamOptions {
  /** k: steps per chunk; gradients reach back at most this far. */
  chunkLength: number;
  /** B: parallel streams the series is cut into (the batch size of every chunk). */
  batchSize: number;
  /** Default: the model's default metrics. */
  metrics?: MetricName[];
}

export interface TbpttOptions extends StreamOptions {
  epochs: number;
  /** Default { kind: 'adam', lr: 1e-3 }. */
  optimizer?: OptimizerConfig;
  /** Clip the gradients' global 2-norm to this after every chunk. */
  clipGradNorm?: number;
  /** Reseeds the default generator at the start. */
  seed?: number;
  /** Carry the (detached) state from chunk to chunk (default true); false resets it to zeros. */
  carryState?: boolean;
  /** A held-out series, evaluated after every epoch (state carried, evaluation mode). */
  validation?: Series;
  /** After every epoch. */
  onEpochEnd?(record: TbpttEpoch): void;
}

export interface TbpttEpoch {
  /** 1-based. */
  epoch: number;
  /** Mean loss over every trained step of the epoch. */
  loss: number;
  metrics: MetricValues;
  valLoss: number | null;
  valMetrics: MetricValues | null;
  /** Optimizer steps (chunks) in the epoch. */
  chunks: number;
  seconds: number;
}

export interface TbpttHistory {
  epochs: TbpttEpoch[];
  /** The loss of every chunk, in order. */
  chunkLosses: number[];
}

const OPTION_KEYS = [
  'chunkLength', 'batchSize', 'metrics', 'epochs', 'optimizer', 'clipGradNorm', 'seed', 'carryState', 'validation', 'onEpochEnd',
];

function positiveInt(v: number, name: string, where: string): number {
  if (!Number.isInteger(v) || v < 1) throw new Error(`${where}: ${name} is ${v}, expected a positive integer`);
  return v;
}

function checkModel(model: PerStepModel, where: string): void {
  if (!(model instanceof SequenceToSequence || model instanceof LanguageModel)) {
    const task = (model as { spec?: { task?: string } }).spec?.task ?? 'unknown';
    throw new Error(`${where}: task '${task}' has one output per sequence; a long series trains per-step models (tag, regress-steps, language-model)`);
  }
  if (model.spec.bidirectional) {
    throw new Error(`${where}: a bidirectional model cannot walk a series chunk by chunk (its reverse direction needs the series' end); use bidirectional: false`);
  }
}

/** x, y as [T, F] and [T, O] views; shapes checked against the model. */
function seriesViews(model: PerStepModel, s: Series, what: string, where: string): { x: Tensor; y: Tensor; T: number } {
  const asRows = (t: Tensor, name: string): Tensor => {
    if (t.ndim === 1) return new Tensor(t.data, [t.shape[0], 1]);
    if (t.ndim === 2) return t;
    throw new Error(`${where}: ${what}.${name} has shape ${shapeStr(t.shape)}, expected [T, features] or [T]`);
  };
  const x = asRows(s.x, 'x');
  const y = asRows(s.y, 'y');
  const T = x.shape[0];
  const F = model.embedding !== null ? 1 : model.rnn.inputSize;
  if (x.shape[1] !== F) {
    const wanted = model.embedding !== null ? 'one token id per step' : `inputSize ${F}`;
    throw new Error(`${where}: ${what}.x has ${x.shape[1]} features per step, expected ${F} (${wanted})`);
  }
  const O = model.spec.task === 'regress-steps' ? model.spec.outputSize : 1;
  if (y.shape[1] !== O) {
    const wanted = O === 1 ? 'one class id per step' : `outputSize ${O}`;
    throw new Error(`${where}: ${what}.y has ${y.shape[1]} values per step, expected ${O} (${wanted})`);
  }
  if (y.shape[0] !== T) throw new Error(`${where}: ${what}.x has ${T} steps but ${what}.y has ${y.shape[0]}`);
  return { x, y, T };
}

/**
 * Chunk `c` of every stream as one packed batch: rows b·S + t0 .. b·S + t0 + len − 1 of `src`
 * [T, F] for stream b → PackedSequence of B sequences of length `len`.
 */
function chunkOf(src: Tensor, d: { B: number; S: number; t0: number; len: number }): PackedSequence {
  const { B, S, t0, len } = d;
  const F = src.shape[1];
  const padded = alloc(B * len * F); // [B, len, F]
  for (let b = 0; b < B; b++) {
    const from = (b * S + t0) * F;
    padded.set(src.data.subarray(from, from + len * F), b * len * F);
  }
  return PackedSequence.fromPadded(new Tensor(padded, [B, len, F]), new Array<number>(B).fill(len));
}

/** The chunk plan of a series: B streams of S steps, walked k at a time. */
function streams(T: number, opts: StreamOptions, what: string, where: string): { B: number; S: number; k: number } {
  const B = positiveInt(opts.batchSize, 'batchSize', where);
  const k = positiveInt(opts.chunkLength, 'chunkLength', where);
  const S = Math.floor(T / B);
  if (S < 1) throw new Error(`${where}: ${what} has ${T} steps, too few for ${B} streams (batchSize); give at least one step per stream`);
  return { B, S, k };
}

/**
 * Walk the B streams chunk by chunk, calling `visit` with each chunk's input and targets; the
 * state it returns is what the next chunk starts from.
 */
function walkChunks(
  x: Tensor,
  y: Tensor,
  plan: { B: number; S: number; k: number },
  visit: (xc: PackedSequence, yc: PackedSequence, state: RecurrentState | undefined) => RecurrentState | undefined,
): void {
  const { B, S, k } = plan;
  let state: RecurrentState | undefined;
  for (let t0 = 0; t0 < S; t0 += k) {
    const d = { B, S, t0, len: Math.min(k, S - t0) };
    state = visit(chunkOf(x, d), chunkOf(y, d), state);
  }
}

/**
 * Loss and metrics of a per-step model over a long series, streamed the way it is trained (B
 * streams, chunk by chunk) with the state always carried, in evaluation mode and without
 * recording gradients. The model's mode is restored afterwards.
 * @example const { loss, metrics } = evaluateSeries(model, test, { chunkLength: 50, batchSize: 1 });
 */
export function evaluateSeries(model: PerStepModel, series: Series, opts: StreamOptions): Evaluation {
  const where = 'evaluateSeries';
  checkModel(model, where);
  const { x, y, T } = seriesViews(model, series, 'series', where);
  const plan = streams(T, opts, 'series', where);
  const names = opts.metrics ?? defaultMetrics(model.spec);
  const kind = predictionKind(model.spec);
  checkMetrics(names, kind, model.spec.task);
  const lossFn = lossFor(model.spec);
  const totals = emptyTotals(kind, true);
  const wasTraining = model.training;
  model.eval();
  try {
    noGrad(() =>
      walkChunks(x, y, plan, (xc, yc, state) => {
        const r = model.forwardWithState(xc, state);
        addBatch(totals, r.output, { y: null, yPerStep: yc }, lossFn(r.output, { y: null, yPerStep: yc }).item());
        return r.state;
      }),
    );
  } finally {
    model.train(wasTraining);
  }
  return { loss: meanLoss(totals), metrics: metricValues(totals, names), rows: totals.rows };
}

/**
 * Train a per-step model on one long series by truncated BPTT: the series is cut into
 * `batchSize` parallel streams, walked `chunkLength` steps at a time, one optimizer step per
 * chunk, carrying the detached state across chunk edges (see the file header).
 * @example
 * const model = buildModel({ task: 'language-model', cell: 'lstm', vocabSize: V, embeddingDim: 32, hiddenSize: 128 });
 * const ids = tensor(corpusIds);                  // [T]
 * const history = fitTbptt(model, { x: slice(ids, 0, 0, -1), y: slice(ids, 0, 1, ids.size) }, {
 *   chunkLength: 35, batchSize: 20, epochs: 5, optimizer: { kind: 'adam', lr: 2e-3 }, clipGradNorm: 0.25, seed: 1,
 * });
 */
export function fitTbptt(model: PerStepModel, series: Series, options: TbpttOptions): TbpttHistory {
  const where = 'fitTbptt';
  for (const key of Object.keys(options)) {
    if (!OPTION_KEYS.includes(key)) throw new Error(`${where}: unknown option '${key}' (allowed: ${OPTION_KEYS.join(', ')})`);
  }
  checkModel(model, where);
  const o = options;
  const epochs = positiveInt(o.epochs, 'epochs', where);
  if (o.clipGradNorm !== undefined && !(o.clipGradNorm > 0)) throw new Error(`${where}: clipGradNorm is ${o.clipGradNorm}, expected a number > 0`);
  const { x, y, T } = seriesViews(model, series, 'series', where);
  const plan = streams(T, o, 'series', where);
  if (o.validation !== undefined) streams(seriesViews(model, o.validation, 'validation', where).T, o, 'validation', where);
  const names = o.metrics ?? defaultMetrics(model.spec);
  const kind = predictionKind(model.spec);
  checkMetrics(names, kind, model.spec.task);
  const carry = o.carryState ?? true;

  if (o.seed !== undefined) defaultRng().reseed(o.seed);
  const params = model.parameters();
  const optimizer = createOptimizer(params, o.optimizer ?? { kind: 'adam', lr: 1e-3 });
  const lossFn = lossFor(model.spec);
  const history: TbpttHistory = { epochs: [], chunkLosses: [] };

  for (let epoch = 1; epoch <= epochs; epoch++) {
    const started = performance.now();
    const totals: PassTotals = emptyTotals(kind, true);
    let chunks = 0;
    model.train();
    walkChunks(x, y, plan, (xc, yc, state) => {
      optimizer.zeroGrad();
      const r = model.forwardWithState(xc, carry ? state : undefined);
      const targets = { y: null, yPerStep: yc };
      const loss = lossFn(r.output, targets);
      const value = loss.item();
      if (!Number.isFinite(value)) {
        throw new Error(`${where}: the loss is ${value} at epoch ${epoch}, chunk ${chunks + 1}; try a lower learning rate or clipGradNorm`);
      }
      loss.backward();
      if (o.clipGradNorm !== undefined) clipGradNorm(params, o.clipGradNorm);
      optimizer.step();
      addBatch(totals, r.output, targets, value);
      history.chunkLosses.push(value);
      chunks++;
      return carry ? detachState(r.state) : undefined;
    });
    let valLoss: number | null = null;
    let valMetrics: MetricValues | null = null;
    if (o.validation !== undefined) {
      const v = evaluateSeries(model, o.validation, { chunkLength: plan.k, batchSize: plan.B, metrics: names });
      valLoss = v.loss;
      valMetrics = v.metrics;
    }
    const record: TbpttEpoch = {
      epoch, loss: meanLoss(totals), metrics: metricValues(totals, names), valLoss, valMetrics, chunks,
      seconds: (performance.now() - started) / 1000,
    };
    history.epochs.push(record);
    o.onEpochEnd?.(record);
  }
  return history;
}
