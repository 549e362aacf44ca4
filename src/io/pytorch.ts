/**
 * PyTorch state_dicts in. recur's parameter names are PyTorch's (`weight_ih_l0`, `weight`, …), so a
 * state_dict saved with safetensors loads as is; what differs is the module path in front of the
 * names (`rnn.`, `encoder.lstm.`, DataParallel's `module.`). These functions strip that prefix and,
 * when a load fails, name every unmatched key with a hint at the prefix that would have matched.
 * `loadPyTorchModel` does the same for a whole preset model (embedding, recurrent layers, head).
 * (This file sits with the Keras importer for ownership reasons; it is not Keras-specific.)
 */
import type { Module, StateDict } from '../layers/module.ts';
import { buildModel } from '../models/build.ts';
import type { LanguageModel } from '../models/language-model.ts';
import type { SequenceModel } from '../models/sequence-model.ts';
import type { SequenceToOne } from '../models/sequence-to-one.ts';
import type { SequenceToSequence } from '../models/sequence-to-sequence.ts';
import type { ModelSpec, ModelSpecInput, Task } from '../models/spec.ts';
import { shapeStr } from '../tensor/tensor.ts';

/** A state_dict that does not fit; `missing`, `unexpected` and `wrongShape` list the details. */
export class PyTorchImportError extends Error {
  override readonly name = 'PyTorchImportError';
  readonly missing: string[];
  readonly unexpected: string[];
  readonly wrongShape: string[];
  constructor(message: string, details: { missing?: string[]; unexpected?: string[]; wrongShape?: string[] } = {}) {
    super(message);
    this.missing = details.missing ?? [];
    this.unexpected = details.unexpected ?? [];
    this.wrongShape = details.wrongShape ?? [];
  }
}

export interface PyTorchImportOptions {
  /** Module path to strip, e.g. 'rnn.' or 'module.rnn.' (the trailing '.' may be left out). Default ''. */
  prefix?: string;
}

export interface PyTorchImport {
  /** The keys under the prefix, with the prefix stripped. */
  stateDict: StateDict;
  /** Keys outside the prefix (other sub-modules), left out. */
  skipped: string[];
}

function normPrefix(p: string | undefined): string {
  if (!p) return '';
  return p.endsWith('.') ? p : `${p}.`;
}

/** Distinct module paths in front of the keys (everything before the last '.'), for messages. */
function pathsOf(keys: readonly string[]): string[] {
  const out = new Set<string>();
  for (const k of keys) {
    const i = k.lastIndexOf('.');
    out.add(i < 0 ? '(none)' : `'${k.slice(0, i + 1)}'`);
  }
  return [...out].slice(0, 8);
}

/**
 * The part of a PyTorch state_dict under `prefix`, with the prefix stripped.
 * Throws a PyTorchImportError when no key has the prefix (listing the prefixes the keys do have).
 * @example
 * const { stateDict, skipped } = fromPyTorchStateDict(loadSafetensors(bytes), { prefix: 'rnn.' });
 * lstm.loadStateDict(stateDict); // skipped: ['fc.weight', 'fc.bias']
 */
export function fromPyTorchStateDict(dict: StateDict, opts: PyTorchImportOptions = {}): PyTorchImport {
  const prefix = normPrefix(opts.prefix);
  const stateDict: StateDict = {};
  const skipped: string[] = [];
  for (const [k, t] of Object.entries(dict)) {
    if (k.startsWith(prefix)) stateDict[k.slice(prefix.length)] = t;
    else skipped.push(k);
  }
  if (Object.keys(stateDict).length === 0) {
    const keys = Object.keys(dict);
    throw new PyTorchImportError(
      keys.length === 0
        ? 'fromPyTorchStateDict: the state dict is empty'
        : `fromPyTorchStateDict: no key starts with '${prefix}'; the keys sit under ${pathsOf(keys).join(', ')}`,
    );
  }
  return { stateDict, skipped };
}

/** Prefixes p (sorted) such that p + name is a key for every name in `names`. */
function prefixesHolding(keys: readonly string[], names: readonly string[]): string[] {
  const have = new Set(keys);
  const first = names[0];
  const found: string[] = [];
  for (const k of keys) {
    if (!k.endsWith(first)) continue;
    const p = k.slice(0, k.length - first.length);
    if ((p === '' || p.endsWith('.')) && names.every((n) => have.has(p + n))) found.push(p);
  }
  return found.sort();
}

