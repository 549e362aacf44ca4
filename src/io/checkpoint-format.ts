/**
 * The recur checkpoint format (`.recur`), in memory: `encodeCheckpoint` / `decodeCheckpoint`.
 * No Node APIs here, so browsers can use it; `checkpoint.ts` adds files and atomic writes.
 *
 * A checkpoint is one safetensors file (see safetensors.ts), readable by any safetensors tool:
 *
 *   tensors     model.<parameter name>   the weights, with the module's shapes and names
 *               optim.<slot>.<i>         optimizer buffer `slot` of parameter i, shape [n]
 *   __metadata__ (string values)
 *               format     recur-checkpoint
 *               version    1
 *               spec       JSON: the model's spec (opaque here)
 *               optimizer  JSON: the optimizer state minus its buffers (see checkpoint-state.ts)  [optional]
 *               rng        JSON: { global?, modules?, extra? } generator states                   [optional]
 *               data       JSON: scalers, vocabularies (opaque)                                   [optional]
 *               training   JSON: epoch, step, history... (opaque)                                 [optional]
 *               checksum   crc32:xxxxxxxx
 *
 * The checksum is the CRC-32 (zlib's) of the whole file with its own 8 hex digits read as "0":
 * every byte is covered, header included, so a flipped bit anywhere is caught. Encoding is
 * deterministic: equal checkpoints give identical bytes.
 *
 * Loading tells apart, in this order: a foreign file (PNG, zip, JSON, text...), a file cut short
 * (inside the header or inside the data), a safetensors file that is not a checkpoint, a newer
 * format version, and damaged bytes (checksum) — each a `CheckpointError` with its own `code`.
 */
import { Tensor } from '../tensor/tensor.ts';
import { CheckpointError } from './checkpoint-error.ts';
import {
  optimizerFromMetadata,
  optimizerToMetadata,
  rngFromMetadata,
  type CheckpointRng,
} from './checkpoint-state.ts';
import type { OptimizerState } from '../optim/optimizer.ts';
import { crc32 } from './crc32.ts';
import { jsonProblem, type JsonValue } from './json.ts';
import { readSafetensors, saveSafetensors, SafetensorsError } from './safetensors.ts';
import { describeForeign } from './sniff.ts';

/** Everything needed to use a trained model and to resume its training exactly. */
export interface Checkpoint {
  /** The model's JSON spec, enough to rebuild the module before loading `weights`. */
  spec: JsonValue;
  /** Parameters by name (`module.stateDict()`). */
  weights: Record<string, Tensor>;
  /** `optimizer.stateDict()`. */
  optimizer?: OptimizerState;
  /** Generator states (`captureRng(model)`). */
  rng?: CheckpointRng;
  /** Data preparation to replay at prediction time: scalers, vocabularies. */
  data?: JsonValue;
  /** Training progress: epoch, step, history, anything the training loop wants back. */
  training?: JsonValue;
}

export const CHECKPOINT_FORMAT = 'recur-checkpoint';
/** The format version this recur writes and the newest it reads. */
export const CHECKPOINT_VERSION = 1;

const MODEL_PREFIX = 'model.';
const OPTIMIZER_PREFIX = 'optim.';
/** safetensors' own limit on the header length (see safetensors.ts). */
const MAX_HEADER_BYTES = 100_000_000;
const CHECKSUM_PLACEHOLDER = 'crc32:00000000';
/** The bytes before the 8 hex digits, as saveSafetensors writes them (no spaces). */
const CHECKSUM_MARK = new TextEncoder().encode('"checksum":"crc32:');
const OPTIONAL_JSON = ['optimizer', 'rng', 'data', 'training'] as const;

/**
 * The bytes of a `.recur` file: a safetensors file with the weights, the optimizer buffers and
 * the JSON metadata, checksummed. Deterministic: equal checkpoints give identical bytes.
 * Throws a {@link CheckpointError} (`invalid`) for content a file cannot hold exactly
 * (NaN or undefined in the JSON parts, a weight that is not a Tensor).
 *
 * @example
 * const bytes = encodeCheckpoint({ spec, weights: model.stateDict(), optimizer: opt.stateDict() });
 * const url = URL.createObjectURL(new Blob([bytes])); // a download in a browser
 */
