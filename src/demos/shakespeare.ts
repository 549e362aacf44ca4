/**
 * Demo `shakespeare`: a character-level LSTM language model on tiny_shakespeare (char-rnn's
 * data, 1,115,394 characters; see data/tiny_shakespeare/SOURCE.md), with samples at several
 * temperatures.
 *
 * Legend: B batch, T chunk length, V vocabulary (65 characters + 4 specials), E embedding,
 * H hidden, L layers.
 *   ids [B, T] (a PackedSequence of chunks) → Embedding [V, E] → L × LSTM(H) → Linear → logits [B·T, V]
 *   target at step t = the character at t + 1
 *
 * - Split as char-rnn does: the first 90 % of the text trains, the last 10 % validates.
 * - Truncated sequences: the training text is cut into chunks of T + 1 characters (input the
 *   first T, targets the last T), shuffled every epoch, each starting from a zero state; the
 *   gradient never reaches further back than T characters. Validation uses longer chunks
 *   (`valChunk`), so fewer characters are predicted from a cold state.
 * - Loss in nats per character (cross entropy with natural logs); bits = nats / ln 2.
 * - Baselines on the same validation characters, both estimated on the training text with
 *   add-one smoothing: unigram (the characters' frequencies alone: the text's unigram entropy)
 *   and bigram (the previous character).
 * - Throughput: training characters per second over every optimizer step but each epoch's first
 *   (measured between steps, so validation and start-up do not count).
 * - Samples: `generate` (seq2seq/generate.ts) from the prompt, temperatures 0.5, 0.8 and 1.0,
 *   each with its own seed.
 */
import { readFileSync } from 'node:fs';
import type { Sample, SequenceDataset } from '../data/dataset.ts';
import { DataLoader } from '../data/loader.ts';
import { Vocabulary } from '../data/vocab.ts';
import { buildModel } from '../models/build.ts';
import { writeReport } from '../report/html.ts';
import { trainingReport } from '../report/training.ts';
import { generate } from '../seq2seq/generate.ts';
import { evaluate } from '../train/evaluate.ts';
import { fit } from '../train/fit.ts';
import type { History } from '../train/state.ts';
import {
  Printer, comparisonLines, dataPath, epochsOf, lossCurve, reportFile, secondsSince,
  type DemoOptions, type DemoResult,
} from './common.ts';

const DEFAULT_SEED = 11;
export const SAMPLE_TEMPERATURES = [0.5, 0.8, 1.0] as const;

export interface ShakespeareConfig {
  /** Training characters used: all of the first 90 % when ≥ it, else a prefix of it. */
  trainChars: number;
  /** Validation characters used: all of the last 10 % when ≥ it, else a prefix of it. */
  valChars: number;
  /** T, characters per training chunk. */
  chunk: number;
  /** Characters per validation chunk. */
  valChunk: number;
  embeddingDim: number;
  hiddenSize: number;
  numLayers: number;
  dropout: number;
  batchSize: number;
  lr: number;
  epochs: number;
  /** Characters generated per sample. */
  sampleLength: number;
}

/**
 * The long run: 1 × 512 LSTM, 4 epochs. Measured (2 cores, one thread, the other core busy):
 * validation 1.514 nats/char (2.185 bits) after 536 s at 7,700 characters/s; epochs 1–4:
 * 1.776, 1.614, 1.546, 1.514 (bigram 2.482, unigram 3.347).
 */
export const FULL: ShakespeareConfig = {
  trainChars: Infinity, valChars: Infinity, chunk: 100, valChunk: 500, embeddingDim: 32, hiddenSize: 512, numLayers: 1,
  dropout: 0, batchSize: 32, lr: 2e-3, epochs: 4, sampleLength: 400,
};
export const QUICK: ShakespeareConfig = {
  trainChars: 150_000, valChars: 30_000, chunk: 64, valChunk: 250, embeddingDim: 16, hiddenSize: 128, numLayers: 1,
  dropout: 0, batchSize: 32, lr: 1e-2, epochs: 1, sampleLength: 200,
};

