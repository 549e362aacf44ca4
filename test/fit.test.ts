/**
 * fit() and its parts: metrics against hand-computed values, learning-rate schedules against
 * PyTorch's StepLR / CosineAnnealingLR / ReduceLROnPlateau worked by hand, early stopping, the
 * NaN stop (the last good weights kept, no checkpoint from bad ones), exact reproducibility,
 * bit-exact resume from a checkpoint (at an epoch boundary and mid-epoch), progress output on a
 * terminal and in a log, option errors; the `loss` option training a model that is not a preset
 * (to the exact line behind its data, and resuming bit for bit), and a checkpoint written by
 * trainSeq2Seq before it ran on fit resuming as the run it was taken from.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, describe, test } from 'node:test';
import { ArrayDataset } from '../src/data/dataset.ts';
import { DataLoader } from '../src/data/loader.ts';
import { loadCheckpoint } from '../src/io/checkpoint.ts';
import { Linear } from '../src/layers/linear.ts';
import { Module } from '../src/layers/module.ts';
import { mseLoss } from '../src/losses/index.ts';
import { buildModel, type ModelSpecInput, type SequenceModel } from '../src/models/index.ts';
import { Seq2Seq } from '../src/seq2seq/model.ts';
import { loadSeq2Seq, trainSeq2Seq, type ParallelData, type Seq2SeqTrainOptions } from '../src/seq2seq/train.ts';
import { Rng, type RngState } from '../src/tensor/rng.ts';
import { Tensor } from '../src/tensor/tensor.ts';
import {
  EarlyStopping,
  ProgressReporter,
  TrainingDivergedError,
  accuracy,
  confusionMatrix,
  createLrSchedule,
  evaluate,
  fit,
  macroF1,
  mae,
  mape,
  perplexity,
  rmse,
  splitDataset,
  type BatchSource,
  type EpochRecord,
  type FitOptions,
  type History,
  type LossContext,
  type LossHook,
} from '../src/train/index.ts';

const dir = mkdtempSync(join(tmpdir(), 'recur-fit-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function near(a: number, b: number, tol: number, what: string): void {
  assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);
}

describe('metrics (hand-computed)', () => {
  test('accuracy and confusion matrix', () => {
    assert.equal(accuracy([0, 1, 1, 2, 2, 0], [0, 1, 2, 2, 1, 0]), 4 / 6);
    assert.deepEqual(confusionMatrix([0, 1, 1], [0, 0, 1], 2), [[1, 1], [0, 1]]);
    assert.throws(() => accuracy([0, 1], [0]), /2 predictions for 1 actual values/);
  });

  test('macro-F1: mean of per-class F1 over the classes present in either array', () => {
    // class 0: TP 1, FP 1, FN 0 → 2/3; class 1: TP 2, FP 0, FN 1 → 4/5; class 2: TP 1 → 1.
    near(macroF1([0, 0, 1, 1, 2], [0, 1, 1, 1, 2]), (2 / 3 + 4 / 5 + 1) / 3, 1e-15, 'macroF1');
    // Class 2 only predicted: F1 0; class 1 absent everywhere: not counted. (2/3 + 0) / 2.
    near(macroF1([0, 2], [0, 0]), 1 / 3, 1e-15, 'macroF1 with an unseen class');
  });

  test('MAE, RMSE, MAPE (percent, zero targets skipped), perplexity', () => {
    assert.equal(mae([1, 2, 3], [2, 4, 3]), 1);
    near(rmse([1, 2, 3], [2, 4, 3]), Math.sqrt(5 / 3), 1e-15, 'rmse');
    near(mape([110, 45, 7], [100, 50, 0]), 10, 1e-12, 'mape');
    assert.ok(Number.isNaN(mape([1], [0])));
    near(perplexity(Math.log(4)), 4, 1e-12, 'perplexity');
  });
});

describe('learning-rate schedules (PyTorch formulas, by hand)', () => {
  const run = (s: ReturnType<typeof createLrSchedule>, values: readonly number[]): number[] => values.map((v) => s.step(v));

  test('step: lr₀ γ^⌊e / stepSize⌋ (StepLR)', () => {
    const s = createLrSchedule({ kind: 'step', stepSize: 2, gamma: 0.5 }, 0.1);
    // lr of epochs 1..6 after the first (epoch 0 uses 0.1)
    const got = run(s, [0, 0, 0, 0, 0, 0]);
    [0.1, 0.05, 0.05, 0.025, 0.025, 0.0125].forEach((v, i) => near(got[i], v, 1e-15, `epoch ${i + 1}`));
  });

  test('cosine: η_min + (lr₀ − η_min)(1 + cos(π e / tMax)) / 2 (CosineAnnealingLR), climbing back past tMax', () => {
    const s = createLrSchedule({ kind: 'cosine', tMax: 4, etaMin: 0.001 }, 0.1);
    const got = run(s, [0, 0, 0, 0, 0]);
    // 0.001 + 0.099 · {0.8535533906, 0.5, 0.1464466094, 0, 0.1464466094}
    [0.0855017857, 0.0505, 0.0154982143, 0.001, 0.0154982143].forEach((v, i) => near(got[i], v, 1e-10, `epoch ${i + 1}`));
  });

  test('reduce-on-plateau: patience, cooldown, minLr (ReduceLROnPlateau)', () => {
    const s = createLrSchedule({ kind: 'reduce-on-plateau', factor: 0.5, patience: 1, cooldown: 1, minLr: 0.2 }, 1);
    const values = [1.0, 0.9, 0.95, 0.93, 0.92, 0.95, 0.96, 0.97, 0.98, 0.99, 1.0, 1.0, 1.0];
    assert.deepEqual(run(s, values), [1, 1, 1, 0.5, 0.5, 0.5, 0.25, 0.25, 0.25, 0.2, 0.2, 0.2, 0.2]);
    const saved = s.state();
    const t = createLrSchedule({ kind: 'reduce-on-plateau', factor: 0.5, patience: 1, cooldown: 1, minLr: 0.2 }, 1);
    t.load(saved);
    assert.deepEqual(t.state(), saved);
  });

  test('fit steps the schedule once per epoch: the history records each epoch\'s lr', async () => {
    const { model, train } = setup();
    const h = await fit(model, train, { epochs: 5, optimizer: { kind: 'sgd', lr: 0.1 }, lrSchedule: { kind: 'step', stepSize: 2, gamma: 0.5 }, progress: 'none' });
    assert.deepEqual(h.epochs.map((e) => e.lr), [0.1, 0.1, 0.05, 0.05, 0.025]);
  });

  test('unknown options and kinds are errors', () => {
    assert.throws(() => createLrSchedule({ kind: 'step', stepSize: 2, gama: 0.5 } as never, 0.1), /unknown option 'gama' for 'step' \(allowed: kind, stepSize, gamma\)/);
    assert.throws(() => createLrSchedule({ kind: 'linear' } as never, 0.1), /unknown kind 'linear'/);
    assert.throws(() => createLrSchedule({ kind: 'cosine', tMax: 0 }, 0.1), /tMax is 0/);
  });
});

// ---- Shared tiny task: sign of the sum of a sequence (classes), with a validation set.

function signData(n: number, seed: number): ArrayDataset {
  const rng = new Rng(seed);
  const x: number[][][] = [];
  const y: number[][] = [];
  for (let i = 0; i < n; i++) {
    const s = Array.from({ length: 2 + rng.int(7) }, () => [rng.uniformRange(-1, 1), rng.uniformRange(-1, 1)]);
    x.push(s);
    y.push([s.reduce((a, v) => a + v[0], 0) > 0 ? 1 : 0]);
  }
  return new ArrayDataset({ x, y });
}

const trainSet = signData(96, 1);
const valSet = signData(40, 2);
const SPEC: ModelSpecInput = { task: 'classify', cell: 'lstm', inputSize: 2, hiddenSize: 8, numLayers: 2, dropout: 0.25, numClasses: 2, seed: 5 };

function setup(spec: ModelSpecInput = SPEC): { model: SequenceModel; train: DataLoader; val: DataLoader } {
  return {
    model: buildModel(spec),
    train: new DataLoader(trainSet, { batchSize: 16, shuffle: true, seed: 3 }),
    val: new DataLoader(valSet, { batchSize: 16 }),
  };
}

/** Everything of a history that must be reproducible (wall-clock seconds are not). */
function reproducible(h: History): unknown {
  return { ...h, epochs: h.epochs.map(({ seconds: _s, ...rest }) => rest) };
}