export function encodeCheckpoint(ckpt: Checkpoint): Uint8Array {
  const invalid: (message: string) => never = (message) => {
    throw new CheckpointError('invalid', `encodeCheckpoint: ${message}`);
  };
  const tensors: Record<string, Tensor> = {};
  for (const [name, t] of Object.entries(ckpt.weights)) {
    if (!(t instanceof Tensor)) invalid(`weights["${name}"] is not a Tensor`);
    tensors[MODEL_PREFIX + name] = t;
  }
  const metadata: Record<string, string> = { format: CHECKPOINT_FORMAT, version: String(CHECKPOINT_VERSION) };
  const json: Record<string, unknown> = { spec: ckpt.spec, rng: ckpt.rng, data: ckpt.data, training: ckpt.training };
  if (ckpt.optimizer !== undefined) json.optimizer = optimizerToMetadata(ckpt.optimizer, tensors);
  for (const key of ['spec', ...OPTIONAL_JSON]) {
    if (key !== 'spec' && json[key] === undefined) continue;
    const problem = jsonProblem(json[key], key);
    if (problem !== null) invalid(problem);
    metadata[key] = JSON.stringify(json[key]);
  }
  metadata.checksum = CHECKSUM_PLACEHOLDER;

  let bytes: Uint8Array;
  try {
    bytes = saveSafetensors(tensors, metadata);
  } catch (e) {
    if (e instanceof SafetensorsError) invalid(e.message);
    throw e;
  }
  const at = findChecksum(bytes, 8 + headerLength(bytes));
  if (at < 0) throw new Error('encodeCheckpoint: checksum field not found in the written header (bug)');
  const digits = crc32(bytes).toString(16).padStart(8, '0');
  bytes.set(new TextEncoder().encode(digits), at);
  return bytes;
}

/**
 * Read a `.recur` file's bytes. `source` (a path) only appears in error messages.
 * Throws a {@link CheckpointError} whose `code` says what is wrong: `truncated`, `corrupted`,
 * `foreign`, `newer-version` or `invalid`, with a message that says how to proceed.
 *
 * @example
 * const ckpt = decodeCheckpoint(new Uint8Array(await (await fetch('model.recur')).arrayBuffer()));
 * const model = buildModel(ckpt.spec);
 * model.loadStateDict(ckpt.weights);
 */
