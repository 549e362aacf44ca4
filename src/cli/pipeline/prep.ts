/**
 * The data preparation `recur train` saves in a model file's `data` field, so that `eval`,
 * `predict`, `forecast` and `generate` replay it: which columns the model reads and predicts, the
 * window, the scaler fitted on the training rows, the classes, the vocabulary.
 *
 * Four kinds, one per way `train` reads data:
 *   series   a CSV time series cut into windows (task forecast)
 *   groups   a CSV of rows grouped into one sequence per entity (task classify or tag)
 *   text     a text file as characters (task language-model)
 *   pairs    sentence pairs, a source and a target column (task seq2seq)
 *
 * Stored as { format: 'recur-cli-data', version: 1, prep, run } (plain JSON), `run` holding the
 * training settings (run.ts) so that `--resume` can check it continues the same run.
 */
import { DataError, Vocabulary, scalerFromJSON, type JsonValue, type Scaler, type ScalerJSON, type VocabLevel, type VocabularyJSON } from '../../index.ts';
import { CliError } from '../errors.ts';
import { runFromJson, type RunSettings } from './run.ts';

/** --missing as saved: the policy's name, or the fill value. */
export type MissingSetting = 'error' | 'drop' | 'ffill' | 'mean' | { fill: number };

export interface Fractions {
  train: number;
  validation: number;
  test: number;
}

export interface SeriesPrep {
  kind: 'series';
  /** File the model was trained on (as given). */
  source: string;
  /** [I] columns read at each step. */
  inputs: string[];
  /** [O] columns predicted. */
  targets: string[];
  /** L, steps of history per window. */
  window: number;
  /** Steps predicted after the window. */
  horizon: number;
  /** Column labelling the rows (a year, a date), or null. */
  time: string | null;
  missing: MissingSetting;
  split: Fractions;
  /** Fitted on the training rows, over inputs ∪ targets. */
  scaler: ScalerJSON;
}

export interface GroupsPrep {
  kind: 'groups';
  source: string;
  /** Column naming the entity of each row; one sequence per entity. */
  groupBy: string;
  /** Column ordering each entity's rows, or null (file order). */
  sortBy: string | null;
  /** [D] columns read at each step. */
  inputs: string[];
  /** Column holding the label. */
  label: string;
  /** A label per sequence (classify) or per step (tag). */
  task: 'classify' | 'tag';
  /** [C] label values; class id = index. */
  classes: string[];
  /** [C] how often each class occurs in the training part (the majority baseline). */
  classCounts: number[];
  missing: MissingSetting;
  split: Fractions;
  seed: number;
  scaler: ScalerJSON;
}

export interface TextPrep {
  kind: 'text';
  source: string;
  /** Characters per training sequence. */
  window: number;
  vocabulary: VocabularyJSON;
  /** [V] token counts in the training part (the unigram baseline). */
  tokenCounts: number[];
  /** Fraction of the text held out for validation, and again for test (the end of the text). */
  validation: number;
}

export interface PairsPrep {
  kind: 'pairs';
  source: string;
  /** Column of the source sentences as given: a header name, or a number from 1 (no header line). */
  sourceColumn: string;
  targetColumn: string;
  /** Tokens of both sides. */
  units: VocabLevel;
  /** Largest vocabulary of each side, the 4 specials included, or null for all tokens. */
  maxVocab: number | null;
  /** Pairs with a longer source or target (in tokens) were left out, or null. */
  maxTokens: number | null;
  split: Fractions;
  seed: number;
  /** Source and target vocabularies, built on the training pairs (the keys of loadSeq2Seq's convention). */
  src: VocabularyJSON;
  tgt: VocabularyJSON;
  /** Longest training target in tokens: decoding stops after twice as many, plus <eos>. */
  longestTarget: number;
  /** The most common training target (the constant baseline). */
  mostCommon: string;
}

export type DataPrep = SeriesPrep | GroupsPrep | TextPrep | PairsPrep;

const FORMAT = 'recur-cli-data';
const VERSION = 1;

/** The JSON to store in the checkpoint's `data` field. */
export function savedToJson(prep: DataPrep, run: RunSettings): JsonValue {
  return JSON.parse(JSON.stringify({ format: FORMAT, version: VERSION, prep, run })) as JsonValue;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isStringArray(v: unknown): v is string[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'string');
}

function isNumberArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((s) => typeof s === 'number' && Number.isFinite(s));
}

