/**
 * A text file for a character language model: a vocabulary built on the training part (the
 * start of the text), the text cut into sequences of `window` characters whose targets are the
 * same characters shifted by one, and the end of the text held out for validation.
 *
 * Legend: V vocabulary size, L window (characters per sequence), S sequences.
 */
import { ArrayDataset, DataLoader, Vocabulary, evaluate, type SequenceDataset, type SequenceModel } from '../../index.ts';
import { CliError } from '../errors.ts';
import { readTextFile } from './files.ts';
import { vocabularyOf, type TextPrep } from './prep.ts';

export interface TextTraining {
  prep: TextPrep;
  train: SequenceDataset;
  validation: SequenceDataset;
  test: SequenceDataset;
  /** Token ids of the test text (for the unigram baseline). */
  testIds: number[];
  /** Characters in each part. */
  sizes: { train: number; validation: number; test: number };
}

/**
 * Sequences of L + 1 ids cut without overlap: x = ids[s .. s+L-1], yPerStep = ids[s+1 .. s+L].
 * A shorter tail is kept as a shorter sequence.
 */
export function textDataset(ids: readonly number[], L: number): SequenceDataset | null {
  const x: number[][][] = [];
  const y: number[][][] = [];
  for (let s = 0; s + 1 < ids.length; s += L) {
    const end = Math.min(s + L, ids.length - 1);
    x.push(ids.slice(s, end).map((id) => [id]));
    y.push(ids.slice(s + 1, end + 1).map((id) => [id]));
  }
  return x.length === 0 ? null : new ArrayDataset({ x, yPerStep: y });
}

/**
 * Everything `train` needs from a text file: the first part trains, the next `heldOut` validates,
 * the last `heldOut` tests; the vocabulary comes from the training part only.
 */
export function prepareText(path: string, window: number, heldOut: number): TextTraining {
  const text = readTextFile(path, '--text');
  const chars = Array.from(text.normalize('NFC'));
  const n = chars.length;
  const cuts = [Math.floor(n * (1 - 2 * heldOut)), Math.floor(n * (1 - heldOut))];
  const parts = [chars.slice(0, cuts[0]), chars.slice(cuts[0], cuts[1]), chars.slice(cuts[1])].map((p) => p.join(''));
  if (parts.some((p) => Array.from(p).length < 2)) {
    throw new CliError(`--text ${path}: ${n} characters are too few to train on and hold out ${heldOut * 100}% for validation and ${heldOut * 100}% for test; give a longer text`);
  }
  const vocab = Vocabulary.build([parts[0]], { level: 'char' });
  const [trainIds, valIds, testIds] = parts.map((p) => vocab.encode(p));
  const tokenCounts = new Array<number>(vocab.size).fill(0);
  for (const id of trainIds) tokenCounts[id]++;
  const prep: TextPrep = { kind: 'text', source: path, window, vocabulary: vocab.toJSON(), tokenCounts, validation: heldOut };
  return {
    prep,
    train: textDataset(trainIds, window) as SequenceDataset,
    validation: textDataset(valIds, window) as SequenceDataset,
    test: textDataset(testIds, window) as SequenceDataset,
    testIds,
    sizes: { train: trainIds.length, validation: valIds.length, test: testIds.length },
  };
}

/** A text read for an existing model: its ids under the model's vocabulary. */
export function readTextForModel(path: string, prep: TextPrep): { ids: number[]; dataset: SequenceDataset } {
  const ids = vocabularyOf(prep).encode(readTextFile(path, '--text'));
  const dataset = textDataset(ids, prep.window);
  if (dataset === null) throw new CliError(`--text ${path}: fewer than 2 characters; give a longer text`);
  return { ids, dataset };
}

/**
 * Perplexity of the unigram model (character frequencies of the training part, add-one
 * smoothed) on the targets of `textDataset(ids)`: every id but the first.
 */
export function unigramPerplexity(counts: readonly number[], ids: readonly number[]): number {
  const V = counts.length;
  const N = counts.reduce((a, b) => a + b, 0);
  let nll = 0;
  let n = 0;
  ids.forEach((id, t) => {
    if (t === 0) return; // the first character is an input only
    nll -= Math.log((counts[id] + 1) / (N + V));
    n++;
  });
  return Math.exp(nll / n);
}

/** Perplexity of the model on a text dataset, next to the unigram baseline on the same targets. */
export function scoreText(model: SequenceModel, prep: TextPrep, dataset: SequenceDataset, ids: readonly number[]): { perplexity: number; unigram: number; tokens: number } {
  const ev = evaluate(model, new DataLoader(dataset, { batchSize: 64 }), { metrics: ['perplexity'] });
  return { perplexity: ev.metrics.perplexity ?? NaN, unigram: unigramPerplexity(prep.tokenCounts, ids), tokens: ev.rows };
}
