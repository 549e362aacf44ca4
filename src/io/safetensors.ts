/**
 * safetensors (https://huggingface.co/docs/safetensors): read any common dtype into Float32
 * tensors, write Float32 tensors.
 *
 * File layout:
 *
 *   [8 bytes]  N, little-endian u64
 *   [N bytes]  UTF-8 JSON object, padded with spaces:
 *              { "__metadata__": { string: string },                  (optional)
 *                "<name>": { "dtype": "F32", "shape": [d0, d1, ...],
 *                            "data_offsets": [begin, end] }, ... }
 *   [rest]     data buffer; [begin, end) is relative to its first byte, elements are
 *              little-endian and row-major
 *
 * The reader treats the file as untrusted: every number in the header is checked against the file
 * before it is used, so no header can make us allocate more than the file holds or read outside it.
 * As the reference implementation (Rust `safetensors`) requires, the tensors' byte ranges must
 * cover the data buffer exactly: no overlaps, no holes, no trailing bytes. Header order and
 * byte order of tensors may differ (we sort by offset).
 *
 * The writer matches the reference: tensors laid out in sorted-name order (Unicode code point
 * order, as Rust and Python sort strings), header padded with spaces to a multiple of 8 so the
 * data buffer is 8-byte aligned. Metadata keys are sorted too (the reference uses a hash map, so it
 * has no order to match), which makes the bytes a function of the content alone.
 *
 * Deviation: every dtype is converted to Float32 on load, as recur computes in Float32. Integers
 * beyond 2^24 lose precision (rounded to nearest, ties to even, as PyTorch's `.float()` does).
 */
import { Tensor, shapeSize, shapeStr } from '../tensor/tensor.ts';

/** Thrown for a malformed safetensors file or for tensors/metadata that cannot be written. */
export class SafetensorsError extends Error {
  override readonly name = 'SafetensorsError';
}

/** The reference implementation rejects headers above this size (HeaderTooLarge). */
const MAX_HEADER_BYTES = 100_000_000;

/** Bytes per element of each dtype recur can read. */
const DTYPE_BYTES = {
  F64: 8,
  F32: 4,
  F16: 2,
  BF16: 2,
  I64: 8,
  I32: 4,
  I16: 2,
  I8: 1,
  U64: 8,
  U32: 4,
  U16: 2,
  U8: 1,
  BOOL: 1,
} as const;

type Dtype = keyof typeof DTYPE_BYTES;

const SUPPORTED = Object.keys(DTYPE_BYTES).join(', ');

function isDtype(s: string): s is Dtype {
  return Object.hasOwn(DTYPE_BYTES, s);
}

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** One validated header entry; begin/end are relative to the data buffer. */
interface Entry {
  name: string;
  dtype: Dtype;
  shape: number[];
  begin: number;
  end: number;
}

function fail(message: string): never {
  throw new SafetensorsError(`safetensors: ${message}`);
}

/** A short rendering of a header value for error messages. */
function show(value: unknown): string {
  if (value === undefined) return 'missing';
  const s = JSON.stringify(value);
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isCount(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}

/**
 * Read a safetensors file: its tensors (every dtype converted to Float32) and its `__metadata__`.
 * Throws {@link SafetensorsError} naming the tensor and what was expected when the file is malformed.
 *
 * @example
 * import { readFileSync } from 'node:fs';
 * const { tensors, metadata } = readSafetensors(readFileSync('lstm.safetensors'));
 * const H = Number(metadata.hiddenSize);
 * tensors['param.weight_ih'].shape; // [4 * H, D]
 */
export function readSafetensors(bytes: Uint8Array): {
  tensors: Record<string, Tensor>;
  metadata: Record<string, string>;
} {
  // Node's Buffer from readFileSync may be a slice of a shared pool: respect byteOffset.
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 8) {
    fail(`file is ${bytes.length} bytes, too short for the 8-byte header length`);
  }
  // Check the length against limits and the file before touching anything it points to.
  const headerLength64 = view.getBigUint64(0, true);
  if (headerLength64 > BigInt(MAX_HEADER_BYTES)) {
    fail(`header length is ${headerLength64} bytes, more than the ${MAX_HEADER_BYTES}-byte limit`);
  }
  if (headerLength64 > BigInt(bytes.length - 8)) {
    fail(
      `header length is ${headerLength64} bytes but only ${bytes.length - 8} bytes follow ` +
        `the 8-byte length (file is ${bytes.length} bytes)`,
    );
  }
  const headerLength = Number(headerLength64);
  const header = parseHeader(bytes.subarray(8, 8 + headerLength));

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  let metadata: [string, string][] = [];
  const entries: Entry[] = [];
  for (const [key, value] of Object.entries(header)) {
    if (key === '__metadata__') metadata = parseMetadata(value);
    else entries.push(parseEntry(key, value, dataLength));
  }
  checkCoverage(entries, dataLength);

  const tensors: [string, Tensor][] = entries.map((e) => {
    const out = new Float32Array(shapeSize(e.shape));
    decode(out, bytes, view, dataStart + e.begin, e.dtype);
    return [e.name, new Tensor(out, e.shape)];
  });
  // fromEntries defines own properties, so a tensor named "__proto__" stays a tensor.
  return { tensors: Object.fromEntries(tensors), metadata: Object.fromEntries(metadata) };
}