/** Why a leftover PyTorch key cannot load, where we know. */
function keyHint(name: string): string {
  if (/^weight_hr_l\d+/.test(name)) return ' (LSTM proj_size: not supported)';
  if (name.endsWith('num_batches_tracked') || name.endsWith('running_mean') || name.endsWith('running_var')) return ' (a buffer of a normalisation layer: not supported)';
  return '';
}

/**
 * Loads the part of a PyTorch state_dict under `prefix` into `module` (strict: every parameter
 * present, with its shape, and nothing unknown under the prefix). On failure the error lists the
 * missing, unexpected and wrongly shaped keys by their original names, and suggests a prefix when
 * the missing names appear under another one.
 * @example
 * const lstm = new LSTM({ inputSize: 3, hiddenSize: 4 });
 * const { skipped } = loadPyTorchStateDict(lstm, loadSafetensors(bytes), { prefix: 'encoder.rnn.' });
 */
export function loadPyTorchStateDict(module: Module, dict: StateDict, opts: PyTorchImportOptions = {}): { skipped: string[] } {
  const prefix = normPrefix(opts.prefix);
  const { stateDict, skipped } = fromPyTorchStateDict(dict, { prefix });
  const params = new Map(module.namedParameters());
  const missing = [...params.keys()].filter((n) => !(n in stateDict));
  const unexpected = Object.keys(stateDict).filter((n) => !params.has(n));
  const wrongShape: string[] = [];
  for (const [n, p] of params) {
    const t = stateDict[n];
    if (t && (t.shape.length !== p.shape.length || t.shape.some((d, i) => d !== p.shape[i]))) {
      wrongShape.push(`${prefix}${n}: got ${shapeStr(t.shape)}, expected ${shapeStr(p.shape)}`);
    }
  }
  if (missing.length + unexpected.length + wrongShape.length === 0) {
    module.loadStateDict(stateDict);
    return { skipped };
  }
  const list = (xs: string[]): string => (xs.length > 12 ? `${xs.slice(0, 12).join(', ')}, … (${xs.length - 12} more)` : xs.join(', '));
  const parts: string[] = [];
  if (missing.length) parts.push(`missing: ${list(missing.map((n) => prefix + n))}`);
  if (unexpected.length) parts.push(`unexpected: ${list(unexpected.map((n) => prefix + n + keyHint(n)))}`);
  if (wrongShape.length) parts.push(`wrong shape: ${list(wrongShape)}`);
  // Prefixes under which every missing name does exist.
  const candidates = missing.length === 0 ? [] : prefixesHolding(Object.keys(dict), missing).filter((p) => p !== prefix);
  const hint = candidates.length === 0 ? '' : ` — every missing name exists under ${candidates.map((p) => `'${p}'`).join(', ')}: did you mean ${candidates.length === 1 ? `prefix '${candidates[0]}'` : 'one of these prefixes'}?`;
  throw new PyTorchImportError(`loadPyTorchStateDict (${module.constructor.name}, prefix '${prefix}'): ${parts.join(' | ')}${hint}`, {
    missing: missing.map((n) => prefix + n),
    unexpected: unexpected.map((n) => prefix + n),
    wrongShape,
  });
}

/** The sub-modules of a preset model, by recur's attribute names. */
export type PresetPart = 'embedding' | 'rnn' | 'head';

/**
 * Module paths, in the PyTorch model, of the preset's sub-modules where the PyTorch attributes are
 * named otherwise (relative to `prefix`). E.g. PyTorch's word_language_model example:
 * `{ embedding: 'encoder', head: 'decoder' }`.
 */
export type PyTorchModelNames = Partial<Record<PresetPart, string>>;

export interface PyTorchModelOptions extends PyTorchImportOptions {
  /** PyTorch names of the sub-modules; each defaults to recur's own ('embedding', 'rnn', 'head'). */
  names?: PyTorchModelNames;
}

type SpecFor<T extends Task> = Extract<ModelSpecInput, { task: T }>;

interface Part {
  part: PresetPart;
  module: Module;
  /** Full key prefix in the PyTorch state_dict, ending in '.'. */
  path: string;
  /** The state_dict entries under `path`, with their original keys. */
  dict: StateDict;
}

