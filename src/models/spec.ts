/**
 * Model specs: plain JSON describing one of the preset models, discriminated on `task`.
 *
 *   task             shape                                     output
 *   classify         sequence → one class                      logits [B, numClasses]
 *   regress          sequence → one vector                     [B, outputSize]
 *   tag              sequence → a class at every step          PackedSequence [N, numClasses]
 *   regress-steps    sequence → a vector at every step         PackedSequence [N, outputSize]
 *                    (a per-step forecaster: target = next step's values)
 *   forecast         window → the next `horizon` values        [B, horizon·outputSize]
 *   language-model   tokens → next-token logits at every step  PackedSequence [N, vocabSize]
 *
 * Inputs are numeric features (`inputSize`) or token ids (`vocabSize` + `embeddingDim`, one id
 * per step in a 1-feature PackedSequence); `forecast` takes features, `language-model` tokens.
 *
 * `validateSpec` is the one public boundary: it rejects unknown keys (a typo is an error that
 * lists the allowed keys), missing keys, wrong types and out-of-range values, and fills defaults:
 * numLayers 1, bidirectional false, dropout 0, seed 0, paddingIdx null.
 */

export type CellKind = 'rnn' | 'lstm' | 'gru';
export type Task = 'classify' | 'regress' | 'tag' | 'regress-steps' | 'forecast' | 'language-model';

/** Fields every preset has (all filled in after validation). */
export interface RecurrentFields {
  cell: CellKind;
  hiddenSize: number;
  /** Stacked recurrent layers. */
  numLayers: number;
  /** A second direction over each sample's steps in reverse. */
  bidirectional: boolean;
  /** Dropout between stacked layers (as PyTorch's) and on the features entering the head. */
  dropout: number;
  /** Seeds initialisation and dropout. */
  seed: number;
}

/** Numeric features: each step is a vector of `inputSize` numbers. */
export interface FeatureInput {
  inputSize: number;
}

/** Token ids: each step is one integer id in [0, vocabSize), embedded to `embeddingDim`. */
export interface TokenInput {
  vocabSize: number;
  embeddingDim: number;
  /** Id whose embedding stays zero and gets no gradient (PyTorch's padding_idx), or null. */
  paddingIdx: number | null;
}

export type ClassifySpec = { task: 'classify'; numClasses: number } & RecurrentFields & (FeatureInput | TokenInput);
export type RegressSpec = { task: 'regress'; outputSize: number } & RecurrentFields & (FeatureInput | TokenInput);
export type TagSpec = { task: 'tag'; numClasses: number } & RecurrentFields & (FeatureInput | TokenInput);
export type RegressStepsSpec = { task: 'regress-steps'; outputSize: number } & RecurrentFields & (FeatureInput | TokenInput);
export type ForecastSpec = { task: 'forecast'; outputSize: number; horizon: number } & RecurrentFields & FeatureInput;
export type LanguageModelSpec = { task: 'language-model' } & RecurrentFields & TokenInput;

/** A validated spec with every default filled in (what a model and its checkpoint hold). */
export type ModelSpec = ClassifySpec | RegressSpec | TagSpec | RegressStepsSpec | ForecastSpec | LanguageModelSpec;

type Defaulted = 'numLayers' | 'bidirectional' | 'dropout' | 'seed' | 'paddingIdx';
type Loosen<S> = S extends unknown ? Omit<S, Defaulted & keyof S> & Partial<Pick<S, Defaulted & keyof S>> : never;

/**
 * A spec as written by hand or read from JSON: defaulted fields may be left out.
 * @example
 * const spec: ModelSpecInput = { task: 'classify', cell: 'lstm', inputSize: 4, hiddenSize: 32, numClasses: 3 };
 */
export type ModelSpecInput = Loosen<ModelSpec>;

/** A spec that fails validation; `key` names the offending key ('' for the spec itself). */
export class ModelSpecError extends Error {
  override readonly name = 'ModelSpecError';
  readonly key: string;
  constructor(key: string, message: string) {
    super(message);
    this.key = key;
  }
}