/**
 * The preparation and settings saved in model file `path`, checked; a file written by the
 * library's `fit` alone (no preparation) or by another tool gets an error saying so.
 */
export function savedFromJson(data: JsonValue | undefined, path: string): { prep: DataPrep; run: RunSettings | null } {
  if (data === undefined || data === null) {
    throw new CliError(
      `${path} holds no data preparation (columns, window, scaling), so the CLI cannot feed it data; ` +
        "train it with 'recur train', or use it from code with loadCheckpoint",
    );
  }
  const bad = (what: string): never => {
    throw new CliError(`${path}: its data preparation is malformed (${what}); retrain it with 'recur train'`);
  };
  if (!isObject(data) || data.format !== FORMAT) return bad(`expected format '${FORMAT}'`);
  if (data.version !== VERSION) {
    throw new CliError(`${path}: data preparation version ${JSON.stringify(data.version)} is not supported (this recur reads ${VERSION}); upgrade recur`);
  }
  return { prep: prepFrom(data.prep, bad, path), run: runFromJson(data.run) };
}

function prepFrom(data: unknown, bad: (what: string) => never, path: string): DataPrep {
  if (!isObject(data) || typeof data.source !== 'string') return bad('source');
  switch (data.kind) {
    case 'series': {
      const { inputs, targets, window, horizon, time } = data;
      if (!isStringArray(inputs) || inputs.length === 0 || !isStringArray(targets) || targets.length === 0) return bad('inputs, targets');
      if (!isPositiveInt(window) || !isPositiveInt(horizon)) return bad('window, horizon');
      if (time !== null && typeof time !== 'string') return bad('time');
      checkScaler(data.scaler, path);
      return data as unknown as SeriesPrep;
    }
    case 'groups': {
      const { groupBy, sortBy, inputs, label, task, classes, classCounts } = data;
      if (typeof groupBy !== 'string' || typeof label !== 'string' || (sortBy !== null && typeof sortBy !== 'string')) return bad('groupBy, sortBy, label');
      if (!isStringArray(inputs) || inputs.length === 0) return bad('inputs');
      if (task !== 'classify' && task !== 'tag') return bad('task');
      if (!isStringArray(classes) || classes.length < 2 || !isNumberArray(classCounts) || classCounts.length !== classes.length) return bad('classes');
      checkScaler(data.scaler, path);
      return data as unknown as GroupsPrep;
    }
    case 'text': {
      if (!isPositiveInt(data.window)) return bad('window');
      checkVocabulary(data.vocabulary, bad);
      if (!isNumberArray(data.tokenCounts)) return bad('tokenCounts');
      return data as unknown as TextPrep;
    }
    case 'pairs': {
      const { sourceColumn, targetColumn, units, longestTarget, mostCommon } = data;
      if (typeof sourceColumn !== 'string' || typeof targetColumn !== 'string') return bad('sourceColumn, targetColumn');
      if (units !== 'char' && units !== 'word') return bad('units');
      if (!isPositiveInt(longestTarget) || typeof mostCommon !== 'string') return bad('longestTarget, mostCommon');
      checkVocabulary(data.src, bad);
      checkVocabulary(data.tgt, bad);
      return data as unknown as PairsPrep;
    }
    default:
      return bad(`unknown kind ${JSON.stringify(data.kind)}`);
  }
}

function checkVocabulary(json: unknown, bad: (what: string) => never): void {
  try {
    Vocabulary.fromJSON(json as VocabularyJSON);
  } catch (e) {
    bad(e instanceof Error ? e.message : String(e));
  }
}

function isPositiveInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1;
}

function checkScaler(json: unknown, path: string): void {
  try {
    scalerFromJSON(json as ScalerJSON);
  } catch (e) {
    if (e instanceof DataError || e instanceof TypeError) throw new CliError(`${path}: its saved scaler is malformed (${e.message}); retrain it with 'recur train'`);
    throw e;
  }
}

/** The scaler of a preparation, rebuilt. */
export function scalerOf(prep: SeriesPrep | GroupsPrep): Scaler {
  return scalerFromJSON(prep.scaler);
}

/** The vocabulary of a text preparation, rebuilt. */
export function vocabularyOf(prep: TextPrep): Vocabulary {
  return Vocabulary.fromJSON(prep.vocabulary);
}

/** MissingPolicy as saved (plain JSON). */
export function missingToJson(p: MissingSetting): MissingSetting {
  return typeof p === 'string' ? p : { fill: p.fill };
}