function weightsOf(m: Module): Record<string, Float32Array> {
  return Object.fromEntries(m.namedParameters().map(([n, t]) => [n, t.data.slice()]));
}

const FULL: Omit<FitOptions, 'validation'> = {
  epochs: 4,
  optimizer: { kind: 'adam', lr: 1e-2 },
  // Both keep state that a resume must restore: the lr halves after epochs 2 and 3, and epoch 1
  // stays the best one (restored at the end).
  lrSchedule: { kind: 'reduce-on-plateau', factor: 0.5, patience: 0, threshold: 0.02, monitor: 'loss' },
  earlyStopping: { patience: 10, minDelta: 0.02 },
  clipGradNorm: 0.5,
  seed: 42,
  progress: 'none',
};

describe('early stopping', () => {
  test('Keras rule: stops after patience epochs without an improvement of more than minDelta', () => {
    const es = new EarlyStopping(2, 0.01, false);
    const verdicts = [1, 0.9, 0.895, 0.85, 0.86, 0.849].map((v, i) => es.update(v, i + 1));
    assert.deepEqual(verdicts, ['improved', 'improved', 'wait', 'improved', 'wait', 'stop']);
    assert.equal(es.bestEpochSoFar, 4);
    const up = new EarlyStopping(1, 0, true);
    assert.deepEqual([0.5, 0.6, 0.6].map((v, i) => up.update(v, i + 1)), ['improved', 'improved', 'stop']);
  });

  test('in fit: with lr 0 the loss never improves, so training stops at epoch 1 + patience', async () => {
    const { model, train } = setup({ ...SPEC, dropout: 0 });
    const h = await fit(model, train, { epochs: 20, optimizer: { kind: 'sgd', lr: 0 }, earlyStopping: { patience: 3, minDelta: 1e-6, monitor: 'loss' }, progress: 'none' });
    assert.equal(h.epochs.length, 4);
    assert.equal(h.stopReason, 'early-stopping');
    assert.equal(h.bestEpoch, 1);
  });

  test('in fit: stops at best + patience on val_loss and restores the best epoch\'s weights', async () => {
    const { model, train, val } = setup({ ...SPEC, dropout: 0 });
    const seen: Record<string, Float32Array>[] = [];
    const h = await fit(model, train, {
      epochs: 40, optimizer: { kind: 'sgd', lr: 2, momentum: 0.9 }, validation: val, earlyStopping: { patience: 2 }, progress: 'none',
      callbacks: { onEpochEnd: () => seen.push(weightsOf(model)) },
    });
    const vals = h.epochs.map((e) => e.valLoss as number);
    const best = vals.indexOf(Math.min(...vals)) + 1;
    assert.equal(h.stopReason, 'early-stopping');
    assert.ok(h.epochs.length < 40);
    assert.equal(h.bestEpoch, best);
    assert.equal(h.epochs.length, best + 2);
    assert.deepEqual(weightsOf(model), seen[best - 1]);
  });
});

