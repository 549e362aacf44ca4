/**
 * `npm run demo`: a small LSTM forecaster for the yearly sunspot numbers (1700–2008).
 *
 * Legend: B batch, T window length (years in), H hidden, S samples.
 *   x [B, T, 1] scaled sunspot numbers of T consecutive years → ŷ [B, 1] the next year's value.
 *
 * - Chronological split by the year of the target: train ≤ 1940, validation 1941–1968,
 *   test 1969–2008 (the last 40 years). The scaler (mean, std) is fitted on the training years only.
 * - Model: 1-layer LSTM (hidden 32) → Linear on the last hidden state.
 * - Adam (lr 1e-2), gradient clipping at norm 1, mini-batches of 16 shuffled by a seeded `Rng`.
 * - The weights of the epoch with the lowest validation loss are kept for the test.
 * - At the end: test RMSE in sunspot units next to the persistence baseline (next year = this year).
 *
 * Everything is seeded: two runs print the same numbers.
 */
import { readFileSync, realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { Adam, LSTM, Linear, Module, Rng, Tensor, clipGradNorm, mseLoss, noGrad, tensor, type StateDict } from '../src/index.ts';

const DATA = new URL('../data/sunspots/sunspots_yearly_1700_2008.csv', import.meta.url);

export interface DemoOptions {
  /** Training epochs (default 40). */
  epochs?: number;
  /** Print nothing (default false). */
  quiet?: boolean;
  /** Seed for initialisation and shuffling (default 7). */
  seed?: number;
}

export interface DemoResult {
  /** Mean training loss (MSE on scaled values) of each epoch, as seen during the epoch. */
  trainLoss: number[];
  /** Validation loss (MSE on scaled values) after each epoch. */
  valLoss: number[];
  /** 1-based epoch whose weights were kept (lowest validation loss). */
  bestEpoch: number;
  /** Test RMSE of the model, in sunspot units. */
  testRmse: number;
  /** Test RMSE of "next year = this year", in sunspot units. */
  persistenceRmse: number;
  /** Test samples (years 1969–2008). */
  testSize: number;
}

/** Fixed configuration of the demo (plain data). */
const CONFIG = {
  window: 20,
  hiddenSize: 32,
  batchSize: 16,
  lr: 1e-2,
  maxGradNorm: 1,
  lastTrainYear: 1940,
  lastValYear: 1968,
} as const;

/** Yearly series: years [S] and sunspot numbers [S], in file order (chronological). */
export function loadYearlySunspots(): { years: number[]; values: number[] } {
  const rows = parse<Record<string, string>>(readFileSync(DATA), { columns: true, skip_empty_lines: true });
  const years: number[] = [];
  const values: number[] = [];
  rows.forEach((r, i) => {
    const year = Number(r.year);
    const value = Number(r.sunactivity);
    if (!Number.isInteger(year) || !Number.isFinite(value)) {
      throw new Error(`sunspots CSV row ${i + 2}: expected columns year, sunactivity with numbers, got ${JSON.stringify(r)}`);
    }
    years.push(year);
    values.push(value);
  });
  return { years, values };
}

/** Sliding windows over a scaled series: x [S, T] and the next value y [S], with each target's year. */
interface Windows {
  x: Float32Array; // [S, T]
  y: Float32Array; // [S]
  /** Unscaled last input value of each window (the persistence forecast) [S]. */
  last: number[];
  /** Unscaled target [S]. */
  target: number[];
  size: number;
}

function makeWindows(scaled: number[], raw: number[], years: number[], T: number, from: number, to: number): Windows {
  const idx: number[] = [];
  for (let k = T; k < scaled.length; k++) if (years[k] >= from && years[k] <= to) idx.push(k);
  const S = idx.length;
  const x = new Float32Array(S * T);
  const y = new Float32Array(S);
  idx.forEach((k, s) => {
    for (let t = 0; t < T; t++) x[s * T + t] = scaled[k - T + t];
    y[s] = scaled[k];
  });
  return { x, y, last: idx.map((k) => raw[k - 1]), target: idx.map((k) => raw[k]), size: S };
}

/** Rows `rows` of windows as x [B, T, 1] and y [B, 1]. */
function batchOf(w: Windows, rows: readonly number[], T: number): { x: Tensor; y: Tensor } {
  const B = rows.length;
  const x = new Float32Array(B * T); // [B, T, 1]
  const y = new Float32Array(B); // [B, 1]
  rows.forEach((r, b) => {
    x.set(w.x.subarray(r * T, (r + 1) * T), b * T);
    y[b] = w.y[r];
  });
  return { x: tensor(x, [B, T, 1]), y: tensor(y, [B, 1]) };
}

/** LSTM over the window, Linear on the last hidden state. */
class Forecaster extends Module {
  readonly lstm: LSTM;
  readonly head: Linear;

  constructor(hiddenSize: number, seed: number) {
    super();
    this.lstm = this.registerModule('lstm', new LSTM({ inputSize: 1, hiddenSize, seed }));
    this.head = this.registerModule('head', new Linear({ inFeatures: hiddenSize, outFeatures: 1, seed: seed + 1 }));
  }

  /** x [B, T, 1] → ŷ [B, 1] */
  forward(x: Tensor): Tensor {
    const { h } = this.lstm.forward(x); // h [1, B, H]
    return this.head.forward(h.reshape([x.shape[0], this.lstm.hiddenSize]));
  }
}

/** Predictions (scaled) for every window, without recording the tape. */
function predictAll(model: Forecaster, w: Windows, T: number): Float32Array {
  const rows = Array.from({ length: w.size }, (_, i) => i);
  return noGrad(() => model.forward(batchOf(w, rows, T).x)).data;
}

function rmse(pred: ArrayLike<number>, target: ArrayLike<number>): number {
  let acc = 0;
  for (let i = 0; i < target.length; i++) acc += (pred[i] - target[i]) ** 2;
  return Math.sqrt(acc / target.length);
}

/** A one-line progress bar on a terminal (rewritten in place with '\r'). */
function progress(epoch: number, epochs: number, batch: number, batches: number): void {
  const width = 20;
  const done = Math.round((width * batch) / batches);
  const bar = '#'.repeat(done) + '.'.repeat(width - done);
  process.stdout.write(`\repoch ${epoch}/${epochs} [${bar}] batch ${batch}/${batches}`);
}

/**
 * Trains the forecaster and evaluates it on the last 40 years.
 * @example const r = runDemo({ epochs: 5, quiet: true }); console.log(r.testRmse, r.persistenceRmse);
 */
export function runDemo(opts: DemoOptions = {}): DemoResult {
  const epochs = opts.epochs ?? 40;
  const quiet = opts.quiet ?? false;
  const seed = opts.seed ?? 7;
  const log = (line: string): void => {
    if (!quiet) console.log(line);
  };
  const tty = !quiet && process.stdout.isTTY === true;
  const T = CONFIG.window;

  const { years, values } = loadYearlySunspots();
  // Scaler fitted on the training years only.
  const fit = values.filter((_, k) => years[k] <= CONFIG.lastTrainYear);
  const mean = fit.reduce((a, v) => a + v, 0) / fit.length;
  const std = Math.sqrt(fit.reduce((a, v) => a + (v - mean) ** 2, 0) / fit.length);
  const scaled = values.map((v) => (v - mean) / std);

  const first = years[0];
  const last = years[years.length - 1];
  const train = makeWindows(scaled, values, years, T, first, CONFIG.lastTrainYear);
  const val = makeWindows(scaled, values, years, T, CONFIG.lastTrainYear + 1, CONFIG.lastValYear);
  const test = makeWindows(scaled, values, years, T, CONFIG.lastValYear + 1, last);
  log(`sunspots ${first}–${last}: ${values.length} years, scaler from ≤${CONFIG.lastTrainYear}: mean ${mean.toFixed(2)}, std ${std.toFixed(2)}`);
  log(
    `windows of ${T} years → next year: train ${train.size} (targets ≤${CONFIG.lastTrainYear}), ` +
      `validation ${val.size} (${CONFIG.lastTrainYear + 1}–${CONFIG.lastValYear}), test ${test.size} (${CONFIG.lastValYear + 1}–${last})`,
  );
  log('losses are MSE on the scaled values; the validation years hold the 1957 peak (190.2), the highest of the series');
  log(`model: LSTM(1 → ${CONFIG.hiddenSize}) + Linear(${CONFIG.hiddenSize} → 1), Adam lr ${CONFIG.lr}, clip ${CONFIG.maxGradNorm}, batch ${CONFIG.batchSize}, ${epochs} epochs`);

  const model = new Forecaster(CONFIG.hiddenSize, seed);
  const opt = new Adam(model.parameters(), { lr: CONFIG.lr });
  const rng = new Rng(seed);
  const order = Array.from({ length: train.size }, (_, i) => i);
  const batches = Math.ceil(train.size / CONFIG.batchSize);

  const trainLoss: number[] = [];
  const valLoss: number[] = [];
  let best: { epoch: number; loss: number; weights: StateDict } | null = null;
  const valY = val.y;

  for (let epoch = 1; epoch <= epochs; epoch++) {
    model.train();
    rng.shuffle(order);
    let sum = 0;
    for (let b = 0; b < batches; b++) {
      const rows = order.slice(b * CONFIG.batchSize, (b + 1) * CONFIG.batchSize);
      const { x, y } = batchOf(train, rows, T);
      opt.zeroGrad();
      const loss = mseLoss(model.forward(x), y);
      loss.backward();
      clipGradNorm(model.parameters(), CONFIG.maxGradNorm);
      opt.step();
      sum += loss.item() * rows.length;
      if (tty) progress(epoch, epochs, b + 1, batches);
    }
    trainLoss.push(sum / train.size);

    model.eval();
    const vl = rmse(predictAll(model, val, T), valY) ** 2;
    valLoss.push(vl);
    if (best === null || vl < best.loss) best = { epoch, loss: vl, weights: model.stateDict() };
    if (tty) process.stdout.write('\r\x1b[K');
    const valRmse = Math.sqrt(vl) * std; // in sunspot numbers
    log(`epoch ${String(epoch).padStart(3)}  train ${trainLoss[epoch - 1].toFixed(4)}  val ${vl.toFixed(4)}  (val RMSE ${valRmse.toFixed(1)})`);
  }

  if (best === null) throw new Error('runDemo: epochs must be at least 1');
  model.loadStateDict(best.weights);
  model.eval();
  const predScaled = predictAll(model, test, T);
  const pred = Array.from(predScaled, (p) => p * std + mean);
  const testRmse = rmse(pred, test.target);
  const persistenceRmse = rmse(test.last, test.target);

  log(`kept the weights of epoch ${best.epoch} (lowest validation loss ${best.loss.toFixed(4)})`);
  log(`test ${CONFIG.lastValYear + 1}–${last} (${test.size} years), RMSE in sunspot numbers:`);
  log(`  LSTM                          ${testRmse.toFixed(2)}`);
  log(`  persistence (next = last)     ${persistenceRmse.toFixed(2)}`);
  log(testRmse < persistenceRmse ? 'the LSTM beats persistence.' : 'persistence wins: the LSTM does not beat the baseline here.');
  return { trainLoss, valLoss, bestEpoch: best.epoch, testRmse, persistenceRmse, testSize: test.size };
}

/** True when this file is the script node was asked to run (not imported by a test). */
function isMain(): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return realpathSync(entry) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}

if (isMain()) runDemo();
