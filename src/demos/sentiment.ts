/**
 * Demo `sentiment`: a word-level LSTM classifier for Korean movie reviews (nsmc_korean_sentiment:
 * 30,000 training and 10,000 test reviews, half positive; see data/nsmc_korean_sentiment/SOURCE.md).
 *
 * Legend: B batch, T words in a review, V vocabulary, E embedding, H hidden.
 *   ids PackedSequence [B, ≤T, 1] → Embedding [V, E] (row <pad> = 0, no gradient) → LSTM → final
 *   state [B, H] → dropout → Linear → logits [B, 2]     (0 negative, 1 positive)
 *
 * - Words are runs of non-space characters after punctuation is turned into spaces (Korean words
 *   keep their particles: 영화가, 영화는 and 영화 are three words — which is why so many test words
 *   are unknown). The vocabulary is built from the training reviews only, keeping words seen at
 *   least `minFreq` times; the rest become <unk>.
 * - Batches are bucketed by length: the loader sorts chunks of samples by length before cutting
 *   batches, so a padded layout of the batches would waste little. Packing wastes nothing either
 *   way; the demo prints both wastes to show what bucketing buys a static-batch library.
 * - Baseline: the majority class of the training reviews (the test set is balanced: 50%).
 */
import { readCsv, numberColumn, stringColumn } from '../data/csv.ts';
import { ArrayDataset } from '../data/dataset.ts';
import { DataLoader, collate } from '../data/loader.ts';
import { Vocabulary } from '../data/vocab.ts';
import { buildModel } from '../models/build.ts';
import { writeReport } from '../report/html.ts';
import { trainingReport } from '../report/training.ts';
import { Rng } from '../tensor/rng.ts';
import { noGrad } from '../tensor/tensor.ts';
import { fit } from '../train/fit.ts';
import { confusionMatrix } from '../train/metrics.ts';
import type { History } from '../train/state.ts';
import {
  Printer, comparisonLines, dataPath, epochsOf, lossCurve, percent, reportFile, secondsSince,
  type DemoOptions, type DemoResult,
} from './common.ts';

const DEFAULT_SEED = 5;
const LABELS = ['negative', 'positive'] as const;

interface SentimentConfig {
  /** Training reviews used (a seeded sample; all 30,000 when ≥ 30,000). */
  trainSize: number;
  /** Test reviews used (the first ones of the file). */
  testSize: number;
  minFreq: number;
  embeddingDim: number;
  hiddenSize: number;
  dropout: number;
  epochs: number;
  batchSize: number;
  lr: number;
  patience: number;
}

const FULL: SentimentConfig = {
  trainSize: 30_000, testSize: 10_000, minFreq: 2, embeddingDim: 64, hiddenSize: 64, dropout: 0.3,
  epochs: 5, batchSize: 64, lr: 2e-3, patience: 2,
};
const QUICK: SentimentConfig = {
  trainSize: 8_000, testSize: 2_000, minFreq: 2, embeddingDim: 32, hiddenSize: 32, dropout: 0.3,
  epochs: 2, batchSize: 64, lr: 3e-3, patience: 2,
};

export interface SentimentResult extends DemoResult {
  demo: 'sentiment';
  vocabularySize: number;
  /** Share of test words that are <unk>. */
  unknownRate: number;
  /** Padding a [B, T] layout of one training epoch would waste, without and with bucketing. */
  paddingWaste: { unbucketed: number; bucketed: number };
  trainSize: number;
  testSize: number;
  history: History;
}

