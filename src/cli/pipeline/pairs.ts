/**
 * Sentence pairs for a translator: a delimited file's source and target columns read with the
 * flags named in errors, a leak-free split (pairs sharing a source or a target sentence stay in
 * one part), vocabularies built on the training pairs, and scores of decoded translations
 * (BLEU, chrF, the teacher-forced loss) per distinct source against all its references.
 *
 * Legend: P pairs, S source tokens, T target tokens.
 *   src[p] = source ids [S]        tgt[p] = [<bos>, target ids…, <eos>]
 */
import {
  Vocabulary, seq2seqLoss, type DecodeStrategy, type Hypothesis, type ParallelData, type Seq2Seq, type VocabLevel,
} from '../../index.ts';
import {
  decodeTarget, firstFields, groupSharing, mostCommonText, readParallelText, referencesBySource, scoreTranslations, splitGroups, translateAll,
  type ColumnRef, type TextPair,
} from '../../seq2seq/parallel-text.ts';
import { CliError, UsageError } from '../errors.ts';
import { checkColumns, readTextFile } from './files.ts';
import type { Fractions, PairsPrep } from './prep.ts';

/** The held-out split of sentence pairs when --split is not given (the translate demo's). */
export const PAIRS_SPLIT: Fractions = { train: 0.9, validation: 0.05, test: 0.05 };

/** The beam width of `translate` and `eval` (the translate demo's). */
export const DEFAULT_BEAM = 5;

/** Decoding length for a model saved without `recur train`'s preparation. */
const FALLBACK_MAX_LENGTH = 100;

/** Which flags name the columns, for messages (`train` and `eval` both use --source and --target). */
const FLAGS = { source: '--source', target: '--target' } as const;

/** A column flag's value: a name, or a number from 1. */
export function columnRef(text: string): ColumnRef {
  return /^\d+$/.test(text.trim()) ? Number(text.trim()) : text;
}

/** A column for people: `column 2` (numbered) or `"ko"` (named). */
export function columnText(column: string): string {
  return typeof columnRef(column) === 'number' ? `column ${column}` : JSON.stringify(column);
}

/**
 * The pairs of a file, the columns checked against its first line with errors naming the flags.
 * @example readPairs('data/tatoeba_kor_eng/kor.txt', '1', '2', 'train') // [{ source: 'Go.', target: '가.', line: 1 }, …]
 */
export function readPairs(path: string, sourceColumn: string, targetColumn: string, command: string): TextPair[] {
  const source = columnRef(sourceColumn);
  const target = columnRef(targetColumn);
  if (typeof source !== typeof target) {
    throw new UsageError(`--source ${sourceColumn} and --target ${targetColumn}: name both columns (the file has a header line) or number both (it has none), not one of each`, command);
  }
  if (source === target) throw new UsageError(`--source and --target are both column ${sourceColumn}; give two different columns`, command);
  const text = readTextFile(path, '--data');
  const first = firstFields(text);
  if (first === null) throw new CliError(`--data ${path}: the file is empty; expected sentence pairs, one per line`);
  const what = first.delimiter === '\t' ? 'tab-separated' : 'comma-separated';
  for (const [flag, ref] of [[FLAGS.source, source], [FLAGS.target, target]] as const) {
    if (typeof ref === 'number' && (ref < 1 || ref > first.fields.length)) {
      throw new CliError(`${flag} ${ref}: ${path} has ${first.fields.length} ${what} column${first.fields.length === 1 ? '' : 's'} (line ${first.line}); give a column number from 1 to ${first.fields.length}`);
    }
  }
  if (typeof source === 'string') {
    try {
      checkColumns([source], first.fields, FLAGS.source, path);
      checkColumns([target as string], first.fields, FLAGS.target, path);
    } catch (e) {
      const hint = `; for a file without a header line, number the columns (--source 1 --target 2)`;
      throw new CliError(`${(e as Error).message}${hint}`);
    }
  }
  return readParallelText(text, { source, target, name: path }).pairs;
}

/** The tokens of a text at a level (a vocabulary's tokenizer, no vocabulary needed). */
function tokenizer(units: VocabLevel): (text: string) => string[] {
  const empty = Vocabulary.build([], { level: units });
  return (text) => empty.tokenize(text);
}

/** What `preparePairs` reads: the saved preparation's settings, and the file's path. */
export type PairsOptions = Pick<PairsPrep, 'sourceColumn' | 'targetColumn' | 'units' | 'maxVocab' | 'maxTokens' | 'split' | 'seed'> & { path: string };

export interface PairsTraining {
  prep: PairsPrep;
  train: ParallelData;
  validation: ParallelData;
  /** Training pairs as text (the retrieval baseline searches their sources). */
  trainPairs: TextPair[];
  testPairs: TextPair[];
  /** Pairs in the file, and those kept after --max-tokens. */
  read: number;
  kept: number;
  /** Share of training tokens outside the vocabularies (after --max-vocab). */
  unknown: { source: number; target: number };
}

/** Source ids and [<bos>, …, <eos>] target ids of pairs. */
export function encodePairs(pairs: readonly TextPair[], src: Vocabulary, tgt: Vocabulary): ParallelData {
  return { src: pairs.map((p) => src.encode(p.source)), tgt: pairs.map((p) => tgt.encode(p.target, { bos: true, eos: true })) };
}