/**
 * Read the tensors of a safetensors file, every dtype converted to Float32; see {@link readSafetensors}.
 *
 * @example
 * import { readFileSync } from 'node:fs';
 * const params = loadSafetensors(readFileSync('model.safetensors'));
 * params['weight_ih_l0'].shape; // e.g. [16, 3]
 */
export function loadSafetensors(bytes: Uint8Array): Record<string, Tensor> {
  return readSafetensors(bytes).tensors;
}

function parseHeader(headerBytes: Uint8Array): Record<string, unknown> {
  if (headerBytes.length === 0) fail('header is empty (length 0), expected a JSON object');
  if (headerBytes[0] !== 0x7b) {
    const first = JSON.stringify(String.fromCharCode(headerBytes[0]));
    fail(`header starts with byte ${first}, expected a JSON object starting with "{"`);
  }
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(headerBytes);
  } catch {
    fail('header is not valid UTF-8');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    fail(`header is not valid JSON (${(e as Error).message})`);
  }
  if (!isObject(parsed)) fail(`header is ${show(parsed)}, expected a JSON object`);
  return parsed;
}

function parseMetadata(value: unknown): [string, string][] {
  // The reference reads `"__metadata__": null` as no metadata.
  if (value === null) return [];
  if (!isObject(value)) fail(`__metadata__ is ${show(value)}, expected an object of string values`);
  const out: [string, string][] = [];
  for (const [key, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      fail(`__metadata__ "${key}" is ${show(v)} (${typeof v}), expected a string`);
    }
    out.push([key, v]);
  }
  return out;
}

function parseEntry(name: string, value: unknown, dataLength: number): Entry {
  const what = `tensor "${name}"`;
  if (!isObject(value)) {
    fail(`${what} has header entry ${show(value)}, expected an object with "dtype", "shape" and "data_offsets"`);
  }

  const dtype = value.dtype;
  if (typeof dtype !== 'string') fail(`${what} has dtype ${show(dtype)}, expected a string such as "F32"`);
  if (!isDtype(dtype)) fail(`${what} has dtype "${dtype}", which is not supported; supported: ${SUPPORTED}`);

  const shape = value.shape;
  if (!Array.isArray(shape)) fail(`${what} has shape ${show(shape)}, expected an array of non-negative integers`);
  shape.forEach((d: unknown, i) => {
    if (!isCount(d)) fail(`${what} has shape ${show(shape)}: dimension ${i} is ${show(d)}, expected a non-negative integer`);
  });

  const offsets = value.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !isCount(offsets[0]) || !isCount(offsets[1])) {
    fail(`${what} has data_offsets ${show(offsets)}, expected [begin, end] with non-negative integers`);
  }
  const [begin, end] = offsets as [number, number];
  const offsetsStr = shapeStr([begin, end]);
  if (end < begin) fail(`${what} has data_offsets ${offsetsStr}: end is before begin`);

  // Dims are checked integers; a product beyond 2^53 is inexact but then far above any file size.
  const needed = shapeSize(shape) * DTYPE_BYTES[dtype];
  if (end - begin !== needed) {
    const exact = shape.reduce((n: bigint, d: number) => n * BigInt(d), BigInt(DTYPE_BYTES[dtype]));
    fail(`${what} has data_offsets ${offsetsStr} but shape ${shapeStr(shape)} of ${dtype} needs ${exact} bytes`);
  }
  if (end > dataLength) {
    fail(`${what} has data_offsets ${offsetsStr} but the data buffer is only ${dataLength} bytes`);
  }
  return { name, dtype, shape: shape as number[], begin, end };
}