export interface ShakespeareSample {
  temperature: number;
  seed: number;
  text: string;
}

export interface ShakespeareResult extends DemoResult {
  demo: 'shakespeare';
  /** Validation loss, nats per character (= `value`). */
  valNatsPerChar: number;
  valBitsPerChar: number;
  /** Cross entropy of the add-one unigram model on the validation characters (nats/char). */
  unigramNatsPerChar: number;
  /** Cross entropy of the add-one bigram model on the validation characters (nats/char). */
  bigramNatsPerChar: number;
  /** Training characters per second (see the file header). */
  tokensPerSecond: number;
  /** Characters trained on (every epoch counted). */
  trainedChars: number;
  /** Wall-clock seconds of training and per-epoch validation. */
  trainSeconds: number;
  /** CPU seconds of this process over the same span (above trainSeconds when threads help, below when the machine is shared). */
  trainCpuSeconds: number;
  samples: ShakespeareSample[];
  prompt: string;
  config: ShakespeareConfig;
  history: History;
}

/** Options of the demo, plus a configuration override for measuring longer runs. */
export interface ShakespeareOptions extends DemoOptions {
  /** Fields replacing those of the configuration `quick` selects. */
  config?: Partial<ShakespeareConfig>;
}

/** Non-overlapping chunks of `ids`: sample i is x = ids[s .. s+T−1], y = ids[s+1 .. s+T], s = i·T. */
class ChunkDataset implements SequenceDataset {
  readonly inputSize = 1;
  readonly size: number;
  constructor(
    private readonly ids: Int32Array,
    private readonly T: number,
  ) {
    this.size = Math.floor((ids.length - 1) / T);
  }
  get(i: number): Sample {
    const s = i * this.T;
    const x: number[][] = [];
    const y: number[][] = [];
    for (let t = 0; t < this.T; t++) {
      x.push([this.ids[s + t]]);
      y.push([this.ids[s + t + 1]]);
    }
    return { x, yPerStep: y };
  }
  lengthOf(): number {
    return this.T;
  }
}

/** Cross entropy (nats/char) on `val` of add-one unigram and bigram models counted on `train`. */
export function ngramBaselines(train: Int32Array, val: Int32Array, V: number): { unigram: number; bigram: number } {
  const uni = new Float64Array(V);
  const bi = new Float64Array(V * V); // [prev, next]
  for (let i = 0; i < train.length; i++) {
    uni[train[i]]++;
    if (i > 0) bi[train[i - 1] * V + train[i]]++;
  }
  const rowSum = new Float64Array(V);
  for (let a = 0; a < V; a++) for (let b = 0; b < V; b++) rowSum[a] += bi[a * V + b];
  let u = 0;
  let g = 0;
  for (let i = 0; i < val.length; i++) {
    const c = val[i];
    u -= Math.log((uni[c] + 1) / (train.length + V));
    if (i > 0) {
      const p = val[i - 1];
      g -= Math.log((bi[p * V + c] + 1) / (rowSum[p] + V));
    }
  }
  return { unigram: u / val.length, bigram: g / (val.length - 1) };
}

/**
 * Train the character LSTM and report its validation loss against unigram and bigram models.
 * @example const r = await run({ quick: true, quiet: true }); r.valNatsPerChar < r.unigramNatsPerChar;
 */
