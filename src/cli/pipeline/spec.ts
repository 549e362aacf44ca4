/**
 * The model spec of a `train` run: a spec file (--spec) and/or model flags (--cell, --hidden, ...),
 * completed with the sizes the data decides (inputSize, outputSize, horizon, numClasses,
 * vocabSize). A size the spec file states differently from the data is an error that says where
 * each number came from; the rest (unknown keys, bad values) is `validateSpec`'s.
 */
import { ModelSpecError, validateSpec, type CellKind, type ModelSpec } from '../../index.ts';
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
}

/** Defaults for flags a spec file does not set either. */
export const MODEL_DEFAULTS = { cell: 'lstm', hiddenSize: 64, embeddingDim: 32 } as const;

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

/**
 * The validated spec.
 * @example composeSpec({ hidden: 32 }, { task: { value: 'forecast', from: '--data' }, inputSize: { value: 1, from: '--inputs' } }, 7)
 */
export function composeSpec(flags: ModelFlags, data: DataKeys, seed: number): ModelSpec {
  const base = flags.spec === undefined ? {} : readSpecFile(flags.spec);
  const spec: Record<string, unknown> = { ...base };
  for (const [key, { value, from }] of Object.entries(data)) {
    if (key in base && base[key] !== value) {
      throw new CliError(
        `--spec ${flags.spec}: "${key}" is ${JSON.stringify(base[key])}, but ${from} gives ${JSON.stringify(value)}; ` +
          `leave "${key}" out of the spec file (the data decides it) or change ${from}`,
      );
    }
    spec[key] = value;
  }
  const tokens = 'vocabSize' in data;
  spec.cell = flags.cell ?? spec.cell ?? MODEL_DEFAULTS.cell;
  spec.hiddenSize = flags.hidden ?? spec.hiddenSize ?? MODEL_DEFAULTS.hiddenSize;
  if (flags.layers !== undefined) spec.numLayers = flags.layers;
  if (flags.bidirectional !== undefined) spec.bidirectional = flags.bidirectional;
  if (flags.dropout !== undefined) spec.dropout = flags.dropout;
  if (tokens) spec.embeddingDim = flags.embedding ?? spec.embeddingDim ?? MODEL_DEFAULTS.embeddingDim;
  spec.seed ??= seed;
  try {
    return validateSpec(spec);
  } catch (e) {
    if (e instanceof ModelSpecError && flags.spec !== undefined && e.key in base) throw new CliError(`--spec ${flags.spec}: ${e.message}`);
    throw e;
  }
}