function unknownShare(seqs: readonly (readonly number[])[], specials: number): number {
  let unk = 0;
  let n = 0;
  for (const s of seqs) {
    for (const id of s) if (id === Vocabulary.UNK) unk++;
    n += s.length - specials;
  }
  return n === 0 ? 0 : unk / n;
}

/**
 * Everything `train` needs from a file of sentence pairs.
 * @example const p = preparePairs({ path: 'pairs.tsv', sourceColumn: 'en', targetColumn: 'ko', units: 'char', maxVocab: null, maxTokens: 40, split: PAIRS_SPLIT, seed: 0 });
 */
export function preparePairs(o: PairsOptions): PairsTraining {
  const all = readPairs(o.path, o.sourceColumn, o.targetColumn, 'train');
  const tokens = tokenizer(o.units);
  const pairs = o.maxTokens === null ? all : all.filter((p) => tokens(p.source).length <= (o.maxTokens as number) && tokens(p.target).length <= (o.maxTokens as number));
  if (pairs.length === 0) {
    throw new CliError(`--max-tokens ${o.maxTokens}: every pair of ${o.path} (${all.length}) has a source or a target longer than ${o.maxTokens} ${o.units === 'char' ? 'characters' : 'words'}; raise it`);
  }
  const parts = splitGroups(groupSharing(pairs.map((p) => [p.source, p.target])), o.seed, o.split);
  const split = `--split ${o.split.train},${o.split.validation},${o.split.test}`;
  for (const part of ['train', 'validation', 'test'] as const) {
    if (parts[part].length === 0) {
      throw new CliError(
        `${o.path}: ${pairs.length} pair${pairs.length === 1 ? ' is' : 's are'} too few for ${split} (the ${part} part is empty; pairs sharing a sentence stay together); give more pairs or other fractions`,
      );
    }
  }
  const pick = (idx: readonly number[]): TextPair[] => idx.map((i) => pairs[i]);
  const trainPairs = pick(parts.train);
  const maxSize = o.maxVocab ?? undefined;
  const src = Vocabulary.build(trainPairs.map((p) => p.source), { level: o.units, maxSize });
  const tgt = Vocabulary.build(trainPairs.map((p) => p.target), { level: o.units, maxSize });
  const train = encodePairs(trainPairs, src, tgt);
  const prep: PairsPrep = {
    kind: 'pairs', source: o.path, sourceColumn: o.sourceColumn, targetColumn: o.targetColumn, units: o.units, maxVocab: o.maxVocab, maxTokens: o.maxTokens,
    split: o.split, seed: o.seed, src: src.toJSON(), tgt: tgt.toJSON(),
    longestTarget: train.tgt.reduce((m, t) => Math.max(m, t.length - 2), 1), mostCommon: mostCommonText(trainPairs.map((p) => p.target)),
  };
  return {
    prep, train, validation: encodePairs(pick(parts.validation), src, tgt), trainPairs, testPairs: pick(parts.test),
    read: all.length, kept: pairs.length, unknown: { source: unknownShare(train.src, 0), target: unknownShare(train.tgt, 2) },
  };
}

/** Most generated tokens (<eos> included): twice the longest training target, plus <eos>. */
export function defaultMaxLength(prep: PairsPrep | null): number {
  return prep === null ? FALLBACK_MAX_LENGTH : 2 * prep.longestTarget + 1;
}

/** A strategy in words: 'beam 5', 'greedy', 'sampling (temperature 0.8, seed 0)'. */
export function strategyText(s: DecodeStrategy): string {
  if (s.kind === 'beam') return `beam ${s.width}`;
  if (s.kind === 'greedy') return 'greedy';
  const parts = [`temperature ${s.temperature ?? 1}`, ...(s.topK == null ? [] : [`top-k ${s.topK}`]), ...(s.topP === undefined ? [] : [`top-p ${s.topP}`]), `seed ${s.seed ?? 0}`];
  return `sampling (${parts.join(', ')})`;
}

export interface PairScores {
  /** Distinct sources, each with all its targets as references. */
  sources: string[];
  references: string[][];
  hypotheses: Hypothesis[];
  translations: string[];
  bleu: number;
  chrf: number;
  /** Teacher-forced cross entropy per target token (nats), over every pair. */
  loss: number;
}

/**
 * Translate each distinct source of `pairs` and score the translations against its references;
 * the loss is over every pair.
 */
export function scorePairs(
  model: Seq2Seq, vocabs: { src: Vocabulary; tgt: Vocabulary }, pairs: readonly TextPair[], strategy: DecodeStrategy, maxLength: number,
): PairScores {
  const { sources, references } = referencesBySource(pairs);
  const hypotheses = translateAll(model, sources.map((s) => vocabs.src.encode(s)), strategy, maxLength);
  const translations = hypotheses.map((h) => decodeTarget(vocabs.tgt, h.ids));
  const loss = seq2seqLoss(model, encodePairs(pairs, vocabs.src, vocabs.tgt));
  return { sources, references, hypotheses, translations, ...scoreTranslations(translations, references), loss };
}