export function decodeCheckpoint(bytes: Uint8Array, source?: string): Checkpoint {
  const where = source === undefined ? 'checkpoint' : `checkpoint '${source}'`;
  const n = bytes.length;
  type Code = 'truncated' | 'corrupted' | 'foreign' | 'newer-version';
  // Annotated so that TypeScript treats calls as ending the control flow.
  const fail: (code: Code, message: string) => never = (code, message) => {
    throw new CheckpointError(code, `${where} ${message}`);
  };

  // 1. The first 8 bytes of a safetensors file are the header length (little-endian u64), and
  //    the header is a JSON object. Anything else is some other kind of file.
  if (n === 0) fail('truncated', 'is empty (0 bytes): truncated, or never written');
  if (!looksLikeSafetensors(bytes)) fail('foreign', `is not a recur checkpoint: it looks like ${describeForeign(bytes)}`);
  if (n < 8) fail('truncated', `is truncated: it is ${n} bytes, shorter than the 8-byte header length`);
  const headerEnd = 8 + headerLength(bytes);
  if (headerEnd > n) {
    fail('truncated', `is truncated inside its header: the header is ${headerEnd - 8} bytes but the file ends after ${n - 8} of them (file is ${n} bytes)`);
  }

  // 2. The header: JSON with tensor entries and the metadata strings.
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, headerEnd)));
  } catch (e) {
    fail('corrupted', `is corrupted: its header is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(header)) fail('corrupted', 'is corrupted: its header is not a JSON object');
  const meta = isObject(header.__metadata__) ? header.__metadata__ : {};
  const tensorNames = Object.keys(header).filter((k) => k !== '__metadata__');
  if (meta.format !== CHECKPOINT_FORMAT) fail('foreign', foreignSafetensors(meta, tensorNames));

  const version = Number(meta.version);
  if (typeof meta.version !== 'string' || !Number.isSafeInteger(version) || version < 1) {
    fail('corrupted', `is corrupted: its format version is ${JSON.stringify(meta.version)}, expected a positive integer`);
  }
  if (version > CHECKPOINT_VERSION) {
    fail('newer-version', `was written by a newer recur (checkpoint format version ${version}; this recur reads up to version ${CHECKPOINT_VERSION}): upgrade recur to load it`);
  }

  // 3. Size: the tensor entries say where the data ends; compare with the file before anything else.
  let dataLength = 0;
  for (const name of tensorNames) {
    const entry = header[name];
    const offsets = isObject(entry) ? entry.data_offsets : undefined;
    const end = Array.isArray(offsets) ? Number(offsets[1]) : NaN;
    if (!Number.isSafeInteger(end) || end < 0) fail('corrupted', `is corrupted: tensor "${name}" has no valid data_offsets in the header`);
    dataLength = Math.max(dataLength, end);
  }
  const expected = headerEnd + dataLength;
  if (n < expected) {
    fail('truncated', `is truncated inside its tensor data: the header describes ${expected} bytes but the file has ${n} (${expected - n} missing; an interrupted copy or download?)`);
  }
  if (n > expected) fail('corrupted', `is corrupted: ${n - expected} unexpected bytes follow the tensor data (file is ${n} bytes, the header describes ${expected})`);

  // 4. Checksum over every byte.
  const stored = meta.checksum;
  const at = findChecksum(bytes, headerEnd);
  if (typeof stored !== 'string' || !/^crc32:[0-9a-f]{8}$/.test(stored) || at < 0) {
    fail('corrupted', `is corrupted: its checksum field is ${JSON.stringify(stored)}, expected "crc32:" and 8 hex digits`);
  }
  const actual = crc32(bytes.subarray(at + 8), crc32(ZERO_DIGITS, crc32(bytes.subarray(0, at)))).toString(16).padStart(8, '0');
  if (`crc32:${actual}` !== stored) {
    fail('corrupted', `is corrupted: checksum mismatch (the file records ${stored}, its contents give crc32:${actual}); some bytes changed after it was written (disk or transfer damage)`);
  }

  // 5. Contents. The checksum passed, so a failure here means a writer other than recur's.
  let tensors: Record<string, Tensor>;
  try {
    tensors = readSafetensors(bytes).tensors;
  } catch (e) {
    if (e instanceof SafetensorsError) fail('corrupted', `is corrupted: ${e.message}`);
    throw e;
  }
  const parsed = (key: string): unknown => {
    const text = meta[key];
    if (typeof text !== 'string') throw new CheckpointError('invalid', `${where}: metadata "${key}" is missing`);
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw new CheckpointError('invalid', `${where}: metadata "${key}" is not valid JSON (${(e as Error).message})`);
    }
  };

  const unused = new Set(Object.keys(tensors));
  const weights: [string, Tensor][] = [];
  for (const name of Object.keys(tensors)) {
    if (name.startsWith(MODEL_PREFIX)) {
      weights.push([name.slice(MODEL_PREFIX.length), tensors[name]]);
      unused.delete(name);
    }
  }
  // fromEntries defines own properties, so a parameter named "__proto__" stays a parameter.
  const ckpt: Checkpoint = { spec: parsed('spec') as JsonValue, weights: Object.fromEntries(weights) };
  if (Object.hasOwn(meta, 'optimizer')) ckpt.optimizer = optimizerFromMetadata(parsed('optimizer'), tensors, unused, where);
  if (Object.hasOwn(meta, 'rng')) ckpt.rng = rngFromMetadata(parsed('rng'), where);
  if (Object.hasOwn(meta, 'data')) ckpt.data = parsed('data') as JsonValue;
  if (Object.hasOwn(meta, 'training')) ckpt.training = parsed('training') as JsonValue;
  if (unused.size > 0) {
    const names = [...unused].slice(0, 3).map((s) => `"${s}"`).join(', ');
    throw new CheckpointError('invalid', `${where}: tensors ${names}${unused.size > 3 ? ', ...' : ''} belong to nothing (expected "${MODEL_PREFIX}*" weights or "${OPTIMIZER_PREFIX}*" buffers the optimizer names)`);
  }
  return ckpt;
}

const ZERO_DIGITS = new TextEncoder().encode('00000000');

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The header length from the first 8 bytes, as a number (callers check it is plausible first). */
function headerLength(bytes: Uint8Array): number {
  return Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
}

/**
 * Whether the bytes start like a safetensors file (or a cut-short one): a header length within
 * safetensors' limit (so bytes 4..7 are zero and byte 3 small) followed by "{".
 */
function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 8) {
    // A cut-short length: every byte present must fit a plausible length, and the bytes must not
    // read as text or as a known file type (a real length has zero bytes: binary).
    const plausible = bytes.subarray(4).every((b) => b === 0) && (bytes.length < 4 || bytes[3] <= 0x05);
    return plausible && describeForeign(bytes).startsWith('an unrecognised binary');
  }
  const len = headerLength(bytes);
  return len >= 2 && len <= MAX_HEADER_BYTES && (bytes.length === 8 || bytes[8] === 0x7b);
}

/** Position of the checksum's 8 hex digits in the header, or -1. */
function findChecksum(bytes: Uint8Array, headerEnd: number): number {
  const mark = CHECKSUM_MARK;
  const last = headerEnd - mark.length - 8;
  outer: for (let i = 8; i <= last; i++) {
    for (let j = 0; j < mark.length; j++) if (bytes[i + j] !== mark[j]) continue outer;
    return i + mark.length;
  }
  return -1;
}

/** The message for a valid safetensors file that is not a recur checkpoint. */
function foreignSafetensors(meta: Record<string, unknown>, tensorNames: string[]): string {
  const shown = tensorNames.slice(0, 3).map((s) => `"${s}"`).join(', ');
  const tensors = `${tensorNames.length} tensor${tensorNames.length === 1 ? '' : 's'}${tensorNames.length > 0 ? `: ${shown}${tensorNames.length > 3 ? ', ...' : ''}` : ''}`;
  const what = meta.format === undefined
    ? 'a safetensors file without recur metadata'
    : `a safetensors file with format ${JSON.stringify(meta.format)}, not "${CHECKPOINT_FORMAT}"`;
  return `is not a recur checkpoint: it is ${what} (${tensors}) — a bare PyTorch state_dict? ` +
    'Load its weights with loadSafetensors(bytes) and module.loadStateDict(...)';
}
