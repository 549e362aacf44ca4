/**
 * Optimizer and generator state inside a checkpoint: split into JSON metadata and tensors on save,
 * validated and rebuilt on load.
 *
 * Optimizer: the buffers become tensors `optim.<slot>.<i>` of shape [n] (n = elements of
 * parameter i); the metadata keeps everything else and names the tensors:
 *   { "kind": "adam", "options": {...}, "steps": [3, 3],
 *     "buffers": { "expAvg": ["optim.expAvg.0", "optim.expAvg.1"], "maxExpAvgSq": [null, null], ... } }
 * A null entry is a buffer that does not exist (a parameter never stepped, or amsgrad off).
 *
 * Generators: { "global": {"s": [4 uint32]}, "modules": {name: state}, "extra": {name: state} }.
 */
import type { AdamConfig } from '../optim/adam.ts';
import type { Buffers, OptimizerKind, OptimizerState } from '../optim/optimizer.ts';
import type { RMSpropConfig } from '../optim/rmsprop.ts';
import type { SGDConfig } from '../optim/sgd.ts';
import type { Module } from '../layers/module.ts';
import { defaultRng, type Rng, type RngState } from '../tensor/rng.ts';
import { Tensor } from '../tensor/tensor.ts';
import { CheckpointError } from './checkpoint-error.ts';

/** Generator states saved for an exact resume. */
export interface CheckpointRng {
  /** The default generator: `defaultRng().getState()`. */
  global?: RngState;
  /** Generators registered in the model (dropout, seeded layers): `model.rngStates()`. */
  modules?: Record<string, RngState>;
  /** Other generators the caller owns (a DataLoader's shuffling), under names it chooses. */
  extra?: Record<string, RngState>;
}

/** Buffer slots of each optimizer kind, in the order their state lists them. */
const SLOTS: Record<OptimizerKind, readonly string[]> = {
  sgd: ['momentum'],
  adam: ['expAvg', 'expAvgSq', 'maxExpAvgSq'],
  adamw: ['expAvg', 'expAvgSq', 'maxExpAvgSq'],
  rmsprop: ['squareAvg', 'gradAvg', 'momentum'],
};

const OPTIMIZER_PREFIX = 'optim.';

