/**
 * Demo `grammar`: the textbook experiment — can a recurrent net tell valid arithmetic expressions
 * from invalid ones? (grammar and mutations in expressions.ts)
 *
 *   valid     drawn from  expr := term (('+'|'-') term)*,  term := factor (('*'|'/') factor)*,
 *                         factor := a|b|c|x|y|z | 1–3 digits | '(' expr ')'
 *   invalid   a valid string with one or two random character edits, kept only when the parser
 *             rejects it — so the two classes differ by as little as one character
 *   lengths 10–40 characters, half of each class; inputs one-hot over the 22 characters.
 *
 * Legend: B batch, L ≤ 40 characters, A = 22 alphabet, H hidden, N packed rows (Σ lengths).
 *   x PackedSequence [B, ≤L, A] → LSTM → final state [B, H] → dropout → Linear → logits [B, 2]
 *
 * Part 1 — capacity: hidden sizes 4 / 16 / 64, each without and with dropout (on the features
 * entering the head), trained by fit() with identical data, order and epochs; accuracy on a
 * fresh test set. The full configuration adds a plain tanh RNN of the largest size, which is
 * the classic reason LSTMs exist: it stays near chance here.
 * Part 2 — static against dynamic batches, the same model and seed, the same batches in the same
 * order, one training loop:
 *   static           x padded to L = 40 with zero vectors after the string, a plain [B, 40, A]
 *                    Tensor: every sample runs all 40 steps, pads included, and the head reads the
 *                    state after step 40
 *   static, pads first  the same with the pads before the string (Keras' default 'pre' padding),
 *                    so the last steps are real characters; the pads still cost their steps
 *   dynamic          x as a PackedSequence: step t runs only the samples still going, the head
 *                    reads each sample's state after its own last character
 * The three train in turns, one epoch each, so a busy machine slows them alike; accuracy, CPU and
 * wall-clock time of each, and the cell steps computed (B·40 against Σ lengths) that explain the
 * time. Pads after the string also cost accuracy: the state must survive up to 30 zero steps
 * before the head reads it, and with PyTorch's initialisation (forget-gate bias near 0, so
 * f ≈ 0.5) the gradient through those steps shrinks like 0.5^30 — in our runs that model stayed
 * at chance, while pads first learned as well as packing.
 *
 * Baselines on the test set: the majority class (50%, the set is balanced) and a rule a person
 * might try first — "valid when the parentheses balance".
 */
import { ArrayDataset } from '../data/dataset.ts';
import { DataLoader, collate, type Batch } from '../data/loader.ts';
import { GRU, LSTM } from '../layers/recurrent.ts';
import { crossEntropy } from '../losses/cross-entropy.ts';
import { buildModel } from '../models/build.ts';
import type { SequenceToOne } from '../models/sequence-to-one.ts';
import { clipGradNorm } from '../optim/clip.ts';
import { createOptimizer } from '../optim/config.ts';
import type { Optimizer } from '../optim/optimizer.ts';
import { barChart } from '../report/bar-chart.ts';
import { writeReport } from '../report/html.ts';
import { trainingReport } from '../report/training.ts';
import { Rng } from '../tensor/rng.ts';
import { reshape } from '../tensor/shape.ts';
import { tensor } from '../tensor/create.ts';
import { noGrad, type Tensor } from '../tensor/tensor.ts';
import { evaluate } from '../train/evaluate.ts';
import { fit } from '../train/fit.ts';
import type { History } from '../train/state.ts';
import {
  Printer, comparisonLines, epochsOf, lossCurve, percent, reportFile, secondsSince,
  type DemoOptions, type DemoResult,
} from './common.ts';
import { ALPHABET, expressionSet, oneHot, type ExpressionSet } from './expressions.ts';

const MIN_LENGTH = 10;
const MAX_LENGTH = 40;
const DEFAULT_SEED = 11;

interface GrammarConfig {
  trainSize: number;
  validationSize: number;
  testSize: number;
  hiddenSizes: readonly number[];
  dropout: number;
  epochs: number;
  batchSize: number;
  lr: number;
  /** Also train a plain tanh RNN of the largest hidden size (no dropout). */
  plainRnn: boolean;
  /** Hidden size of the static-against-dynamic comparison. */
  compareHidden: number;
}

