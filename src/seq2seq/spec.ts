/**
 * Specs of the generating models, plain JSON (saved with checkpoints, read by the CLI):
 *
 *   task                 input                        output
 *   seq2seq              source token ids (ragged)    target tokens, one step at a time
 *   vector-to-sequence   one vector [F] per sample    target tokens, one step at a time
 *
 * `validateSeq2SeqSpec` / `validateVectorToSequenceSpec` are the public boundary: unknown keys
 * (listing the allowed ones), missing keys, wrong types and inconsistent sizes are errors that
 * name the key (a `ModelSpecError`); defaults are filled in:
 *   numLayers 1, bidirectional false, decoder.cell = encoder.cell, attention { kind: 'none' },
 *   bridge 'linear', inputFeeding = (attention ≠ none), dropout 0, seed 0,
 *   padId 0, bosId 2, eosId 3 (the ids of `Vocabulary`'s specials).
 */
import { ModelSpecError, type CellKind } from '../models/spec.ts';
import type { AttentionSpec } from './attention.ts';

export interface EncoderSpec {
  cell: CellKind;
  hiddenSize: number;
  numLayers: number;
  bidirectional: boolean;
}

export interface DecoderSpec {
  cell: CellKind;
  hiddenSize: number;
  numLayers: number;
}

/** The decoder's attention, or none (the bridged encoder state is then all it knows of the source). */
export type DecoderAttentionSpec = { kind: 'none' } | AttentionSpec;

/**
 * How the decoder's initial state comes from the encoder's final state, per decoder layer l
 * (reading encoder layer max(0, Le − Ld + l), i.e. top layers aligned):
 *   linear  h = tanh(Linear([h_fwd; h_bwd])), c likewise from the encoder's c (from h for GRU/RNN)
 *   copy    h (and c) as they are (unidirectional encoder, same sizes and layer count)
 *   zeros   zeros (attention only: the decoder sees the source through attention alone)
 */
export type BridgeKind = 'linear' | 'copy' | 'zeros';

/** Special token ids; the defaults are those of `Vocabulary` (`<pad>` 0, `<bos>` 2, `<eos>` 3). */
export interface SpecialIds {
  padId: number;
  bosId: number;
  eosId: number;
}

export interface Seq2SeqSpec extends SpecialIds {
  task: 'seq2seq';
  srcVocabSize: number;
  tgtVocabSize: number;
  /** Embedding size of both source and target tokens. */
  embeddingDim: number;
  encoder: EncoderSpec;
  decoder: DecoderSpec;
  attention: DecoderAttentionSpec;
  bridge: BridgeKind;
  /** Luong input feeding: the previous step's attentional state h̃ joins the next input. */
  inputFeeding: boolean;
  /** Dropout on embeddings, between stacked layers and before the output layer. */
  dropout: number;
  seed: number;
}

export interface VectorToSequenceSpec extends SpecialIds {
  task: 'vector-to-sequence';
  /** F, the input vector's length. */
  inputSize: number;
  vocabSize: number;
  embeddingDim: number;
  decoder: DecoderSpec;
  dropout: number;
  seed: number;
}

/**
 * A spec as written by hand: the defaulted fields may be left out.
 * @example
 * const spec: Seq2SeqSpecInput = {
 *   task: 'seq2seq', srcVocabSize: 120, tgtVocabSize: 300, embeddingDim: 32,
 *   encoder: { cell: 'gru', hiddenSize: 64, bidirectional: true }, decoder: { hiddenSize: 64 },
 *   attention: { kind: 'additive', size: 64 },
 * };
 */
export interface Seq2SeqSpecInput extends Partial<SpecialIds> {
  task: 'seq2seq';
  srcVocabSize: number;
  tgtVocabSize: number;
  embeddingDim: number;
  encoder: { cell: CellKind; hiddenSize: number; numLayers?: number; bidirectional?: boolean };
  decoder: { cell?: CellKind; hiddenSize: number; numLayers?: number };
  attention?: DecoderAttentionSpec;
  bridge?: BridgeKind;
  inputFeeding?: boolean;
  dropout?: number;
  seed?: number;
}

export interface VectorToSequenceSpecInput extends Partial<SpecialIds> {
  task: 'vector-to-sequence';
  inputSize: number;
  vocabSize: number;
  embeddingDim: number;
  decoder: { cell: CellKind; hiddenSize: number; numLayers?: number };
  dropout?: number;
  seed?: number;
}