/**
 * Builds the preset `spec` describes and loads a PyTorch model's state_dict into it: the PyTorch
 * `nn.Module` has an `nn.Embedding` (token models), an `nn.RNN` / `nn.LSTM` / `nn.GRU` and an
 * `nn.Linear`, named `embedding`, `rnn` and `head` unless `names` says otherwise, and computes what
 * the preset computes (docs/interop.md, "Whole models"). Strict: every tensor under `prefix` must
 * belong to one of them with recur's name and shape (keys outside `prefix` are ignored). On
 * failure a PyTorchImportError names every missing, unexpected and wrongly shaped tensor with both
 * shapes, and the spec fields the weights contradict. Returns the model in evaluation mode
 * (dropout off); call `model.train()` to fine-tune.
 * @example
 * const { tensors, metadata } = readSafetensors(readFileSync('classifier.safetensors'));
 * const model = loadPyTorchModel(JSON.parse(metadata.spec), tensors);
 * const logits = model.forward(PackedSequence.fromPadded(ids, lengths)); // [B, numClasses]
 */
export function loadPyTorchModel(spec: SpecFor<'classify' | 'regress' | 'forecast'>, dict: StateDict, opts?: PyTorchModelOptions): SequenceToOne;
export function loadPyTorchModel(spec: SpecFor<'tag' | 'regress-steps'>, dict: StateDict, opts?: PyTorchModelOptions): SequenceToSequence;
export function loadPyTorchModel(spec: SpecFor<'language-model'>, dict: StateDict, opts?: PyTorchModelOptions): LanguageModel;
export function loadPyTorchModel(spec: unknown, dict: StateDict, opts?: PyTorchModelOptions): SequenceModel;
export function loadPyTorchModel(spec: unknown, dict: StateDict, opts: PyTorchModelOptions = {}): SequenceModel {
  const model = buildModel(spec);
  const prefix = normPrefix(opts.prefix);
  const names = opts.names ?? {};
  const parts: Part[] = [];
  const add = (part: PresetPart, module: Module): void => {
    parts.push({ part, module, path: prefix + normPrefix(names[part] ?? part), dict: {} });
  };
  if (model.embedding !== null) add('embedding', model.embedding);
  add('rnn', model.rnn);
  add('head', model.head);

  // Each key under the prefix goes to the sub-module with the longest matching path.
  const unclaimed: string[] = [];
  for (const [k, t] of Object.entries(dict)) {
    if (!k.startsWith(prefix)) continue;
    let best: Part | null = null;
    for (const p of parts) if (k.startsWith(p.path) && (best === null || p.path.length > best.path.length)) best = p;
    if (best === null) unclaimed.push(k);
    else best.dict[k] = t;
  }

  const missing: string[] = [];
  const wrongShape: string[] = [];
  const unexpected = [...unclaimed];
  // Listed per sub-module (a few each), so that a wrong size shows in every part it touches.
  const wrongShown: string[] = [];
  const empty: Part[] = [];
  for (const p of parts) {
    if (Object.keys(p.dict).length === 0) {
      empty.push(p);
      missing.push(...p.module.namedParameters().map(([n]) => p.path + n));
      continue;
    }
    try {
      loadPyTorchStateDict(p.module, p.dict, { prefix: p.path });
    } catch (e) {
      if (!(e instanceof PyTorchImportError)) throw e;
      missing.push(...e.missing);
      unexpected.push(...e.unexpected);
      wrongShape.push(...e.wrongShape);
      const more = e.wrongShape.length - 4;
      wrongShown.push(...e.wrongShape.slice(0, 4), ...(more > 0 ? [`… (${more} more under '${p.path}')`] : []));
    }
  }
  if (missing.length + unexpected.length + wrongShape.length === 0) return model.eval();

  const list = (xs: string[]): string => (xs.length > 12 ? `${xs.slice(0, 12).join(', ')}, … (${xs.length - 12} more)` : xs.join(', '));
  const msg: string[] = [];
  const contradicted = specConflicts(model.spec, parts);
  const emb = dict[prefix + normPrefix(names.embedding ?? 'embedding') + 'weight'];
  if (model.embedding === null && emb !== undefined && emb.ndim === 2 && 'inputSize' in model.spec) {
    contradicted.push(`token ids (an embedding ${shapeStr(emb.shape)}: vocabSize ${emb.shape[0]}, embeddingDim ${emb.shape[1]}; spec inputSize ${model.spec.inputSize})`);
  }
  if (contradicted.length) msg.push(`the weights say ${contradicted.join(', ')}`);
  if (wrongShape.length) msg.push(`wrong shape: ${wrongShown.join('; ')}`);
  if (missing.length) msg.push(`missing: ${list(missing)}`);
  if (unexpected.length) msg.push(`unexpected: ${list(unexpected.map((k) => k + keyHint(k.slice(k.lastIndexOf('.') + 1))))}`);
  if (empty.length) {
    const where = empty.map((p) => `'${p.path}' (${p.part}, ${p.module.constructor.name})`).join(', ');
    const rename = empty.map((p) => `${p.part}: '…'`).join(', ');
    msg.push(
      `no tensor under ${where}` +
        (unclaimed.length ? `; the unclaimed tensors sit under ${pathsOf(unclaimed).join(', ')}: if the PyTorch model names the sub-module otherwise, pass names: { ${rename} }` : ''),
    );
  }
  const s = model.spec;
  throw new PyTorchImportError(
    `loadPyTorchModel (task '${s.task}', cell '${s.cell}', hiddenSize ${s.hiddenSize}, numLayers ${s.numLayers}${s.bidirectional ? ', bidirectional' : ''}, prefix '${prefix}'): ` +
      `the state dict does not fit the spec: ${msg.join(' | ')}`,
    { missing, unexpected, wrongShape },
  );
}