const TASKS: readonly Task[] = ['classify', 'regress', 'tag', 'regress-steps', 'forecast', 'language-model'];
const CELLS: readonly CellKind[] = ['rnn', 'lstm', 'gru'];
const COMMON = ['task', 'cell', 'hiddenSize', 'numLayers', 'bidirectional', 'dropout', 'seed'] as const;
const FEATURES = ['inputSize'] as const;
const TOKENS = ['vocabSize', 'embeddingDim', 'paddingIdx'] as const;

/** Keys of each task besides COMMON and the input keys. */
const TASK_KEYS: Record<Task, readonly string[]> = {
  classify: ['numClasses'],
  regress: ['outputSize'],
  tag: ['numClasses'],
  'regress-steps': ['outputSize'],
  forecast: ['outputSize', 'horizon'],
  'language-model': [],
};

/** Which input kinds a task accepts. */
const TASK_INPUTS: Record<Task, readonly ('features' | 'tokens')[]> = {
  classify: ['features', 'tokens'],
  regress: ['features', 'tokens'],
  tag: ['features', 'tokens'],
  'regress-steps': ['features', 'tokens'],
  forecast: ['features'],
  'language-model': ['tokens'],
};

function quoteList(xs: readonly string[]): string {
  return xs.map((x) => `'${x}'`).join(', ');
}

/** Reads typed fields of the raw object, each with an error that names the key. */
class Reader {
  constructor(
    private readonly raw: Record<string, unknown>,
    private readonly where: string,
  ) {}

  private fail(key: string, expected: string): never {
    throw new ModelSpecError(key, `${this.where}: '${key}' is ${JSON.stringify(this.raw[key]) ?? 'undefined'}, expected ${expected}`);
  }

  has(key: string): boolean {
    return this.raw[key] !== undefined;
  }

  positiveInt(key: string, fallback?: number): number {
    const v = this.raw[key];
    if (v === undefined) {
      if (fallback !== undefined) return fallback;
      throw new ModelSpecError(key, `${this.where}: missing '${key}' (a positive integer)`);
    }
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) this.fail(key, 'a positive integer');
    return v;
  }

  int(key: string, fallback: number): number {
    const v = this.raw[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) this.fail(key, 'an integer');
    return v;
  }

  bool(key: string, fallback: boolean): boolean {
    const v = this.raw[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') this.fail(key, 'true or false');
    return v;
  }

  unitInterval(key: string, fallback: number): number {
    const v = this.raw[key];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !(v >= 0 && v < 1)) this.fail(key, 'a number in [0, 1)');
    return v;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[]): T {
    const v = this.raw[key];
    if (v === undefined) throw new ModelSpecError(key, `${this.where}: missing '${key}' (one of ${quoteList(allowed)})`);
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) this.fail(key, `one of ${quoteList(allowed)}`);
    return v as T;
  }
}

/**
 * Check a spec (e.g. parsed from JSON) and fill in its defaults.
 * Throws a `ModelSpecError` naming the bad key; unknown keys list the allowed ones.
 * @example
 * const spec = validateSpec(JSON.parse(text)); // { task: 'regress', ..., numLayers: 1, seed: 0, ... }
 */