/** A short rendering of a JSON value for error messages. */
function show(value: unknown): string {
  const s = value === undefined ? 'missing' : JSON.stringify(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A content error in metadata field `field` of the file `where` names. */
function bad(where: string, field: string, message: string): never {
  throw new CheckpointError('invalid', `${where}: metadata "${field}" is malformed: ${message}`);
}

// ---------------------------------------------------------------------------------------------
// Optimizer

/**
 * Split an optimizer state into metadata (returned) and buffer tensors (added to `tensors`).
 * The tensors share the state's Float32Arrays; nothing is copied until the file is written.
 */
export function optimizerToMetadata(state: OptimizerState, tensors: Record<string, Tensor>): Record<string, unknown> {
  const buffers: { [slot: string]: (string | null)[] } = {};
  for (const [slot, list] of Object.entries(state.buffers) as [string, Buffers][]) {
    buffers[slot] = list.map((b, i) => {
      if (b === null) return null;
      const name = `${OPTIMIZER_PREFIX}${slot}.${i}`;
      tensors[name] = new Tensor(b, [b.length]);
      return name;
    });
  }
  // Options hold numbers, booleans and a number pair; the encoder checks they are finite.
  return { kind: state.kind, options: { ...state.options }, steps: [...state.steps], buffers };
}

/**
 * Rebuild an optimizer state from its metadata and the file's tensors. Every name it uses is
 * removed from `unused`, so the caller can reject tensors nothing refers to.
 */
export function optimizerFromMetadata(
  meta: unknown,
  tensors: Record<string, Tensor>,
  unused: Set<string>,
  where: string,
): OptimizerState {
  const field = 'optimizer';
  if (!isObject(meta)) bad(where, field, `it is ${show(meta)}, expected an object`);
  const kind = meta.kind;
  if (typeof kind !== 'string' || !Object.hasOwn(SLOTS, kind)) {
    bad(where, field, `kind is ${show(kind)}, expected one of ${Object.keys(SLOTS).map((k) => `"${k}"`).join(', ')}`);
  }
  const k = kind as OptimizerKind;
  const steps = meta.steps;
  if (!Array.isArray(steps) || !steps.every((s) => Number.isSafeInteger(s) && (s as number) >= 0)) {
    bad(where, field, `steps is ${show(steps)}, expected an array of non-negative integers`);
  }
  const stepList = steps as number[];

  const buffersMeta = meta.buffers;
  if (!isObject(buffersMeta)) bad(where, field, `buffers is ${show(buffersMeta)}, expected an object`);
  checkKeys(buffersMeta, SLOTS[k], where, `${field}.buffers`);
  const buffer = (slot: string): Buffers => {
    const list = buffersMeta[slot];
    if (!Array.isArray(list) || list.length !== stepList.length) {
      bad(where, field, `buffers.${slot} is ${show(list)}, expected ${stepList.length} entries (one per parameter)`);
    }
    return list.map((name: unknown, i): Float32Array | null => {
      if (name === null) return null;
      if (typeof name !== 'string' || !name.startsWith(OPTIMIZER_PREFIX) || !Object.hasOwn(tensors, name)) {
        bad(where, field, `buffers.${slot}[${i}] is ${show(name)}, expected null or the name of an "${OPTIMIZER_PREFIX}" tensor in the file`);
      }
      const t = tensors[name];
      if (t.ndim !== 1) bad(where, field, `tensor "${name}" has ${t.ndim} dimensions, expected 1`);
      unused.delete(name);
      return t.data;
    });
  };

  const options = meta.options;
  if (!isObject(options)) bad(where, field, `options is ${show(options)}, expected an object`);
  const num = (key: string): number => {
    const v = options[key];
    if (typeof v !== 'number') bad(where, field, `options.${key} is ${show(v)}, expected a number`);
    return v;
  };
  const bool = (key: string): boolean => {
    const v = options[key];
    if (typeof v !== 'boolean') bad(where, field, `options.${key} is ${show(v)}, expected true or false`);
    return v;
  };
  const pair = (key: string): [number, number] => {
    const v = options[key];
    if (!Array.isArray(v) || v.length !== 2 || typeof v[0] !== 'number' || typeof v[1] !== 'number') {
      bad(where, field, `options.${key} is ${show(v)}, expected a pair of numbers`);
    }
    return [v[0] as number, v[1] as number];
  };

  switch (k) {
    case 'sgd': {
      const o: SGDConfig = { lr: num('lr'), momentum: num('momentum'), dampening: num('dampening'), nesterov: bool('nesterov'), weightDecay: num('weightDecay') };
      checkKeys(options, Object.keys(o), where, `${field}.options`);
      return { kind: k, options: o, steps: stepList, buffers: { momentum: buffer('momentum') } };
    }
    case 'adam':
    case 'adamw': {
      const o: AdamConfig = { lr: num('lr'), betas: pair('betas'), eps: num('eps'), weightDecay: num('weightDecay'), amsgrad: bool('amsgrad') };
      checkKeys(options, Object.keys(o), where, `${field}.options`);
      const buffers = { expAvg: buffer('expAvg'), expAvgSq: buffer('expAvgSq'), maxExpAvgSq: buffer('maxExpAvgSq') };
      return { kind: k, options: o, steps: stepList, buffers };
    }
    case 'rmsprop': {
      const o: RMSpropConfig = {
        lr: num('lr'), alpha: num('alpha'), eps: num('eps'), weightDecay: num('weightDecay'), momentum: num('momentum'), centered: bool('centered'),
      };
      checkKeys(options, Object.keys(o), where, `${field}.options`);
      const buffers = { squareAvg: buffer('squareAvg'), gradAvg: buffer('gradAvg'), momentum: buffer('momentum') };
      return { kind: k, options: o, steps: stepList, buffers };
    }
  }
}

/** `obj` must have exactly the keys `expected` (a typo must not pass unnoticed). */
function checkKeys(obj: Record<string, unknown>, expected: readonly string[], where: string, what: string): void {
  const extra = Object.keys(obj).filter((key) => !expected.includes(key));
  const missing = expected.filter((key) => !Object.hasOwn(obj, key));
  if (extra.length > 0 || missing.length > 0) {
    const parts = [];
    if (missing.length > 0) parts.push(`missing ${missing.join(', ')}`);
    if (extra.length > 0) parts.push(`unexpected ${extra.join(', ')}`);
    bad(where, what.split('.')[0], `${what} has ${parts.join('; ')} (expected keys: ${expected.join(', ')})`);
  }
}

// ---------------------------------------------------------------------------------------------
// Generators

function isU32(v: unknown): v is number {
  return Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 0xffffffff;
}

function rngStateFrom(value: unknown, where: string, path: string): RngState {
  const s = isObject(value) ? value.s : undefined;
  if (!isObject(value) || !Array.isArray(s) || s.length !== 4 || !s.every(isU32)) {
    bad(where, 'rng', `${path} is ${show(value)}, expected {"s": [four uint32 words]}`);
  }
  const words = s as number[];
  if (words.every((w) => w === 0)) bad(where, 'rng', `${path} is all zeros, which is not a valid xoshiro128** state`);
  return { s: [words[0], words[1], words[2], words[3]] };
}

function rngMapFrom(value: unknown, where: string, path: string): Record<string, RngState> {
  if (!isObject(value)) bad(where, 'rng', `${path} is ${show(value)}, expected an object of generator states`);
  return Object.fromEntries(Object.entries(value).map(([name, v]) => [name, rngStateFrom(v, where, `${path}["${name}"]`)]));
}

/** Validate generator states read from a file. */
export function rngFromMetadata(meta: unknown, where: string): CheckpointRng {
  if (!isObject(meta)) bad(where, 'rng', `it is ${show(meta)}, expected an object`);
  const unknown = Object.keys(meta).filter((key) => !['global', 'modules', 'extra'].includes(key));
  if (unknown.length > 0) bad(where, 'rng', `unexpected keys ${unknown.join(', ')} (expected global, modules, extra)`);
  const out: CheckpointRng = {};
  if (meta.global !== undefined) out.global = rngStateFrom(meta.global, where, 'global');
  if (meta.modules !== undefined) out.modules = rngMapFrom(meta.modules, where, 'modules');
  if (meta.extra !== undefined) out.extra = rngMapFrom(meta.extra, where, 'extra');
  return out;
}

/**
 * Snapshot every generator a training run draws from: the default one, the model's, and any
 * others the caller names (e.g. a DataLoader's), for {@link restoreRng} after loading.
 *
 * @example
 * saveCheckpoint('run.recur', { spec, weights: model.stateDict(), rng: captureRng(model, { loader: loaderRng }) });
 */
export function captureRng(model?: Module, extra?: Record<string, Rng>): CheckpointRng {
  const out: CheckpointRng = { global: defaultRng().getState() };
  if (model !== undefined) out.modules = model.rngStates();
  if (extra !== undefined) out.extra = Object.fromEntries(Object.entries(extra).map(([name, r]) => [name, r.getState()]));
  return out;
}

/**
 * Put generators back as {@link captureRng} found them. Every generator passed must have a saved
 * state (a missing one is an error, not a silent fresh start); saved states nobody asks for are ignored.
 *
 * @example
 * const ckpt = loadCheckpoint('run.recur');
 * if (ckpt.rng) restoreRng(ckpt.rng, model, { loader: loaderRng });
 */
export function restoreRng(saved: CheckpointRng, model?: Module, extra?: Record<string, Rng>): void {
  if (saved.global !== undefined) defaultRng().setState(saved.global);
  if (model !== undefined) model.loadRngStates(saved.modules ?? {});
  for (const [name, r] of Object.entries(extra ?? {})) {
    const s = saved.extra?.[name];
    if (s === undefined) {
      const known = Object.keys(saved.extra ?? {});
      throw new CheckpointError('invalid', `restoreRng: no saved state for generator "${name}" (saved: ${known.length > 0 ? known.join(', ') : 'none'})`);
    }
    r.setState(s);
  }
}