describe('NaN or Infinity stops training', () => {
  test('a NaN weight (injected after step 7) stops at epoch 2, step 2 of the epoch; the last good weights are kept', async () => {
    const { model, train } = setup();
    const path = join(dir, 'nan.recur');
    let good: Record<string, Float32Array> = {};
    const run = fit(model, train, {
      epochs: 5, optimizer: { kind: 'adam', lr: 1e-2 }, progress: 'none', checkpoint: { path },
      callbacks: {
        onStep: ({ step }) => {
          if (step !== 7) return;
          good = weightsOf(model);
          model.parameters()[0].data[3] = NaN;
        },
      },
    });
    await assert.rejects(run, (e: unknown) => {
      assert.ok(e instanceof TrainingDivergedError);
      assert.match(e.message, /the loss is NaN at epoch 2, step 2 \(step 8 of the run\)/);
      assert.deepEqual([e.epoch, e.batch, e.step, e.quantity], [2, 2, 8, 'loss']);
      assert.equal(e.history.epochs.length, 1);
      return true;
    });
    assert.deepEqual(weightsOf(model), good);
    // The checkpoint of epoch 1 is still there, untouched, with finite weights.
    const ckpt = loadCheckpoint(path);
    assert.equal((ckpt.training as { epochsDone: number }).epochsDone, 1);
    for (const t of Object.values(ckpt.weights)) assert.ok(t.data.every(Number.isFinite));
  });

  test('a huge learning rate: the run stops with an error and the model stays finite', async () => {
    const { model, train } = setup({ task: 'regress', cell: 'rnn', inputSize: 2, hiddenSize: 8, outputSize: 1, seed: 1 });
    const ys = new ArrayDataset({ x: [[[1, 2], [3, 4]], [[5, 6]]], y: [[1e18], [-1e18]] });
    await assert.rejects(
      fit(model, new DataLoader(ys, { batchSize: 2 }), { epochs: 50, optimizer: { kind: 'sgd', lr: 1e10 }, progress: 'none' }),
      (e: unknown) => e instanceof TrainingDivergedError && /at epoch \d+, step 1/.test(e.message),
    );
    assert.ok(train.numBatches > 0);
    for (const p of model.parameters()) assert.ok(p.data.every(Number.isFinite));
  });
});