/** Punctuation and symbol runs become spaces, so "최고!!" and "최고" are one word. */
function clean(text: string): string {
  return text.replace(/[.,!?~…;:'"`()[\]{}^*\-_=+/\\<>|♥♡★☆]+/gu, ' ');
}

interface Reviews {
  texts: string[];
  labels: number[];
}

function readReviews(file: string): Reviews {
  const t = readCsv(
    { path: dataPath(`nsmc_korean_sentiment/${file}`) },
    { delimiter: '\t', quote: false, columns: ['document', 'label'], stringColumns: ['document'], numberColumns: ['label'] },
  );
  return { texts: [...stringColumn(t, 'document')], labels: Array.from(numberColumn(t, 'label')) };
}

/** [T][1] word ids of a review; a review with no words at all is one <unk>. */
function encode(vocab: Vocabulary, text: string): number[][] {
  const ids = vocab.encode(clean(text));
  return (ids.length > 0 ? ids : [Vocabulary.UNK]).map((id) => [id]);
}

/**
 * Word-level LSTM sentiment classifier on Korean movie reviews, against the majority class.
 * @example const r = await runSentiment({ quick: true, quiet: true }); r.value > r.baselines[0].value;
 */
export async function runSentiment(options: DemoOptions = {}): Promise<SentimentResult> {
  const started = performance.now();
  const cfg = options.quick === true ? QUICK : FULL;
  const seed = options.seed ?? DEFAULT_SEED;
  const epochs = epochsOf(options, cfg.epochs);
  const out = new Printer(options.quiet === true);

  const allTrain = readReviews('ratings_train_30k.txt');
  const allTest = readReviews('ratings_test_10k.txt');
  const pick = new Rng(seed).shuffle(Array.from({ length: allTrain.texts.length }, (_, i) => i)).slice(0, cfg.trainSize);
  const train: Reviews = { texts: pick.map((i) => allTrain.texts[i]), labels: pick.map((i) => allTrain.labels[i]) };
  const test: Reviews = { texts: allTest.texts.slice(0, cfg.testSize), labels: allTest.labels.slice(0, cfg.testSize) };

  const vocab = Vocabulary.build(train.texts.map(clean), { level: 'word', minFreq: cfg.minFreq, lowercase: true });
  const trainX = train.texts.map((t) => encode(vocab, t));
  const testX = test.texts.map((t) => encode(vocab, t));
  let words = 0;
  let unknown = 0;
  for (const x of testX) for (const [id] of x) {
    words++;
    if (id === Vocabulary.UNK) unknown++;
  }
  const trainSet = new ArrayDataset({ x: trainX, y: train.labels.map((l) => [l]) });
  const testSet = new ArrayDataset({ x: testX, y: test.labels.map((l) => [l]) });
  const loader = new DataLoader(trainSet, { batchSize: cfg.batchSize, shuffle: true, seed, bucketByLength: true });
  const waste = {
    unbucketed: new DataLoader(trainSet, { batchSize: cfg.batchSize, shuffle: true, seed }).paddingWaste(),
    bucketed: loader.paddingWaste(),
  };
  const lengths = trainX.map((x) => x.length);
  const meanLength = lengths.reduce((a, b) => a + b, 0) / lengths.length;

  out.line(`sentiment: Korean movie reviews (NSMC), word-level LSTM; train ${train.texts.length}, test ${test.texts.length} reviews, half positive`);
  out.line(
    `  vocabulary: ${vocab.size} words seen ≥ ${cfg.minFreq} times in the training reviews (specials included); ` +
      `${percent(unknown / words)} of the test words are <unk> (Korean words carry their particles)`,
  );
  out.line(`  reviews are 1–${Math.max(...lengths)} words (mean ${meanLength.toFixed(1)}); batches of ${cfg.batchSize}, bucketed by length`);
  out.line(
    `  padding a [B, T] layout would waste ${percent(waste.unbucketed)} of its cells with shuffled batches, ${percent(waste.bucketed)} with bucketed ones; ` +
      'packed batches waste none',
  );
  const model = buildModel({
    task: 'classify', cell: 'lstm', vocabSize: vocab.size, embeddingDim: cfg.embeddingDim, paddingIdx: Vocabulary.PAD,
    hiddenSize: cfg.hiddenSize, numClasses: 2, dropout: cfg.dropout, seed,
  });
  out.line(
    `  model: Embedding(${vocab.size} → ${cfg.embeddingDim}, <pad> row fixed at 0) → LSTM(${cfg.hiddenSize}) → dropout ${cfg.dropout} → Linear(${cfg.hiddenSize} → 2); ` +
      `Adam lr ${cfg.lr}, clip 1, ≤${epochs} epochs, the last 10% of the training reviews validate (early stopping)`,
  );
  const history = await fit(model, loader, {
    epochs,
    optimizer: { kind: 'adam', lr: cfg.lr },
    validation: { split: 0.1 },
    metrics: ['accuracy', 'macroF1'],
    clipGradNorm: 1,
    earlyStopping: { patience: cfg.patience, restoreBest: true },
    seed,
    progress: out.progress,
  });

  model.eval();
  const batch = collate(testSet, Int32Array.from({ length: testSet.size }, (_, i) => i));
  const logits = noGrad(() => model.forward(batch.x)).data; // [N, 2]
  const predicted = test.labels.map((_, i) => (logits[2 * i + 1] > logits[2 * i] ? 1 : 0));
  const hits = predicted.filter((p, i) => p === test.labels[i]).length;
  const positives = train.labels.filter((l) => l === 1).length;
  const majority = positives * 2 > train.labels.length ? 1 : 0;
  const majorityAcc = test.labels.filter((l) => l === majority).length / test.labels.length;

  const result: SentimentResult = {
    demo: 'sentiment',
    metric: `test accuracy (${test.texts.length} reviews, half positive)`,
    higherIsBetter: true,
    value: hits / test.labels.length,
    baselines: [{ name: `majority class (${LABELS[majority]})`, value: majorityAcc }],
    reportPath: reportFile(options, 'sentiment'),
    seconds: 0,
    vocabularySize: vocab.size,
    unknownRate: unknown / words,
    paddingWaste: waste,
    trainSize: train.texts.length,
    testSize: test.texts.length,
    history,
  };

  const pOf = (i: number): number => 1 / (1 + Math.exp(logits[2 * i] - logits[2 * i + 1]));
  writeReport(
    result.reportPath,
    trainingReport(history, {
      title: 'Sentiment: Korean movie reviews, word-level LSTM',
      subtitle: `NSMC-style reviews: ${train.texts.length} to train, ${test.texts.length} to test`,
      description:
        `Each review is split into words (runs of non-space characters after punctuation becomes space), lower-cased, and looked up in a vocabulary ` +
        `of the ${vocab.size} words seen at least ${cfg.minFreq} times in the training reviews; ${percent(unknown / words)} of the test words are unknown ` +
        `(<unk>), since a Korean word keeps its particles attached. Model: an Embedding of ${cfg.embeddingDim} dimensions whose <pad> row stays zero, ` +
        `an LSTM with ${cfg.hiddenSize} hidden units, dropout ${cfg.dropout}, a linear head; Adam (lr ${cfg.lr}), seed ${seed}; the last 10% of the ` +
        `training reviews validate and early stopping keeps the best epoch.\n\n` +
        `Batches are bucketed by length. A padded [B, T] layout of one epoch's batches would spend ${percent(waste.unbucketed)} of its cells on pads ` +
        `with plain shuffled batches and ${percent(waste.bucketed)} with bucketed ones; the PackedSequence batches the LSTM runs on hold no pads at all.`,
      test: { accuracy: result.value },
      baselines: result.baselines.map((b) => ({ name: b.name, values: { accuracy: b.value } })),
      confusion: { matrix: confusionMatrix(predicted, test.labels, 2), labels: [...LABELS], title: 'Confusion matrix, test reviews' },
      sections: [
        {
          heading: 'Some test reviews',
          table: {
            columns: ['review', 'actual', 'P(positive)'],
            rows: Array.from({ length: 16 }, (_, i) => [test.texts[i], LABELS[test.labels[i]], Math.round(pOf(i) * 1000) / 1000]),
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
  out.line(`report: ${result.reportPath}  (${result.seconds.toFixed(1)} s)`);
  return result;
}
