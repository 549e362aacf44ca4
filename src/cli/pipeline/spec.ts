/**
 * The model spec of a `train` run: a spec file (--spec) and/or model flags (--cell, --hidden, ...),
 * completed with the sizes the data decides (inputSize, outputSize, horizon, numClasses,
 * vocabSize, srcVocabSize, tgtVocabSize). A size the spec file states differently from the data
 * is an error that says where each number came from; the rest (unknown keys, bad values) is
 * `validateSpec`'s, or `validateSeq2SeqSpec`'s for a sequence-to-sequence model, whose flags set
 * the encoder and the decoder alike.
 */
import { ModelSpecError, validateSeq2SeqSpec, validateSpec, type CellKind, type ModelSpec, type Seq2SeqSpec } from '../../index.ts';
import { CliError } from '../errors.ts';
import { readTextFile } from './files.ts';

/** Model flags as given; undefined when not given. */
export interface ModelFlags {
  spec?: string;
  cell?: CellKind;
  hidden?: number;
  layers?: number;
  bidirectional?: boolean;
  dropout?: number;
  embedding?: number;
  /** Sequence to sequence only. */
  attention?: AttentionKind;
}

export type AttentionKind = 'none' | 'dot' | 'general' | 'additive';

/** Defaults for flags a spec file does not set either. */
export const MODEL_DEFAULTS = { cell: 'lstm', hiddenSize: 64, embeddingDim: 32 } as const;

/** Sequence to sequence: the translate demo's configuration (a bidirectional GRU, Luong 'general' attention). */
export const SEQ2SEQ_DEFAULTS = { cell: 'gru', hiddenSize: 128, embeddingDim: 64, bidirectional: true, attention: 'general' } as const;

/** Keys the data decides, with a note on where the value comes from. */
export type DataKeys = Record<string, { value: string | number; from: string }>;

function readSpecFile(path: string): Record<string, unknown> {
  const text = readTextFile(path, '--spec');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new CliError(`--spec ${path}: not valid JSON (${(e as Error).message}); expected an object such as {"cell": "lstm", "hiddenSize": 64}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new CliError(`--spec ${path}: expected a JSON object such as {"cell": "lstm", "hiddenSize": 64}, got ${Array.isArray(json) ? 'an array' : JSON.stringify(json)}`);
  }
  return json as Record<string, unknown>;
}

/** The spec file's keys with the data's sizes set; a size the file states differently is an error. */
function withData(flags: ModelFlags, base: Record<string, unknown>, data: DataKeys): Record<string, unknown> {
  const spec: Record<string, unknown> = { ...base };
  for (const [key, { value, from }] of Object.entries(data)) {
    if (key in base && base[key] !== value) {
      const fix = key === 'task' && base.task === 'seq2seq'
        ? 'a seq2seq spec trains on sentence pairs: --data pairs.tsv --source <col> --target <col>'
        : `leave "${key}" out of the spec file (the data decides it) or change ${from}`;
      throw new CliError(`--spec ${flags.spec}: "${key}" is ${JSON.stringify(base[key])}, but ${from} gives ${JSON.stringify(value)}; ${fix}`);
    }
    spec[key] = value;
  }
  return spec;
}

/** Validate, naming the spec file when the faulty key came from it. */
function validated<S>(validate: (spec: unknown) => S, spec: Record<string, unknown>, base: Record<string, unknown>, flags: ModelFlags): S {
  try {
    return validate(spec);
  } catch (e) {
    if (e instanceof ModelSpecError && flags.spec !== undefined && e.key.split('.')[0] in base) throw new CliError(`--spec ${flags.spec}: ${e.message}`);
    throw e;
  }
}

/**
 * The validated spec.
 * @example composeSpec({ hidden: 32 }, { task: { value: 'forecast', from: '--data' }, inputSize: { value: 1, from: '--inputs' } }, 7)
 */
export function composeSpec(flags: ModelFlags, data: DataKeys, seed: number): ModelSpec {
  const base = flags.spec === undefined ? {} : readSpecFile(flags.spec);
  const spec = withData(flags, base, data);
  const tokens = 'vocabSize' in data;
  spec.cell = flags.cell ?? spec.cell ?? MODEL_DEFAULTS.cell;
  spec.hiddenSize = flags.hidden ?? spec.hiddenSize ?? MODEL_DEFAULTS.hiddenSize;
  if (flags.layers !== undefined) spec.numLayers = flags.layers;
  if (flags.bidirectional !== undefined) spec.bidirectional = flags.bidirectional;
  if (flags.dropout !== undefined) spec.dropout = flags.dropout;
  if (tokens) spec.embeddingDim = flags.embedding ?? spec.embeddingDim ?? MODEL_DEFAULTS.embeddingDim;
  spec.seed ??= seed;
  return validated(validateSpec, spec, base, flags);
}

/** A nested object of a spec file, copied (anything else is passed on for the validator to name). */
function part(v: unknown): Record<string, unknown> | null {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? { ...(v as Record<string, unknown>) } : null;
}

/**
 * The validated sequence-to-sequence spec: --cell, --hidden and --layers set the encoder and
 * the decoder, --bidirectional the encoder, --attention the decoder's attention (additive: as
 * large as the decoder).
 * @example composeSeq2SeqSpec({ hidden: 32 }, { task: { value: 'seq2seq', from: '--source' }, srcVocabSize: …, tgtVocabSize: … }, 0)
 */
export function composeSeq2SeqSpec(flags: ModelFlags, data: DataKeys, seed: number): Seq2SeqSpec {
  const base = flags.spec === undefined ? {} : readSpecFile(flags.spec);
  const spec = withData(flags, base, data);
  const d = SEQ2SEQ_DEFAULTS;
  const encoder = part(spec.encoder);
  const decoder = part(spec.decoder);
  if (encoder !== null || spec.encoder === undefined) {
    const e = encoder ?? {};
    e.cell = flags.cell ?? e.cell ?? d.cell;
    e.hiddenSize = flags.hidden ?? e.hiddenSize ?? d.hiddenSize;
    if (flags.layers !== undefined) e.numLayers = flags.layers;
    e.bidirectional = flags.bidirectional ?? e.bidirectional ?? d.bidirectional;
    spec.encoder = e;
  }
  if (decoder !== null || spec.decoder === undefined) {
    const dec = decoder ?? {};
    if (flags.cell !== undefined) dec.cell = flags.cell;
    dec.hiddenSize = flags.hidden ?? dec.hiddenSize ?? part(spec.encoder)?.hiddenSize ?? d.hiddenSize;
    if (flags.layers !== undefined) dec.numLayers = flags.layers;
    spec.decoder = dec;
  }
  const kind = flags.attention ?? (spec.attention === undefined ? d.attention : null);
  if (kind !== null) spec.attention = kind === 'additive' ? { kind, size: part(spec.decoder)?.hiddenSize } : { kind };
  spec.embeddingDim = flags.embedding ?? spec.embeddingDim ?? d.embeddingDim;
  if (flags.dropout !== undefined) spec.dropout = flags.dropout;
  spec.seed ??= seed;
  return validated(validateSeq2SeqSpec, spec, base, flags);
}