const FULL: GrammarConfig = {
  trainSize: 4000, validationSize: 500, testSize: 2000, hiddenSizes: [4, 16, 64], dropout: 0.3,
  epochs: 10, batchSize: 32, lr: 1e-2, plainRnn: true, compareHidden: 64,
};
const QUICK: GrammarConfig = {
  trainSize: 3000, validationSize: 300, testSize: 1000, hiddenSizes: [4, 16], dropout: 0.3,
  epochs: 8, batchSize: 32, lr: 1e-2, plainRnn: false, compareHidden: 16,
};

/** One configuration of part 1. */
export interface SizeRun {
  cell: 'lstm' | 'rnn';
  hiddenSize: number;
  dropout: number;
  parameters: number;
  /** Test accuracy. */
  accuracy: number;
  seconds: number;
}

export type BatchingMode = 'static' | 'static, pads first' | 'dynamic';

/** One side of part 2. */
export interface BatchingRun {
  mode: BatchingMode;
  accuracy: number;
  /** Training wall-clock seconds (all epochs). */
  trainSeconds: number;
  /** Training CPU seconds of this process (user + system): steadier than wall-clock on a busy machine. */
  trainCpuSeconds: number;
  /** Seconds to classify the test set once. */
  testSeconds: number;
  /** Cell steps computed per training epoch (B·40 per batch static, Σ lengths dynamic). */
  stepsPerEpoch: number;
}

export interface GrammarResult extends DemoResult {
  demo: 'grammar';
  runs: SizeRun[];
  /** Part 2: static (pads after), static with pads first, dynamic. */
  batching: BatchingRun[];
  /** Test accuracy of "valid when the parentheses balance". */
  parenthesesRule: number;
  /** Training history of the headline model (largest LSTM, no dropout). */
  history: History;
}

function datasetOf(set: ExpressionSet): ArrayDataset {
  return new ArrayDataset({ x: set.strings.map(oneHot), y: set.labels.map((l) => [l]) });
}

function parenthesesBalance(s: string): boolean {
  let depth = 0;
  for (const c of s) {
    if (c === '(') depth++;
    else if (c === ')' && --depth < 0) return false;
  }
  return depth === 0;
}

/** Static mode: x [B, 40, A] padded with zeros → the recurrent layer runs all 40 steps → logits [B, 2]. */
function staticForward(model: SequenceToOne, x: Tensor): Tensor {
  const rnn = model.rnn;
  const B = x.shape[0];
  const h = rnn instanceof LSTM ? rnn.forward(x).h : rnn instanceof GRU ? rnn.forward(x).h : rnn.forward(x).h; // [1, B, H]
  return model.head.forward(model.drop.forward(reshape(h, [B, rnn.hiddenSize])));
}

/** The batch's strings one-hot in a zero [B, 40, A] tensor, left-aligned or (padsFirst) right-aligned. */
function padded(strings: readonly string[], batch: Batch, padsFirst: boolean): Tensor {
  const B = batch.indices.length;
  const A = ALPHABET.length;
  const x = new Float32Array(B * MAX_LENGTH * A); // [B, 40, A]
  batch.indices.forEach((i, b) => {
    const s = strings[i];
    const shift = padsFirst ? MAX_LENGTH - s.length : 0;
    for (let t = 0; t < s.length; t++) x[(b * MAX_LENGTH + shift + t) * A + ALPHABET.indexOf(s[t])] = 1;
  });
  return tensor(x, [B, MAX_LENGTH, A]);
}

function labels(batch: Batch): Tensor {
  if (batch.y === null) throw new Error('grammar demo: a batch without labels');
  return batch.y;
}

/** Accuracy of logits [B, 2] against labels [B, 1]. */
function correct(logits: Tensor, y: Tensor): number {
  let n = 0;
  for (let i = 0; i < y.shape[0]; i++) {
    const predicted = logits.data[2 * i + 1] > logits.data[2 * i] ? 1 : 0;
    if (predicted === y.data[i]) n++;
  }
  return n;
}