/** The byte ranges must tile [0, dataLength) exactly, in any header order. */
function checkCoverage(entries: readonly Entry[], dataLength: number): void {
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let pos = 0;
  let prev: Entry | null = null;
  for (const e of byOffset) {
    if (e.begin < pos && prev !== null) {
      fail(
        `tensors "${prev.name}" (data_offsets ${shapeStr([prev.begin, prev.end])}) and ` +
          `"${e.name}" (data_offsets ${shapeStr([e.begin, e.end])}) overlap`,
      );
    }
    if (e.begin > pos) {
      const after = prev === null ? 'at the start of the data buffer' : `between "${prev.name}" and "${e.name}"`;
      fail(`data buffer bytes [${pos}, ${e.begin}) belong to no tensor (hole ${after})`);
    }
    pos = e.end;
    prev = e;
  }
  if (pos !== dataLength) {
    fail(`data buffer is ${dataLength} bytes but the tensors cover only the first ${pos} (${dataLength - pos} trailing bytes)`);
  }
}

/** Decode out.length elements of `dtype` starting at byte `start` of `bytes` (any alignment). */
function decode(out: Float32Array, bytes: Uint8Array, view: DataView, start: number, dtype: Dtype): void {
  const n = out.length;
  switch (dtype) {
    case 'F32':
      if (LITTLE_ENDIAN_HOST) {
        // Byte copy into the (aligned) output: no alignment needed on the input, NaN payloads kept.
        new Uint8Array(out.buffer).set(bytes.subarray(start, start + 4 * n));
      } else {
        for (let i = 0; i < n; i++) out[i] = view.getFloat32(start + 4 * i, true);
      }
      return;
    case 'F64':
      // Float32Array stores round to nearest, ties to even (like a C cast).
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(start + 8 * i, true);
      return;
    case 'F16':
      for (let i = 0; i < n; i++) out[i] = f16ToNumber(view.getUint16(start + 2 * i, true));
      return;
    case 'BF16': {
      // bf16 is the high half of an f32: shift into place and reinterpret.
      const bits = new Uint32Array(1);
      const asF32 = new Float32Array(bits.buffer);
      for (let i = 0; i < n; i++) {
        bits[0] = view.getUint16(start + 2 * i, true) << 16;
        out[i] = asF32[0];
      }
      return;
    }
    case 'I64':
      for (let i = 0; i < n; i++) out[i] = i64ToF32(view, start + 8 * i, true);
      return;
    case 'U64':
      for (let i = 0; i < n; i++) out[i] = i64ToF32(view, start + 8 * i, false);
      return;
    case 'I32':
      for (let i = 0; i < n; i++) out[i] = view.getInt32(start + 4 * i, true);
      return;
    case 'U32':
      for (let i = 0; i < n; i++) out[i] = view.getUint32(start + 4 * i, true);
      return;
    case 'I16':
      for (let i = 0; i < n; i++) out[i] = view.getInt16(start + 2 * i, true);
      return;
    case 'U16':
      for (let i = 0; i < n; i++) out[i] = view.getUint16(start + 2 * i, true);
      return;
    case 'I8':
      for (let i = 0; i < n; i++) out[i] = view.getInt8(start + i);
      return;
    case 'U8':
      for (let i = 0; i < n; i++) out[i] = bytes[start + i];
      return;
    case 'BOOL':
      for (let i = 0; i < n; i++) out[i] = bytes[start + i] !== 0 ? 1 : 0;
      return;
  }
}

/** IEEE half: 1 sign bit, 5 exponent bits (bias 15), 10 mantissa bits. Exact in Float32. */
function f16ToNumber(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24; // zero and subnormals
  if (exp === 0x1f) return mant === 0 ? sign * Infinity : NaN;
  return sign * (1024 + mant) * 2 ** (exp - 25);
}