const CELLS: readonly CellKind[] = ['rnn', 'lstm', 'gru'];

/** Typed reads of one JSON object, each error naming the dotted key. */
class Fields {
  constructor(
    private readonly raw: Record<string, unknown>,
    private readonly path: string,
    private readonly where: string,
  ) {}

  static of(v: unknown, path: string, where: string, allowed: readonly string[]): Fields {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      throw new ModelSpecError(path, `${where}: '${path || 'spec'}' is ${JSON.stringify(v) ?? 'undefined'}, expected an object`);
    }
    const raw = v as Record<string, unknown>;
    for (const k of Object.keys(raw)) {
      if (!allowed.includes(k)) {
        throw new ModelSpecError(path ? `${path}.${k}` : k, `${where}: unknown key '${path ? `${path}.${k}` : k}' (allowed: ${allowed.join(', ')})`);
      }
    }
    return new Fields(raw, path, where);
  }

  key(k: string): string {
    return this.path ? `${this.path}.${k}` : k;
  }

  get(k: string): unknown {
    return this.raw[k];
  }

  fail(k: string, expected: string): never {
    throw new ModelSpecError(this.key(k), `${this.where}: '${this.key(k)}' is ${JSON.stringify(this.raw[k]) ?? 'undefined'}, expected ${expected}`);
  }

  positiveInt(k: string, fallback?: number): number {
    const v = this.raw[k];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) this.fail(k, 'a positive integer');
    return v;
  }

  int(k: string, fallback: number): number {
    const v = this.raw[k];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !Number.isSafeInteger(v)) this.fail(k, 'an integer');
    return v;
  }

  bool(k: string, fallback: boolean): boolean {
    const v = this.raw[k];
    if (v === undefined) return fallback;
    if (typeof v !== 'boolean') this.fail(k, 'true or false');
    return v;
  }

  unitInterval(k: string, fallback: number): number {
    const v = this.raw[k];
    if (v === undefined) return fallback;
    if (typeof v !== 'number' || !(v >= 0 && v < 1)) this.fail(k, 'a number in [0, 1)');
    return v;
  }

  oneOf<T extends string>(k: string, allowed: readonly T[], fallback?: T): T {
    const v = this.raw[k];
    if (v === undefined && fallback !== undefined) return fallback;
    if (typeof v !== 'string' || !(allowed as readonly string[]).includes(v)) this.fail(k, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`);
    return v as T;
  }
}

function specialIds(f: Fields, vocab: number, vocabKey: string): SpecialIds {
  const ids = { padId: f.int('padId', 0), bosId: f.int('bosId', 2), eosId: f.int('eosId', 3) };
  for (const [k, v] of Object.entries(ids)) {
    if (v < 0 || v >= vocab) f.fail(k, `an id in 0..${vocab - 1} ('${vocabKey}' is ${vocab})`);
  }
  if (ids.bosId === ids.eosId || ids.padId === ids.eosId) f.fail('eosId', 'an id different from bosId and padId');
  return ids;
}

function decoderSpec(f: Fields, cellFallback?: CellKind): DecoderSpec {
  return {
    cell: f.oneOf('cell', CELLS, cellFallback),
    hiddenSize: f.positiveInt('hiddenSize'),
    numLayers: f.positiveInt('numLayers', 1),
  };
}

function attentionSpec(v: unknown, where: string): DecoderAttentionSpec {
  if (v === undefined) return { kind: 'none' };
  const kind = Fields.of(v, 'attention', where, ['kind', 'size']).oneOf('kind', ['none', 'dot', 'general', 'additive'] as const);
  const f = Fields.of(v, 'attention', where, kind === 'additive' ? ['kind', 'size'] : ['kind']);
  return kind === 'additive' ? { kind, size: f.positiveInt('size') } : { kind };
}

/**
 * Check a seq2seq spec (e.g. parsed from JSON) and fill in its defaults.
 * @example const spec = validateSeq2SeqSpec(JSON.parse(text));
 */
export function validateSeq2SeqSpec(input: unknown): Seq2SeqSpec {
  const where = "model spec (task 'seq2seq')";
  const top = [
    'task', 'srcVocabSize', 'tgtVocabSize', 'embeddingDim', 'encoder', 'decoder', 'attention', 'bridge',
    'inputFeeding', 'dropout', 'seed', 'padId', 'bosId', 'eosId',
  ];
  const f = Fields.of(input, '', where, top);
  if (f.get('task') !== 'seq2seq') f.fail('task', "'seq2seq'");
  const ef = Fields.of(f.get('encoder'), 'encoder', where, ['cell', 'hiddenSize', 'numLayers', 'bidirectional']);
  const encoder: EncoderSpec = {
    cell: ef.oneOf('cell', CELLS),
    hiddenSize: ef.positiveInt('hiddenSize'),
    numLayers: ef.positiveInt('numLayers', 1),
    bidirectional: ef.bool('bidirectional', false),
  };
  const decoder = decoderSpec(Fields.of(f.get('decoder'), 'decoder', where, ['cell', 'hiddenSize', 'numLayers']), encoder.cell);
  const attention = attentionSpec(f.get('attention'), where);
  const bridge = f.oneOf('bridge', ['linear', 'copy', 'zeros'] as const, 'linear');
  const inputFeeding = f.bool('inputFeeding', attention.kind !== 'none');
  const tgtVocabSize = f.positiveInt('tgtVocabSize');
  const spec: Seq2SeqSpec = {
    task: 'seq2seq',
    srcVocabSize: f.positiveInt('srcVocabSize'),
    tgtVocabSize,
    embeddingDim: f.positiveInt('embeddingDim'),
    encoder,
    decoder,
    attention,
    bridge,
    inputFeeding,
    dropout: f.unitInterval('dropout', 0),
    seed: f.int('seed', 0),
    ...specialIds(f, tgtVocabSize, 'tgtVocabSize'),
  };

  const keySize = (encoder.bidirectional ? 2 : 1) * encoder.hiddenSize;
  if (attention.kind === 'dot' && decoder.hiddenSize !== keySize) {
    throw new ModelSpecError(
      'attention.kind',
      `${where}: dot attention needs decoder.hiddenSize (${decoder.hiddenSize}) = encoder outputs' size (${keySize} = ${encoder.bidirectional ? '2 × ' : ''}encoder.hiddenSize); use 'general' or 'additive'`,
    );
  }
  if (attention.kind === 'none' && inputFeeding) f.fail('inputFeeding', 'false without attention (there is no attentional state to feed)');
  if (attention.kind === 'none' && bridge === 'zeros') f.fail('bridge', "'linear' or 'copy' without attention (with 'zeros' the decoder would never see the source)");
  if (bridge === 'copy') {
    const why =
      encoder.bidirectional ? 'a unidirectional encoder'
      : encoder.hiddenSize !== decoder.hiddenSize ? `encoder.hiddenSize = decoder.hiddenSize (${encoder.hiddenSize} vs ${decoder.hiddenSize})`
      : encoder.numLayers !== decoder.numLayers ? `encoder.numLayers = decoder.numLayers (${encoder.numLayers} vs ${decoder.numLayers})`
      : decoder.cell === 'lstm' && encoder.cell !== 'lstm' ? 'an LSTM encoder for an LSTM decoder (it needs c)'
      : null;
    if (why !== null) f.fail('bridge', `'linear' or 'zeros'; 'copy' needs ${why}`);
  }
  return spec;
}