/**
 * Part 2: one training loop for every mode (Adam, clipping at 1, cross entropy), so the only
 * difference is how a batch reaches the recurrent layer. The modes train in turns, one epoch
 * each, so that whatever else the machine is doing slows them alike.
 */
class BatchingTrainer {
  private readonly params: Tensor[];
  private readonly opt: Optimizer;
  /** Cell steps computed per epoch. */
  readonly stepsPerEpoch: number;
  trainSeconds = 0;
  trainCpuSeconds = 0;

  constructor(
    readonly mode: BatchingMode,
    private readonly model: SequenceToOne,
    private readonly loader: DataLoader,
    private readonly strings: readonly string[],
    lr: number,
  ) {
    this.params = model.parameters();
    this.opt = createOptimizer(this.params, { kind: 'adam', lr });
    let steps = 0;
    for (const batch of loader.peekEpoch()) steps += mode === 'dynamic' ? batch.reduce((a, i) => a + strings[i].length, 0) : batch.length * MAX_LENGTH;
    this.stepsPerEpoch = steps;
  }

  forward(b: Batch, strings: readonly string[]): Tensor {
    return this.mode === 'dynamic' ? this.model.forward(b.x) : staticForward(this.model, padded(strings, b, this.mode === 'static, pads first'));
  }

  /** One epoch; its mean loss and accuracy (as seen during the epoch). */
  async epoch(): Promise<{ loss: number; accuracy: number; seconds: number }> {
    const started = performance.now();
    const cpu = process.cpuUsage();
    this.model.train();
    let lossSum = 0;
    let seen = 0;
    let hits = 0;
    for (const batch of this.loader) {
      this.opt.zeroGrad();
      const logits = this.forward(batch, this.strings);
      const loss = crossEntropy(logits, labels(batch));
      loss.backward();
      clipGradNorm(this.params, 1);
      this.opt.step();
      lossSum += loss.item() * batch.x.batchSize;
      seen += batch.x.batchSize;
      hits += correct(logits, labels(batch));
    }
    const used = process.cpuUsage(cpu);
    const seconds = secondsSince(started);
    this.trainSeconds += seconds;
    this.trainCpuSeconds += (used.user + used.system) / 1e6;
    await new Promise<void>((resolve) => setImmediate(resolve)); // let Ctrl-C and the terminal through
    return { loss: lossSum / seen, accuracy: hits / seen, seconds };
  }

  /** Accuracy on the test batch, and the seconds one pass over it takes. */
  test(batch: Batch, strings: readonly string[]): BatchingRun {
    this.model.eval();
    const t0 = performance.now();
    const logits = noGrad(() => this.forward(batch, strings));
    const testSeconds = secondsSince(t0);
    return {
      mode: this.mode, accuracy: correct(logits, labels(batch)) / batch.x.batchSize,
      trainSeconds: this.trainSeconds, trainCpuSeconds: this.trainCpuSeconds, testSeconds, stepsPerEpoch: this.stepsPerEpoch,
    };
  }
}

function parameterCount(model: SequenceToOne): number {
  return model.parameters().reduce((a, p) => a + p.size, 0);
}

/**
 * Valid against invalid arithmetic expressions: accuracy per hidden size with and without dropout,
 * and static against dynamic batches.
 * @example const r = await runGrammar({ quick: true, quiet: true }); r.runs.map((x) => x.accuracy);
 */
