/**
 * PyTorch state_dicts in. recur's parameter names are PyTorch's (`weight_ih_l0`, `weight`, …), so a
 * state_dict saved with safetensors loads as is; what differs is the module path in front of the
 * names (`rnn.`, `encoder.lstm.`, DataParallel's `module.`). These functions strip that prefix and,
 * when a load fails, name every unmatched key with a hint at the prefix that would have matched.
 * (This file sits with the Keras importer for ownership reasons; it is not Keras-specific.)
 */
import type { Module, StateDict } from '../layers/module.ts';
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