export async function run(options: ShakespeareOptions = {}): Promise<ShakespeareResult> {
  const started = performance.now();
  const cfg: ShakespeareConfig = { ...(options.quick === true ? QUICK : FULL), ...options.config };
  const seed = options.seed ?? DEFAULT_SEED;
  const epochs = epochsOf(options, cfg.epochs);
  const out = new Printer(options.quiet === true);

  const text = readFileSync(dataPath('tiny_shakespeare/input.txt'), 'utf8');
  const cut = Math.floor(text.length * 0.9);
  const trainText = text.slice(0, Math.min(cut, cfg.trainChars));
  const valText = text.slice(cut, cut + Math.min(text.length - cut, cfg.valChars));
  // Built on the whole training part, so that a short quick prefix still knows every character.
  const vocab = Vocabulary.build([text.slice(0, cut)], { level: 'char' });
  const trainIds = Int32Array.from(vocab.encode(trainText));
  const valIds = Int32Array.from(vocab.encode(valText));
  const V = vocab.size;
  const base = ngramBaselines(trainIds, valIds, V);

  out.line(`shakespeare: ${text.length.toLocaleString('en-US')} characters, ${V - 4} distinct; first 90% train, last 10% validation`);
  out.line(`  using ${trainIds.length.toLocaleString('en-US')} training and ${valIds.length.toLocaleString('en-US')} validation characters; chunks of ${cfg.chunk} (validation ${cfg.valChunk})`);

  const spec = {
    task: 'language-model', cell: 'lstm', vocabSize: V, embeddingDim: cfg.embeddingDim, hiddenSize: cfg.hiddenSize,
    numLayers: cfg.numLayers, dropout: cfg.dropout, seed,
  } as const;
  const model = buildModel(spec);
  const nParams = model.parameters().reduce((a, p) => a + p.size, 0);
  out.line(
    `  model: Embedding(${V}, ${cfg.embeddingDim}) → ${cfg.numLayers} × LSTM(${cfg.hiddenSize}) → Linear(${cfg.hiddenSize} → ${V}), ` +
      `${nParams.toLocaleString('en-US')} parameters; Adam lr ${cfg.lr}, clip 5, batch ${cfg.batchSize}, ${epochs} epoch${epochs === 1 ? '' : 's'}`,
  );

  const trainSet = new ChunkDataset(trainIds, cfg.chunk);
  const valSet = new ChunkDataset(valIds, Math.min(cfg.valChunk, valIds.length - 1));
  const valLoader = new DataLoader(valSet, { batchSize: 32 });
  // Throughput between consecutive steps of an epoch (the first step of each epoch has no predecessor).
  let stepChars = 0;
  let stepSeconds = 0;
  let lastStep: number | null = null;
  const charsPerBatch = cfg.batchSize * cfg.chunk;
  const cpuStart = process.cpuUsage();
  const history = await fit(model, new DataLoader(trainSet, { batchSize: cfg.batchSize, shuffle: true, seed, dropLast: true }), {
    epochs,
    optimizer: { kind: 'adam', lr: cfg.lr },
    validation: valLoader,
    metrics: ['perplexity'],
    clipGradNorm: 5,
    seed,
    progress: out.progress,
    callbacks: {
      onStep: (info) => {
        const t = performance.now();
        if (info.batch > 1 && lastStep !== null) {
          stepChars += charsPerBatch;
          stepSeconds += (t - lastStep) / 1000;
        }
        lastStep = t;
      },
    },
  });
  const cpu = process.cpuUsage(cpuStart);
  const trainCpuSeconds = (cpu.user + cpu.system) / 1e6;
  const trainSeconds = history.epochs.reduce((a, e) => a + e.seconds, 0);
  const tokensPerSecond = stepSeconds > 0 ? stepChars / stepSeconds : NaN;
  const valNats = evaluate(model, valLoader, { metrics: [] }).loss;

  const prompt = '\n';
  const samples: ShakespeareSample[] = SAMPLE_TEMPERATURES.map((temperature, k) => {
    const s = seed + 100 + k;
    const [h] = generate(model, [vocab.encode(prompt)], { strategy: { kind: 'sample', temperature, seed: s }, maxLength: cfg.sampleLength });
    return { temperature, seed: s, text: vocab.decode(h.ids) };
  });

  const result: ShakespeareResult = {
    demo: 'shakespeare',
    metric: `validation loss, nats per character (${valIds.length.toLocaleString('en-US')} characters)`,
    higherIsBetter: false,
    value: valNats,
    baselines: [
      { name: 'unigram (character frequencies)', value: base.unigram },
      { name: 'bigram (previous character)', value: base.bigram },
    ],
    reportPath: reportFile(options, 'shakespeare'),
    seconds: 0,
    valNatsPerChar: valNats,
    valBitsPerChar: valNats / Math.LN2,
    unigramNatsPerChar: base.unigram,
    bigramNatsPerChar: base.bigram,
    tokensPerSecond,
    trainedChars: history.epochs.reduce((a, e) => a + e.steps, 0) * charsPerBatch,
    trainSeconds,
    trainCpuSeconds,
    samples,
    prompt,
    config: cfg,
    history,
  };

  writeReport(
    result.reportPath,
    trainingReport(history, {
      title: 'Shakespeare: character-level LSTM language model',
      subtitle: `tiny_shakespeare; validation ${valNats.toFixed(3)} nats/char = ${result.valBitsPerChar.toFixed(3)} bits/char`,
      description:
        `The first 90% of tiny_shakespeare (${trainIds.length.toLocaleString('en-US')} characters used) is cut into chunks of ${cfg.chunk} characters, ` +
        `shuffled every epoch; each chunk starts from a zero state (truncated backpropagation through time). The last 10% ` +
        `(${valIds.length.toLocaleString('en-US')} characters used) validates, in chunks of ${cfg.valChunk}.\n\n` +
        `Model: embedding ${cfg.embeddingDim}, ${cfg.numLayers} LSTM layer${cfg.numLayers === 1 ? '' : 's'} of ${cfg.hiddenSize} units, ` +
        `${nParams.toLocaleString('en-US')} parameters; Adam (lr ${cfg.lr}), gradient norm clipped at 5, batch ${cfg.batchSize}, ${epochs} epoch${epochs === 1 ? '' : 's'}, seed ${seed}. ` +
        `Losses are in nats per character. Training ran at ${Math.round(tokensPerSecond).toLocaleString('en-US')} characters per second.\n\n` +
        `For scale: char-rnn's 2-layer, 512-unit LSTM reaches about 1.5 nats per character on this split after many epochs.`,
      test: { loss: valNats, 'bits/char': result.valBitsPerChar },
      baselines: [
        { name: 'unigram, add-one', values: { loss: base.unigram, 'bits/char': base.unigram / Math.LN2 } },
        { name: 'bigram, add-one', values: { loss: base.bigram, 'bits/char': base.bigram / Math.LN2 } },
      ],
      sections: [
        {
          heading: 'Samples',
          text: `Generated from the prompt "\\n" (a new line), each temperature with its own seed; ↵ marks a line break.`,
          table: {
            columns: ['temperature', 'seed', 'sample'],
            rows: samples.map((s) => [s.temperature.toFixed(1), String(s.seed), s.text.replaceAll('\n', ' ↵ ')]),
          },
        },
      ],
    }),
  );

  result.seconds = secondsSince(started);
  out.line();
  out.line(lossCurve(history));
  out.line();
  for (const l of comparisonLines(result, 'LSTM', 3)) out.line(l);
  out.line(`  = ${result.valBitsPerChar.toFixed(3)} bits/char; training ${Math.round(tokensPerSecond).toLocaleString('en-US')} chars/s`);
  out.line(`  training took ${trainSeconds.toFixed(1)} s (${trainCpuSeconds.toFixed(1)} s of CPU) for ${result.trainedChars.toLocaleString('en-US')} characters`);
  for (const s of samples) {
    out.line();
    out.line(`sample, temperature ${s.temperature.toFixed(1)} (seed ${s.seed}):`);
    out.line(s.text);
  }
  out.line();
  out.line(`report: ${result.reportPath}  (${result.seconds.toFixed(1)} s)`);
  return result;
}

export { run as runShakespeare };
