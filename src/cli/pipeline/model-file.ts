/**
 * Opening a `.recur` model file for the CLI: the checkpoint, its spec validated, the model rebuilt
 * with its weights, and the data preparation `recur train` saved with it. Each way a file can be
 * wrong (missing, truncated, corrupted, foreign, weights that do not fit the spec, no preparation,
 * a model of another kind than the command needs) becomes one clear error.
 *
 * Two kinds of model: the preset models of `buildModel` (forecasters, classifiers, taggers,
 * language models) and sequence-to-sequence translators (`Seq2Seq`, task 'seq2seq').
 */
import { statSync } from 'node:fs';
import {
  ModelSpecError, Seq2Seq, Vocabulary, buildModel, loadCheckpoint, validateSeq2SeqSpec, validateSpec,
  type Checkpoint, type ModelSpec, type Seq2SeqSpec, type SequenceModel, type VocabularyJSON,
} from '../../index.ts';
import { taskText } from '../describe.ts';
import { CliError, UsageError } from '../errors.ts';
import { savedFromJson, type DataPrep, type PairsPrep } from './prep.ts';
import type { RunSettings } from './run.ts';

export interface ModelFile {
  kind: 'preset';
  path: string;
  checkpoint: Checkpoint;
  spec: ModelSpec;
  model: SequenceModel;
  /** Size of the file in bytes. */
  bytes: number;
}

export interface TranslatorFile {
  kind: 'seq2seq';
  path: string;
  checkpoint: Checkpoint;
  spec: Seq2SeqSpec;
  model: Seq2Seq;
  bytes: number;
}

/** The checkpoint's spec, validated, with the file named in the error. */
function checkedSpec<S>(validate: (spec: unknown) => S, ckpt: Checkpoint, path: string): S {
  try {
    return validate(ckpt.spec);
  } catch (e) {
    if (e instanceof ModelSpecError) throw new CliError(`${path}: the model spec inside is invalid (${e.message}); the file was not written by this version of recur`);
    throw e;
  }
}

function loadWeights(model: { loadStateDict(w: Checkpoint['weights']): void }, ckpt: Checkpoint, path: string): void {
  try {
    model.loadStateDict(ckpt.weights);
  } catch (e) {
    throw new CliError(`${path}: its weights do not fit its spec (${e instanceof Error ? e.message : String(e)}); the file is damaged or was edited`);
  }
}

function isSeq2Seq(ckpt: Checkpoint): boolean {
  const spec = ckpt.spec;
  return typeof spec === 'object' && spec !== null && !Array.isArray(spec) && spec.task === 'seq2seq';
}

/**
 * Load a model file of either kind and rebuild its model.
 * @example const file = openModelFile('model.recur'); if (file.kind === 'seq2seq') file.model.translate(...);
 */
export function openModelFile(path: string): ModelFile | TranslatorFile {
  const checkpoint = loadCheckpoint(path);
  const bytes = statSync(path).size;
  if (isSeq2Seq(checkpoint)) {
    const spec = checkedSpec(validateSeq2SeqSpec, checkpoint, path);
    const model = new Seq2Seq(spec);
    loadWeights(model, checkpoint, path);
    return { kind: 'seq2seq', path, checkpoint, spec, model, bytes };
  }
  const spec = checkedSpec(validateSpec, checkpoint, path);
  const model = buildModel(spec);
  loadWeights(model, checkpoint, path);
  return { kind: 'preset', path, checkpoint, spec, model, bytes };
}

/**
 * A preset model (forecaster, classifier, tagger, language model); a translator is a usage error
 * of `command`, pointing to `recur translate`.
 * @example const { model, spec } = openModel('sunspots.recur', 'predict');
 */
export function openModel(path: string, command: string): ModelFile {
  const file = openModelFile(path);
  if (file.kind === 'seq2seq') {
    throw new UsageError(`${path} is a sequence-to-sequence model (a translator); use 'recur translate --model ${path}', or 'recur eval' with sentence pairs`, command);
  }
  return file;
}

/**
 * A sequence-to-sequence model; any other model is a usage error of `command`.
 * @example const { model } = openTranslator('enko.recur', 'translate');
 */
export function openTranslator(path: string, command: string): TranslatorFile {
  const file = openModelFile(path);
  if (file.kind === 'preset') {
    throw new UsageError(
      `${path} is a ${taskText(file.spec)}, not a sequence-to-sequence model; ${command} needs one trained on sentence pairs (recur train --data pairs.tsv --source <col> --target <col>)`,
      command,
    );
  }
  return file;
}

/** What `recur train` saved with the model: the data preparation and the run's settings. */
export interface Saved<P extends DataPrep = DataPrep> {
  prep: P;
  run: RunSettings | null;
}

/** The preparation saved in a model file (an error when there is none or it does not fit the spec). */
export function savedOf(file: ModelFile): Saved<Exclude<DataPrep, PairsPrep>>;
export function savedOf(file: TranslatorFile): Saved<PairsPrep>;
export function savedOf(file: ModelFile | TranslatorFile): Saved {
  const { prep, run } = savedFromJson(file.checkpoint.data, file.path);
  const expected = prep.kind === 'series' ? ['forecast'] : prep.kind === 'groups' ? [prep.task] : prep.kind === 'text' ? ['language-model'] : ['seq2seq'];
  if (!expected.includes(file.spec.task)) {
    throw new CliError(`${file.path}: its data preparation (${prep.kind}) does not fit its task '${file.spec.task}'; the file was edited`);
  }
  return { prep, run };
}

/** A translator's vocabularies, and what `recur train` saved with them (null for other files). */
export interface TranslatorData {
  src: Vocabulary;
  tgt: Vocabulary;
  prep: PairsPrep | null;
  run: RunSettings | null;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The vocabularies of a translator: from `recur train`'s preparation, or from data saved the
 * library's way, `{ src, tgt }` (saveSeq2Seq's example, the translate demo); their sizes must be
 * the spec's.
 */
export function translatorData(file: TranslatorFile): TranslatorData {
  const data = file.checkpoint.data;
  let found: { src: unknown; tgt: unknown; prep: PairsPrep | null; run: RunSettings | null };
  if (isObject(data) && data.format !== undefined) {
    const { prep, run } = savedOf(file);
    found = { src: prep.src, tgt: prep.tgt, prep, run };
  } else if (isObject(data) && data.src !== undefined && data.tgt !== undefined) {
    found = { src: data.src, tgt: data.tgt, prep: null, run: null };
  } else {
    throw new CliError(
      `${file.path} holds no vocabularies, so the CLI cannot turn text into token ids; train it with 'recur train --source … --target …', ` +
        'or save it with data { src: srcVocab.toJSON(), tgt: tgtVocab.toJSON() }',
    );
  }
  const vocab = (json: unknown, side: 'src' | 'tgt', size: number): Vocabulary => {
    let v: Vocabulary;
    try {
      v = Vocabulary.fromJSON(json as VocabularyJSON);
    } catch (e) {
      throw new CliError(`${file.path}: its ${side} vocabulary is malformed (${e instanceof Error ? e.message : String(e)})`);
    }
    if (v.size !== size) throw new CliError(`${file.path}: its ${side} vocabulary has ${v.size} tokens, the model ${size} (${side}VocabSize); the file was edited`);
    return v;
  };
  return { src: vocab(found.src, 'src', file.spec.srcVocabSize), tgt: vocab(found.tgt, 'tgt', file.spec.tgtVocabSize), prep: found.prep, run: found.run };
}