describe('reproducibility and resume', () => {
  test('two seeded runs give identical losses, metrics and weights', async () => {
    const a = setup();
    const b = setup();
    const ha = await fit(a.model, a.train, { ...FULL, validation: a.val });
    const hb = await fit(b.model, b.train, { ...FULL, validation: b.val });
    assert.equal(ha.stepLosses.length, 4 * 6);
    assert.deepEqual(reproducible(ha), reproducible(hb));
    assert.deepEqual(weightsOf(a.model), weightsOf(b.model));
    assert.deepEqual(ha.epochs.map((e) => e.lr), [0.01, 0.01, 0.005, 0.0025]);
    assert.equal(ha.bestEpoch, 1);
    assert.ok(ha.epochs[3].loss < ha.epochs[0].loss);
  });

  const reference = (async () => {
    const r = setup();
    const h = await fit(r.model, r.train, { ...FULL, validation: r.val });
    return { history: h, weights: weightsOf(r.model) };
  })();

  for (const [when, abortAt] of [['at an epoch boundary', 'epoch 2'], ['mid-epoch', 'step 9']] as const) {
    test(`resume ${when} reproduces the uninterrupted run bit for bit`, async () => {
      const path = join(dir, `resume-${abortAt.replace(' ', '')}.recur`);
      const ctl = new AbortController();
      const first = setup();
      const h1 = await fit(first.model, first.train, {
        ...FULL, validation: first.val, checkpoint: { path, every: 3 }, signal: ctl.signal,
        callbacks: {
          onStep: ({ step }) => (abortAt === `step ${step}` ? ctl.abort() : undefined),
          onEpochEnd: ({ epoch }) => (abortAt === `epoch ${epoch}` ? ctl.abort() : undefined),
        },
      });
      assert.equal(h1.stopReason, 'aborted');
      assert.equal(h1.stepLosses.length, abortAt === 'step 9' ? 9 : 12);

      const second = setup(); // fresh model and loaders; everything else comes from the file
      const h2 = await fit(second.model, second.train, { ...FULL, validation: second.val, resumeFrom: path });
      const ref = await reference;
      assert.deepEqual(reproducible(h2), reproducible(ref.history));
      assert.deepEqual(weightsOf(second.model), ref.weights);
    });
  }

  test('Ctrl-C (SIGINT → AbortSignal) in a running process: the step finishes, a checkpoint is saved, exit 0', async () => {
    const src = (f: string): string => JSON.stringify(fileURLToPath(new URL(`../src/${f}`, import.meta.url)));
    const path = join(dir, 'sigint.recur');
    // A long run; the parent sends SIGINT once the child reports its third step.
    const code = `
      import { ArrayDataset } from ${src('data/dataset.ts')};
      import { DataLoader } from ${src('data/loader.ts')};
      import { buildModel } from ${src('models/index.ts')};
      import { fit } from ${src('train/index.ts')};
      const x = Array.from({ length: 64 }, (_, i) => Array.from({ length: 20 }, (_, t) => [Math.sin(i + t)]));
      const ds = new ArrayDataset({ x, y: x.map((s) => [s[0][0]]) });
      const model = buildModel({ task: 'regress', cell: 'lstm', inputSize: 1, hiddenSize: 32, outputSize: 1 });
      const ctl = new AbortController();
      process.once('SIGINT', () => ctl.abort());
      const h = await fit(model, new DataLoader(ds, { batchSize: 4 }), {
        epochs: 10000, progress: 'none', signal: ctl.signal, checkpoint: { path: ${JSON.stringify(path)} },
        callbacks: { onStep: ({ step }) => { if (step === 3) process.stdout.write('running\\n'); } },
      });
      process.stdout.write(JSON.stringify({ stopReason: h.stopReason, steps: h.stepLosses.length }) + '\\n');
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('running') && child.exitCode === null && !child.killed) child.kill('SIGINT');
    });
    // Without yielding to the event loop, fit would never see the signal: give up after 15 s.
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    const exit = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
    clearTimeout(timer);
    assert.equal(exit, 0, `child exit ${exit}; output: ${out}`);
    const result = JSON.parse(out.trim().split('\n').at(-1) as string) as { stopReason: string; steps: number };
    assert.equal(result.stopReason, 'aborted');
    const training = loadCheckpoint(path).training as { globalStep: number; epochsDone: number; stepInEpoch: number };
    assert.equal(training.globalStep, result.steps);
    assert.equal(training.epochsDone * 16 + training.stepInEpoch, result.steps);
  });

  test('resuming with another spec, or from a file without training state, is refused', async () => {
    const path = join(dir, 'spec.recur');
    const a = setup();
    await fit(a.model, a.train, { epochs: 1, progress: 'none', checkpoint: { path } });
    const b = setup({ ...SPEC, hiddenSize: 9 });
    await assert.rejects(fit(b.model, b.train, { epochs: 2, progress: 'none', resumeFrom: path }), /was trained with spec .* build the model from the checkpoint's spec/);
    const ckpt = loadCheckpoint(path);
    delete ckpt.training;
    const c = setup();
    await assert.rejects(fit(c.model, c.train, { epochs: 2, progress: 'none', resumeFrom: ckpt }), /has no training state/);
  });
});

describe('validation, evaluation, options', () => {
  test('evaluate: the loss is the mean over all rows whatever the batch size', () => {
    const { model } = setup();
    const small = evaluate(model, new DataLoader(valSet, { batchSize: 7 }));
    const whole = evaluate(model, new DataLoader(valSet, { batchSize: 1000 }));
    near(small.loss, whole.loss, 1e-6, 'loss');
    assert.deepEqual(small.metrics, whole.metrics);
    assert.equal(small.rows, 40);
  });

  test('validation { split } holds out the last part of the dataset', async () => {
    const { train, validation } = splitDataset(trainSet, 0.25);
    assert.deepEqual([train.size, validation.size], [72, 24]);
    assert.deepEqual(validation.get(0), trainSet.get(72));
    const { model, train: loader } = setup();
    const h = await fit(model, loader, { epochs: 1, validation: { split: 0.25 }, progress: 'none' });
    assert.equal(h.epochs[0].steps, 5); // 72 samples in batches of 16
    const check = buildModel(SPEC);
    check.loadStateDict(model.stateDict());
    near(h.epochs[0].valLoss as number, evaluate(check, new DataLoader(validation, { batchSize: 16 })).loss, 0, 'valLoss');
  });

  test('option errors say what is wrong', async () => {
    const { model, train } = setup();
    await assert.rejects(fit(model, train, { epochs: 1, epoch: 2 } as FitOptions), /unknown option 'epoch' \(allowed: epochs,/);
    await assert.rejects(fit(model, train, { epochs: 0 }), /epochs is 0/);
    await assert.rejects(fit(model, train, { epochs: 1, metrics: ['mae'] }), /'mae' does not apply to task 'classify'/);
    await assert.rejects(fit(model, train, { epochs: 1, earlyStopping: { patience: 2, monitor: 'val_accuracy' } }), /needs a validation set/);
    await assert.rejects(fit(model, train, { epochs: 1, optimizer: { kind: 'adam', lr: 1e-3, beta1: 0.9 } as never }), /unknown option 'beta1'/);
  });
});

describe('progress output', () => {
  test('not a TTY: exactly one plain line per epoch', async () => {
    const { model, train, val } = setup();
    let text = '';
    await fit(model, train, { epochs: 3, validation: val, output: { write: (s: string) => (text += s), isTTY: false } });
    const lines = text.trimEnd().split('\n');
    assert.equal(lines.length, 3);
    assert.ok(!text.includes('\r'));
    lines.forEach((l, i) => assert.match(l, new RegExp(`^epoch ${i + 1}/3  loss \\d\\.\\d{4}  accuracy \\d\\.\\d{4}  macroF1 \\d\\.\\d{4}  val_loss \\d\\.\\d{4}  val_accuracy .* lr 0\\.0010  \\d+\\.\\ds$`)));
  });

  test('a TTY: one line redrawn with \\r, ETA, throttled, then the summary', () => {
    let text = '';
    let clock = 0;
    const p = new ProgressReporter('auto', { write: (s: string) => (text += s), isTTY: true, columns: 120 }, () => clock, 100);
    p.startEpoch(1, 5, 10);
    for (let b = 1; b <= 10; b++) {
      clock += 30; // 30 ms per batch: the bar may redraw every 4th batch at most
      p.step(b, () => [['loss', 1 / b]]);
    }
    p.endEpoch([['loss', 0.1]]);
    const draws = text.split('\r').filter((s) => s.startsWith('epoch 1/5 ['));
    assert.deepEqual(draws.map((d) => d.match(/\] +(\d+)\/10/)?.[1]), ['1', '5', '9', '10']);
    assert.match(draws[1], /^epoch 1\/5 \[##########----------\]  5\/10  ETA 0:00  loss 0\.2000\x1b\[K$/);
    assert.match(text, /\repoch 1\/5  loss 0\.1000  0\.3s\x1b\[K\n$/);
    assert.equal(text.split('\n').length, 2);
  });

  test('fit on a TTY draws the bar', async () => {
    const { model, train } = setup();
    let text = '';
    await fit(model, train, { epochs: 1, output: { write: (s: string) => (text += s), isTTY: true } });
    assert.match(text, /^\repoch 1\/1 \[#+-*\] +\d\/6  ETA \d+:\d\d  loss \d\.\d{4}  accuracy/);
    assert.ok(text.endsWith('\n') && existsSync(dir));
  });
});

describe('the loss option: any model, any batches', () => {
  // A model that is not a preset, y = w·x + b, on batches that are not a DataLoader's.
  class Line extends Module {
    readonly spec = { kind: 'line', inputs: 2 };
    readonly lin: Linear;
    constructor() {
      super();
      this.lin = this.registerModule('lin', new Linear({ inFeatures: 2, outFeatures: 1, seed: 3 }));
    }
  }
  /** x [B, 2], y [B, 1]. */
  interface XY {
    x: Tensor;
    y: Tensor;
  }
  /** n points on y = 3 x0 − 2 x1 + 0.5 exactly, x uniform in [−1, 1]². */
  function linePoints(n: number, seed: number): { x: number[][]; y: number[] } {
    const rng = new Rng(seed);
    const x = Array.from({ length: n }, () => [rng.uniformRange(-1, 1), rng.uniformRange(-1, 1)]);
    return { x, y: x.map(([a, b]) => 3 * a - 2 * b + 0.5) };
  }
  /** Batches of 16 points, reshuffled every epoch by a generator whose state fit saves. */
  class Points implements BatchSource<XY> {
    private readonly rng: Rng;
    constructor(private readonly pts: { x: number[][]; y: number[] }, seed: number | null) {
      this.rng = new Rng(seed ?? 0);
      this.shuffle = seed !== null;
    }
    private readonly shuffle: boolean;
    get numBatches(): number {
      return Math.ceil(this.pts.y.length / 16);
    }
    *[Symbol.iterator](): Iterator<XY> {
      const order = Array.from(this.pts.y, (_, i) => i);
      if (this.shuffle) this.rng.shuffle(order);
      for (let s = 0; s < order.length; s += 16) {
        const rows = order.slice(s, s + 16);
        yield {
          x: new Tensor(Float32Array.from(rows.flatMap((i) => this.pts.x[i])), [rows.length, 2]),
          y: new Tensor(Float32Array.from(rows, (i) => this.pts.y[i]), [rows.length, 1]),
        };
      }
    }
    getState(): RngState {
      return this.rng.getState();
    }
    setState(state: unknown): void {
      this.rng.setState(state as RngState);
    }
  }
  const trainPts = linePoints(64, 11);
  const valPts = linePoints(24, 12);

  test('SGD through the loss option recovers the line exactly; validation runs the same loss in evaluation mode', async () => {
    const model = new Line();
    const seen: LossContext[] = [];
    const h = await fit(model, new Points(trainPts, 1), {
      epochs: 25, optimizer: { kind: 'sgd', lr: 0.3 }, validation: new Points(valPts, null), progress: 'none',
      loss: (b, at) => {
        seen.push({ ...at, training: at.training && model.training });
        return { loss: mseLoss(model.lin.forward(b.x), b.y), rows: b.y.shape[0] };
      },
    });
    assert.equal(h.stepLosses.length, 25 * 4);
    const [w0, w1] = model.lin.weight.data;
    const b = (model.lin.bias as Tensor).data[0];
    near(w0, 3, 1e-4, 'w0');
    near(w1, -2, 1e-4, 'w1');
    near(b, 0.5, 1e-4, 'b');
    const last = h.epochs[24];
    assert.ok(h.epochs[0].loss > 0.1 && last.loss < 1e-8, `training loss ${h.epochs[0].loss} → ${last.loss}`);
    assert.ok(last.valLoss !== null && last.valLoss < 1e-8, `validation loss ${last.valLoss}`);
    // Training steps see their 0-based step index, in training mode; validation (2 batches) in evaluation mode.
    const train = seen.filter((c) => c.training);
    assert.deepEqual(train.map((c) => c.step), Array.from({ length: 100 }, (_, i) => i));
    const val = seen.filter((c) => !c.training);
    assert.equal(val.length, 25 * 2);
    assert.deepEqual(val.slice(0, 2).map((c) => [c.epoch, c.step]), [[1, 4], [1, 4]]);
  });

  // Jittered inputs from a generator of the loss's own: an exact resume needs its state.
  type JitterRecord = EpochRecord & { rows: number; firstStep: number };
  const jitterRun = (model: Line, jitter: Rng): FitOptions<XY, JitterRecord> & { loss: LossHook<XY> } => ({
    epochs: 3, optimizer: { kind: 'adam', lr: 0.05 }, validation: new Points(valPts, null), progress: 'none',
    loss: (b, at) => {
      let x = b.x;
      if (at.training) x = new Tensor(b.x.data.map((v) => v + 0.05 * jitter.normal()), b.x.shape);
      return { loss: mseLoss(model.lin.forward(x), b.y), rows: b.y.shape[0] };
    },
    rngs: { jitter },
    record: (base, e) => ({ ...base, rows: e.rows, firstStep: e.firstStep }),
  });

  test('resume through the loss option reproduces the uninterrupted run bit for bit, its generator included', async () => {
    const straight = new Line();
    const ref = await fit(straight, new Points(trainPts, 1), jitterRun(straight, new Rng(5)));
    assert.deepEqual(ref.epochs.map((e) => [e.rows, e.firstStep]), [[64, 0], [64, 4], [64, 8]]);

    const path = join(dir, 'loss-option.recur');
    const ctl = new AbortController();
    const a = new Line();
    const first = await fit(a, new Points(trainPts, 1), {
      ...jitterRun(a, new Rng(5)), checkpoint: { path }, signal: ctl.signal,
      callbacks: { onStep: ({ step }) => (step === 6 ? ctl.abort() : undefined) },
    });
    assert.equal(first.stopReason, 'aborted');
    assert.equal(first.stepLosses.length, 6);

    const b = new Line();
    const resumed = await fit(b, new Points(trainPts, 1), { ...jitterRun(b, new Rng(5)), resumeFrom: path });
    assert.deepEqual(reproducible(resumed), reproducible(ref));
    assert.deepEqual(weightsOf(b), weightsOf(straight));

    // Without its generator in `rngs` the jitter starts afresh, and the run is another one.
    const c = new Line();
    const { rngs: _r, ...withoutRngs } = jitterRun(c, new Rng(5));
    const other = await fit(c, new Points(trainPts, 1), { ...withoutRngs, resumeFrom: path });
    assert.deepEqual(other.stepLosses.slice(0, 6), ref.stepLosses.slice(0, 6));
    assert.notDeepEqual(other.stepLosses.slice(6), ref.stepLosses.slice(6));
  });

  test('the summary option writes the epoch line; an abort in an epoch\'s last step finishes that epoch', async () => {
    const model = new Line();
    const ctl = new AbortController();
    let text = '';
    const path = join(dir, 'last-step.recur');
    const h = await fit(model, new Points(trainPts, 1), {
      ...jitterRun(model, new Rng(5)), checkpoint: { path }, signal: ctl.signal, progress: 'lines', output: { write: (t: string) => (text += t) },
      summary: (r) => `epoch ${r.epoch}: ${r.rows} rows from step ${r.firstStep}, val ${r.valLoss?.toFixed(2)}`,
      callbacks: { onStep: ({ step }) => (step === 4 ? ctl.abort() : undefined) },
    });
    assert.equal(h.stopReason, 'aborted');
    assert.equal(h.epochs.length, 1);
    assert.match(text, /^epoch 1: 64 rows from step 0, val \d+\.\d\d\nstopped at epoch 2, step 4; checkpoint saved to .*\n$/);
    const training = loadCheckpoint(path).training as { epochsDone: number; stepInEpoch: number };
    assert.deepEqual([training.epochsDone, training.stepInEpoch], [1, 0]);
  });

  test('what the loss option cannot do is an error that says so', async () => {
    const model = new Line();
    const loss = (b: XY): { loss: Tensor; rows: number } => ({ loss: mseLoss(model.lin.forward(b.x), b.y), rows: b.y.shape[0] });
    await assert.rejects(fit(model as never, new Points(trainPts, 1) as never, { epochs: 1, progress: 'none' }), /the model is not a preset \(buildModel\); pass the option loss/);
    await assert.rejects(fit(model, new Points(trainPts, 1), { epochs: 1, loss, metrics: ['accuracy'] }), /metric 'accuracy' needs a preset's predictions/);
    const { train } = setup();
    await assert.rejects(fit(buildModel(SPEC), train, { epochs: 1, validation: { split: 0.2 }, loss: () => ({ loss: new Tensor(new Float32Array(1), []), rows: 1 }) }), /validation \{ split \} goes with the presets' loss/);
  });
});

describe('older checkpoints', () => {
  test('a trainSeq2Seq checkpoint in its pre-fit layout resumes as the run it was taken from', async () => {
    // Written by trainSeq2Seq before it trained through fit (fixtures/training/README.md), with
    // its run's pairs as data; aborted at step 4 of epoch 2 of these options.
    const fixture = fileURLToPath(new URL('../fixtures/training/seq2seq-v1-mid-epoch.recur', import.meta.url));
    const { model: trained, checkpoint: saved } = loadSeq2Seq(fixture);
    assert.equal((saved.training as { format: string }).format, 'recur-seq2seq');
    const { train, validation } = saved.data as unknown as { train: ParallelData; validation: ParallelData };
    const options: Seq2SeqTrainOptions = {
      epochs: 3, batchSize: 16, seed: 2, optimizer: { kind: 'adam', lr: 1e-2 }, clipGradNorm: 1, validation,
      teacherForcing: { kind: 'linear', start: 1, end: 0.5, steps: 12 }, progress: 'none',
    };
    const model = (): Seq2Seq => new Seq2Seq(trained.spec); // initial weights from the spec's seed

    const straight = await trainSeq2Seq(model(), train, options);
    const resumed = await trainSeq2Seq(model(), train, { ...options, resumeFrom: fixture });
    assert.equal(resumed.stopReason, 'completed');
    assert.equal(resumed.stepLosses.length, 18);
    assert.deepEqual(resumed.epochs.map((e) => [e.epoch, e.steps, e.tokens, e.teacherForcing]), straight.epochs.map((e) => [e.epoch, e.steps, e.tokens, e.teacherForcing]));
    assert.deepEqual(straight.epochs.map((e) => e.teacherForcing), [1, 0.75, 0.5]);
    // Bit for bit with the kernels that wrote the file; a tolerance lets later kernels round differently.
    resumed.stepLosses.forEach((v, i) => near(v, straight.stepLosses[i], 1e-4, `step ${i + 1} loss`));
    resumed.epochs.forEach((e, i) => {
      near(e.loss, straight.epochs[i].loss, 1e-4, `epoch ${i + 1} loss`);
      near(e.valLoss as number, straight.epochs[i].valLoss as number, 1e-4, `epoch ${i + 1} validation loss`);
    });
  });
});