/**
 * Spec fields the PyTorch tensors contradict, as "hiddenSize 12 (spec 16)", read from the
 * recurrent weights (weight_hh_l0 [G·H, H], weight_ih_l0 [G·H, D]), the embedding [V, E] and the
 * head [O, ·]. Only for a message; the shape check above is what decides.
 */
function specConflicts(spec: ModelSpec, parts: readonly Part[]): string[] {
  const out: string[] = [];
  const said = (key: string, weights: number | string | boolean, specValue: number | string | boolean): void => {
    if (weights !== specValue) out.push(`${key} ${String(weights)} (spec ${String(specValue)})`);
  };
  const of = (part: PresetPart, name: string): readonly number[] | null => {
    const p = parts.find((q) => q.part === part);
    const t = p ? p.dict[p.path + name] : undefined;
    return t ? t.shape : null;
  };
  const rnn = parts.find((p) => p.part === 'rnn');
  const hh = of('rnn', 'weight_hh_l0');
  if (rnn && hh && hh.length === 2 && hh[1] > 0 && hh[0] % hh[1] === 0) {
    const H = hh[1];
    const cell = ({ 1: 'rnn', 3: 'gru', 4: 'lstm' } as Record<number, string>)[hh[0] / H];
    if (cell !== undefined) said('cell', cell, spec.cell);
    said('hiddenSize', H, spec.hiddenSize);
    const rest = Object.keys(rnn.dict).map((k) => k.slice(rnn.path.length));
    said('numLayers', rest.filter((n) => /^weight_ih_l\d+$/.test(n)).length, spec.numLayers);
    said('bidirectional', rest.includes('weight_ih_l0_reverse'), spec.bidirectional);
    const ih = of('rnn', 'weight_ih_l0');
    if (ih && ih.length === 2) {
      if ('inputSize' in spec) said('inputSize', ih[1], spec.inputSize);
      else said('embeddingDim', ih[1], spec.embeddingDim);
    }
  }
  const emb = of('embedding', 'weight');
  if (emb && emb.length === 2 && 'vocabSize' in spec) said('vocabSize', emb[0], spec.vocabSize);
  const head = of('head', 'weight');
  const O = spec.task === 'language-model' ? spec.vocabSize : spec.task === 'forecast' ? spec.horizon * spec.outputSize : 'numClasses' in spec ? spec.numClasses : spec.outputSize;
  if (head && head.length === 2 && head[0] !== O) {
    const key = spec.task === 'forecast' ? 'horizon·outputSize' : spec.task === 'language-model' ? 'vocabSize (head)' : 'numClasses' in spec ? 'numClasses' : 'outputSize';
    said(key, head[0], O);
  }
  return out;
}