export async function runGrammar(options: DemoOptions = {}): Promise<GrammarResult> {
  const started = performance.now();
  const cfg = options.quick === true ? QUICK : FULL;
  const seed = options.seed ?? DEFAULT_SEED;
  const epochs = epochsOf(options, cfg.epochs);
  const out = new Printer(options.quiet === true);

  const rng = new Rng(seed);
  const trainSet = expressionSet(rng, cfg.trainSize, MIN_LENGTH, MAX_LENGTH);
  const valSet = expressionSet(rng, cfg.validationSize, MIN_LENGTH, MAX_LENGTH);
  const testSet = expressionSet(rng, cfg.testSize, MIN_LENGTH, MAX_LENGTH);
  const train = datasetOf(trainSet);
  const test = datasetOf(testSet);
  const testBatch = collate(test, Int32Array.from({ length: test.size }, (_, i) => i));
  const testLoader = (): DataLoader => new DataLoader(test, { batchSize: 256 });
  const parenRule = testSet.strings.filter((s, i) => (parenthesesBalance(s) ? 1 : 0) === testSet.labels[i]).length / testSet.strings.length;
  const meanLength = trainSet.strings.reduce((a, s) => a + s.length, 0) / trainSet.strings.length;

  out.line(`grammar: valid against invalid arithmetic expressions, ${MIN_LENGTH}–${MAX_LENGTH} characters (mean ${meanLength.toFixed(1)}), one-hot over ${ALPHABET.length} characters`);
  out.line(`  train ${train.size}, validation ${valSet.strings.length}, test ${test.size} strings, half valid; invalid ones are valid strings with 1–2 character edits that the parser rejects`);
  const examples = [0, 1, 2, 3, 4, 5].map((i) => `${testSet.labels[i] === 1 ? 'valid  ' : 'invalid'} ${testSet.strings[i]}`);
  for (const e of examples) out.line(`    ${e}`);

  // ---- Part 1: capacity and dropout.
  const configs: { cell: 'lstm' | 'rnn'; hiddenSize: number; dropout: number }[] = [];
  for (const hiddenSize of cfg.hiddenSizes) for (const dropout of [0, cfg.dropout]) configs.push({ cell: 'lstm', hiddenSize, dropout });
  const largest = Math.max(...cfg.hiddenSizes);
  if (cfg.plainRnn) configs.push({ cell: 'rnn', hiddenSize: largest, dropout: 0 });
  const runs: SizeRun[] = [];
  let headline: { history: History; model: SequenceToOne } | null = null;
  for (const c of configs) {
    out.line();
    out.line(`${c.cell === 'lstm' ? 'LSTM' : 'plain RNN (tanh)'} hidden ${c.hiddenSize}, dropout ${c.dropout}: ${epochs} epochs, Adam lr ${cfg.lr}, batch ${cfg.batchSize}`);
    const model = buildModel({ task: 'classify', cell: c.cell, inputSize: ALPHABET.length, hiddenSize: c.hiddenSize, numClasses: 2, dropout: c.dropout, seed });
    const t0 = performance.now();
    const history = await fit(model, new DataLoader(train, { batchSize: cfg.batchSize, shuffle: true, seed }), {
      epochs,
      optimizer: { kind: 'adam', lr: cfg.lr },
      validation: new DataLoader(datasetOf(valSet), { batchSize: 256 }),
      metrics: ['accuracy'],
      clipGradNorm: 1,
      seed,
      progress: out.progress,
    });
    const seconds = secondsSince(t0);
    const acc = evaluate(model, testLoader(), { metrics: ['accuracy'] }).metrics.accuracy ?? NaN;
    runs.push({ ...c, parameters: parameterCount(model), accuracy: acc, seconds });
    out.line(`  test accuracy ${percent(acc)}  (${parameterCount(model)} parameters, ${seconds.toFixed(1)} s)`);
    if (c.cell === 'lstm' && c.hiddenSize === largest && c.dropout === 0) headline = { history, model };
  }
  if (headline === null) throw new Error('grammar demo: no run of the largest LSTM without dropout');

  // ---- Part 2: static against dynamic batches.
  const H = cfg.compareHidden;
  const fresh = (): SequenceToOne => buildModel({ task: 'classify', cell: 'lstm', inputSize: ALPHABET.length, hiddenSize: H, numClasses: 2, dropout: 0, seed });
  const modes = ['static', 'static, pads first', 'dynamic'] as const;
  out.line();
  out.line(`static against dynamic batches: LSTM hidden ${H}, the same seed and batches, ${epochs} epochs each, trained in turns`);
  out.line(`  static              every batch a [B, ${MAX_LENGTH}, ${ALPHABET.length}] tensor, zeros after each string; all ${MAX_LENGTH} steps run`);
  out.line('  static, pads first  the same with the zeros before each string');
  out.line('  dynamic             PackedSequences: each sample stops at its own length');
  const trainers = modes.map((mode) => new BatchingTrainer(mode, fresh(), new DataLoader(train, { batchSize: cfg.batchSize, shuffle: true, seed }), trainSet.strings, cfg.lr));
  for (let e = 1; e <= epochs; e++) {
    for (const t of trainers) {
      const r = await t.epoch();
      out.line(`  epoch ${e}/${epochs}  ${t.mode.padEnd(19)} loss ${r.loss.toFixed(4)}  accuracy ${r.accuracy.toFixed(4)}  ${r.seconds.toFixed(1)}s`);
    }
  }
  const compare = trainers.map((t) => t.test(testBatch, testSet.strings));
  const [stat, , dyn] = compare;

  const main = runs.find((r) => r.cell === 'lstm' && r.hiddenSize === largest && r.dropout === 0) as SizeRun;
  const result: GrammarResult = {
    demo: 'grammar',
    metric: `test accuracy, LSTM hidden ${largest} (${test.size} strings, half valid)`,
    higherIsBetter: true,
    value: main.accuracy,
    baselines: [
      { name: 'majority class', value: testSet.labels.filter((l) => l === 1).length / test.size },
      { name: '"valid when the parentheses balance"', value: parenRule },
    ],
    reportPath: reportFile(options, 'grammar'),
    seconds: 0,
    runs,
    batching: compare,
    parenthesesRule: parenRule,
    history: headline.history,
  };

  // ---- Report.
  const lstmRuns = runs.filter((r) => r.cell === 'lstm');
  const accuracyChart = barChart(
    {
      categories: cfg.hiddenSizes.map((h) => `hidden ${h}`),
      series: [
        { name: 'LSTM, no dropout', values: cfg.hiddenSizes.map((h) => lstmRuns.find((r) => r.hiddenSize === h && r.dropout === 0)?.accuracy ?? null) },
        { name: `LSTM, dropout ${cfg.dropout}`, values: cfg.hiddenSizes.map((h) => lstmRuns.find((r) => r.hiddenSize === h && r.dropout > 0)?.accuracy ?? null) },
        ...(cfg.plainRnn
          ? [{ name: 'plain RNN (tanh), no dropout', values: cfg.hiddenSizes.map((h) => runs.find((r) => r.cell === 'rnn' && r.hiddenSize === h)?.accuracy ?? null) }]
          : []),
      ],
    },
    { title: 'Test accuracy by hidden size', xLabel: 'hidden size', yLabel: 'accuracy', yInclude: [1] },
  );
  const modeChart = (title: string, yLabel: string, pick: (r: BatchingRun) => number): string =>
    barChart(
      { categories: ['static, pads after', 'static, pads first', 'dynamic (packed)'], series: [{ name: yLabel, values: compare.map(pick) }] },
      { title, yLabel, width: 480 },
    );
  const { model } = headline;
  model.eval();
  const sample = collate(test, Int32Array.from({ length: 12 }, (_, i) => i));
  const logits = noGrad(() => model.forward(sample.x)).data;
  writeReport(
    result.reportPath,
    trainingReport(headline.history, {
      title: 'Grammar: valid or invalid arithmetic expression?',
      subtitle: `${train.size} training strings, ${MIN_LENGTH}–${MAX_LENGTH} characters; curves of the LSTM with hidden ${largest}, no dropout`,
      description:
        `Valid strings are drawn from the grammar expr := term (('+'|'-') term)*, term := factor (('*'|'/') factor)*, factor := variable | number | '(' expr ')'; ` +
        `invalid ones are valid strings with one or two random character edits (substitute, delete, insert, swap) that a recursive-descent parser rejects. ` +
        `Characters are one-hot (${ALPHABET.length} of them). Every model sees the same data in the same order for ${epochs} epochs (Adam, lr ${cfg.lr}, batch ${cfg.batchSize}, seed ${seed}); ` +
        `dropout acts on the final state entering the linear head. Accuracy is measured on ${test.size} fresh strings.`,
      test: { accuracy: main.accuracy },
      baselines: result.baselines.map((b) => ({ name: b.name, values: { accuracy: b.value } })),
      sections: [
        {
          heading: 'Accuracy by hidden size, with and without dropout',
          svg: accuracyChart,
          table: {
            columns: ['cell', 'hidden', 'dropout', 'parameters', 'test accuracy', 'training s'],
            rows: runs.map((r) => [r.cell === 'lstm' ? 'LSTM' : 'RNN (tanh)', r.hiddenSize, r.dropout, r.parameters, r.accuracy, Math.round(r.seconds * 10) / 10]),
          },
        },
        {
          heading: 'Static against dynamic batches',
          text:
            `The same LSTM (hidden ${H}, same seed), the same batches in the same order, the same training loop for ${epochs} epochs. Static: each batch a plain ` +
            `[B, ${MAX_LENGTH}, ${ALPHABET.length}] tensor padded with zero vectors, after the string or before it; the pads run through the weights and the head ` +
            `reads the state after step ${MAX_LENGTH}. Dynamic: a PackedSequence; each sample stops at its last character. Per epoch the static batches compute ` +
            `${stat.stepsPerEpoch} cell steps, the dynamic ones ${dyn.stepsPerEpoch} (${percent(1 - dyn.stepsPerEpoch / stat.stepsPerEpoch)} fewer). ` +
            `Pads after the string must be carried through up to ${MAX_LENGTH - MIN_LENGTH} steps of zeros before the head sees the state; pads first avoid that ` +
            `but not their cost. Times are wall-clock on this machine, so they vary from run to run; the step counts do not.`,
          svg: [
            modeChart('Test accuracy', 'accuracy', (r) => r.accuracy),
            modeChart('Training CPU time (s)', 'CPU seconds', (r) => r.trainCpuSeconds),
          ],
          table: {
            columns: ['batches', 'test accuracy', 'training CPU s', 'training wall s', 'test pass s', 'cell steps per epoch'],
            rows: compare.map((r) => [
              r.mode, r.accuracy, Math.round(r.trainCpuSeconds * 100) / 100, Math.round(r.trainSeconds * 100) / 100, Math.round(r.testSeconds * 1000) / 1000,
              r.stepsPerEpoch.toLocaleString('en-US'),
            ]),
          },
        },
        {
          heading: 'Some test strings',
          table: {
            columns: ['string', 'actual', 'P(valid)'],
            rows: Array.from({ length: 12 }, (_, i) => {
              const a = logits[2 * i];
              const b = logits[2 * i + 1];
              return [testSet.strings[i], testSet.labels[i] === 1 ? 'valid' : 'invalid', Math.round((1 / (1 + Math.exp(a - b))) * 1000) / 1000];
            }),
          },
        },
      ],
    }),
  );

  result.seconds = secondsSince(started);
  out.line();
  out.line(lossCurve(headline.history));
  out.line();
  out.line('test accuracy by hidden size:');
  for (const r of runs) out.line(`  ${(r.cell === 'lstm' ? 'LSTM' : 'RNN').padEnd(5)} hidden ${String(r.hiddenSize).padStart(2)}  dropout ${r.dropout.toFixed(1)}   ${percent(r.accuracy)}`);
  out.line(`static [B, ${MAX_LENGTH}, ${ALPHABET.length}] against dynamic (packed) batches, LSTM hidden ${H}, ${epochs} epochs:`);
  for (const r of compare) {
    out.line(
      `  ${r.mode.padEnd(19)} accuracy ${percent(r.accuracy).padStart(6)}   training ${r.trainCpuSeconds.toFixed(2)} CPU s (${r.trainSeconds.toFixed(2)} s wall)   ` +
        `${r.stepsPerEpoch} cell steps per epoch`,
    );
  }
  out.line(
    `  dynamic computes ${percent(1 - dyn.stepsPerEpoch / stat.stepsPerEpoch)} fewer cell steps and trains in ` +
      `${percent(dyn.trainCpuSeconds / stat.trainCpuSeconds, 0)} of the static CPU time`,
  );
  for (const l of comparisonLines(result, `LSTM hidden ${largest}`, 3)) out.line(l);
  out.line(`report: ${result.reportPath}  (${result.seconds.toFixed(1)} s)`);
  return result;
}