/**
 * A 64-bit integer rounded once to Float32. Going through a double would round twice and can
 * differ from PyTorch's `.float()` above 2^53 (e.g. 2^60 + 2^36 + 1).
 */
function i64ToF32(view: DataView, pos: number, signed: boolean): number {
  const lo = view.getUint32(pos, true);
  const hi = signed ? view.getInt32(pos + 4, true) : view.getUint32(pos + 4, true);
  // |value| < 2^53: exact as a double, so the Float32 store is the only rounding.
  if (hi >= -0x200000 && hi < 0x200000) return hi * 2 ** 32 + lo;
  const big = signed ? view.getBigInt64(pos, true) : view.getBigUint64(pos, true);
  const negative = big < 0n;
  const mag = negative ? -big : big;
  // Keep 24 significant bits, round to nearest, ties to even; the rest is a power-of-two scale.
  const shift = BigInt(mag.toString(2).length - 24);
  let q = mag >> shift;
  const rem = mag - (q << shift);
  const half = 1n << (shift - 1n);
  if (rem > half || (rem === half && (q & 1n) === 1n)) q += 1n;
  const value = Number(q) * 2 ** Number(shift);
  return negative ? -value : value;
}

/** Code point order (as Rust and Python compare strings), not JavaScript's UTF-16 unit order. */
function compareCodePoints(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i) as number;
    const cb = b.codePointAt(j) as number;
    if (ca !== cb) return ca - cb;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  return (a.length - i) - (b.length - j);
}

/**
 * Write Float32 tensors (and optional string metadata) as a safetensors file. Tensors are laid out
 * in sorted-name order and the header is padded with spaces to a multiple of 8, as the reference
 * implementation does; equal inputs give identical bytes.
 *
 * @example
 * import { writeFileSync } from 'node:fs';
 * const w = new Tensor(new Float32Array([1, 2, 3, 4, 5, 6]), [2, 3]);
 * writeFileSync('w.safetensors', saveSafetensors({ weight: w }, { format: 'pt' }));
 */
export function saveSafetensors(tensors: Record<string, Tensor>, metadata?: Record<string, string>): Uint8Array {
  // Build the JSON by hand: JSON.stringify of an object would put integer-like keys ("2", "10")
  // first in numeric order, breaking the sorted layout.
  const fields: string[] = [];
  if (metadata !== undefined) {
    const pairs = Object.keys(metadata)
      .sort(compareCodePoints)
      .map((key) => {
        const v: unknown = metadata[key];
        if (typeof v !== 'string') fail(`__metadata__ "${key}" is ${show(v)} (${typeof v}), expected a string`);
        return `${JSON.stringify(key)}:${JSON.stringify(v)}`;
      });
    fields.push(`"__metadata__":{${pairs.join(',')}}`);
  }

  const names = Object.keys(tensors).sort(compareCodePoints);
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__') fail('a tensor cannot be named "__metadata__" (reserved for metadata)');
    const t = tensors[name];
    t.shape.forEach((d, i) => {
      if (!isCount(d)) fail(`tensor "${name}" has shape ${shapeStr(t.shape)}: dimension ${i} is not a non-negative integer`);
    });
    if (t.data.length !== shapeSize(t.shape)) {
      fail(`tensor "${name}" has ${t.data.length} elements but shape ${shapeStr(t.shape)} needs ${shapeSize(t.shape)}`);
    }
    const end = offset + 4 * t.data.length;
    fields.push(`${JSON.stringify(name)}:{"dtype":"F32","shape":[${t.shape.join(',')}],"data_offsets":[${offset},${end}]}`);
    offset = end;
  }

  const json = new TextEncoder().encode(`{${fields.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setBigUint64(0, BigInt(headerLength), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength); // space padding

  let pos = 8 + headerLength;
  for (const name of names) {
    const data = tensors[name].data;
    if (LITTLE_ENDIAN_HOST) {
      out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pos);
    } else {
      for (let i = 0; i < data.length; i++) view.setFloat32(pos + 4 * i, data[i], true);
    }
    pos += data.byteLength;
  }
  return out;
}