/**
 * Check a vector-to-sequence spec and fill in its defaults.
 * @example const spec = validateVectorToSequenceSpec({ task: 'vector-to-sequence', inputSize: 8, vocabSize: 12, embeddingDim: 8, decoder: { cell: 'gru', hiddenSize: 32 } });
 */
export function validateVectorToSequenceSpec(input: unknown): VectorToSequenceSpec {
  const where = "model spec (task 'vector-to-sequence')";
  const f = Fields.of(input, '', where, ['task', 'inputSize', 'vocabSize', 'embeddingDim', 'decoder', 'dropout', 'seed', 'padId', 'bosId', 'eosId']);
  if (f.get('task') !== 'vector-to-sequence') f.fail('task', "'vector-to-sequence'");
  const vocabSize = f.positiveInt('vocabSize');
  return {
    task: 'vector-to-sequence',
    inputSize: f.positiveInt('inputSize'),
    vocabSize,
    embeddingDim: f.positiveInt('embeddingDim'),
    decoder: decoderSpec(Fields.of(f.get('decoder'), 'decoder', where, ['cell', 'hiddenSize', 'numLayers'])),
    dropout: f.unitInterval('dropout', 0),
    seed: f.int('seed', 0),
    ...specialIds(f, vocabSize, 'vocabSize'),
  };
}