export function validateSpec(input: unknown): ModelSpec {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ModelSpecError('', `model spec: expected an object such as { "task": "classify", ... }, got ${JSON.stringify(input) ?? String(input)}`);
  }
  const raw = input as Record<string, unknown>;
  const task = new Reader(raw, 'model spec').oneOf('task', TASKS);
  const where = `model spec (task '${task}')`;
  const r = new Reader(raw, where);

  const usesTokens = TOKENS.some((k) => r.has(k));
  const usesFeatures = r.has('inputSize');
  const kinds = TASK_INPUTS[task];
  if (usesTokens && usesFeatures) {
    throw new ModelSpecError('inputSize', `${where}: give either 'inputSize' (numeric features) or 'vocabSize' and 'embeddingDim' (token ids), not both`);
  }
  // With neither given, ask for the task's first input kind.
  const input0 = usesTokens ? 'tokens' : usesFeatures ? 'features' : kinds[0];
  if (!kinds.includes(input0)) {
    const key = input0 === 'tokens' ? TOKENS.find((k) => r.has(k)) ?? 'vocabSize' : 'inputSize';
    const wanted = kinds[0] === 'tokens' ? "token ids ('vocabSize', 'embeddingDim')" : "numeric features ('inputSize')";
    throw new ModelSpecError(key, `${where}: '${key}' does not apply; this task takes ${wanted}`);
  }
  const allowed = [...COMMON, ...(input0 === 'tokens' ? TOKENS : FEATURES), ...TASK_KEYS[task]];
  for (const key of Object.keys(raw)) {
    if (!allowed.includes(key)) {
      const other = kinds.length > 1 ? (input0 === 'tokens' ? ` or, for numeric features, ${FEATURES.join(', ')}` : ` or, for token ids, ${TOKENS.join(', ')}`) : '';
      throw new ModelSpecError(key, `${where}: unknown key '${key}' (allowed: ${allowed.join(', ')}${other})`);
    }
  }

  const common: RecurrentFields = {
    cell: r.oneOf('cell', CELLS),
    hiddenSize: r.positiveInt('hiddenSize'),
    numLayers: r.positiveInt('numLayers', 1),
    bidirectional: r.bool('bidirectional', false),
    dropout: r.unitInterval('dropout', 0),
    seed: r.int('seed', 0),
  };
  if (task === 'language-model' && common.bidirectional) {
    throw new ModelSpecError('bidirectional', `${where}: 'bidirectional' must be false: a language model predicts the next token from the past only`);
  }

  let io: FeatureInput | TokenInput;
  if (input0 === 'tokens') {
    const vocabSize = r.positiveInt('vocabSize');
    const embeddingDim = r.positiveInt('embeddingDim');
    let paddingIdx: number | null = null;
    if (r.has('paddingIdx') && raw.paddingIdx !== null) {
      paddingIdx = r.int('paddingIdx', 0);
      if (paddingIdx < 0 || paddingIdx >= vocabSize) {
        throw new ModelSpecError('paddingIdx', `${where}: 'paddingIdx' is ${paddingIdx}, expected an id in 0..${vocabSize - 1} (vocabSize ${vocabSize}) or null`);
      }
    }
    io = { vocabSize, embeddingDim, paddingIdx };
  } else {
    io = { inputSize: r.positiveInt('inputSize') };
  }

  switch (task) {
    case 'classify':
      return { task, ...common, ...io, numClasses: positiveClasses(r, where) };
    case 'tag':
      return { task, ...common, ...io, numClasses: positiveClasses(r, where) };
    case 'regress':
      return { task, ...common, ...io, outputSize: r.positiveInt('outputSize') };
    case 'regress-steps':
      return { task, ...common, ...io, outputSize: r.positiveInt('outputSize') };
    case 'forecast':
      return { task, ...common, inputSize: (io as FeatureInput).inputSize, outputSize: r.positiveInt('outputSize'), horizon: r.positiveInt('horizon') };
    case 'language-model': {
      const t = io as TokenInput;
      return { task, ...common, vocabSize: t.vocabSize, embeddingDim: t.embeddingDim, paddingIdx: t.paddingIdx };
    }
  }
}

function positiveClasses(r: Reader, where: string): number {
  const n = r.positiveInt('numClasses');
  if (n < 2) throw new ModelSpecError('numClasses', `${where}: 'numClasses' is ${n}, expected at least 2`);
  return n;
}

/** True when the spec's inputs are token ids (an Embedding comes first). */
export function hasTokenInput(spec: ModelSpec): spec is ModelSpec & TokenInput {
  return 'vocabSize' in spec;
}
